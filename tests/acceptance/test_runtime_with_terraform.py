"""The plugin runtime against the real Terraform engines, through the test-only provider."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from harness.terraform import ROOT, Terraform

pytestmark = pytest.mark.terraform

PROVIDER = """
terraform {
  required_providers {
    testkit = { source = "test/testkit" }
  }
}
provider "testkit" {}
"""


def thing(body: str) -> str:
    return PROVIDER + f'resource "testkit_thing" "a" {{\n{body}\n}}\n'


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "store.json"


@pytest.fixture
def tf(terraform_factory: Callable[..., Terraform], store: Path) -> Terraform:
    return terraform_factory(TESTKIT_STORE=str(store))


def stored(store: Path) -> dict[str, dict[str, object]]:
    loaded: dict[str, dict[str, object]] = json.loads(store.read_text())
    return loaded


def change_actions(plan: dict[str, object]) -> dict[str, list[str]]:
    changes = plan.get("resource_changes") or []
    assert isinstance(changes, list)
    return {c["address"]: c["change"]["actions"] for c in changes}


def test_lifecycle_plan_apply_update_replace_destroy(tf: Terraform, store: Path) -> None:
    tf.write("main.tf", thing('name = "one"\nsize = 2\nslots = { a = { capacity = 1 } }'))
    tf.init()
    assert tf.run("validate", "-no-color").check()

    plan = tf.plan_json()
    assert change_actions(plan) == {"testkit_thing.a": ["create"]}
    after_unknown = plan["resource_changes"][0]["change"]["after_unknown"]
    assert after_unknown["id"] is True and after_unknown["fingerprint"] is True
    assert after_unknown["slots"]["a"]["serial"] is True

    tf.apply().check()
    created = tf.resources()["testkit_thing.a"]
    assert created["name"] == "one" and created["size"] == 2
    assert stored(store)[created["id"]]["fingerprint"] == created["fingerprint"]
    assert tf.detailed_plan().returncode == 0, "a plan right after apply must show no changes"

    # An in-place update keeps the id known in the plan (UseStateForUnknown) and the
    # unchanged slot's serial, while a new slot's serial is unknown.
    tf.write(
        "main.tf", thing('name = "one"\nsize = 3\nslots = { a = { capacity = 1 }, b = { capacity = 5 } }')
    )
    plan = tf.plan_json()
    change = plan["resource_changes"][0]["change"]
    assert change["actions"] == ["update"]
    assert change["after"]["id"] == created["id"]
    assert change["after"]["slots"]["a"]["serial"] == created["slots"]["a"]["serial"]
    assert change["after_unknown"]["slots"]["b"]["serial"] is True
    tf.apply().check()
    updated = tf.resources()["testkit_thing.a"]
    assert updated["id"] == created["id"] and updated["size"] == 3
    assert tf.detailed_plan().returncode == 0

    # A change under a requires-replace attribute is shown at its path.
    tf.write(
        "main.tf", thing('name = "one"\nsize = 3\nslots = { a = { capacity = 9 }, b = { capacity = 5 } }')
    )
    plan = tf.plan_json()
    change = plan["resource_changes"][0]["change"]
    assert change["actions"] == ["delete", "create"]
    assert change["replace_paths"] == [["slots", "a", "capacity"]]
    text = tf.plan().output
    assert "# forces replacement" in text

    tf.destroy().check()
    assert stored(store) == {}
    assert tf.resources() == {}


def test_drift_is_detected_and_repaired(tf: Terraform, store: Path) -> None:
    tf.write("main.tf", thing('name = "drifty"'))
    tf.init()
    tf.apply().check()
    store.write_text("{}")  # the object vanished behind Terraform's back
    plan = tf.plan_json()
    assert change_actions(plan) == {"testkit_thing.a": ["create"]}
    tf.apply().check()
    assert len(stored(store)) == 1


def test_validation_error_points_at_the_attribute(tf: Terraform) -> None:
    tf.write("main.tf", thing('name = "bad"\nsize = -1'))
    tf.init()
    result = tf.run("validate", "-no-color")
    assert result.returncode != 0
    assert "Invalid size" in result.output
    assert "size must be positive, got -1" in result.output
    assert re.search(r"on main\.tf line \d+, in resource \"testkit_thing\" \"a\":", result.output)
    assert "size = -1" in result.output  # Terraform quotes the offending line


def test_import_then_plan_shows_no_changes(tf: Terraform, store: Path) -> None:
    store.write_text(
        json.dumps(
            {
                "abc": {
                    "id": "abc",
                    "name": "adopted",
                    "size": None,
                    "labels": None,
                    "fingerprint": "f0",
                    "slots": None,
                    "timeouts": None,
                }
            }
        )
    )
    tf.write("main.tf", thing('name = "adopted"'))
    tf.init()
    tf.run("import", "-no-color", "testkit_thing.a", "abc").check()
    assert tf.resources()["testkit_thing.a"]["id"] == "abc"
    assert tf.detailed_plan().returncode == 0


def test_data_source_and_provider_schema(tf: Terraform, engine: str) -> None:
    tf.write(
        "main.tf",
        PROVIDER
        + """
data "testkit_echo" "e" {
  input = "hello"
}
output "shout" {
  value = data.testkit_echo.e.shout
}
""",
    )
    tf.init()
    tf.apply().check()
    assert json.loads(tf.run("output", "-json").check().stdout)["shout"]["value"] == "HELLO"

    schema = json.loads(tf.run("providers", "schema", "-json").check().stdout)
    provider = schema["provider_schemas"]["registry.terraform.io/test/testkit"]
    thing_schema = provider["resource_schemas"]["testkit_thing"]
    assert thing_schema["version"] == 1
    attributes = thing_schema["block"]["attributes"]
    assert attributes["name"]["required"] is True
    assert attributes["slots"]["nested_type"]["nesting_mode"] == "map"
    assert "testkit_echo" in provider["data_source_schemas"]
    if engine != "1.6.6":  # provider functions arrived in Terraform 1.8
        assert "reverse" in provider["functions"]


def test_provider_function(terraform_factory: Callable[..., Terraform], engine: str, store: Path) -> None:
    if engine == "1.6.6":
        pytest.skip("provider-defined functions need Terraform 1.8 or later")
    tf = terraform_factory(TESTKIT_STORE=str(store))
    tf.write("main.tf", PROVIDER + 'output "r" { value = provider::testkit::reverse("abc") }\n')
    tf.init()
    tf.apply().check()
    assert json.loads(tf.run("output", "-json").check().stdout)["r"]["value"] == "cba"

    tf.write("main.tf", PROVIDER + 'output "r" { value = provider::testkit::reverse("boom") }\n')
    failed = tf.plan()
    assert failed.returncode != 0 and "cannot reverse boom" in failed.output


def test_without_plugin_tls(terraform_factory: Callable[..., Terraform], store: Path) -> None:
    tf = terraform_factory(TESTKIT_STORE=str(store), TF_DISABLE_PLUGIN_TLS="1")
    tf.write("main.tf", thing('name = "plain"'))
    tf.init()
    tf.apply().check()
    assert tf.detailed_plan().returncode == 0
    tf.destroy().check()


def test_over_tcp_terraforms_own_certificate_is_admitted(
    terraform_factory: Callable[..., Terraform], store: Path
) -> None:
    """Terraform's P-521 client certificate, which grpcio cannot check, passes the pinning front."""
    tf = terraform_factory(TESTKIT_STORE=str(store), TESTKIT_TCP_ONLY="1")
    tf.write("main.tf", thing('name = "over-tcp"'))
    tf.init()
    result = tf.apply(env={"TF_LOG": "DEBUG"})
    result.check()
    assert "network=tcp" in result.stderr
    assert tf.detailed_plan().returncode == 0
    tf.destroy().check()


def test_provider_exits_promptly_after_each_command(tf: Terraform) -> None:
    tf.write("main.tf", thing('name = "quick"'))
    tf.init()
    result = tf.run("plan", "-no-color", env={"TF_LOG": "DEBUG"})
    assert result.returncode == 0
    assert "plugin exited" in result.stderr
    assert "plugin failed to exit gracefully" not in result.stderr


@pytest.fixture
def debug_provider(store: Path) -> Iterator[str]:
    """The test provider started by hand in debug mode; yields its TF_REATTACH_PROVIDERS."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "harness" / "testkit_provider.py"), "--debug"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "TESTKIT_STORE": str(store)},
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            match = re.search(r"TF_REATTACH_PROVIDERS='(.+)'", line)
            if match:
                yield match.group(1)
                break
        else:
            pytest.fail("debug mode printed no TF_REATTACH_PROVIDERS line")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_reattach_to_a_provider_in_debug_mode(tf: Terraform, debug_provider: str, store: Path) -> None:
    reattach = json.loads(debug_provider)
    assert reattach["registry.terraform.io/test/testkit"]["ProtocolVersion"] == 6
    tf.write("main.tf", thing('name = "attached"'))
    tf.init()
    tf.apply(env={"TF_REATTACH_PROVIDERS": debug_provider}).check()
    assert len(stored(store)) == 1

"""Provider settings known only after apply, against the real Terraform engines.

No GA Terraform CLI allows deferrals in a plan (1.6.6 has none; 1.15.5 only with -allow-deferral in
experimental builds), so Terraform sees the runtime's other answers: a new resource is planned by
the runtime's own rules and created once the apply walk configures the provider with known
values; a refresh, an import or a data source read fails with an error that names the settings
and suggests -target. The deferral answers themselves are checked in tests/unit/engine.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from harness.snooze import assert_state_matches
from harness.terraform import Result, Terraform
from snooze_emulator import Emulator

pytestmark = pytest.mark.terraform

TESTKIT = """
terraform {
  required_providers {
    testkit = { source = "test/testkit" }
  }
}
variable "seed" {
  default = "one"
}
resource "terraform_data" "seed" {
  input = var.seed
}
provider "testkit" {
  prefix = terraform_data.seed.output
}
resource "testkit_thing" "a" {
  name = "late"
}
"""
ECHO = 'data "testkit_echo" "e" {\n  input = "hi"\n}\n'


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "store.json"


@pytest.fixture
def tf(terraform_factory: Callable[..., Terraform], store: Path) -> Terraform:
    tf = terraform_factory(TESTKIT_STORE=str(store))
    tf.write("main.tf", TESTKIT)
    tf.init()
    return tf


def assert_names_the_setting(result: Result, setting: str, operation: str) -> None:
    assert result.returncode == 1
    assert "Error: Provider configuration not known yet" in result.output
    text = " ".join(result.output.split())  # Terraform wraps the detail
    assert f"The provider setting `{setting}` is known only after apply" in text
    assert f"cannot {operation} now" in text and "terraform apply -target=ADDRESS" in text
    assert "Unexpected provider error" not in result.output and "Plugin error" not in result.output


def test_a_resource_is_planned_then_created_once_the_settings_are_known(tf: Terraform, store: Path) -> None:
    plan = tf.plan_json()
    (change,) = [c["change"] for c in plan["resource_changes"] if c["address"] == "testkit_thing.a"]
    assert change["actions"] == ["create"]
    assert change["after_unknown"]["id"] is True and change["after"]["name"] == "late"

    tf.apply().check()
    created = tf.resources()["testkit_thing.a"]
    assert list(json.loads(store.read_text())) == [created["id"]]
    assert tf.detailed_plan().returncode == 0


def test_a_refresh_with_unknown_settings_fails_clearly(tf: Terraform) -> None:
    tf.apply().check()
    assert_names_the_setting(tf.plan("-var", "seed=two"), "prefix", "read testkit_thing")
    # Without a refresh, the plan needs nothing from the provider: the runtime plans it.
    planned = tf.plan_json("-var", "seed=two", "-refresh=false")
    actions = {c["address"]: c["change"]["actions"] for c in planned["resource_changes"]}
    assert actions == {"terraform_data.seed": ["update"], "testkit_thing.a": ["no-op"]}


def test_a_data_source_with_unknown_settings_fails_clearly(tf: Terraform) -> None:
    tf.write("main.tf", TESTKIT + ECHO)
    assert_names_the_setting(tf.plan(), "prefix", "read the data source testkit_echo")


def test_an_import_block_with_unknown_settings_fails_clearly(tf: Terraform) -> None:
    tf.write("main.tf", TESTKIT + 'import {\n  to = testkit_thing.a\n  id = "abc"\n}\n')
    assert_names_the_setting(tf.plan(), "prefix", "import testkit_thing")


SNOOZE = """
terraform {
  required_providers {
    snooze = { source = "snoozesoftware/snooze" }
  }
}
resource "terraform_data" "bootstrap" {
  input = "%s"
}
provider "snooze" {
  bootstrap_urls = [terraform_data.bootstrap.output]
  poll_interval  = "100ms"
}
"""
CLUSTER = """
resource "snooze_virtual_cluster" "web" {
  virtual_machines = {
    worker1 = { vcpus = 1, memory = 131072, image_id = "debian.qcow2" }
  }
}
"""


def test_snooze_bootstrap_urls_known_only_after_apply(
    terraform_factory: Callable[..., Terraform], emulator: Emulator
) -> None:
    tf = terraform_factory()
    tf.write("main.tf", SNOOZE % emulator.bootstrap_url + 'data "snooze_local_controllers" "all" {}\n')
    tf.init()
    assert_names_the_setting(tf.plan(), "bootstrap_urls", "read the data source snooze_local_controllers")

    tf.write("main.tf", SNOOZE % emulator.bootstrap_url + CLUSTER)
    tf.apply().check()
    assert sorted(assert_state_matches(tf, emulator)) == ["worker1"]
    assert tf.detailed_plan().returncode == 0

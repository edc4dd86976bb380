"""docs/ is generated: it must match the schemas and examples, and document every attribute."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from harness.terraform import ROOT, Terraform
from terraform_provider_snooze import docs
from terraform_provider_snooze.docs import render_all
from terraform_provider_snooze.local_controllers.data_source import LocalControllersDataSource
from terraform_provider_snooze.provider import SnoozeProvider
from terraform_provider_snooze.runtime import cty
from terraform_provider_snooze.runtime.docgen import Page, render_page
from terraform_provider_snooze.runtime.planmodifiers import RequiresReplace
from terraform_provider_snooze.runtime.schema import Attribute, Block, NestedBlock, Nesting, Schema
from terraform_provider_snooze.virtual_cluster.schema import VIRTUAL_CLUSTER_SCHEMA

SCHEMAS = {
    "index.md": SnoozeProvider.schema,
    "resources/virtual_cluster.md": VIRTUAL_CLUSTER_SCHEMA,
    "data-sources/local_controllers.md": LocalControllersDataSource.schema,
}


def test_docs_are_up_to_date() -> None:
    for relative, content in render_all(ROOT).items():
        committed = ROOT / "docs" / relative
        assert committed.exists(), f"docs/{relative} is missing: run `make docs`"
        assert committed.read_text() == content, f"docs/{relative} is stale: run `make docs`"


def test_check_names_stale_pages_and_writing_fixes_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "docs"
    assert docs.main(["--root", str(ROOT), "--out", str(out), "--check"]) == 1
    assert "stale: " + str(out / "index.md") in capsys.readouterr().err
    assert docs.main(["--root", str(ROOT), "--out", str(out)]) == 0
    assert docs.main(["--root", str(ROOT), "--out", str(out), "--check"]) == 0
    (out / "resources" / "virtual_cluster.md").write_text("edited by hand\n")
    assert docs.main(["--root", str(ROOT), "--out", str(out), "--check"]) == 1
    err = capsys.readouterr().err
    assert "virtual_cluster.md" in err and "index.md" not in err


def test_render_page_marks_deprecation_sensitivity_and_replacement() -> None:
    schema = Schema(
        block=Block(
            description="A thing.",
            deprecation_message="Use other_thing.",
            attributes={
                "secret": Attribute(type=cty.STRING, optional=True, sensitive=True, description="Hidden."),
                "size": Attribute(
                    type=cty.NUMBER, required=True, plan_modifiers=(RequiresReplace(),), description="Size."
                ),
                "old": Attribute(type=cty.BOOL, computed=True, deprecation_message="Gone soon."),
            },
            blocks={
                "part": NestedBlock(
                    nesting=Nesting.LIST,
                    min_items=1,
                    block=Block(description="A part.", deprecation_message="Parts go away."),
                )
            },
        )
    )
    page = render_page(Page(name="x_thing", kind="Resource", schema=schema, provider_name="x"))
    assert "~> **Deprecated** Use other_thing." in page
    assert "- `secret` (String, Sensitive) Hidden." in page
    assert "- `size` (Number) Size. Changing this forces a replacement." in page
    assert "- `old` (Boolean) **Deprecated** Gone soon.\n" in page
    assert "- `part` (Block List, Min: 1) **Deprecated** Parts go away. A part. (see" in page
    assert page.index("### Required") < page.index("### Read-Only")


@pytest.mark.parametrize("relative", sorted(SCHEMAS))
def test_every_attribute_is_documented(relative: str) -> None:
    page = (ROOT / "docs" / relative).read_text()
    for path, attribute in SCHEMAS[relative].walk_attributes():
        name = path.steps[-1].name  # type: ignore[union-attr]
        assert f"- `{name}` (" in page, f"{path} is not documented in docs/{relative}"
        assert attribute.description.strip()[:40] in page, f"{path} has no description in docs/{relative}"


@pytest.mark.terraform
@pytest.mark.parametrize(
    "example",
    ["resources/snooze_virtual_cluster/resource.tf", "data-sources/snooze_local_controllers/data-source.tf"],
)
def test_documentation_examples_are_valid_configuration(
    terraform_factory: Callable[..., Terraform], example: str
) -> None:
    tf = terraform_factory()
    tf.write(
        "versions.tf",
        'terraform {\n  required_providers {\n    snooze = { source = "snoozesoftware/snooze" }\n  }\n}\n',
    )
    examples = ROOT / "examples"
    shutil.copy(examples / "provider" / "provider.tf", tf.workdir / "provider.tf")
    shutil.copy(examples / example, tf.workdir / "example.tf")
    shutil.copy(examples / "scenarios" / "quickstart" / "debian1.xml", tf.workdir / "debian1.xml")
    tf.init()
    tf.run("validate", "-no-color").check()

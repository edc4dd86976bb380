"""docs/ is generated: it must match the schemas and examples, and document every attribute."""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest
from harness.terraform import ROOT, Terraform
from terraform_provider_snooze.docs import render_all
from terraform_provider_snooze.local_controllers import LocalControllersDataSource
from terraform_provider_snooze.provider import SnoozeProvider
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
    shutil.copy(examples / "quickstart" / "debian1.xml", tf.workdir / "debian1.xml")
    tf.init()
    tf.run("validate", "-no-color").check()

"""Fixtures shared by the test suites: Terraform engines and a local provider mirror."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from harness.terraform import ENGINES, ROOT, Terraform, install_provider

TESTKIT_SOURCE = "registry.terraform.io/test/testkit"
SNOOZE_SOURCE = "registry.terraform.io/snoozesoftware/snooze"


@pytest.fixture(scope="session")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A filesystem mirror holding the test-only provider and the Snooze provider."""
    path = tmp_path_factory.mktemp("mirror")
    python = sys.executable
    install_provider(
        path, TESTKIT_SOURCE, "0.0.1", [python, str(ROOT / "tests" / "harness" / "testkit_provider.py")]
    )
    install_provider(path, SNOOZE_SOURCE, "0.1.0", [str(Path(python).parent / "terraform-provider-snooze")])
    return path


@pytest.fixture(params=sorted(ENGINES, reverse=True))
def engine(request: pytest.FixtureRequest) -> str:
    version: str = request.param
    return version


@pytest.fixture
def terraform_factory(mirror: Path, tmp_path: Path, engine: str) -> Callable[..., Terraform]:
    counter = iter(range(1000))

    def make(**env: str) -> Terraform:
        return Terraform(ENGINES[engine], tmp_path / f"work{next(counter)}", mirror, dict(env))

    return make

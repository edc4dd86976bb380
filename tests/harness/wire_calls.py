"""Snooze calls as a client puts them on the wire, against a fast emulator started per test."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from snooze_emulator import Emulator, EmulatorConfig, Timing

FAST = Timing(collection_delay=0.1, removal_delay=0.1, migration_delay=0.2, summary_delay=0.0)
# Generous: a deadline only bounds how long a broken test takes to fail, on however busy a machine.
PATIENCE = 30.0
# The seed example's debian1 template, as the Snooze documentation submits it.
SEED = json.loads((Path(__file__).parent.parent / "fixtures" / "debian1-seed.json").read_text())[
    "libVirtTemplate"
]


# Every emulator started through start(): the contract tests' fixture stops each at teardown and
# fails the test if an internal error (a bug in the emulator) happened.
STARTED: list[Emulator] = []


def start(**overrides: Any) -> Emulator:
    emulator = Emulator(EmulatorConfig(**{"base_port": 0, "timing": FAST, **overrides})).start()
    STARTED.append(emulator)
    return emulator


def post(
    url: str, body: Any = None, *, raw: str | None = None, content_type: str | None = None
) -> httpx.Response:
    headers = {"Content-Type": content_type} if content_type else {}
    if raw is not None:
        return httpx.post(url, content=raw.encode(), headers=headers)
    if body is not None:
        return httpx.post(
            url, content=json.dumps(body).encode(), headers=headers or {"Content-Type": "application/json"}
        )
    return httpx.post(url, headers=headers)


def template(
    name: str, vcpus: int = 1, memory: int = 262144, image: str = "debian.qcow2", **extra: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "vcpus": vcpus,
        "memory": memory,
        "imageId": image,
        "networkCapacityDemand": {"rxBytes": 0, "txBytes": 0},
        **extra,
    }


def submit(emu: Emulator, *templates: dict[str, Any]) -> str:
    answer = post(
        f"{emu.group_leader_url}/groupmanager?startVirtualCluster",
        {"virtualMachineTemplates": list(templates)},
    )
    assert answer.status_code == 200 and answer.text, answer.text
    return answer.text


def result(emu: Emulator, task_id: str, timeout: float = PATIENCE) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = post(f"{emu.group_leader_url}/groupmanager?getVirtualClusterResponse", raw=task_id)
        if answer.content:
            data: dict[str, Any] = answer.json()
            return data
        time.sleep(0.02)
    raise AssertionError(f"no result for {task_id}")


def run(emu: Emulator, *templates: dict[str, Any]) -> list[dict[str, Any]]:
    vms: list[dict[str, Any]] = result(emu, submit(emu, *templates))["virtualMachineMetaData"]
    return vms


def metadata(emu: Emulator, location: dict[str, Any]) -> dict[str, Any]:
    gm = location["groupManagerControlDataAddress"]
    answer = post(
        f"http://{gm['address']}:{gm['port']}/groupmanager?getVirtualMachineMetaData",
        {"virtualMachineLocation": location, "numberOfMonitoringEntries": 0},
    )
    assert answer.status_code == 200
    data: dict[str, Any] = answer.json()
    return data


def wait_for(check: Callable[[], object], timeout: float = PATIENCE) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def emulator_help() -> str:
    """What `snooze-emulator --help` prints."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "snooze-emulator"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

"""What each fault kind does to the call: answered without running it, run late, or run with its
answer lost. A client's reconciliation depends on which of these happened."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from harness.wire_calls import emulator_help, metadata, post, run, template, wait_for
from snooze_emulator import Emulator


def suspend(emu: Emulator, vm: dict[str, Any], timeout: float = 5.0) -> httpx.Response:
    address = vm["groupManagerControlDataAddress"]
    return httpx.post(
        f"http://{address['address']}:{address['port']}/groupmanager?suspendVirtualMachine",
        json=vm["virtualMachineLocation"],
        timeout=timeout,
    )


def status(emu: Emulator, vm: dict[str, Any]) -> str:
    return str(metadata(emu, vm["virtualMachineLocation"])["status"])


@pytest.mark.parametrize(
    ("kind", "status_code", "body"),
    [("http500", 500, None), ("false", 200, b"false"), ("null", 200, b""), ("drop", None, None)],
)
def test_answering_kinds_do_not_run_the_call(
    emu: Emulator, kind: str, status_code: int | None, body: bytes | None
) -> None:
    (vm,) = run(emu, template("a"))
    emu.inject_fault("suspendVirtualMachine", kind)
    if status_code is None:
        with pytest.raises(httpx.TransportError):
            suspend(emu, vm)
    else:
        answer = suspend(emu, vm)
        assert answer.status_code == status_code
        assert body is None or answer.content == body
    assert status(emu, vm) == "RUNNING", f"{kind}: not run"
    assert suspend(emu, vm).text == "true", "the next call is normal again"
    assert status(emu, vm) == "PAUSED"


def test_null_is_204_for_a_get(emu: Emulator) -> None:
    emu.inject_fault("getLocalControllerList", "null")
    answer = httpx.get(f"{emu.group_leader_url}/groupmanager?getLocalControllerList")
    assert (answer.status_code, answer.content) == (204, b"")


def test_delay_sleeps_then_runs_the_call_after_the_client_gave_up(emu: Emulator) -> None:
    (vm,) = run(emu, template("a"))
    emu.inject_fault("suspendVirtualMachine", "delay", seconds=3.0)
    began = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        suspend(emu, vm, timeout=0.2)
    with emu.cluster.lock:  # the delayed call cannot run meanwhile
        looked = time.monotonic() - began
        (now,) = emu.vms()
    if looked < 3.0:  # the sleep had not ended: the call cannot have run (a slow machine may look later)
        assert now["status"] == "RUNNING", "not yet: the call runs after the delay"
    wait_for(lambda: status(emu, vm) == "PAUSED")
    assert time.monotonic() - began >= 3.0


def test_delay_answers_late_a_client_that_waits(emu: Emulator) -> None:
    (vm,) = run(emu, template("a"))
    emu.inject_fault("suspendVirtualMachine", "delay", seconds=0.3)
    began = time.monotonic()
    assert suspend(emu, vm).text == "true"
    assert time.monotonic() - began >= 0.3
    assert status(emu, vm) == "PAUSED"


def test_drop_after_runs_the_call_and_loses_the_answer(emu: Emulator) -> None:
    (vm,) = run(emu, template("a"))
    emu.inject_fault("suspendVirtualMachine", "drop_after", count=2)
    with pytest.raises(httpx.RemoteProtocolError):
        suspend(emu, vm)
    assert status(emu, vm) == "PAUSED", "the effect happened"
    with pytest.raises(httpx.RemoteProtocolError):
        suspend(emu, vm)  # refused (already PAUSED), and that answer is lost too
    assert suspend(emu, vm).text == "false"


def test_drop_after_a_submission_starts_the_vms(emu: Emulator) -> None:
    emu.inject_fault("startVirtualCluster", "drop_after")
    with pytest.raises(httpx.RemoteProtocolError):
        post(
            f"{emu.bootstrap_url}/bootstrap?startVirtualCluster", {"virtualMachineTemplates": [template("a")]}
        )
    wait_for(lambda: [vm["status"] for vm in emu.vms()] == ["RUNNING"])


def test_drop_after_through_the_control_api(emu: Emulator) -> None:
    answer = httpx.post(
        f"{emu.admin_url}/faults", json={"method": "getGroupLeaderDescription", "kind": "drop_after"}
    )
    assert answer.status_code == 200
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{emu.bootstrap_url}/bootstrap?getGroupLeaderDescription")
    assert httpx.get(f"{emu.bootstrap_url}/bootstrap?getGroupLeaderDescription").status_code == 200


def test_help_lists_the_fault_kinds() -> None:
    help_text = emulator_help()
    for kind in ("http500", "drop_after", "delay", "false", "null"):
        assert kind in help_text

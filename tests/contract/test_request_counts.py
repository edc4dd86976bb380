"""Snooze calls counted per component and method: what a client's request budget is checked against."""

from __future__ import annotations

import httpx
import pytest
from harness.wire_calls import emulator_help, post, run, template
from snooze_emulator import Emulator

NOTHING: dict[str, dict[str, int]] = {"bootstrap": {}, "groupmanager": {}, "localcontroller": {}}


def test_calls_are_counted_per_component_and_method(emu: Emulator) -> None:
    assert emu.request_counts() == NOTHING
    (vm,) = run(emu, template("a"))  # one submission, polled until the result is there
    httpx.get(f"{emu.bootstrap_url}/bootstrap?getGroupLeaderDescription")
    httpx.get(f"{emu.bootstrap_url}/bootstrap?getGroupLeaderDescription")
    post(f"{emu.bootstrap_url}/bootstrap?getVirtualMachineDescriptions", {})
    post(
        f"{emu.group_manager_urls[0]}/groupmanager?getVirtualMachineMetaData", {"virtualMachineLocation": {}}
    )
    post(f"{emu.local_controller_urls[0]}/localcontroller?getVirtualMachines", raw="0")
    counts = emu.request_counts()
    assert counts["bootstrap"] == {"getGroupLeaderDescription": 2, "getVirtualMachineDescriptions": 1}
    polls = counts["groupmanager"].pop("getVirtualClusterResponse")
    assert polls >= 1
    assert counts["groupmanager"] == {"startVirtualCluster": 1, "getVirtualMachineMetaData": 1}
    assert counts["localcontroller"] == {"getVirtualMachines": 1}
    assert vm["status"] == "RUNNING"


def test_only_calls_that_reach_a_method_count(emu: Emulator) -> None:
    bootstrap = emu.bootstrap_url
    assert httpx.get(f"{bootstrap}/bootstrap?getGroupLeaderDescription=").status_code == 405
    assert httpx.post(f"{bootstrap}/bootstrap?getGroupLeaderDescription").status_code == 405
    assert httpx.get(f"{bootstrap}/groupmanager?getGroupLeaderDescription").status_code == 404
    assert httpx.post(f"{bootstrap}/bootstrap?noSuchMethod").status_code == 405
    assert httpx.post(f"{bootstrap}/bootstrap?startVirtualCluster", content=b"{").status_code == 415
    assert httpx.post(f"{bootstrap}/bootstrap?getVirtualClusterResponse").status_code == 500
    assert emu.request_counts()["bootstrap"] == {"startVirtualCluster": 1, "getVirtualClusterResponse": 1}


@pytest.mark.parametrize("kind", ["http500", "drop", "false", "null"])
def test_faulted_calls_count(emu: Emulator, kind: str) -> None:
    emu.inject_fault("getGroupLeaderDescription", kind, count=2)
    for _ in range(3):
        try:
            httpx.get(f"{emu.bootstrap_url}/bootstrap?getGroupLeaderDescription")
        except httpx.TransportError:
            assert kind == "drop"
    assert emu.request_counts()["bootstrap"] == {"getGroupLeaderDescription": 3}


def test_control_api_reads_and_resets_the_counts(emu: Emulator) -> None:
    admin = emu.admin_url
    httpx.get(f"{emu.group_leader_url}/groupmanager?getLocalControllerList")
    httpx.get(f"{emu.group_leader_url}/groupmanager?getLocalControllerList")
    expected = {**NOTHING, "groupmanager": {"getLocalControllerList": 2}}
    assert httpx.get(f"{admin}/requests").json() == expected
    httpx.get(f"{admin}/state")  # control API calls are not Snooze calls
    assert emu.request_counts() == expected
    assert httpx.delete(f"{admin}/requests").json() == {"cleared": True}
    assert httpx.get(f"{admin}/requests").json() == NOTHING
    httpx.get(f"{emu.bootstrap_url}/bootstrap?getGroupLeaderDescription")
    emu.reset_request_counts()
    assert emu.request_counts() == NOTHING


def test_help_documents_the_counts() -> None:
    help_text = emulator_help()
    assert "GET    /requests" in help_text and "DELETE /requests" in help_text

"""A bug inside the emulator is never mistaken for Snooze's behaviour: the client gets a 599 that
says so, the traceback is logged, and the emulator reports it until a test fails on it. Snooze's
own failures (a Java exception: 500) are no such thing. These tests build their emulators
themselves: the fixture that checks every other test's emulators would fail them."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import httpx
import pytest
from harness.wire_calls import FAST, PATIENCE, post
from snooze_emulator import Emulator, EmulatorBug, EmulatorConfig
from snooze_emulator.group_manager import GroupManagerNode


def broken_search(self: GroupManagerNode, name: str) -> str | None:
    raise KeyError("a bug")


@pytest.fixture
def buggy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    monkeypatch.setattr(GroupManagerNode, "search", broken_search)
    emulator = Emulator(EmulatorConfig(base_port=0, timing=FAST)).start()
    yield emulator
    emulator.stop()


def search(emu: Emulator) -> httpx.Response:
    return post(f"{emu.group_manager_urls[0]}/groupmanager?searchVirtualMachine", raw="a")


def test_the_client_gets_a_599_that_names_the_bug(buggy: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="snooze_emulator"):
        answer = search(buggy)
    assert answer.status_code == 599
    assert answer.text.startswith(
        "snooze-emulator internal error (a bug in the emulator, not Snooze behaviour)"
    )
    assert "KeyError" in answer.text
    (record,) = [r for r in caplog.records if r.name == "snooze_emulator"]
    assert "groupmanager?searchVirtualMachine" in record.getMessage()
    assert "Traceback" in record.getMessage() and "broken_search" in record.getMessage()


def test_the_emulator_reports_it_and_serves_on(buggy: Emulator) -> None:
    search(buggy)
    search(buggy)
    first, _ = buggy.internal_errors()
    assert first.startswith("groupmanager?searchVirtualMachine: Traceback")
    assert buggy.state()["internalErrors"] == 2
    assert len(httpx.get(f"{buggy.admin_url}/errors").json()["internalErrors"]) == 2
    assert httpx.get(f"{buggy.bootstrap_url}/bootstrap?getGroupLeaderDescription").status_code == 200
    with pytest.raises(EmulatorBug, match="2 internal error"):
        buggy.check()


def test_leaving_a_with_block_fails_on_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(GroupManagerNode, "search", broken_search)
    with pytest.raises(EmulatorBug), Emulator(EmulatorConfig(base_port=0, timing=FAST)) as emu:
        search(emu)


def test_a_failing_timer_is_reported_and_later_timers_still_run() -> None:
    emu = Emulator(EmulatorConfig(base_port=0, timing=FAST)).start()
    try:
        ran = threading.Event()
        emu.cluster.scheduler.after(0, lambda: [][0])
        emu.cluster.scheduler.after(0.01, ran.set)
        assert ran.wait(PATIENCE)
        (error,) = emu.internal_errors()
        assert error.startswith("a background timer: Traceback") and "IndexError" in error
    finally:
        emu.stop()


def test_snoozes_own_failures_are_no_internal_errors() -> None:
    with Emulator(EmulatorConfig(base_port=0, timing=FAST)) as emu:
        gm = emu.group_manager_urls[0]
        assert post(f"{gm}/groupmanager?getVirtualMachineMetaData", {}).status_code == 500  # an NPE
        assert httpx.get(f"{gm}/groupmanager?suspendEnergySaver").status_code == 500
        emu.inject_fault("getLocalControllerList", "http500")
        assert httpx.get(f"{emu.group_leader_url}/groupmanager?getLocalControllerList").status_code == 500
        assert post(f"{emu.group_leader_url}/groupmanager?startVirtualCluster", raw="{").status_code == 415
        assert emu.internal_errors() == []


def test_a_bug_in_the_control_api_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    emu = Emulator(EmulatorConfig(base_port=0, timing=FAST)).start()
    try:
        monkeypatch.setattr(Emulator, "quirks", lambda self: 1 / 0)
        answer = httpx.get(f"{emu.admin_url}/quirks")
        assert answer.status_code == 500 and "internal error" in answer.json()["error"]
        (error,) = emu.internal_errors()
        assert "ZeroDivisionError" in error
        assert httpx.get(f"{emu.admin_url}/state").status_code == 200
    finally:
        emu.stop()

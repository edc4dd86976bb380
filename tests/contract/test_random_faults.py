"""Random faults at a rate: every Snooze call may fail, repeatably with a seed; the control API never."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from harness.wire_calls import emulator_help, post, start
from snooze_emulator import Emulator

KINDS = ["http500", "delay", "drop", "drop_after", "false", "null"]


def leader_description(emu: Emulator) -> str:
    """What one call got: a status and body, or the transport error."""
    try:
        answer = httpx.get(f"{emu.bootstrap_url}/bootstrap?getGroupLeaderDescription", timeout=5)
    except httpx.TransportError as error:
        return type(error).__name__
    return f"{answer.status_code} {answer.content[:5]!r}"


def outcomes(emu: Emulator, calls: int) -> list[str]:
    return [leader_description(emu) for _ in range(calls)]


def test_every_call_of_every_component_at_rate_one(emu: Emulator) -> None:
    emu.inject_random_faults(1.0, kinds=["false"])
    assert httpx.get(f"{emu.bootstrap_url}/bootstrap?getGroupLeaderDescription").text == "false"
    assert httpx.get(f"{emu.group_leader_url}/groupmanager?getLocalControllerList").text == "false"
    assert post(f"{emu.local_controller_urls[0]}/localcontroller?getVirtualMachines", raw="0").text == "false"
    assert emu.fault_report()["fired"] == {kind: 3 if kind == "false" else 0 for kind in KINDS}
    counts = emu.request_counts()
    assert sum(sum(methods.values()) for methods in counts.values()) == 3, "faulted calls count"


def test_the_control_api_is_never_faulted(emu: Emulator) -> None:
    emu.inject_random_faults(1.0, kinds=["http500", "drop"])
    admin = emu.admin_url
    assert httpx.get(f"{admin}/state").status_code == 200
    assert httpx.get(f"{admin}/faults").json()["fired"] == dict.fromkeys(KINDS, 0)
    assert httpx.delete(f"{admin}/requests").status_code == 200
    assert httpx.post(f"{admin}/quirks", json={}).status_code == 200


def test_rate_zero_faults_nothing(emu: Emulator) -> None:
    emu.inject_random_faults(0.0)
    assert set(outcomes(emu, 20)) == {"200 b'{\"id\"'"}


def test_each_call_fails_independently_at_the_rate() -> None:
    with start() as emu:
        emu.inject_random_faults(0.25, kinds=["http500"], seed=7)
        faulted = outcomes(emu, 200).count("500 b'<html'")
    assert 25 <= faulted <= 75, faulted  # fixed by the seed; about 50 expected
    assert emu.fault_report()["fired"]["http500"] == faulted


def test_a_seed_repeats_the_same_faults() -> None:
    def sequence(seed: int) -> list[str]:
        with start() as emu:
            emu.inject_random_faults(0.5, kinds=["http500", "false", "null", "drop"], seed=seed)
            return outcomes(emu, 40)

    first = sequence(42)
    assert len(set(first)) == 5, "every kind, and calls that went through"
    assert sequence(42) == first
    assert sequence(43) != first


def test_every_kind_is_drawn_and_reported(emu: Emulator) -> None:
    emu.inject_random_faults(1.0, seconds=0.01, seed=1)
    got = outcomes(emu, 60)
    fired = emu.fault_report()["fired"]
    assert set(fired) == set(KINDS) and all(fired[kind] > 0 for kind in KINDS), fired
    assert sum(fired.values()) == 60 == emu.request_counts()["bootstrap"]["getGroupLeaderDescription"]
    # delay answers, only late; drop and drop_after lose the answer.
    assert got.count("200 b'{\"id\"'") == fired["delay"]
    assert got.count("RemoteProtocolError") == fired["drop"] + fired["drop_after"]


def test_methods_and_components_narrow_the_faults(emu: Emulator) -> None:
    emu.inject_random_faults(1.0, kinds=["http500"], methods=["getLocalControllerList"])
    assert httpx.get(f"{emu.group_leader_url}/groupmanager?getLocalControllerList").status_code == 500
    assert httpx.get(f"{emu.bootstrap_url}/bootstrap?getLocalControllerList").status_code == 500
    assert httpx.get(f"{emu.bootstrap_url}/bootstrap?getGroupLeaderDescription").status_code == 200
    emu.inject_random_faults(1.0, kinds=["http500"], components=["groupmanager"])
    assert httpx.get(f"{emu.group_leader_url}/groupmanager?getLocalControllerList").status_code == 500
    assert httpx.get(f"{emu.bootstrap_url}/bootstrap?getLocalControllerList").status_code == 200


def test_injected_faults_come_first(emu: Emulator) -> None:
    emu.inject_random_faults(1.0, kinds=["false"])
    emu.inject_fault("getGroupLeaderDescription", "http500")
    assert outcomes(emu, 2) == ["500 b'<html'", "200 b'false'"]
    assert emu.fault_report()["fired"] == {**dict.fromkeys(KINDS, 0), "http500": 1, "false": 1}


def test_control_api_sets_reports_and_clears_random_faults(emu: Emulator) -> None:
    admin = emu.admin_url
    settings: dict[str, Any] = {
        "rate": 1.0,
        "kinds": ["null"],
        "methods": None,
        "components": ["bootstrap"],
        "seconds": 0.5,
        "seed": 42,
    }
    assert httpx.post(f"{admin}/faults/random", json=settings).json() == {"random": settings}
    httpx.post(f"{admin}/faults", json={"method": "getLocalControllerList", "kind": "drop", "count": 3})
    assert leader_description(emu) == "204 b''"
    assert httpx.get(f"{admin}/faults").json() == {
        "injected": [{"method": "getLocalControllerList", "kind": "drop", "remaining": 3, "seconds": 0.0}],
        "random": settings,
        "fired": {**dict.fromkeys(KINDS, 0), "null": 1},
    }
    assert httpx.delete(f"{admin}/faults").json() == {"cleared": True}
    assert httpx.get(f"{admin}/faults").json() == {
        "injected": [],
        "random": None,
        "fired": dict.fromkeys(KINDS, 0),
    }
    assert leader_description(emu).startswith("200")
    assert httpx.get(f"{emu.bootstrap_url}/bootstrap?getLocalControllerList").status_code == 200


def test_random_fault_defaults(emu: Emulator) -> None:
    assert httpx.post(f"{emu.admin_url}/faults/random", json={"rate": 0.2}).json()["random"] == {
        "rate": 0.2,
        "kinds": KINDS,
        "methods": None,
        "components": None,
        "seconds": 3.0,
        "seed": None,
    }


@pytest.mark.parametrize(
    "settings",
    [
        {"rate": 1.5},
        {"rate": 0.2, "kinds": ["nonsense"]},
        {"rate": 0.2, "kinds": []},
        {"rate": 0.2, "kinds": "http500"},
        {"rate": 0.2, "components": ["hypervisor"]},
        {"rate": 0.2, "seconds": -1},
        {"rate": 0.2, "every": True},
        {"kinds": ["http500"]},
    ],
)
def test_bad_random_fault_settings_are_400(emu: Emulator, settings: dict[str, Any]) -> None:
    answer = httpx.post(f"{emu.admin_url}/faults/random", json=settings)
    assert answer.status_code == 400
    assert answer.json()["error"]
    assert emu.fault_report()["random"] is None


def test_help_documents_random_faults() -> None:
    help_text = emulator_help()
    assert "POST   /faults/random" in help_text and "GET    /faults" in help_text

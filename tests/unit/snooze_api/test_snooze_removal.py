"""Destroying exactly our instance, at its location, and promptly (removal.py)."""

from __future__ import annotations

import json

import httpx
import pytest
from terraform_provider_snooze.snooze_api import (
    Backoff,
    Fingerprint,
    Pace,
    Removal,
    SnoozeClient,
    Tracker,
    VirtualMachineMetaData,
    VmRecord,
)

from .snooze_fake import (
    BOOTSTRAP,
    GM,
    LIST,
    META,
    FakeTime,
    Snooze,
    as_json,
    listing,
    metadata,
    offline_stub,
    raw,
)

DESTROY = "groupmanager?destroyVirtualMachine"
OURS = metadata("web", lc="lc-1", ip="192.168.122.2")
STRANGER = metadata("web", lc="lc-2", ip="192.168.122.7")


def record_of(data: dict[str, object]) -> VmRecord:
    vm = VirtualMachineMetaData.from_json(data)
    return VmRecord(Fingerprint.of(vm), vm.location)


@pytest.fixture
def removal(client: SnoozeClient, fake_time: FakeTime) -> Removal:
    return Removal(Tracker(client, Pace(Backoff(first=1.0, cap=2.0), fake_time.sleep, fake_time.clock), 15.0))


def test_only_our_instance_is_destroyed_and_the_stranger_is_not_waited_for(
    snooze: Snooze, removal: Removal, fake_time: FakeTime
) -> None:
    destroyed: list[bool] = []

    def destroy(request: httpx.Request) -> httpx.Response:
        destroyed.append(True)
        return raw("true")

    snooze.on(BOOTSTRAP, LIST, lambda r: listing(STRANGER) if destroyed else listing(OURS, STRANGER))
    snooze.on(GM, DESTROY, destroy)
    snooze.on(GM, META, as_json(offline_stub("web")))
    gone: list[str] = []
    started = fake_time.now
    problems = removal.destroy({"web": record_of(OURS)}, fake_time.now + 300, gone.append)
    assert (problems, gone) == ({}, ["web"])
    (body,) = snooze.bodies(DESTROY)
    assert json.loads(body)["localControllerId"] == "lc-1"  # the group manager form, at its location
    assert fake_time.now - started <= 3  # promptly: the stranger of that name is nobody's business


def test_a_vm_already_gone_counts_as_destroyed_at_once(
    snooze: Snooze, removal: Removal, fake_time: FakeTime
) -> None:
    snooze.on(BOOTSTRAP, LIST, listing(STRANGER))
    snooze.on(GM, META, as_json(offline_stub("web")))
    gone: list[str] = []
    assert removal.destroy({"web": record_of(OURS)}, fake_time.now + 300, gone.append) == {}
    assert gone == ["web"] and not snooze.calls(DESTROY)


def test_a_busy_group_manager_is_asked_again(snooze: Snooze, removal: Removal, fake_time: FakeTime) -> None:
    snooze.on(BOOTSTRAP, LIST, lambda r: listing() if len(snooze.calls(DESTROY)) >= 3 else listing(OURS))
    snooze.on(GM, DESTROY, raw("false"), raw("false"), raw("true"))
    snooze.on(GM, META, as_json(OURS), as_json(OURS), as_json(offline_stub("web")))
    gone: list[str] = []
    assert removal.destroy({"web": record_of(OURS)}, fake_time.now + 300, gone.append) == {}
    assert len(snooze.calls(DESTROY)) == 3 and gone == ["web"]


def test_an_unseen_vm_is_not_destroyed_and_says_why(
    snooze: Snooze, removal: Removal, fake_time: FakeTime
) -> None:
    snooze.on(BOOTSTRAP, LIST, listing())
    snooze.on(GM, META, lambda request: httpx.ConnectError("refused", request=request))
    problems = removal.destroy({"web": record_of(OURS)}, fake_time.now + 300, lambda name: None)
    assert "not destroyed" in problems["web"] and "group manager" in problems["web"]
    assert not snooze.calls(DESTROY)


def test_still_listed_at_the_deadline_is_a_problem(
    snooze: Snooze, removal: Removal, fake_time: FakeTime
) -> None:
    snooze.on(BOOTSTRAP, LIST, listing(OURS))
    snooze.on(GM, DESTROY, raw("true"))
    snooze.on(GM, META, as_json(metadata("web", status="SHUTDOWN_PENDING")))
    problems = removal.destroy({"web": record_of(OURS)}, fake_time.now + 20, lambda name: None)
    assert "still listed" in problems["web"]

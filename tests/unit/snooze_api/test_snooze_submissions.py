"""The one-shot submission result and the wait for it (spec 6.1.4)."""

from __future__ import annotations

import httpx
import pytest
from terraform_provider_snooze.snooze_api import (
    Backoff,
    SnoozeClient,
    SnoozeLeaderChangedError,
    SnoozeTimeoutError,
    VirtualClusterResponse,
)

from .snooze_fake import (
    BOOTSTRAP,
    LEADER,
    LEADER_ID,
    NEW_LEADER,
    NEW_LEADER_ID,
    FakeTime,
    Snooze,
    as_json,
    html_500,
    leader_description,
    metadata,
    null_get,
    null_post,
    reset,
)

TASK = "task-1"
POLL = "groupmanager?getVirtualClusterResponse"
RESULT = {"errorCode": None, "virtualMachineMetaData": [metadata("vm1"), metadata("vm2", status="ERROR")]}


class Cancelled(Exception):
    pass


def test_result_is_parsed(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, POLL, as_json(RESULT))
    result = client.get_virtual_cluster_response(TASK)
    assert isinstance(result, VirtualClusterResponse)
    assert result.error_code is None
    assert [(vm.location.virtual_machine_id, vm.status) for vm in result.virtual_machines] == [
        ("vm1", "RUNNING"),
        ("vm2", "ERROR"),
    ]


def test_cluster_error_code(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, POLL, as_json({"errorCode": "GROUP_MANAGERS_MISSING", "virtualMachineMetaData": []}))
    result = client.get_virtual_cluster_response(TASK)
    assert result is not None and result.error_code == "GROUP_MANAGERS_MISSING"


def test_wait_returns_the_result_the_moment_it_arrives(
    snooze: Snooze, client: SnoozeClient, fake_time: FakeTime
) -> None:
    # Snooze hands the result over once; every later poll would find it gone.
    snooze.on(LEADER, POLL, null_post(), null_get(), null_post(), as_json(RESULT), null_post())
    waits: list[float] = []
    result = client.wait_for_virtual_cluster_response(
        TASK,
        deadline=fake_time.now + 60,
        backoff=Backoff(first=1.0, cap=2.0, factor=2.0),
        on_wait=waits.append,
    )
    assert [vm.location.virtual_machine_id for vm in result.virtual_machines] == ["vm1", "vm2"]
    assert len(snooze.calls(POLL)) == 4
    assert fake_time.sleeps == [1.0, 2.0, 2.0]  # backoff from the first interval up to the cap
    assert waits == [0.0, 1.0, 3.0]


def test_a_failed_poll_does_not_end_the_wait(
    snooze: Snooze, client: SnoozeClient, fake_time: FakeTime
) -> None:
    snooze.on(LEADER, POLL, reset, html_500(), as_json(RESULT))
    result = client.wait_for_virtual_cluster_response(TASK, deadline=fake_time.now + 60)
    assert len(result.virtual_machines) == 2
    # Each poll was sent once: repeating a read that may have taken the result could only lose it.
    assert len(snooze.calls(POLL)) == 3


def test_timeout_names_the_task_and_the_time_waited(
    snooze: Snooze, client: SnoozeClient, fake_time: FakeTime
) -> None:
    snooze.on(LEADER, POLL, null_post())
    started = fake_time.now
    with pytest.raises(SnoozeTimeoutError) as caught:
        client.wait_for_virtual_cluster_response(TASK, deadline=started + 30, backoff=Backoff(first=5, cap=5))
    error = caught.value
    assert error.task_id == TASK
    assert error.waited == pytest.approx(30)
    assert fake_time.now == pytest.approx(started + 30)  # never sleeps past the deadline
    assert f"task {TASK}" in str(error) and "30 s" in str(error)
    assert LEADER_ID in str(error) and "found by name" in str(error)
    assert len(snooze.calls(POLL)) == 7  # at 0, 5, ..., 30: the last one at the deadline


def test_timeout_mentions_a_failing_poll(snooze: Snooze, client: SnoozeClient, fake_time: FakeTime) -> None:
    snooze.on(LEADER, POLL, reset)
    with pytest.raises(SnoozeTimeoutError, match="the last poll failed"):
        client.wait_for_virtual_cluster_response(TASK, deadline=fake_time.now + 3)


def test_leader_change_ends_the_wait(snooze: Snooze, client: SnoozeClient, fake_time: FakeTime) -> None:
    snooze.on(LEADER, POLL, null_post())
    snooze.on(
        "http://10.0.0.1:5000",
        "bootstrap?getGroupLeaderDescription",
        as_json(leader_description()),
        as_json(leader_description()),
        null_get(),  # the election is under way: keep polling
        as_json(leader_description(NEW_LEADER, NEW_LEADER_ID)),
    )
    with pytest.raises(SnoozeLeaderChangedError) as caught:
        client.wait_for_virtual_cluster_response(TASK, deadline=fake_time.now + 600)
    assert (caught.value.task_id, caught.value.old_leader, caught.value.new_leader) == (
        TASK,
        LEADER_ID,
        NEW_LEADER_ID,
    )
    assert "by name" in str(caught.value)
    assert not snooze.calls(f"{NEW_LEADER}/{POLL}")  # the new leader never has the old one's results


def test_cancellation_through_the_sleep_hook(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, POLL, null_post())
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 2:
            raise Cancelled

    with pytest.raises(Cancelled):
        client.with_sleep(sleep).wait_for_virtual_cluster_response(TASK, deadline=1e12)
    assert len(snooze.calls(POLL)) == 2


def test_retry_pauses_use_the_sleep_hook_too(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(BOOTSTRAP, "bootstrap?getLocalControllerList", reset)

    def sleep(seconds: float) -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        client.with_sleep(sleep).get_local_controller_list_from_bootstrap()
    assert len(snooze.requests) == 1


def test_malformed_result_is_rejected(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, POLL, httpx.Response(200, json={"errorCode": None, "virtualMachineMetaData": {"a": 1}}))
    with pytest.raises(Exception, match="should be a list"):
        client.get_virtual_cluster_response(TASK)

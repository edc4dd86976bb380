"""Bootstrap order, the group leader cache, and rediscovery after a leader failover (spec 1.2, 1.3)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from terraform_provider_snooze.snooze_api import (
    NoGroupLeaderError,
    SnoozeClient,
    SnoozeProtocolError,
    SnoozeRejectedError,
    SnoozeUnreachableError,
    VirtualMachineTemplate,
)

from .snooze_fake import (
    BOOTSTRAP,
    BOOTSTRAP_2,
    LEADER,
    LEADER_ID,
    NEW_LEADER,
    NEW_LEADER_ID,
    TASK,
    Snooze,
    as_json,
    html_500,
    leader_description,
    local_controller,
    null_get,
    null_post,
    raw,
    refused,
)

DESCRIBE = "bootstrap?getGroupLeaderDescription"
LC_LIST = {"localControllers": [local_controller("lc-1", 5005)]}


def test_leader_is_read_from_listen_settings(client: SnoozeClient) -> None:
    leader = client.group_leader()
    assert (leader.id, leader.control_data_address.base_url) == (LEADER_ID, LEADER)


def test_leader_is_cached(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, "groupmanager?getLocalControllerList", as_json(LC_LIST))
    client.local_controllers()
    client.local_controllers()
    assert len(snooze.calls(DESCRIBE)) == 1


def test_first_reachable_bootstrap_wins(snooze: Snooze, make_client: Callable[..., SnoozeClient]) -> None:
    dead = "http://10.0.0.8:5000"
    snooze.on(dead, DESCRIBE, refused)
    snooze.on(BOOTSTRAP_2, DESCRIBE, as_json(leader_description(NEW_LEADER, NEW_LEADER_ID)))
    client = make_client(dead, BOOTSTRAP_2, BOOTSTRAP)
    assert client.group_leader().id == NEW_LEADER_ID
    assert snooze.calls(DESCRIBE) == [f"{dead}/{DESCRIBE}", f"{BOOTSTRAP_2}/{DESCRIBE}"]
    client.group_leader(refresh=True)  # the bootstrap that answered is asked first from now on
    assert snooze.calls(DESCRIBE)[-1] == f"{BOOTSTRAP_2}/{DESCRIBE}"


def test_a_bootstrap_answering_500_makes_way_for_the_next(
    snooze: Snooze, make_client: Callable[..., SnoozeClient]
) -> None:
    starting = "http://10.0.0.8:5000"
    snooze.on(starting, DESCRIBE, html_500())  # Snooze's bootstrap before its backend is up (spec 2.4)
    client = make_client(starting, BOOTSTRAP)
    assert client.group_leader().id == LEADER_ID


def test_no_bootstrap_reachable_names_every_url_tried(
    snooze: Snooze, make_client: Callable[..., SnoozeClient]
) -> None:
    urls = ["http://10.0.0.7:5000", "http://10.0.0.8:5000"]
    for url in urls:
        snooze.on(url, DESCRIBE, refused)
    with pytest.raises(SnoozeUnreachableError) as caught:
        make_client(*urls).group_leader()
    assert caught.value.urls == urls
    message = str(caught.value)
    assert all(url in message for url in urls)
    assert "Connection refused" in message
    assert "firewall" in message


def test_bootstrap_204_means_no_leader_yet(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(BOOTSTRAP, DESCRIBE, null_get())
    with pytest.raises(NoGroupLeaderError) as caught:
        client.submit([VirtualMachineTemplate(name="vm")])
    assert caught.value.bootstrap_url == BOOTSTRAP
    assert "electing" in str(caught.value)
    assert not snooze.calls("groupmanager?startVirtualCluster")


def test_no_leader_is_retryable(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(BOOTSTRAP, DESCRIBE, null_get(), as_json(leader_description()))
    with pytest.raises(NoGroupLeaderError):
        client.group_leader()
    assert client.group_leader().id == LEADER_ID


def test_leader_without_address_is_a_protocol_error(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(BOOTSTRAP, DESCRIBE, as_json({"id": "x", "listenSettings": {}}))
    with pytest.raises(SnoozeProtocolError, match="control address"):
        client.group_leader()


def test_unreachable_leader_is_rediscovered(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, "groupmanager?getLocalControllerList", as_json(LC_LIST))
    client.local_controllers()
    # Failover: the old leader's port is dead; a group manager leads on its own port, with its id.
    snooze.on(LEADER, "groupmanager?getLocalControllerList", refused)
    snooze.on(BOOTSTRAP, DESCRIBE, as_json(leader_description(NEW_LEADER, NEW_LEADER_ID)))
    snooze.on(NEW_LEADER, "groupmanager?getLocalControllerList", as_json(LC_LIST))
    assert [lc.id for lc in client.local_controllers()] == ["lc-1"]
    assert client.group_leader().id == NEW_LEADER_ID
    assert snooze.calls("groupmanager?getLocalControllerList")[-1].startswith(NEW_LEADER)


def test_leader_answering_as_a_non_leader_is_rediscovered(snooze: Snooze, client: SnoozeClient) -> None:
    client.group_leader()
    # The cached node answers null (spec 2.4: wrong role); the bootstrap names the new leader.
    snooze.on(LEADER, "groupmanager?startVirtualCluster", null_post())
    snooze.on(BOOTSTRAP, DESCRIBE, as_json(leader_description(NEW_LEADER, NEW_LEADER_ID)))
    snooze.on(NEW_LEADER, "groupmanager?startVirtualCluster", raw(TASK))
    assert client.submit([VirtualMachineTemplate(name="vm")]).task_id == TASK


def test_a_null_answer_from_the_real_leader_stands(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, "groupmanager?getLocalControllerList", null_get())
    with pytest.raises(SnoozeRejectedError, match="not the group leader"):
        client.local_controllers()
    assert len(snooze.calls("groupmanager?getLocalControllerList")) == 1
    assert len(snooze.calls(DESCRIBE)) == 2  # asked once more who leads, and it is the same


def test_unreachable_leader_still_named_by_the_bootstrap(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, "groupmanager?getLocalControllerList", refused)
    with pytest.raises(SnoozeUnreachableError) as caught:
        client.local_controllers()
    assert caught.value.urls == [LEADER]
    assert "takes over within about 10 s" in str(caught.value)
    assert "Connection refused" in str(caught.value)


class CountingLock:
    """A lock that counts the threads that came to take it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._came = threading.Condition()
        self.arrivals = 0

    def __enter__(self) -> None:
        with self._came:
            self.arrivals += 1
            self._came.notify_all()
        self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()

    def wait_for(self, arrivals: int) -> None:
        with self._came:
            assert self._came.wait_for(lambda: self.arrivals >= arrivals, 5)


@pytest.mark.parametrize("refresh", [False, True])
def test_threads_asking_at_once_share_one_answer(
    snooze: Snooze, client: SnoozeClient, refresh: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Terraform creates several clusters at once, each asking who leads: one question is enough,
    whether they want the leader or a fresh word on it (its answer came after they asked)."""
    asking = CountingLock()
    monkeypatch.setattr(client._discovery._known, "asking", asking)
    answer = threading.Event()

    def slow_answer(request: httpx.Request) -> httpx.Response:
        answer.wait(5)
        return as_json(leader_description())

    snooze.on(BOOTSTRAP, DESCRIBE, slow_answer)
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(client.group_leader)
        asking.wait_for(1)
        others = [pool.submit(client.group_leader, refresh) for _ in range(3)]
        asking.wait_for(4)  # all of them asked before the answer came
        answer.set()
        assert {f.result().id for f in [first, *others]} == {LEADER_ID}
    assert len(snooze.calls(DESCRIBE)) == 1


def test_a_fresh_word_is_asked_anew_once_the_last_answer_is_older(
    snooze: Snooze, client: SnoozeClient
) -> None:
    client.group_leader()
    snooze.on(BOOTSTRAP, DESCRIBE, as_json(leader_description(NEW_LEADER, NEW_LEADER_ID)))
    assert client.group_leader().id == LEADER_ID, "cached"
    assert client.group_leader(refresh=True).id == NEW_LEADER_ID
    assert len(snooze.calls(DESCRIBE)) == 2

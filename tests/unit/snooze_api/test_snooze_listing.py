"""One bulk listing shared by every read of a provider process (snapshot.py)."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from terraform_provider_snooze.snooze_api import SnoozeClient, SnoozeRejectedError

from .snooze_fake import BOOTSTRAP, GM, LIST, FakeTime, Snooze, html_500, listing, metadata, null_post, raw


def test_a_listing_is_shared_while_fresh(snooze: Snooze, client: SnoozeClient, fake_time: FakeTime) -> None:
    snooze.on(BOOTSTRAP, LIST, listing(metadata("a")))
    first = client.listing()
    assert client.listing() is first
    fake_time.now += 10
    assert client.listing() is not first
    assert len(snooze.calls(LIST)) == 2


def test_a_write_makes_the_next_read_list_again(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(BOOTSTRAP, LIST, listing(metadata("a")))
    snooze.on(GM, "groupmanager?destroyVirtualMachine", raw("true"))
    first = client.listing()
    client.command("destroy", first.vms[0].location)
    assert client.listing() is not first


def test_newer_than_and_max_age(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(BOOTSTRAP, LIST, listing())
    first = client.listing()
    second = client.listing(newer_than=first)
    assert second.serial > first.serial
    assert client.listing(max_age=0.0).serial > second.serial
    assert len(snooze.calls(LIST)) == 3


def test_concurrent_reads_wait_for_the_one_listing_in_flight(snooze: Snooze) -> None:
    gate = threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        gate.wait(5)
        return listing(metadata("a"))

    snooze.on(BOOTSTRAP, LIST, slow)
    client = SnoozeClient([BOOTSTRAP], transport=snooze.transport)
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(len(client.listing().vms))) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    gate.set()
    for thread in threads:
        thread.join(5)
    client.close()
    assert results == [1] * 8
    assert len(snooze.calls(LIST)) == 1


@pytest.mark.parametrize("answer", [null_post(), raw("false"), html_500()], ids=["null", "false", "500"])
def test_failures_are_retried_then_reported_never_read_as_no_vms(
    snooze: Snooze, client: SnoozeClient, answer: httpx.Response
) -> None:
    snooze.on(BOOTSTRAP, LIST, answer)
    with pytest.raises(Exception) as caught:
        client.listing()
    assert not isinstance(caught.value, AssertionError)
    assert len(snooze.calls(LIST)) >= 3


def test_a_transient_failure_is_overcome(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(BOOTSTRAP, LIST, null_post(), listing(metadata("a")))
    assert [vm.name for vm in client.listing().vms] == ["a"]


def test_null_is_rejected(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(BOOTSTRAP, LIST, null_post())
    with pytest.raises(SnoozeRejectedError):
        client.list_virtual_machines()

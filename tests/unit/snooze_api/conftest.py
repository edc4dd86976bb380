"""A client per test against a scripted Snooze, with a clock that only its sleeps advance."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from terraform_provider_snooze.snooze_api import SnoozeClient

from .snooze_fake import BOOTSTRAP, FakeTime, Snooze, as_json, leader_description, null_get


@pytest.fixture
def snooze() -> Snooze:
    """A Snooze whose bootstrap names the group leader at LEADER and keeps no host list (Snooze's
    default in-memory database: 204)."""
    return (
        Snooze()
        .on(BOOTSTRAP, "bootstrap?getGroupLeaderDescription", as_json(leader_description()))
        .on(BOOTSTRAP, "bootstrap?getLocalControllerList", null_get())
    )


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_client(snooze: Snooze, fake_time: FakeTime) -> Iterator[Callable[..., SnoozeClient]]:
    clients: list[SnoozeClient] = []

    def make(*bootstrap_urls: str) -> SnoozeClient:
        client = SnoozeClient(
            list(bootstrap_urls) or [BOOTSTRAP],
            transport=snooze.transport,
            sleep=fake_time.sleep,
            clock=fake_time.clock,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., SnoozeClient]) -> SnoozeClient:
    return make_client()

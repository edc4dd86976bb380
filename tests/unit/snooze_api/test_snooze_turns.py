"""Polling in turn: among one process's submissions to a leader, only the oldest polls."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
from terraform_provider_snooze.runtime.interfaces import Cancellation, OperationCancelled
from terraform_provider_snooze.snooze_api import (
    Backoff,
    Fate,
    Launcher,
    Pace,
    SnoozeClient,
    Tracker,
    VirtualMachineTemplate,
)
from terraform_provider_snooze.snooze_api.turns import Turn, Turns, polls_in_turn

from .snooze_fake import (
    BOOTSTRAP,
    LEADER,
    LIST,
    POLL,
    START,
    TASK,
    TASK_2,
    FakeTime,
    Snooze,
    as_json,
    listing,
    local_controller,
    metadata,
    null_post,
    raw,
)

INTERVAL, CAP = 1.0, 4.0
A = metadata("a", lc="lc-1", ip="192.168.122.2")
B = metadata("b", lc="lc-2", ip="192.168.122.3")


def result(*vms: dict[str, object]) -> httpx.Response:
    return as_json({"errorCode": None, "virtualMachineMetaData": list(vms)})


@pytest.fixture
def pace(fake_time: FakeTime) -> Pace:
    return Pace(Backoff(first=INTERVAL, cap=CAP), fake_time.sleep, fake_time.clock)


def poll_times(polls: Iterator[None], fake_time: FakeTime, count: int) -> list[float]:
    started = fake_time.now
    times = []
    for _ in range(count):
        next(polls)
        times.append(fake_time.now - started)
    return times


def test_alone_it_polls_one_interval_after_the_submission_then_backs_off(
    pace: Pace, fake_time: FakeTime
) -> None:
    with Turns().waiting("leader", fake_time.now) as turn:
        polls = polls_in_turn(turn, pace, deadline=fake_time.now + 100)
        assert poll_times(polls, fake_time, 5) == [1.0, 2.5, 4.75, 8.125, 12.125]


def test_a_younger_submission_waits_without_polling_then_polls_at_once(
    pace: Pace, fake_time: FakeTime
) -> None:
    turns = Turns()
    with ExitStack() as older_waits:
        older = older_waits.enter_context(turns.waiting("leader", fake_time.now))
        younger = ExitStack()
        with younger:
            turn = younger.enter_context(turns.waiting("leader", fake_time.now + 0.1))
            assert older.first() and not turn.first()
            polls = polls_in_turn(turn, pace, deadline=fake_time.now + 100)
            # Not its turn: one poll per backoff cap only, in case the older one is stuck.
            assert poll_times(polls, fake_time, 2) == pytest.approx([CAP, 2 * CAP])
            older_waits.close()  # the older one's result was read
            assert turn.first()
            assert poll_times(polls, fake_time, 3) == [0.0, 1.0, 2.5]


def test_the_order_is_the_order_of_sending_per_leader(fake_time: FakeTime) -> None:
    turns = Turns()
    with ExitStack() as stack:
        later = stack.enter_context(turns.waiting("leader", 20.0))
        earlier = stack.enter_context(turns.waiting("leader", 10.0))
        elsewhere = stack.enter_context(turns.waiting("other leader", 30.0))
        assert [earlier.first(), later.first(), elsewhere.first()] == [True, False, True]


def test_the_deadline_ends_the_wait_for_a_turn_with_a_last_poll(pace: Pace, fake_time: FakeTime) -> None:
    turns = Turns()
    with turns.waiting("leader", 0.0), turns.waiting("leader", 1.0) as turn:
        polls = polls_in_turn(turn, pace, deadline=fake_time.now + 2.5)
        assert poll_times(polls, fake_time, 1) == [2.5]
        assert next(polls, "done") == "done"


def test_terraform_stopping_ends_the_wait_for_a_turn() -> None:
    stop = threading.Event()
    cancellation = Cancellation(stop)
    pace = Pace(Backoff(first=0.05, cap=60.0), cancellation.sleep, cancellation.clock)
    turns = Turns()
    stopped: list[BaseException] = []

    def younger(turn: Turn) -> None:
        try:
            next(polls_in_turn(turn, pace, deadline=pace.clock() + 60))
        except OperationCancelled as error:
            stopped.append(error)

    with turns.waiting("leader", 0.0), turns.waiting("leader", 1.0) as turn:
        waiting = threading.Thread(target=younger, args=(turn,))
        waiting.start()
        threading.Timer(0.2, stop.set).start()
        waiting.join(timeout=5)
        assert not waiting.is_alive() and len(stopped) == 1


def test_launches_of_one_process_poll_in_turn(snooze: Snooze) -> None:
    """Real time, two launches at once: the younger sends no poll while the older one's result is
    not out, and reads its own at once when its turn comes."""
    hosts = {"localControllers": [local_controller("lc-1", 5005), local_controller("lc-2", 5006)]}
    snooze.on(LEADER, "groupmanager?getLocalControllerList", as_json(hosts))
    snooze.on(BOOTSTRAP, LIST, lambda request: listing(A, B) if len(snooze.calls(START)) >= 2 else listing())
    snooze.on(LEADER, START, lambda request: raw(TASK if b'"name": "a"' in request.content else TASK_2))
    older_done = threading.Event()
    snooze.on(
        LEADER,
        POLL,
        lambda request: (
            result(B)
            if request.content.decode() == TASK_2
            else result(A)
            if older_done.is_set()
            else null_post()
        ),
    )
    client = SnoozeClient([BOOTSTRAP], transport=snooze.transport)
    pace = Pace(Backoff(first=0.05, cap=30.0))
    outcomes: dict[str, Fate] = {}

    def launch(name: str) -> None:
        launched = Launcher(Tracker(client, pace)).launch(
            {name: VirtualMachineTemplate(name=name, image_id="debian.qcow2")},
            pace.clock() + 60,
            lambda *_: None,
        )
        outcomes.update({n: o.fate for n, o in launched.items()})

    older = threading.Thread(target=launch, args=("a",))
    older.start()
    deadline = time.monotonic() + 10
    while not snooze.calls(START) and time.monotonic() < deadline:
        time.sleep(0.01)
    younger = threading.Thread(target=launch, args=("b",))
    younger.start()
    time.sleep(0.5)
    polls = [body.decode() for body in snooze.bodies(POLL)]
    assert len(snooze.calls(START)) == 2 and polls.count(TASK) >= 1
    assert TASK_2 not in polls, "the younger waits for its turn"
    older_done.set()
    older.join(10)
    younger.join(10)
    client.close()
    assert outcomes == {"a": Fate.STARTED, "b": Fate.STARTED}
    assert [body.decode() for body in snooze.bodies(POLL)].count(TASK_2) == 1

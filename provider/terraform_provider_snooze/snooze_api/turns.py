"""Whose turn it is to poll for a submission's result.

A group leader takes submissions into a queue served by one worker, in order (spec 6.1.2-6.1.3):
results come out in the order the submissions went in. So among the submissions one provider
process waits for at the same leader, only the oldest can finish next. It alone polls, on the
usual backoff. The younger ones wait for their turn without a request (polling only once per
backoff cap, in case the oldest is stuck: a result read elsewhere, a leader that forgot it); one
that becomes the oldest polls at once, since its result may have come out meanwhile, then on a
backoff started afresh.

Polling in turn costs about two requests per submission instead of one per backoff step, and
each result is read soon after it is ready, so that Terraform can start its next create while
the leader's queue still holds work.
"""

from __future__ import annotations

import itertools
import threading
from bisect import insort
from collections.abc import Iterator
from contextlib import contextmanager

from .waiting import Pace

__all__ = ["Turn", "Turns", "polls_in_turn"]

TURN_CHECK = 0.05  # seconds between looks at the queue (and at Terraform's stop signal) while waiting


class Turns:
    """The submissions this process waits for, per group leader, oldest first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, list[tuple[float, int]]] = {}
        self._tickets = itertools.count()

    @contextmanager
    def waiting(self, leader_id: str, sent_at: float) -> Iterator[Turn]:
        """In line from now until the block ends (result read, or given up on)."""
        entry = (sent_at, next(self._tickets))
        with self._lock:
            insort(self._waiting.setdefault(leader_id, []), entry)
        try:
            yield Turn(self, leader_id, entry)
        finally:
            with self._lock:
                line = self._waiting[leader_id]
                line.remove(entry)
                if not line:
                    del self._waiting[leader_id]

    def _first(self, leader_id: str, entry: tuple[float, int]) -> bool:
        with self._lock:
            return self._waiting[leader_id][0] == entry


class Turn:
    def __init__(self, turns: Turns, leader_id: str, entry: tuple[float, int]) -> None:
        self._turns = turns
        self._leader_id = leader_id
        self._entry = entry

    def first(self) -> bool:
        """No submission sent earlier to the same leader is still awaited by this process."""
        return self._turns._first(self._leader_id, self._entry)


def polls_in_turn(turn: Turn, pace: Pace, deadline: float) -> Iterator[None]:
    """One iteration per poll until the deadline (the last at the deadline, as `Pace.polls`).

    The first poll comes one interval after the submission (a result is never ready in the
    call that queued it), or at once when an older submission stops being waited for.
    """
    intervals = pace.backoff.intervals()
    last = pace.clock()
    due = last + next(intervals)
    waited = False
    while pace.clock() < deadline:
        if turn.first():
            if waited:  # its result may have come out while it waited
                intervals, due, waited = pace.backoff.intervals(), pace.clock(), False
            pace.sleep(max(0.0, min(due, deadline) - pace.clock()))
        else:
            waited = True
            if _await_turn(turn, pace, min(last + pace.backoff.cap, deadline)):
                continue
        yield
        last = pace.clock()
        due = last + next(intervals)


def _await_turn(turn: Turn, pace: Pace, until: float) -> bool:
    """True once `turn` is first; False when `until` came first. The pace's sleep raises when
    Terraform asks to stop."""
    while pace.clock() < until:
        if turn.first():
            return True
        pace.sleep(min(TURN_CHECK, until - pace.clock()))
    return turn.first()

"""Snooze's background work (dispatching, collection rounds, removals, migrations, rejoins) as
timers run one at a time on one thread, under the cluster lock.

Tests can hold the timers (`paused`): nothing Snooze does on its own happens until they are
released, so a test can check a state that would otherwise last only `removal_delay` seconds
without racing the clock. Time keeps running meanwhile; timers that fell due fire on release,
in order.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Scheduler"]


@dataclass(order=True)
class _Timer:
    when: float
    order: int
    action: Callable[[], None] = field(compare=False)


class Scheduler:
    def __init__(self, lock: threading.RLock, on_error: Callable[[str, BaseException], None]) -> None:
        self._lock = lock
        self._on_error = on_error
        self._timers: list[_Timer] = []
        self._counter = itertools.count()
        self._wake = threading.Condition()
        self._stopped = False
        self._holds = 0
        self._thread = threading.Thread(target=self._run, name="snooze-scheduler", daemon=True)
        self._thread.start()

    def after(self, delay: float, action: Callable[[], None]) -> None:
        with self._wake:
            when = time.monotonic() + max(0.0, delay)
            heapq.heappush(self._timers, _Timer(when, next(self._counter), action))
            self._wake.notify()

    def hold(self) -> None:
        """No timer fires until as many `release()` calls as `hold()` calls."""
        with self._wake:
            self._holds += 1

    def release(self) -> None:
        with self._wake:
            self._holds = max(0, self._holds - 1)
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()
        self._thread.join(timeout=5)

    def _next_due(self) -> _Timer | None:
        """Wait for the next timer that may fire; None once stopped."""
        with self._wake:
            while not self._stopped and not self._due():
                timeout = None
                if self._timers and not self._holds:
                    timeout = self._timers[0].when - time.monotonic()
                self._wake.wait(timeout)
            return None if self._stopped else heapq.heappop(self._timers)

    def _due(self) -> bool:
        return not self._holds and bool(self._timers) and self._timers[0].when <= time.monotonic()

    def _run(self) -> None:
        while (timer := self._next_due()) is not None:
            with self._lock:
                try:
                    timer.action()
                except Exception as error:  # a bug: reported, and the next timers still run
                    self._on_error("a background timer", error)

"""Polling with backoff against a deadline, with injectable sleep and clock.

The caller's sleep may raise (the provider's does when Terraform asks it to stop), which ends
any wait at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

__all__ = ["Backoff", "Pace"]


@dataclass(frozen=True)
class Backoff:
    """Intervals that start at `first` and grow by `factor` up to `cap`."""

    first: float = 1.0
    cap: float = 15.0
    factor: float = 1.5

    def intervals(self) -> Iterator[float]:
        interval = self.first
        while True:
            yield interval
            interval = min(self.cap, interval * self.factor)

    def until(
        self, deadline: float, sleep: Callable[[float], None], clock: Callable[[], float]
    ) -> Iterator[float]:
        """Sleeps between iterations; yields the time waited so far; stops at the deadline."""
        started = clock()
        yield 0.0
        for interval in self.intervals():
            remaining = deadline - clock()
            if remaining <= 0:
                return
            sleep(min(interval, remaining))
            yield clock() - started


@dataclass(frozen=True)
class Pace:
    """How one operation waits: its backoff, the sleep it waits with (which may raise to cancel),
    and the clock its deadlines are read on."""

    backoff: Backoff = field(default_factory=Backoff)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def polls(self, deadline: float) -> Iterator[float]:
        """One iteration per poll until the deadline, sleeping with backoff in between."""
        return self.backoff.until(deadline, self.sleep, self.clock)

    def wait_until(self, moment: float, deadline: float) -> bool:
        """Sleeps until `moment`; False (without sleeping past it) when the deadline comes first."""
        remaining = moment - self.clock()
        if remaining <= 0:
            return True
        if moment > deadline:
            self.sleep(max(0.0, deadline - self.clock()))
            return False
        self.sleep(remaining)
        return True

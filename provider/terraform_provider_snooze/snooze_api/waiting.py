"""Polling with backoff against a deadline, with injectable sleep and clock.

The caller's sleep may raise (the provider's does when Terraform asks it to stop), which ends
any wait at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

__all__ = ["Backoff"]


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

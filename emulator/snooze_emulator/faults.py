"""Faults injected into the next calls of a method, for clients' failure tests.

http500 (a Java exception), drop (the connection closed), false (a refusal) and null (the Java
method returned null: 204 for GET, an empty 200 for POST) answer without running the call.
delay sleeps, then runs the call and answers: its effect happens after a client with a shorter
timeout gave up. drop_after runs the call, then closes the connection without an answer: the
effect happened, the answer is lost.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["KINDS", "Fault", "Faults"]

KINDS = ("http500", "delay", "drop", "drop_after", "false", "null")
RUN_THE_CALL = ("delay", "drop_after")


@dataclass
class Fault:
    kind: str
    remaining: int
    seconds: float = 0.0  # how long a delay sleeps

    @property
    def wait(self) -> float:
        """Seconds to sleep before running the call."""
        return self.seconds if self.kind == "delay" else 0.0

    @property
    def runs_the_call(self) -> bool:
        return self.kind in RUN_THE_CALL

    @property
    def answers(self) -> bool:
        return self.kind != "drop_after"


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_method: dict[str, Fault] = {}

    def inject(self, method: str, kind: str, count: int = 1, seconds: float = 0.0) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(KINDS)}")
        with self._lock:
            self._by_method[method] = Fault(kind, count, seconds)

    def take(self, method: str) -> Fault | None:
        """The fault for this call, if any; each call uses one up."""
        with self._lock:
            fault = self._by_method.get(method)
            if fault is None:
                return None
            fault.remaining -= 1
            if fault.remaining <= 0:
                del self._by_method[method]
            return fault

    def clear(self) -> None:
        with self._lock:
            self._by_method.clear()

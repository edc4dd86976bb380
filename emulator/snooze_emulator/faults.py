"""Faults injected into the next calls of a method, for clients' failure tests."""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["KINDS", "Fault", "Faults"]

KINDS = ("http500", "delay", "drop", "false", "null")


@dataclass
class Fault:
    # http500: a Java exception; delay: answer late; drop: close the connection; false: refuse;
    # null: the Java method returned null (204 for GET, an empty 200 for POST)
    kind: str
    remaining: int
    seconds: float = 0.0


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

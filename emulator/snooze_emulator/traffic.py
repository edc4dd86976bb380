"""Snooze calls counted per component and method, so that tests can assert how many a client makes.

A call counts once it is routed to a method (a 404 or 405 is no method call), faulted or not.
"""

from __future__ import annotations

import threading
from collections import Counter

__all__ = ["COMPONENTS", "RequestCounts"]

COMPONENTS = ("bootstrap", "groupmanager", "localcontroller")


class RequestCounts:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, Counter[str]] = {component: Counter() for component in COMPONENTS}

    def count(self, component: str, method: str) -> None:
        with self._lock:
            self._counts[component][method] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        """{"bootstrap": {"getVirtualMachineDescriptions": 3, ...}, "groupmanager": {...}, ...}"""
        with self._lock:
            return {component: dict(sorted(counts.items())) for component, counts in self._counts.items()}

    def reset(self) -> None:
        with self._lock:
            for counts in self._counts.values():
                counts.clear()

"""Faults for clients' failure tests: injected into the next calls of a method, or at random.

http500 (a Java exception), drop (the connection closed), false (a refusal) and null (the Java
method returned null: 204 for GET, an empty 200 for POST) answer without running the call.
delay sleeps, then runs the call and answers: its effect happens after a client with a shorter
timeout gave up. drop_after runs the call, then closes the connection without an answer: the
effect happened, the answer is lost.

Only Snooze calls are faulted, never the control API.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .traffic import COMPONENTS

__all__ = ["KINDS", "Fault", "Faults", "RandomFaults"]

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


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown fault {kind!r}; one of {', '.join(KINDS)}")


def _names(values: Iterable[str] | None, what: str) -> tuple[str, ...] | None:
    if values is None:
        return None
    if not isinstance(values, list | tuple | set | frozenset) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{what} must be a list of names or null")
    return tuple(dict.fromkeys(values))


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{what} must be a number, not {value!r}")
    return float(value)  # ValueError for a string that is no number


@dataclass(frozen=True)
class RandomFaults:
    """Each call of a matching method fails independently with probability `rate`, with a kind
    drawn evenly from `kinds`. None for methods or components: every one."""

    rate: float
    kinds: tuple[str, ...] = KINDS
    methods: frozenset[str] | None = None
    components: frozenset[str] | None = None
    seconds: float = 3.0  # how long a delay sleeps
    seed: int | None = None  # the same seed and the same calls give the same faults

    @classmethod
    def of(
        cls,
        rate: float,
        kinds: Iterable[str] = KINDS,
        methods: Iterable[str] | None = None,
        components: Iterable[str] | None = None,
        seconds: float = 3.0,
        seed: int | None = None,
    ) -> RandomFaults:
        """Checked settings from plain values (a JSON body, keyword arguments)."""
        if not 0.0 <= _number(rate, "rate") <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, not {rate}")
        if _number(seconds, "seconds") < 0:
            raise ValueError(f"seconds must not be negative, not {seconds}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"seed must be an integer or null, not {seed!r}")
        chosen = _names(kinds, "kinds") or ()
        if not chosen:
            raise ValueError(f"kinds must name at least one of {', '.join(KINDS)}")
        for kind in chosen:
            _check_kind(kind)
        only = _names(components, "components")
        unknown = set(only or ()) - set(COMPONENTS)
        if unknown:
            raise ValueError(f"unknown component(s) {', '.join(sorted(unknown))}; of {', '.join(COMPONENTS)}")
        methods = _names(methods, "methods")
        return cls(
            float(rate),
            chosen,
            None if methods is None else frozenset(methods),
            None if only is None else frozenset(only),
            float(seconds),
            seed,
        )

    def matches(self, component: str, method: str) -> bool:
        return (self.methods is None or method in self.methods) and (
            self.components is None or component in self.components
        )

    def describe(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "kinds": list(self.kinds),
            "methods": None if self.methods is None else sorted(self.methods),
            "components": None if self.components is None else sorted(self.components),
            "seconds": self.seconds,
            "seed": self.seed,
        }


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_method: dict[str, Fault] = {}
        self._random: RandomFaults | None = None
        self._draws = random.Random()
        self._fired: Counter[str] = Counter()

    def inject(self, method: str, kind: str, count: int = 1, seconds: float = 0.0) -> None:
        _check_kind(kind)
        if count < 1 or seconds < 0:
            raise ValueError(f"count must be at least 1 and seconds not negative, not {count} and {seconds}")
        with self._lock:
            self._by_method[method] = Fault(kind, count, seconds)

    def inject_random(self, settings: RandomFaults) -> None:
        """Replaces earlier random faults; the draws start afresh from the seed."""
        with self._lock:
            self._random = settings
            self._draws = random.Random(settings.seed)

    def take(self, component: str, method: str) -> Fault | None:
        """The fault for this call, if any: an injected one first (each call uses one up), else
        a random draw."""
        with self._lock:
            fault = self._take_injected(method) or self._draw(component, method)
            if fault is not None:
                self._fired[fault.kind] += 1
            return fault

    def _take_injected(self, method: str) -> Fault | None:
        fault = self._by_method.get(method)
        if fault is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                del self._by_method[method]
        return fault

    def _draw(self, component: str, method: str) -> Fault | None:
        settings = self._random
        if settings is None or not settings.matches(component, method):
            return None
        if self._draws.random() >= settings.rate:
            return None
        return Fault(self._draws.choice(settings.kinds), 1, settings.seconds)

    def report(self) -> dict[str, Any]:
        """{"injected": [{"method", "kind", "remaining", "seconds"}...], "random": settings or
        null, "fired": {kind: how many calls it hit, for every kind}}"""
        with self._lock:
            return {
                "injected": [
                    {"method": method, "kind": f.kind, "remaining": f.remaining, "seconds": f.seconds}
                    for method, f in self._by_method.items()
                ],
                "random": None if self._random is None else self._random.describe(),
                "fired": {kind: self._fired[kind] for kind in KINDS},
            }

    def clear(self) -> None:
        """No more faults of either kind; the report starts from zero."""
        with self._lock:
            self._by_method.clear()
            self._random = None
            self._fired.clear()

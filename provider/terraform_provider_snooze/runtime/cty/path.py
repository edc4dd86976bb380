"""Attribute paths into cty values, as Terraform's diagnostics address them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["AttributePath", "GetAttr", "IndexInt", "IndexKey", "Step"]


@dataclass(frozen=True)
class GetAttr:
    """An object attribute or nested block, by name."""

    name: str


@dataclass(frozen=True)
class IndexKey:
    """A map element, by key."""

    key: str


@dataclass(frozen=True)
class IndexInt:
    """A list or tuple element, by position."""

    index: int


Step = GetAttr | IndexKey | IndexInt
_new = object.__new__


class AttributePath:
    """A path from the root of a schema's object to one value inside it. Immutable.

    Codecs and checks make one for every value they walk, in case it has something to report, and
    almost none is ever read: a child keeps only its parent and its last step, and its `steps` are
    put together when first asked for (eagerly, paths were two thirds of a decode's time).
    """

    __slots__ = ("_last", "_parent", "_steps")

    def __init__(self, steps: Iterable[Step] = ()) -> None:
        self._steps: tuple[Step, ...] | None = tuple(steps)
        self._parent: AttributePath | None = None
        self._last: tuple[type[Step], str | int] | None = None

    @classmethod
    def root(cls, name: str) -> AttributePath:
        return cls((GetAttr(name),))

    @property
    def steps(self) -> tuple[Step, ...]:
        if self._steps is None:
            assert self._parent is not None and self._last is not None
            kind, argument = self._last
            self._steps = (*self._parent.steps, kind(argument))  # type: ignore[arg-type]
            self._parent = self._last = None
        return self._steps

    # Each child is made by hand, without __init__: these run once per value walked.
    def attr(self, name: str) -> AttributePath:
        child = _new(AttributePath)
        child._steps, child._parent, child._last = None, self, (GetAttr, name)
        return child

    def key(self, key: str) -> AttributePath:
        child = _new(AttributePath)
        child._steps, child._parent, child._last = None, self, (IndexKey, key)
        return child

    def index(self, index: int) -> AttributePath:
        child = _new(AttributePath)
        child._steps, child._parent, child._last = None, self, (IndexInt, index)
        return child

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AttributePath) and self.steps == other.steps

    def __hash__(self) -> int:
        return hash(self.steps)

    def __repr__(self) -> str:
        return f"AttributePath(steps={self.steps!r})"

    def __str__(self) -> str:
        """The path as a plan shows it, keys quoted as HCL quotes them: vms["web 1"].vcpus."""
        out = ""
        for step in self.steps:
            if isinstance(step, GetAttr):
                out += f".{step.name}" if out else step.name
            elif isinstance(step, IndexKey):
                out += f"[{json.dumps(step.key, ensure_ascii=False)}]"
            else:
                out += f"[{step.index}]"
        return out

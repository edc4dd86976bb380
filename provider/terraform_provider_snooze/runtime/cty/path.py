"""Attribute paths into cty values, as Terraform's diagnostics address them."""

from __future__ import annotations

import json
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


@dataclass(frozen=True)
class AttributePath:
    """A path from the root of a schema's object to one value inside it."""

    steps: tuple[Step, ...] = ()

    @classmethod
    def root(cls, name: str) -> AttributePath:
        return cls((GetAttr(name),))

    def attr(self, name: str) -> AttributePath:
        return AttributePath((*self.steps, GetAttr(name)))

    def key(self, key: str) -> AttributePath:
        return AttributePath((*self.steps, IndexKey(key)))

    def index(self, index: int) -> AttributePath:
        return AttributePath((*self.steps, IndexInt(index)))

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

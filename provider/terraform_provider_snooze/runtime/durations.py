"""Durations the way Terraform users write them: Go's time.ParseDuration syntax ("1m30s", "500ms").

Also the conventional `timeouts` block, as SDKv2 and terraform-plugin-framework-timeouts
offer it, so users of other providers find it where they expect it. Every duration attribute
has a range: a value outside it is refused at validate time, with the range in the message and
in the attribute's documentation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import cty
from .cty.path import AttributePath
from .diagnostics import Diagnostics
from .schema import Attribute, Block, NestedBlock, Nesting

__all__ = ["DurationRange", "parse_duration", "timeout_seconds", "timeouts_block"]

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
# Go's time.Duration is an int64 of nanoseconds: about 292 years.
_GO_MAX_SECONDS = (2**63 - 1) * 1e-9


def _seconds(text: str) -> float:
    """Seconds in `text`, however large; ValueError with Go's wording for anything else."""
    body = text[1:] if text[:1] in "+-" else text
    if body == "0":
        return 0.0
    position, total = 0, 0.0
    while position < len(body):
        match = _PART.match(body, position)
        if match is None:
            raise ValueError(f'time: invalid duration "{text}"')
        total += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    if not body:
        raise ValueError(f'time: invalid duration "{text}"')
    return -total if text.startswith("-") else total


def parse_duration(text: str) -> float:
    """Seconds in `text`; raises ValueError with Go's wording for anything Go refuses,
    including durations beyond Go's range."""
    seconds = _seconds(text)
    if abs(seconds) > _GO_MAX_SECONDS:
        raise ValueError(f'time: invalid duration "{text}"')
    return seconds


@dataclass(frozen=True)
class DurationRange:
    """The durations an attribute accepts, both ends included, and its default."""

    minimum: str
    maximum: str
    default: str

    def __post_init__(self) -> None:
        if not parse_duration(self.minimum) <= parse_duration(self.default) <= parse_duration(self.maximum):
            raise ValueError(f"default {self.default} outside [{self.minimum}, {self.maximum}]")

    @property
    def documentation(self) -> str:
        """The range and the default, as the attribute's description states them."""
        return f'From `"{self.minimum}"` to `"{self.maximum}"`; default `"{self.default}"`.'

    def validate(self, value: Any, path: AttributePath, diagnostics: Diagnostics) -> None:
        """A validator (schema.Validator) for a duration string in this range."""
        try:
            seconds = _seconds(value)
        except ValueError:
            diagnostics.error(
                "Invalid duration",
                f'{path} is "{value}", which is not a duration: use a number and a unit, like "30s", '
                f'"5m" or "1h30m" ({self._range_text}).',
                path,
            )
            return
        if seconds < parse_duration(self.minimum):
            diagnostics.error(
                "Duration too short", f'{path} is "{value}", shorter than allowed ({self._range_text}).', path
            )
        elif seconds > parse_duration(self.maximum):
            diagnostics.error(
                "Duration too long", f'{path} is "{value}", longer than allowed ({self._range_text}).', path
            )

    def seconds(self, value: str | None) -> float:
        """Seconds in a validated value, or in the default when the value is null."""
        return parse_duration(value if value is not None else self.default)

    @property
    def _range_text(self) -> str:
        return f'from "{self.minimum}" to "{self.maximum}"'


def timeouts_block(operations: Mapping[str, DurationRange]) -> NestedBlock:
    """A `timeouts` block with one optional duration per operation (name → its range and default)."""
    return NestedBlock(
        nesting=Nesting.SINGLE,
        block=Block(
            description="How long each operation may take before it fails.",
            attributes={
                name: Attribute(
                    type=cty.STRING,
                    optional=True,
                    description=f'How long {name} may take (a duration like `"30s"` or `"10m"`). '
                    + allowed.documentation,
                    validators=(allowed.validate,),
                )
                for name, allowed in operations.items()
            },
        ),
    )


def timeout_seconds(
    state: Mapping[str, Any] | None, operation: str, operations: Mapping[str, DurationRange]
) -> float:
    """The timeout for `operation` from a resource's `timeouts` block, or its default."""
    timeouts = (state or {}).get("timeouts") or {}
    configured = timeouts.get(operation)
    return operations[operation].seconds(configured if isinstance(configured, str) else None)

"""Durations the way Terraform users write them: Go's time.ParseDuration syntax ("1m30s", "500ms").

Also the conventional `timeouts` block, as SDKv2 and terraform-plugin-framework-timeouts
offer it, so users of other providers find it where they expect it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from . import cty
from .cty.path import AttributePath
from .diagnostics import Diagnostics
from .schema import Attribute, Block, NestedBlock, Nesting

__all__ = ["parse_duration", "timeout_seconds", "timeouts_block", "validate_duration"]

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def parse_duration(text: str) -> float:
    """Seconds in `text`; raises ValueError with Go's wording for anything else."""
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


def validate_duration(value: Any, path: AttributePath, diagnostics: Diagnostics) -> None:
    try:
        seconds = parse_duration(value)
    except ValueError:
        diagnostics.error(
            "Invalid duration",
            f'{value!r} is not a duration: use a number and a unit, like "30s", "5m" or "1h30m".',
            path,
        )
        return
    if seconds <= 0:
        diagnostics.error("Invalid duration", f"{value!r} must be longer than zero.", path)


def timeouts_block(operations: Mapping[str, str]) -> NestedBlock:
    """A `timeouts` block with one optional duration per operation (name → default)."""
    return NestedBlock(
        nesting=Nesting.SINGLE,
        block=Block(
            description="How long each operation may take before it fails.",
            attributes={
                name: Attribute(
                    type=cty.STRING,
                    optional=True,
                    description=f'How long {name} may take (a duration like `"30s"` or `"10m"`). '
                    f'Default: `"{default}"`.',
                    validators=(validate_duration,),
                )
                for name, default in operations.items()
            },
        ),
    )


def timeout_seconds(state: Mapping[str, Any] | None, operation: str, defaults: Mapping[str, str]) -> float:
    """The timeout for `operation` from a resource's `timeouts` block, or its default."""
    timeouts = (state or {}).get("timeouts") or {}
    configured = timeouts.get(operation)
    return parse_duration(configured if isinstance(configured, str) else defaults[operation])

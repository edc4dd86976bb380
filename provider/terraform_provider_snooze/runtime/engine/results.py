"""What a resource or data source hands back, checked before Terraform sees it.

Terraform refuses unknown values in a refreshed state, an applied state and a data source's
result, and blames the provider with a message that names no attribute. The engine checks
first, reports the bug in a diagnostic, and still returns a state that keeps track of what
exists remotely.
"""

from __future__ import annotations

from typing import Any

from .. import cty
from ..diagnostics import DiagnosticError, Diagnostics
from ..schema import Schema
from .errors import BUG

__all__ = ["applied_state", "data_source_state", "refreshed_state"]


def refreshed_state(
    schema: Schema, prior: dict[str, Any] | None, read: dict[str, Any] | None, diagnostics: Diagnostics
) -> dict[str, Any] | None:
    """ReadResource's new state; null means the remote object is gone."""
    state = schema.conform(read)
    if state is not None and not cty.is_wholly_known(state, schema.cty_type):
        diagnostics.error("Provider produced unknown values during refresh", BUG)
        return prior
    return state


def applied_state(
    schema: Schema, applied: dict[str, Any] | None, diagnostics: Diagnostics
) -> dict[str, Any] | None:
    """ApplyResourceChange's new state, stored even when the operation failed half-way."""
    state = schema.conform(applied)
    if state is not None and not cty.is_wholly_known(state, schema.cty_type):
        diagnostics.error("Provider left unknown values after apply", BUG)
        return _unknowns_to_null(state, schema)
    return state


def data_source_state(
    schema: Schema, config: dict[str, Any], read: dict[str, Any] | None, diagnostics: Diagnostics
) -> dict[str, Any]:
    """ReadDataSource's result: wholly known; the configuration when the read failed."""
    if diagnostics.has_errors:
        return config
    state = schema.conform(read)
    if state is None or not cty.is_wholly_known(state, schema.cty_type):
        raise DiagnosticError("Provider produced an incomplete data source result", BUG)
    return state


def _unknowns_to_null(state: dict[str, Any], schema: Schema) -> dict[str, Any] | None:
    """`state` with every leftover unknown null, so it can still be stored (an error is
    reported): at any depth, inside dynamic values too; a nested block left unknown becomes
    absent as the schema writes it (an empty list, set or map, never null), and a set that
    gained duplicates loses them."""
    return schema.conform(_without_unknowns(state))


def _without_unknowns(value: Any) -> Any:
    if value is cty.UNKNOWN:
        return None
    if isinstance(value, cty.Dynamic):
        return cty.Dynamic(value.type, _without_unknowns(value.value))
    if isinstance(value, dict):
        return {key: _without_unknowns(element) for key, element in value.items()}
    if isinstance(value, list):
        return [_without_unknowns(element) for element in value]
    return value

"""UpgradeResourceState: stored state of any earlier schema version, as a value of the current one.

Terraform calls it before every plan and refresh of an existing resource, even when the version
has not changed: it must at least turn the stored JSON into a value of the current schema. The
resource's `state_upgraders` run in order, one per version, each on plain JSON data (numbers
exact). The result is read as go-cty reads stored JSON; attributes the schema no longer has are
dropped at every depth (inside nested attributes, blocks and object types too), rather than
failing every plan.
"""

from __future__ import annotations

from typing import Any

from .. import cty
from ..diagnostics import DiagnosticError
from ..interfaces import Resource
from ..protocol import RawState

__all__ = ["upgraded_state"]


def upgraded_state(resource: Resource, version: int, raw_state: RawState) -> dict[str, Any] | None:
    schema = resource.schema
    if version > schema.version:
        raise DiagnosticError(
            "Resource instance managed by newer provider version",
            f"The state has schema version {version}; this provider knows up to {schema.version}. "
            "Upgrade the provider.",
        )
    data = raw_state.data()
    for step in range(version, schema.version):
        upgrader = resource.state_upgraders.get(step)
        if upgrader is None:
            raise DiagnosticError(
                "Unable to upgrade resource state",
                f"{resource.type_name} has no upgrade from schema version {step}.",
            )
        data = upgrader(data)
    return schema.conform(cty.json_codec.read(data, schema.cty_type, ignore_undefined_attributes=True))

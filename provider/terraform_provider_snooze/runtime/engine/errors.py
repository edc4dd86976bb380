"""Exceptions as diagnostics: nothing reaches Terraform as a gRPC error.

Terraform shows a gRPC error as a bare "Plugin error" with no attribute and no advice. The
protocol layer (server.py) turns whatever an RPC raises into error diagnostics with
`diagnostics_for`; ApplyResourceChange does the same for the resource's own operation, so that
the state recorded before the failure is still returned.
"""

from __future__ import annotations

import logging

from .. import cty
from ..diagnostics import DiagnosticError, Diagnostics
from ..interfaces import OperationCancelled

__all__ = ["BUG", "diagnostics_for"]

log = logging.getLogger("terraform_provider_snooze.runtime.engine")

BUG = "This is a bug in the provider; please report it with the provider log (TF_LOG=DEBUG)."


def diagnostics_for(error: BaseException, rpc: str) -> Diagnostics:
    if isinstance(error, DiagnosticError):
        return error.diagnostics
    diagnostics = Diagnostics()
    if isinstance(error, OperationCancelled):
        diagnostics.error("Operation interrupted", "Terraform asked the provider to stop.")
    elif isinstance(error, cty.CtyValueError):
        diagnostics.error("Invalid value", str(error), error.path)
    else:
        log.exception("Unexpected error while serving %s", rpc)
        diagnostics.error(
            "Unexpected provider error",
            f"{rpc} failed with {type(error).__name__}: {error}. "
            "This is a bug in the provider; the provider log (TF_LOG=DEBUG) has the traceback.",
        )
    return diagnostics

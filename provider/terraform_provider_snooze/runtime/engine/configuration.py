"""Whether the provider is configured, and what its resources and data sources may do if not.

ConfigureProvider leaves the provider in one state (ProviderState):

- configured: the provider's configure() returned the data its resources and data sources get;
- configuration unknown: some settings depend on values known only after apply (e.g.
  `bootstrap_urls = [some_resource.address]`); the provider's configure() is not called then;
- failed: configure() reported errors or raised;
- no provider data: configure() returned None and reported no error (a provider bug);
- not configured: ConfigureProvider was never called.

Only a configured provider's resources and data sources run. For the others, each request that
would reach them is answered here (`ProviderState.deferral`), reading the capabilities of that
very request, as Terraform asks (the apply walk allows deferrals, a CLI plan does not):

- settings unknown, deferral allowed (Terraform 1.9+ with deferrals enabled): a deferral with
  reason PROVIDER_CONFIG_UNKNOWN, in the shape terraform-plugin-framework answers;
- settings unknown, no deferral allowed (every GA CLI plan; Terraform before 1.9): a plan is
  still made, by the runtime's own rules (computed values unknown, plan modifiers applied, the
  resource's modify_plan skipped), and everything else fails with an error that names the
  unknown settings and suggests `-target`;
- otherwise an error saying why the provider is not configured.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import cty
from ..diagnostics import DiagnosticError
from ..protocol import ClientCapabilities, Deferred, DeferredReason
from ..schema import Schema
from .errors import BUG

__all__ = ["ProviderState", "Status", "unknown_settings"]


class Status(enum.Enum):
    NOT_CONFIGURED = "not configured"
    CONFIGURED = "configured"
    UNKNOWN = "configuration unknown"
    FAILED = "configuration failed"
    NO_DATA = "no provider data"


@dataclass(frozen=True)
class ProviderState:
    status: Status = Status.NOT_CONFIGURED
    unknown_settings: tuple[str, ...] = ()

    @property
    def configured(self) -> bool:
        return self.status is Status.CONFIGURED

    def deferred_by(self, capabilities: ClientCapabilities) -> Deferred | None:
        """The deferral to answer with: settings unknown, and this request allows one."""
        if self.status is Status.UNKNOWN and capabilities.deferral_allowed:
            return Deferred(DeferredReason.PROVIDER_CONFIG_UNKNOWN)
        return None

    def deferral(self, capabilities: ClientCapabilities, operation: str) -> Deferred | None:
        """None: go ahead. A deferral: answer the request with it. Raises when neither can be."""
        deferred = self.deferred_by(capabilities)
        if deferred is None:
            self.require(operation)
        return deferred

    def require(self, operation: str) -> None:
        """Raises a DiagnosticError saying why `operation` cannot run, unless configured."""
        if self.status is Status.CONFIGURED:
            return
        if self.status is Status.UNKNOWN:
            raise DiagnosticError("Provider configuration not known yet", self._unknown_detail(operation))
        raise DiagnosticError("Provider not configured", _NOT_CONFIGURED[self.status].format(operation))

    def _unknown_detail(self, operation: str) -> str:
        names = ", ".join(f"`{name}`" for name in self.unknown_settings)
        one = len(self.unknown_settings) == 1
        return (
            f"The provider setting{'' if one else 's'} {names} {'is' if one else 'are'} known only after "
            f"apply: {'it depends' if one else 'they depend'} on resources Terraform has not created or "
            f"changed yet, so the provider cannot {operation} now. Apply those resources first, with "
            "`terraform apply -target=ADDRESS` for each resource the provider block refers to, then run "
            "this command again."
        )


_NOT_CONFIGURED = {
    Status.NOT_CONFIGURED: "Terraform asked the provider to {} before configuring it; run this through terraform.",
    Status.FAILED: "The provider's configuration failed (see the errors reported for the provider block), "
    "so it cannot {}.",
    Status.NO_DATA: "The provider's configure() returned nothing for its resources and data sources and "
    "reported no error, so it cannot {}. " + BUG,
}


def unknown_settings(config: Mapping[str, Any], schema: Schema) -> tuple[str, ...]:
    """The top-level settings (attributes and blocks) of `config` that hold an unknown value."""
    return tuple(
        name
        for name, ty in schema.cty_type.attributes.items()
        if not cty.is_wholly_known(config.get(name), ty)
    )

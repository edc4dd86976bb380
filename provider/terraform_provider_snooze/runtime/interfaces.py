"""What a provider implements: a Provider, its Resources, DataSources and Functions.

Each operation takes a request and fills a response, as terraform-plugin-framework does, so an
operation that fails half-way can still record what it created (`response.state`) before it
raises or adds an error diagnostic. Values are canonical cty values (see `runtime.cty`): dicts
with every attribute present, `Decimal` numbers, `UNKNOWN` for values not yet known.

A resource's or data source's operations (read, create, update, delete, import, modify_plan)
run only once the provider is configured; the engine answers for them otherwise
(engine/configuration.py), so they never see a provider without its data.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from . import cty
from .diagnostics import Diagnostics
from .schema import Schema

__all__ = [
    "ApplyRequest",
    "ApplyResponse",
    "Cancellation",
    "ConfigureRequest",
    "DataSource",
    "DataSourceReadRequest",
    "DataSourceReadResponse",
    "Function",
    "FunctionError",
    "FunctionParameter",
    "ImportRequest",
    "ImportResponse",
    "MoveStateRequest",
    "OperationCancelled",
    "PlanRequest",
    "PlanResponse",
    "Provider",
    "ReadRequest",
    "ReadResponse",
    "Resource",
    "StateUpgrader",
    "ValidateRequest",
]


class OperationCancelled(Exception):
    """Terraform asked the provider to stop (Ctrl-C): waits end early with this."""


class Cancellation:
    """The stop signal of one request: set by StopProvider, observed by every wait."""

    def __init__(self, event: threading.Event | None = None) -> None:
        self._event = event if event is not None else threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise OperationCancelled("the operation was interrupted")

    def sleep(self, seconds: float) -> None:
        """Sleep, waking at once (and raising) if the operation is cancelled meanwhile."""
        if self._event.wait(max(0.0, seconds)):
            raise OperationCancelled("the operation was interrupted")

    @staticmethod
    def clock() -> float:
        return time.monotonic()


@dataclass
class ValidateRequest:
    """Validation runs before the provider is configured; values may be UNKNOWN."""

    config: dict[str, Any]
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


@dataclass
class ConfigureRequest:
    config: dict[str, Any]
    terraform_version: str
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


@dataclass
class PlanRequest:
    config: dict[str, Any] | None
    prior_state: dict[str, Any] | None
    proposed_state: dict[str, Any] | None
    private: bytes
    cancellation: Cancellation


@dataclass
class PlanResponse:
    """The plan so far: computed values unknown where their object changes, plan modifiers
    applied. Replacements come from the schema's plan modifiers only."""

    planned_state: dict[str, Any] | None
    private: bytes
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


@dataclass
class ApplyRequest:
    config: dict[str, Any] | None
    prior_state: dict[str, Any] | None
    planned_state: dict[str, Any] | None
    private: bytes
    cancellation: Cancellation


@dataclass
class ApplyResponse:
    """`state` starts as the prior state: what exists until the operation records a change."""

    state: dict[str, Any] | None
    private: bytes
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


@dataclass
class ReadRequest:
    state: dict[str, Any]
    private: bytes
    cancellation: Cancellation


@dataclass
class ReadResponse:
    """Set `state` to None when the remote object is definitely gone; errors are errors."""

    state: dict[str, Any] | None
    private: bytes
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


@dataclass
class ImportRequest:
    id: str
    cancellation: Cancellation


@dataclass
class ImportResponse:
    state: dict[str, Any] | None = None
    private: bytes = b""
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


@dataclass
class MoveStateRequest:
    source_provider_address: str
    source_type_name: str
    source_schema_version: int
    source_state: Mapping[str, Any]
    source_private: bytes


@dataclass
class DataSourceReadRequest:
    config: dict[str, Any]
    cancellation: Cancellation


@dataclass
class DataSourceReadResponse:
    state: dict[str, Any] | None = None
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


StateUpgrader = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns the raw JSON state of an older schema version into a value of the current schema."""


class Resource(ABC):
    """A managed resource type. One instance serves every request, from several threads."""

    type_name: ClassVar[str]
    schema: ClassVar[Schema]
    state_upgraders: ClassVar[Mapping[int, StateUpgrader]] = {}

    def configure(self, provider_data: Any) -> None:  # noqa: B027 - optional hook
        """Receives what the provider's configure() returned (e.g. an API client)."""

    def validate_config(self, request: ValidateRequest) -> None:  # noqa: B027 - optional hook
        """Cross-attribute checks; per-attribute validators run before this."""

    def modify_plan(self, request: PlanRequest, response: PlanResponse) -> None:  # noqa: B027
        """Adjusts the plan the runtime computed (unknowns, plan modifiers) before it is returned.

        Not called while the provider is not configured (settings known only after apply): the
        runtime's plan then stands. Replacements come from plan modifiers in the schema."""

    @abstractmethod
    def create(self, request: ApplyRequest, response: ApplyResponse) -> None: ...

    @abstractmethod
    def read(self, request: ReadRequest, response: ReadResponse) -> None: ...

    @abstractmethod
    def update(self, request: ApplyRequest, response: ApplyResponse) -> None: ...

    @abstractmethod
    def delete(self, request: ApplyRequest, response: ApplyResponse) -> None: ...

    def import_state(self, request: ImportRequest, response: ImportResponse) -> None:
        response.diagnostics.error(
            "Import not supported", f"The resource type {self.type_name} cannot be imported."
        )

    def move_state(self, request: MoveStateRequest, response: ImportResponse) -> None:
        response.diagnostics.error(
            "Move not supported",
            f"{self.type_name} cannot be moved from {request.source_type_name}.",
        )


class DataSource(ABC):
    type_name: ClassVar[str]
    schema: ClassVar[Schema]

    def configure(self, provider_data: Any) -> None:  # noqa: B027 - optional hook
        """Receives what the provider's configure() returned."""

    def validate_config(self, request: ValidateRequest) -> None:  # noqa: B027 - optional hook
        """Cross-attribute checks; per-attribute validators run before this."""

    @abstractmethod
    def read(self, request: DataSourceReadRequest, response: DataSourceReadResponse) -> None: ...


@dataclass(frozen=True)
class FunctionParameter:
    name: str
    type: cty.CtyType
    description: str = ""
    allow_null: bool = False


class FunctionError(Exception):
    """A function call failed; `argument` is the index of the argument at fault, if any."""

    def __init__(self, text: str, argument: int | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.argument = argument


class Function(ABC):
    """A provider-defined function, `provider::<name>::<function>(...)` (Terraform 1.8+)."""

    name: ClassVar[str]
    summary: ClassVar[str]
    description: ClassVar[str] = ""
    parameters: ClassVar[Sequence[FunctionParameter]]
    return_type: ClassVar[cty.CtyType]

    @abstractmethod
    def call(self, arguments: list[Any]) -> Any: ...


class Provider(ABC):
    type_name: ClassVar[str]
    schema: ClassVar[Schema]

    def validate_config(self, request: ValidateRequest) -> None:  # noqa: B027 - optional hook
        """Cross-attribute checks of the provider block."""

    @abstractmethod
    def configure(self, request: ConfigureRequest) -> Any:
        """Returns the data handed to every resource's configure() (e.g. an API client).

        Called only with a wholly known configuration: settings known only after apply are
        the runtime's concern. Returning None (with or without an error diagnostic) leaves the
        provider unconfigured, and its resources and data sources refuse to run.
        """

    @abstractmethod
    def resources(self) -> Sequence[Resource]: ...

    def data_sources(self) -> Sequence[DataSource]:
        return ()

    def functions(self) -> Sequence[Function]:
        return ()

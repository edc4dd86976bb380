"""Resources and data sources named by their schema, implemented by code loaded at first use.

GetProviderSchema is the first RPC of every provider process Terraform starts, and all that some
of them serve: it needs the schemas, not the code behind them (nor the HTTP client that code
imports). A provider lists each resource type as its name, its schema and a function that builds
the implementation; the implementation loads when a request first needs it (validation,
configuration, an operation) and then serves every request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar, cast

from .interfaces import (
    ApplyRequest,
    ApplyResponse,
    DataSource,
    DataSourceReadRequest,
    DataSourceReadResponse,
    ImportRequest,
    ImportResponse,
    MoveStateRequest,
    PlanRequest,
    PlanResponse,
    Provider,
    ReadRequest,
    ReadResponse,
    Resource,
    StateUpgrader,
    ValidateRequest,
)
from .schema import Schema

__all__ = ["LazyDataSource", "LazyResource", "lazy_data_source", "lazy_resource", "load_all"]

Implementation = TypeVar("Implementation", Resource, DataSource)


class _Once(Generic[Implementation]):
    """Builds the implementation once, however many threads ask at once, and checks that it is
    the type the schema was published for."""

    def __init__(self, type_name: str, schema: Schema, build: Callable[[], Implementation]) -> None:
        self._type_name = type_name
        self._schema = schema
        self._build: Callable[[], Implementation] = build
        self._built: Implementation | None = None
        self._lock = threading.Lock()

    def get(self) -> Implementation:
        with self._lock:
            if self._built is None:
                built = self._build()
                if built.type_name != self._type_name or built.schema is not self._schema:
                    raise TypeError(
                        f"{type(built).__name__} implements {built.type_name}, not the "
                        f"{self._type_name} whose schema was published"
                    )
                self._built = built
            return self._built


class _LazyUpgraders(Mapping[int, StateUpgrader]):
    """The implementation's state upgraders, loaded only when a state needs upgrading."""

    def __init__(self, resource: Callable[[], Resource]) -> None:
        self._resource = resource

    def __getitem__(self, version: int) -> StateUpgrader:
        return self._resource().state_upgraders[version]

    def __iter__(self) -> Iterator[int]:
        return iter(self._resource().state_upgraders)

    def __len__(self) -> int:
        return len(self._resource().state_upgraders)


class LazyResource(Resource):
    """Stands for a resource type; built by `lazy_resource`, which sets its name and schema."""

    def __init__(self, implementation: _Once[Resource]) -> None:
        self._implementation = implementation

    def load(self) -> Resource:
        return self._implementation.get()

    def configure(self, provider_data: Any) -> None:
        self.load().configure(provider_data)

    def validate_config(self, request: ValidateRequest) -> None:
        self.load().validate_config(request)

    def modify_plan(self, request: PlanRequest, response: PlanResponse) -> None:
        self.load().modify_plan(request, response)

    def create(self, request: ApplyRequest, response: ApplyResponse) -> None:
        self.load().create(request, response)

    def read(self, request: ReadRequest, response: ReadResponse) -> None:
        self.load().read(request, response)

    def update(self, request: ApplyRequest, response: ApplyResponse) -> None:
        self.load().update(request, response)

    def delete(self, request: ApplyRequest, response: ApplyResponse) -> None:
        self.load().delete(request, response)

    def import_state(self, request: ImportRequest, response: ImportResponse) -> None:
        self.load().import_state(request, response)

    def move_state(self, request: MoveStateRequest, response: ImportResponse) -> None:
        self.load().move_state(request, response)


class LazyDataSource(DataSource):
    """Stands for a data source; built by `lazy_data_source`, which sets its name and schema."""

    def __init__(self, implementation: _Once[DataSource]) -> None:
        self._implementation = implementation

    def load(self) -> DataSource:
        return self._implementation.get()

    def configure(self, provider_data: Any) -> None:
        self.load().configure(provider_data)

    def validate_config(self, request: ValidateRequest) -> None:
        self.load().validate_config(request)

    def read(self, request: DataSourceReadRequest, response: DataSourceReadResponse) -> None:
        self.load().read(request, response)


def lazy_resource(type_name: str, schema: Schema, build: Callable[[], Resource]) -> LazyResource:
    """`type_name` with `schema`, served by what `build()` returns once first needed."""
    implementation = _Once(type_name, schema, build)
    attributes = {
        "type_name": type_name,
        "schema": schema,
        "state_upgraders": _LazyUpgraders(implementation.get),
    }
    stand_in = type(f"Lazy[{type_name}]", (LazyResource,), attributes)
    return cast(LazyResource, stand_in(implementation))


def lazy_data_source(type_name: str, schema: Schema, build: Callable[[], DataSource]) -> LazyDataSource:
    """`type_name` with `schema`, served by what `build()` returns once first needed."""
    stand_in = type(f"Lazy[{type_name}]", (LazyDataSource,), {"type_name": type_name, "schema": schema})
    return cast(LazyDataSource, stand_in(_Once(type_name, schema, build)))


def load_all(provider: Provider) -> None:
    """Loads every implementation now (a process that forks providers imports them once for all)."""
    for entry in [*provider.resources(), *provider.data_sources()]:
        if isinstance(entry, LazyResource | LazyDataSource):
            entry.load()

"""A test-only provider on the plugin runtime: it proves the runtime against real Terraform
without Snooze. Its resource keeps its objects in a JSON file (env TESTKIT_STORE), so tests can
change them behind Terraform's back.

Run as a program, it serves the provider like any Terraform plugin.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from terraform_provider_snooze.runtime import cty
from terraform_provider_snooze.runtime.cty.path import AttributePath
from terraform_provider_snooze.runtime.diagnostics import Diagnostics
from terraform_provider_snooze.runtime.interfaces import (
    ApplyRequest,
    ApplyResponse,
    ConfigureRequest,
    DataSource,
    DataSourceReadRequest,
    DataSourceReadResponse,
    Function,
    FunctionError,
    FunctionParameter,
    ImportRequest,
    ImportResponse,
    Provider,
    ReadRequest,
    ReadResponse,
    Resource,
)
from terraform_provider_snooze.runtime.planmodifiers import RequiresReplace, UseStateForUnknown
from terraform_provider_snooze.runtime.schema import (
    Attribute,
    Block,
    NestedAttributes,
    NestedBlock,
    Nesting,
    Schema,
)

_LOCK = threading.Lock()


def _store_path() -> Path:
    return Path(os.environ["TESTKIT_STORE"])


def _load() -> dict[str, Any]:
    path = _store_path()
    return json.loads(path.read_text(), parse_float=Decimal) if path.exists() else {}


def _save(objects: dict[str, Any]) -> None:
    _store_path().write_text(json.dumps(objects, default=str))


def _positive(value: Any, path: AttributePath, diagnostics: Diagnostics) -> None:
    if value <= 0:
        diagnostics.error("Invalid size", f"size must be positive, got {value}", path)


class Thing(Resource):
    type_name = "testkit_thing"
    schema = Schema(
        version=1,
        block=Block(
            description="A thing kept in a JSON file.",
            attributes={
                "id": Attribute(type=cty.STRING, computed=True, plan_modifiers=(UseStateForUnknown(),)),
                "name": Attribute(type=cty.STRING, required=True, plan_modifiers=(RequiresReplace(),)),
                "size": Attribute(type=cty.NUMBER, optional=True, validators=(_positive,)),
                "labels": Attribute(type=cty.Map(cty.STRING), optional=True),
                "fingerprint": Attribute(type=cty.STRING, computed=True),
                "slots": Attribute(
                    optional=True,
                    nested=NestedAttributes(
                        nesting=Nesting.MAP,
                        attributes={
                            "capacity": Attribute(
                                type=cty.NUMBER, required=True, plan_modifiers=(RequiresReplace(),)
                            ),
                            "serial": Attribute(type=cty.STRING, computed=True),
                        },
                    ),
                ),
            },
            blocks={
                "timeouts": NestedBlock(
                    nesting=Nesting.SINGLE,
                    block=Block(attributes={"create": Attribute(type=cty.STRING, optional=True)}),
                )
            },
        ),
    )
    # Version 0 called `name` `title`.
    state_upgraders: ClassVar[dict[int, Any]] = {
        0: lambda raw: {**{k: v for k, v in raw.items() if k != "title"}, "name": raw.get("title")}
    }

    def _record(self, state: dict[str, Any]) -> dict[str, Any]:
        slots = state.get("slots")
        if slots is not None:
            state["slots"] = {
                key: {
                    **slot,
                    "serial": slot["serial"] if isinstance(slot["serial"], str) else uuid.uuid4().hex[:8],
                }
                for key, slot in slots.items()
            }
        state["fingerprint"] = uuid.uuid4().hex
        with _LOCK:
            objects = _load()
            objects[state["id"]] = state
            _save(objects)
        return state

    def create(self, request: ApplyRequest, response: ApplyResponse) -> None:
        assert request.planned_state is not None
        response.state = self._record({**request.planned_state, "id": uuid.uuid4().hex})

    def read(self, request: ReadRequest, response: ReadResponse) -> None:
        with _LOCK:
            stored = _load().get(request.state["id"])
        response.state = None if stored is None else {**request.state, **stored}

    def update(self, request: ApplyRequest, response: ApplyResponse) -> None:
        assert request.planned_state is not None
        response.state = self._record(dict(request.planned_state))

    def delete(self, request: ApplyRequest, response: ApplyResponse) -> None:
        assert request.prior_state is not None
        with _LOCK:
            objects = _load()
            objects.pop(request.prior_state["id"], None)
            _save(objects)

    def import_state(self, request: ImportRequest, response: ImportResponse) -> None:
        with _LOCK:
            stored = _load().get(request.id)
        if stored is None:
            response.diagnostics.error("Cannot import", f"no thing with id {request.id!r}")
            return
        response.state = stored


class Echo(DataSource):
    type_name = "testkit_echo"
    schema = Schema(
        block=Block(
            attributes={
                "input": Attribute(type=cty.STRING, required=True),
                "shout": Attribute(type=cty.STRING, computed=True),
            }
        )
    )

    def read(self, request: DataSourceReadRequest, response: DataSourceReadResponse) -> None:
        response.state = {**request.config, "shout": request.config["input"].upper()}


class Reverse(Function):
    name = "reverse"
    summary = "Reverses a string"
    parameters = (FunctionParameter("text", cty.STRING),)
    return_type = cty.STRING

    def call(self, arguments: list[Any]) -> Any:
        (text,) = arguments
        if text == "boom":
            raise FunctionError("cannot reverse boom", 0)
        return text[::-1]


class Testkit(Provider):
    type_name = "testkit"
    schema = Schema(block=Block(attributes={"prefix": Attribute(type=cty.STRING, optional=True)}))

    def configure(self, request: ConfigureRequest) -> Any:
        return dict(request.config)  # the settings, handed to the resources as they are

    def resources(self) -> list[Resource]:
        return [Thing()]

    def data_sources(self) -> list[DataSource]:
        return [Echo()]

    def functions(self) -> list[Function]:
        return [Reverse()]


def main() -> int:
    from terraform_provider_snooze.runtime import transport
    from terraform_provider_snooze.runtime.serve import serve
    from terraform_provider_snooze.runtime.server import register_provider_server

    if os.environ.get("TESTKIT_TCP_ONLY"):  # as on a system without unix sockets
        transport.unix_sockets_available = lambda: False

    return serve(
        lambda server: register_provider_server(server, Testkit),
        provider_address="registry.terraform.io/test/testkit",
        debug="--debug" in sys.argv[1:],
    )


if __name__ == "__main__":
    sys.exit(main())

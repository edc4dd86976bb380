"""A provider whose resource, data source and function record what the engine asks of them,
and helpers that build the typed requests the protocol layer would decode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from terraform_provider_snooze.runtime import cty
from terraform_provider_snooze.runtime.engine import Engine
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
    PlanRequest,
    PlanResponse,
    Provider,
    ReadRequest,
    ReadResponse,
    Resource,
    StateUpgrader,
)
from terraform_provider_snooze.runtime.planmodifiers import RequiresReplace, UseStateForUnknown
from terraform_provider_snooze.runtime.protocol import (
    ClientCapabilities,
    ConfigureProviderRequest,
    DynamicValue,
    PlanResourceChangeRequest,
    ReadDataSourceRequest,
    ReadResourceRequest,
)
from terraform_provider_snooze.runtime.schema import (
    Attribute,
    Block,
    NestedAttributes,
    NestedBlock,
    Nesting,
    Schema,
)

CAN_DEFER = ClientCapabilities(deferral_allowed=True)
NO_DEFERRAL = ClientCapabilities()

THING = Schema(
    version=2,
    block=Block(
        attributes={
            "id": Attribute(type=cty.STRING, computed=True, plan_modifiers=(UseStateForUnknown(),)),
            "name": Attribute(type=cty.STRING, required=True, plan_modifiers=(RequiresReplace(),)),
            "serial": Attribute(type=cty.STRING, computed=True),
            "payload": Attribute(type=cty.DYNAMIC, optional=True),
            "ports": Attribute(
                optional=True,
                nested=NestedAttributes(
                    nesting=Nesting.MAP,
                    attributes={
                        "number": Attribute(type=cty.NUMBER, required=True),
                        "opened": Attribute(type=cty.STRING, computed=True),
                    },
                ),
            ),
        },
        blocks={
            "disk": NestedBlock(
                nesting=Nesting.LIST,
                block=Block(attributes={"size": Attribute(type=cty.NUMBER, optional=True, computed=True)}),
            )
        },
    ),
)
ECHO = Schema(
    block=Block(
        attributes={
            "input": Attribute(type=cty.STRING, required=True),
            "output": Attribute(type=cty.STRING, computed=True),
        }
    )
)
SETTINGS = Schema(
    block=Block(
        attributes={
            "endpoint": Attribute(type=cty.STRING, optional=True),
            "tokens": Attribute(type=cty.List(cty.STRING), optional=True),
        }
    )
)


def thing(**values: Any) -> dict[str, Any]:
    """A canonical testkit_thing state: every attribute, null unless given."""
    state = THING.conform({"name": "a", **values})
    assert state is not None
    return state


def settings(**values: Any) -> DynamicValue:
    return DynamicValue.of({"endpoint": None, "tokens": None, **values}, SETTINGS.cty_type)


def value(state: Any, schema: Schema = THING) -> DynamicValue:
    return DynamicValue.of(state, schema.cty_type)


class Thing(Resource):
    type_name = "kit_thing"
    schema = THING
    state_upgraders: ClassVar[dict[int, StateUpgrader]] = {
        0: lambda raw: {**{k: v for k, v in raw.items() if k != "title"}, "name": raw.get("title")},
        1: lambda raw: {**raw, "serial": raw.get("serial") or "from-v1"},
    }

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.provider_data: Any = None
        # What the next operation does to its response, after recording the call.
        self.behaviour: Callable[[Any], None] = lambda response: None

    def configure(self, provider_data: Any) -> None:
        self.provider_data = provider_data

    def modify_plan(self, request: PlanRequest, response: PlanResponse) -> None:
        self.calls.append("modify_plan")

    def create(self, request: ApplyRequest, response: ApplyResponse) -> None:
        self.calls.append("create")
        assert request.planned_state is not None
        response.state = {**request.planned_state, "id": "t1", "serial": "s1"}
        self.behaviour(response)

    def read(self, request: ReadRequest, response: ReadResponse) -> None:
        self.calls.append("read")
        self.behaviour(response)

    def update(self, request: ApplyRequest, response: ApplyResponse) -> None:
        self.calls.append("update")
        response.state = request.planned_state
        self.behaviour(response)

    def delete(self, request: ApplyRequest, response: ApplyResponse) -> None:
        self.calls.append("delete")
        self.behaviour(response)

    def import_state(self, request: ImportRequest, response: ImportResponse) -> None:
        self.calls.append("import")
        response.state = thing(id=request.id, serial="s1")


class Echo(DataSource):
    type_name = "kit_echo"
    schema = ECHO

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.provider_data: Any = None
        self.behaviour: Callable[[DataSourceReadResponse], None] = lambda response: None

    def configure(self, provider_data: Any) -> None:
        self.provider_data = provider_data

    def read(self, request: DataSourceReadRequest, response: DataSourceReadResponse) -> None:
        self.calls.append("read")
        response.state = {**request.config, "output": request.config["input"].upper()}
        self.behaviour(response)


class Repeat(Function):
    name = "repeat"
    summary = "Repeats a string"
    parameters = (FunctionParameter("text", cty.STRING), FunctionParameter("times", cty.NUMBER))
    return_type = cty.STRING

    def call(self, arguments: list[Any]) -> Any:
        text, times = arguments
        if times < 0:
            raise FunctionError("times must not be negative", 1)
        return text * int(times)


class Kit(Provider):
    type_name = "kit"
    schema = SETTINGS

    def __init__(self) -> None:
        self.thing = Thing()
        self.echo = Echo()
        self.configured_with: list[dict[str, Any]] = []
        # What configure() answers: provider data, or None; it may add diagnostics or raise.
        self.answer: Callable[[ConfigureRequest], Any] = lambda request: {
            "session": request.config["endpoint"]
        }

    def configure(self, request: ConfigureRequest) -> Any:
        self.configured_with.append(request.config)
        return self.answer(request)

    def resources(self) -> list[Resource]:
        return [self.thing]

    def data_sources(self) -> list[DataSource]:
        return [self.echo]

    def functions(self) -> list[Function]:
        return [Repeat()]


def engine_for(kit: Kit) -> Engine:
    return Engine(lambda: kit)


def configure(engine: Engine, **config: Any) -> None:
    response = engine.configure_provider(ConfigureProviderRequest("1.15.5", settings(**config), NO_DEFERRAL))
    assert not response.diagnostics.has_errors, list(response.diagnostics)


def read_request(state: Any, capabilities: ClientCapabilities = NO_DEFERRAL) -> ReadResourceRequest:
    return ReadResourceRequest("kit_thing", value(state), b"p", capabilities)


def plan_request(
    prior: Any, proposed: Any, config: Any, capabilities: ClientCapabilities = NO_DEFERRAL
) -> PlanResourceChangeRequest:
    return PlanResourceChangeRequest(
        "kit_thing", value(prior), value(proposed), value(config), b"p", capabilities
    )


def echo_request(capabilities: ClientCapabilities = NO_DEFERRAL) -> ReadDataSourceRequest:
    return ReadDataSourceRequest("kit_echo", value({"input": "hi", "output": None}, ECHO), capabilities)


__all__ = [
    "CAN_DEFER",
    "ECHO",
    "NO_DEFERRAL",
    "SETTINGS",
    "THING",
    "Kit",
    "configure",
    "echo_request",
    "engine_for",
    "plan_request",
    "read_request",
    "settings",
    "thing",
    "value",
]

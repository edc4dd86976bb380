"""The protocol layer over a real gRPC channel: concurrency, stopping, errors as diagnostics in every
RPC's own response, deferrals on the wire, upgrades, and the features not offered."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any, ClassVar

import grpc
import pytest
from google.protobuf import message_factory
from terraform_provider_snooze.runtime import cty
from terraform_provider_snooze.runtime._generated import tfplugin6_pb2 as pb
from terraform_provider_snooze.runtime._generated import tfplugin6_pb2_grpc as pb_grpc
from terraform_provider_snooze.runtime.interfaces import (
    ApplyRequest,
    ApplyResponse,
    ConfigureRequest,
    Function,
    FunctionParameter,
    Provider,
    ReadRequest,
    ReadResponse,
    Resource,
)
from terraform_provider_snooze.runtime.schema import Attribute, Block, Schema
from terraform_provider_snooze.runtime.server import NOT_OFFERED, NotOffered, register_provider_server

SCHEMA = Schema(
    version=2,
    block=Block(
        attributes={
            "id": Attribute(type=cty.STRING, computed=True),
            "name": Attribute(type=cty.STRING, required=True),
            "mode": Attribute(type=cty.STRING, optional=True),
        }
    ),
)


class Slow(Resource):
    type_name = "test_slow"
    schema = SCHEMA
    state_upgraders: ClassVar[dict[int, Any]] = {
        0: lambda raw: {**raw, "name": raw.pop("title")},
        1: lambda raw: {**raw, "mode": raw.get("mode") or "upgraded"},
    }

    def create(self, request: ApplyRequest, response: ApplyResponse) -> None:
        assert request.planned_state is not None
        if request.planned_state["name"] == "boom":
            raise RuntimeError("kaput")
        response.state = {**request.planned_state, "id": "half"}  # recorded before the wait
        request.cancellation.sleep(60)
        response.state = {**request.planned_state, "id": "done"}

    def read(self, request: ReadRequest, response: ReadResponse) -> None:
        response.state = request.state

    def update(self, request: ApplyRequest, response: ApplyResponse) -> None:
        response.state = request.planned_state

    def delete(self, request: ApplyRequest, response: ApplyResponse) -> None:
        pass


class Explode(Function):
    name = "explode"
    summary = "Fails unexpectedly"
    parameters = (FunctionParameter("text", cty.STRING),)
    return_type = cty.STRING

    def call(self, arguments: list[Any]) -> Any:
        raise RuntimeError("function kaput")


class Test(Provider):
    type_name = "test"
    schema = Schema(block=Block(attributes={"endpoint": Attribute(type=cty.STRING, optional=True)}))

    def configure(self, request: ConfigureRequest) -> Any:
        return self  # what the resources get: nothing they use, but the provider is configured

    def resources(self) -> list[Resource]:
        return [Slow()]

    def functions(self) -> list[Function]:
        return [Explode()]


@pytest.fixture
def unconfigured(tmp_path: Path) -> Iterator[pb_grpc.ProviderStub]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    register_provider_server(server, Test)
    server.add_insecure_port(f"unix:{tmp_path}/s.sock")
    server.start()
    with grpc.insecure_channel(f"unix:{tmp_path}/s.sock") as channel:
        yield pb_grpc.ProviderStub(channel)
    server.stop(None)


def configure(stub: pb_grpc.ProviderStub, endpoint: Any) -> pb.ConfigureProvider.Response:
    config = dynamic({"endpoint": endpoint}, Test.schema.cty_type)
    response: pb.ConfigureProvider.Response = stub.ConfigureProvider(
        pb.ConfigureProvider.Request(config=config)
    )
    return response


@pytest.fixture
def stub(unconfigured: pb_grpc.ProviderStub) -> pb_grpc.ProviderStub:
    configure(unconfigured, "here")
    return unconfigured


def dynamic(value: Any, ty: cty.CtyType) -> pb.DynamicValue:
    return pb.DynamicValue(msgpack=cty.msgpack_codec.encode(value, ty))


def apply(stub: pb_grpc.ProviderStub, name: str) -> pb.ApplyResourceChange.Response:
    planned = {"id": cty.UNKNOWN, "name": name, "mode": None}
    response: pb.ApplyResourceChange.Response = stub.ApplyResourceChange(
        pb.ApplyResourceChange.Request(
            type_name="test_slow",
            prior_state=dynamic(None, SCHEMA.cty_type),
            planned_state=dynamic(planned, SCHEMA.cty_type),
            config=dynamic({**planned, "id": None}, SCHEMA.cty_type),
        )
    )
    return response


def test_stop_provider_interrupts_waits_and_keeps_serving(stub: pb_grpc.ProviderStub) -> None:
    results: list[pb.ApplyResourceChange.Response] = []
    worker = threading.Thread(target=lambda: results.append(apply(stub, "slow")))
    worker.start()
    time.sleep(0.3)
    started = time.monotonic()
    stub.StopProvider(pb.StopProvider.Request())
    worker.join(timeout=5)
    assert time.monotonic() - started < 1.0
    (response,) = results
    assert [d.summary for d in response.diagnostics] == ["Operation interrupted"]
    state = cty.msgpack_codec.decode(response.new_state.msgpack, SCHEMA.cty_type)
    assert state["id"] == "half", "what the operation recorded before the stop is kept"
    # The server still answers, and later operations are not cancelled.
    schema = stub.GetProviderSchema(pb.GetProviderSchema.Request())
    assert "test_slow" in schema.resource_schemas


def test_exceptions_become_diagnostics(stub: pb_grpc.ProviderStub) -> None:
    response = apply(stub, "boom")
    (diagnostic,) = response.diagnostics
    assert diagnostic.severity == pb.Diagnostic.ERROR
    assert "RuntimeError: kaput" in diagnostic.detail


def test_failures_of_decoding_or_lookup_answer_with_diagnostics(stub: pb_grpc.ProviderStub) -> None:
    response = stub.ValidateResourceConfig(pb.ValidateResourceConfig.Request(type_name="test_nope"))
    assert [d.summary for d in response.diagnostics] == ["Unknown resource type"]
    garbled = pb.DynamicValue(msgpack=b"\xc1")
    read = stub.ReadResource(pb.ReadResource.Request(type_name="test_slow", current_state=garbled))
    assert [d.summary for d in read.diagnostics] == ["Invalid value"]
    called = stub.CallFunction(pb.CallFunction.Request(name="explode", arguments=[dynamic("x", cty.STRING)]))
    assert called.error.text.startswith("Unexpected provider error: CallFunction failed with RuntimeError")


def unoffered_request(rpc: str) -> Any:
    method = pb.DESCRIPTOR.services_by_name["Provider"].methods_by_name[rpc]
    return message_factory.GetMessageClass(method.input_type)()


def answer_summaries(answer: Any) -> list[str]:
    if isinstance(answer, pb.InvokeAction.Event):
        return [d.summary for d in answer.completed.diagnostics]
    found = answer.diagnostic if isinstance(answer, pb.ListResource.Event) else answer.diagnostics
    return [d.summary for d in found]


@pytest.mark.parametrize("not_offered", NOT_OFFERED, ids=lambda n: n.rpc)
def test_features_not_offered_answer_with_one_clear_error(
    stub: pb_grpc.ProviderStub, not_offered: NotOffered
) -> None:
    call = getattr(stub, not_offered.rpc)
    request = unoffered_request(not_offered.rpc)
    if not_offered.stream == "server":
        answers = list(call(request))
    elif not_offered.stream == "client":
        answers = [call(iter([request, request]))]
    else:
        answers = [call(request)]
    assert [answer_summaries(a) for a in answers] == [["Feature not supported"]]


def test_unknown_provider_settings_on_the_wire(unconfigured: pb_grpc.ProviderStub) -> None:
    assert not configure(unconfigured, cty.UNKNOWN).diagnostics
    state = dynamic({"id": "x", "name": "n", "mode": None}, SCHEMA.cty_type)
    can_defer = pb.ClientCapabilities(deferral_allowed=True)
    deferred = unconfigured.ReadResource(
        pb.ReadResource.Request(type_name="test_slow", current_state=state, client_capabilities=can_defer)
    )
    assert deferred.deferred.reason == pb.Deferred.PROVIDER_CONFIG_UNKNOWN
    assert deferred.new_state == state and not deferred.diagnostics
    refused = unconfigured.ReadResource(pb.ReadResource.Request(type_name="test_slow", current_state=state))
    assert not refused.HasField("deferred")
    assert [d.summary for d in refused.diagnostics] == ["Provider configuration not known yet"]
    assert "`endpoint`" in refused.diagnostics[0].detail


def test_capabilities_are_in_the_schema_response(stub: pb_grpc.ProviderStub) -> None:
    capabilities = stub.GetProviderSchema(pb.GetProviderSchema.Request()).server_capabilities
    assert capabilities.plan_destroy and capabilities.get_provider_schema_optional
    assert capabilities.move_resource_state


def upgrade(
    stub: pb_grpc.ProviderStub, version: int, raw: dict[str, Any]
) -> pb.UpgradeResourceState.Response:
    response: pb.UpgradeResourceState.Response = stub.UpgradeResourceState(
        pb.UpgradeResourceState.Request(
            type_name="test_slow", version=version, raw_state=pb.RawState(json=json.dumps(raw).encode())
        )
    )
    return response


def test_state_upgrades_run_in_order_and_same_version_passes_through(stub: pb_grpc.ProviderStub) -> None:
    old = upgrade(stub, 0, {"id": "x", "title": "legacy"})
    assert not old.diagnostics
    assert cty.msgpack_codec.decode(old.upgraded_state.msgpack, SCHEMA.cty_type) == {
        "id": "x",
        "name": "legacy",
        "mode": "upgraded",
    }
    same = upgrade(stub, 2, {"id": "x", "name": "n", "mode": None, "dropped_attribute": 1})
    assert cty.msgpack_codec.decode(same.upgraded_state.msgpack, SCHEMA.cty_type) == {
        "id": "x",
        "name": "n",
        "mode": None,
    }
    newer = upgrade(stub, 3, {"id": "x"})
    assert [d.summary for d in newer.diagnostics] == ["Resource instance managed by newer provider version"]

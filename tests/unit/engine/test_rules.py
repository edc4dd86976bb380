"""The protocol rules the engine holds for every resource: state upgrades, what a read, an apply
or a data source may return, delete-to-null, generated configuration, validation, functions."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from terraform_provider_snooze.runtime import cty
from terraform_provider_snooze.runtime.cty.path import AttributePath
from terraform_provider_snooze.runtime.diagnostics import DiagnosticError, Diagnostics
from terraform_provider_snooze.runtime.engine import Engine
from terraform_provider_snooze.runtime.interfaces import OperationCancelled
from terraform_provider_snooze.runtime.protocol import (
    ApplyResourceChangeRequest,
    ApplyResourceChangeResponse,
    CallFunctionRequest,
    DynamicValue,
    GenerateResourceConfigRequest,
    RawState,
    UpgradeResourceStateRequest,
    ValidateConfigRequest,
)

from .kit import (
    ECHO,
    THING,
    Kit,
    configure,
    echo_request,
    engine_for,
    plan_request,
    read_request,
    thing,
    value,
)


@pytest.fixture
def kit() -> Kit:
    return Kit()


@pytest.fixture
def engine(kit: Kit) -> Engine:
    engine = engine_for(kit)
    configure(engine, endpoint="http://e")
    return engine


def decoded(dynamic: DynamicValue | None) -> Any:
    assert dynamic is not None
    return dynamic.decode(THING.cty_type)


# -- UpgradeResourceState --------------------------------------------------------------------------


def upgrade(engine: Engine, version: int, raw: dict[str, Any]) -> Any:
    request = UpgradeResourceStateRequest("kit_thing", version, RawState(json=json.dumps(raw).encode()))
    return decoded(engine.upgrade_resource_state(request).upgraded_state)


def test_upgraders_run_in_order_from_the_stored_version(engine: Engine) -> None:
    assert upgrade(engine, 0, {"title": "old"}) == thing(name="old", serial="from-v1")
    assert upgrade(engine, 1, {"name": "n", "serial": "s"}) == thing(name="n", serial="s")


def test_attributes_the_schema_dropped_go_at_every_depth(engine: Engine) -> None:
    stored = {
        "name": "n",
        "dropped": 1,
        "ports": {"http": {"number": 80, "opened": "yes", "protocol": "tcp"}},
        "disk": [{"size": 10, "kind": "ssd"}],
        "payload": {"value": {"k": 1}, "type": ["object", {"k": "number"}]},
    }
    assert upgrade(engine, 2, stored) == thing(
        name="n",
        ports={"http": {"number": Decimal(80), "opened": "yes"}},
        disk=[{"size": Decimal(10)}],
        payload=cty.Dynamic(cty.Object({"k": cty.NUMBER}), {"k": Decimal(1)}),
    )


@pytest.mark.parametrize(
    ("version", "summary"),
    [(3, "Resource instance managed by newer provider version"), (-1, "Unable to upgrade resource state")],
)
def test_versions_the_resource_cannot_upgrade_are_refused(engine: Engine, version: int, summary: str) -> None:
    with pytest.raises(DiagnosticError, match=summary):
        upgrade(engine, version, {"name": "n"})


# -- ReadResource ----------------------------------------------------------------------------------


def test_a_read_that_leaves_unknowns_keeps_the_prior_state(kit: Kit, engine: Engine) -> None:
    prior = thing(id="t1", serial="s1")

    def unknown_serial(response: Any) -> None:
        response.state = {**response.state, "serial": cty.UNKNOWN}

    kit.thing.behaviour = unknown_serial
    response = engine.read_resource(read_request(prior))
    assert decoded(response.new_state) == prior
    assert [d.summary for d in response.diagnostics] == ["Provider produced unknown values during refresh"]


def test_a_read_of_a_vanished_object_is_null(kit: Kit, engine: Engine) -> None:
    def gone(response: Any) -> None:
        response.state = None

    kit.thing.behaviour = gone
    response = engine.read_resource(read_request(thing(id="t1")))
    assert decoded(response.new_state) is None and not response.diagnostics


# -- ApplyResourceChange ---------------------------------------------------------------------------


def apply(engine: Engine, prior: Any, planned: Any) -> ApplyResourceChangeResponse:
    return engine.apply_resource_change(
        ApplyResourceChangeRequest("kit_thing", value(prior), value(planned), value(planned), b"")
    )


def test_a_delete_ends_in_null_whatever_the_resource_left(kit: Kit, engine: Engine) -> None:
    def leave_state(response: Any) -> None:
        response.state = thing(id="t1")

    kit.thing.behaviour = leave_state
    response = apply(engine, thing(id="t1"), None)
    assert decoded(response.new_state) is None and kit.thing.calls == ["delete"]


def test_a_failed_delete_keeps_the_object(kit: Kit, engine: Engine) -> None:
    def fail(response: Any) -> None:
        response.diagnostics.error("Busy", "try later")

    kit.thing.behaviour = fail
    response = apply(engine, thing(id="t1"), None)
    assert decoded(response.new_state) == thing(id="t1")


@pytest.mark.parametrize(
    ("error", "summary"),
    [
        (OperationCancelled("stop"), "Operation interrupted"),
        (RuntimeError("kaput"), "Unexpected provider error"),
        (DiagnosticError("Quota exceeded"), "Quota exceeded"),
    ],
)
def test_a_failure_half_way_returns_what_was_recorded(
    kit: Kit, engine: Engine, error: Exception, summary: str
) -> None:
    def fail(response: Any) -> None:
        raise error

    kit.thing.behaviour = fail
    response = apply(engine, None, thing(id=cty.UNKNOWN, serial=cty.UNKNOWN))
    assert decoded(response.new_state) == thing(id="t1", serial="s1"), "create recorded it before failing"
    assert [d.summary for d in response.diagnostics] == [summary]


def test_unknowns_left_after_apply_become_null_as_the_schema_has_them(kit: Kit, engine: Engine) -> None:
    def leave_unknowns(response: Any) -> None:
        response.state = {
            **response.state,
            "serial": cty.UNKNOWN,
            "disk": cty.UNKNOWN,
            "payload": cty.Dynamic(cty.STRING, cty.UNKNOWN),
            "ports": {"a": {"number": Decimal(1), "opened": cty.UNKNOWN}},
        }

    kit.thing.behaviour = leave_unknowns
    response = apply(engine, None, thing(id=cty.UNKNOWN, serial=cty.UNKNOWN))
    assert decoded(response.new_state) == thing(
        id="t1",
        disk=[],  # a list block is never null
        payload=cty.Dynamic(cty.STRING, None),
        ports={"a": {"number": Decimal(1), "opened": None}},
    )
    assert [d.summary for d in response.diagnostics] == ["Provider left unknown values after apply"]


# -- ReadDataSource ------------------------------------------------------------------------------


def test_a_data_source_result_must_be_wholly_known(kit: Kit, engine: Engine) -> None:
    response = engine.read_data_source(echo_request())
    assert response.state is not None and response.state.decode(ECHO.cty_type) == {
        "input": "hi",
        "output": "HI",
    }

    def unknown(response: Any) -> None:
        response.state = {**response.state, "output": cty.UNKNOWN}

    kit.echo.behaviour = unknown
    with pytest.raises(DiagnosticError, match="incomplete data source result"):
        engine.read_data_source(echo_request())

    def fail(response: Any) -> None:
        response.diagnostics.error("Unreachable", "no answer")

    kit.echo.behaviour = fail
    failed = engine.read_data_source(echo_request())
    assert failed.state is not None and failed.state.decode(ECHO.cty_type) == {"input": "hi", "output": None}


# -- GenerateResourceConfig, validation, functions -----------------------------------------------


def test_generated_configuration_leaves_out_computed_only_values(engine: Engine) -> None:
    state = thing(
        id="t1", serial="s1", ports={"a": {"number": Decimal(1), "opened": "yes"}}, disk=[{"size": 3}]
    )
    response = engine.generate_resource_config(GenerateResourceConfigRequest("kit_thing", value(state)))
    assert decoded(response.config) == thing(
        ports={"a": {"number": Decimal(1), "opened": None}}, disk=[{"size": 3}]
    )


def test_validation_skips_unknowns_and_the_hook_waits_for_clean_attributes(engine: Engine) -> None:
    seen: list[Diagnostics] = []
    resource = engine.catalog.resource("kit_thing")
    resource.validate_config = lambda request: seen.append(request.diagnostics)  # type: ignore[method-assign]
    config = value(thing(name=cty.UNKNOWN))
    assert not engine.validate_resource_config(ValidateConfigRequest(config, "kit_thing")).diagnostics
    assert len(seen) == 1
    with pytest.raises(DiagnosticError, match="Unknown resource type"):
        engine.validate_resource_config(ValidateConfigRequest(config, "kit_nope"))


@pytest.mark.parametrize(
    ("name", "arguments", "result", "error"),
    [
        ("repeat", ["ab", Decimal(2)], "abab", ("", None)),
        ("repeat", ["ab", Decimal(-1)], None, ("times must not be negative", 1)),
        ("repeat", [None, Decimal(1)], None, ("text must not be null", 0)),
        ("nope", [], None, ("no function 'nope'", None)),
    ],
)
def test_functions_answer_with_a_result_or_one_error(
    engine: Engine, name: str, arguments: list[Any], result: Any, error: tuple[str, int | None]
) -> None:
    types = [cty.STRING, cty.NUMBER]
    request = CallFunctionRequest(
        name, [DynamicValue.of(a, t) for a, t in zip(arguments, types, strict=False)]
    )
    response = engine.call_function(request)
    assert (response.error_text, response.error_argument) == error
    assert (response.result.decode(cty.STRING) if response.result else None) == result


def test_replacement_paths_come_sorted_and_once(engine: Engine) -> None:
    prior = thing(id="t1", serial="s1")
    response = engine.plan_resource_change(
        plan_request(prior, thing(id="t1", name="b", serial="s1"), thing(name="b"))
    )
    assert response.requires_replace == [AttributePath.root("name")]

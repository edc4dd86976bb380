"""Configured-ness: resources and data sources run only with a configured provider; unknown
provider settings are answered with a deferral where the request allows one, else a clear error
that names them, and plans go on with the runtime's own rules."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from terraform_provider_snooze.runtime import cty
from terraform_provider_snooze.runtime.diagnostics import DiagnosticError
from terraform_provider_snooze.runtime.engine import Engine
from terraform_provider_snooze.runtime.engine.configuration import Status
from terraform_provider_snooze.runtime.interfaces import ConfigureRequest
from terraform_provider_snooze.runtime.protocol import (
    ApplyResourceChangeRequest,
    ClientCapabilities,
    ConfigureProviderRequest,
    DeferredReason,
    ImportResourceStateRequest,
)

from .kit import (
    CAN_DEFER,
    ECHO,
    NO_DEFERRAL,
    THING,
    Kit,
    configure,
    echo_request,
    engine_for,
    plan_request,
    read_request,
    settings,
    thing,
    value,
)

UNKNOWN_TOKENS = {"tokens": ["a", cty.UNKNOWN]}


@pytest.fixture
def kit() -> Kit:
    return Kit()


@pytest.fixture
def engine(kit: Kit) -> Engine:
    return engine_for(kit)


def test_unknown_settings_are_remembered_and_configure_is_not_called(kit: Kit, engine: Engine) -> None:
    configure(engine, endpoint=cty.UNKNOWN, **UNKNOWN_TOKENS)
    assert kit.configured_with == []
    assert engine.provider_state.status is Status.UNKNOWN
    assert engine.provider_state.unknown_settings == ("endpoint", "tokens")
    # Configured again with known values (Terraform's apply walk), the provider is configured.
    configure(engine, endpoint="http://e", tokens=["a"])
    assert engine.provider_state.configured and kit.thing.provider_data == {"session": "http://e"}


Operation = Callable[[Engine, ClientCapabilities], Any]


def read(engine: Engine, capabilities: ClientCapabilities) -> Any:
    return engine.read_resource(read_request(thing(id="t1"), capabilities))


def import_(engine: Engine, capabilities: ClientCapabilities) -> Any:
    return engine.import_resource_state(ImportResourceStateRequest("kit_thing", "t1", capabilities))


def read_echo(engine: Engine, capabilities: ClientCapabilities) -> Any:
    return engine.read_data_source(echo_request(capabilities))


def test_deferral_answers_in_the_frameworks_shape_and_reaches_no_resource(kit: Kit, engine: Engine) -> None:
    configure(engine, **UNKNOWN_TOKENS)
    state = thing(id="t1")
    read_response = engine.read_resource(read_request(state, CAN_DEFER))
    assert read_response.new_state == value(state) and read_response.private == b"p"

    proposed = thing(id="t1", name="b")
    plan = engine.plan_resource_change(plan_request(state, proposed, thing(name="b"), CAN_DEFER))
    assert plan.planned_state == value(proposed) and plan.planned_private == b"p"
    assert plan.requires_replace == ()

    imported = import_(engine, CAN_DEFER).imported_resources
    assert [r.state.decode(THING.cty_type) for r in imported] == [cty.UNKNOWN]

    echo = read_echo(engine, CAN_DEFER)
    assert echo.state is not None and echo.state.decode(ECHO.cty_type) is cty.UNKNOWN

    for response in (read_response, plan, import_(engine, CAN_DEFER), echo):
        assert response.deferred is not None
        assert response.deferred.reason is DeferredReason.PROVIDER_CONFIG_UNKNOWN
        assert not response.diagnostics
    assert kit.thing.calls == [] and kit.echo.calls == []


@pytest.mark.parametrize("operation", [read, import_, read_echo], ids=["read", "import", "data source"])
def test_without_deferral_the_error_names_the_unknown_settings(
    kit: Kit, engine: Engine, operation: Operation
) -> None:
    configure(engine, **UNKNOWN_TOKENS)
    with pytest.raises(DiagnosticError) as raised:
        operation(engine, NO_DEFERRAL)
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.summary == "Provider configuration not known yet"
    assert "`tokens` is known only after apply" in diagnostic.detail
    assert "-target" in diagnostic.detail
    assert kit.thing.calls == [] and kit.echo.calls == []


def test_apply_is_never_deferred_and_never_reaches_the_resource(kit: Kit, engine: Engine) -> None:
    configure(engine, **UNKNOWN_TOKENS)
    planned = value(thing(id=cty.UNKNOWN))
    with pytest.raises(DiagnosticError, match="apply changes to kit_thing"):
        engine.apply_resource_change(
            ApplyResourceChangeRequest("kit_thing", value(None), planned, planned, b"")
        )
    assert kit.thing.calls == []


def test_a_plan_without_deferral_is_the_runtimes_own(kit: Kit, engine: Engine) -> None:
    configure(engine, **UNKNOWN_TOKENS)
    created = engine.plan_resource_change(plan_request(None, thing(), thing()))
    planned = created.planned_state.decode(THING.cty_type) if created.planned_state else None
    assert planned is not None and planned["id"] is cty.UNKNOWN and planned["serial"] is cty.UNKNOWN
    assert created.deferred is None and not created.diagnostics
    # An update still keeps what UseStateForUnknown keeps and replaces what RequiresReplace says.
    prior = thing(id="t1", serial="s1")
    renamed = engine.plan_resource_change(
        plan_request(prior, thing(id="t1", name="b", serial="s1"), thing(name="b"))
    )
    after = renamed.planned_state.decode(THING.cty_type) if renamed.planned_state else None
    assert after is not None and after["id"] == "t1" and after["serial"] is cty.UNKNOWN
    assert [str(p) for p in renamed.requires_replace] == ["name"]
    assert kit.thing.calls == [], "modify_plan needs a configured provider"


def test_a_configured_provider_runs_modify_plan(kit: Kit, engine: Engine) -> None:
    configure(engine, endpoint="http://e")
    engine.plan_resource_change(plan_request(None, thing(), thing()))
    assert kit.thing.calls == ["modify_plan"]


def no_data(request: ConfigureRequest) -> Any:
    return None


def failing(request: ConfigureRequest) -> Any:
    request.diagnostics.error("Bad endpoint", "no such host")
    return None


def raising(request: ConfigureRequest) -> Any:
    raise RuntimeError("kaput")


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (no_data, "configure() returned nothing for its resources and data sources"),
        (failing, "configuration failed"),
        (raising, "configuration failed"),
    ],
)
def test_a_provider_not_configured_says_why_and_reaches_no_resource(
    kit: Kit, engine: Engine, answer: Callable[[ConfigureRequest], Any], reason: str
) -> None:
    kit.answer = answer
    with contextlib.suppress(RuntimeError):  # the protocol layer turns it into a diagnostic
        engine.configure_provider(ConfigureProviderRequest("1.15.5", settings(endpoint="x"), NO_DEFERRAL))
    assert not engine.provider_state.configured
    for operation in (read, import_, read_echo):
        with pytest.raises(DiagnosticError, match="Provider not configured") as raised:
            operation(engine, CAN_DEFER)  # a deferral is for unknown settings only
        assert reason in next(iter(raised.value.diagnostics)).detail
    assert kit.thing.calls == [] and kit.echo.calls == []
    assert kit.thing.provider_data is None and kit.echo.provider_data is None


def test_before_configure_requests_say_so(engine: Engine) -> None:
    with pytest.raises(DiagnosticError, match="Provider not configured") as raised:
        read(engine, NO_DEFERRAL)
    assert "before configuring it" in next(iter(raised.value.diagnostics)).detail

"""Plan rules: unknowns only where something changes, prior values kept elsewhere."""

from __future__ import annotations

from decimal import Decimal

from terraform_provider_snooze.runtime import cty
from terraform_provider_snooze.runtime.cty.path import AttributePath
from terraform_provider_snooze.runtime.engine.planning import plan_change, plan_state
from terraform_provider_snooze.runtime.planmodifiers import RequiresReplace, UseStateForUnknown
from terraform_provider_snooze.runtime.schema import Attribute, Block, NestedAttributes, Nesting, Schema

ITEM = NestedAttributes(
    nesting=Nesting.MAP,
    attributes={
        "size": Attribute(type=cty.NUMBER, required=True, plan_modifiers=(RequiresReplace(),)),
        "host": Attribute(type=cty.STRING, optional=True, computed=True),
        "serial": Attribute(type=cty.STRING, computed=True),
        "demand": Attribute(
            optional=True,
            computed=True,
            plan_modifiers=(UseStateForUnknown(),),
            nested=NestedAttributes(attributes={"rx": Attribute(type=cty.NUMBER, required=True)}),
        ),
    },
)
SCHEMA = Schema(
    block=Block(
        attributes={
            "id": Attribute(type=cty.STRING, computed=True, plan_modifiers=(UseStateForUnknown(),)),
            "stamp": Attribute(type=cty.STRING, computed=True),
            "items": Attribute(required=True, nested=ITEM),
        }
    )
)


def item(size: int, host: object = None, serial: object = None, demand: object = None) -> dict[str, object]:
    return {"size": Decimal(size), "host": host, "serial": serial, "demand": demand}


PRIOR = {
    "id": "c1",
    "stamp": "t1",
    "items": {"a": item(1, "h1", "s1", {"rx": Decimal(0)}), "b": item(2, "h2", "s2", {"rx": Decimal(0)})},
}


def config(items: dict[str, dict[str, object]]) -> dict[str, object]:
    return {"id": None, "stamp": None, "items": items}


def proposed(items: dict[str, dict[str, object]]) -> dict[str, object]:
    """What Terraform proposes: config values, prior values for unconfigured computed ones,
    except nested computed attributes, which it proposes null."""
    out: dict[str, dict[str, object]] = {}
    for key, value in items.items():
        prior = PRIOR["items"].get(key)  # type: ignore[attr-defined]
        out[key] = {
            "size": value["size"],
            "host": value["host"] if value["host"] is not None else (prior["host"] if prior else None),
            "serial": prior["serial"] if prior else None,
            "demand": value["demand"],
        }
    return {"id": "c1", "stamp": "t1", "items": out}


def test_nothing_changed_plans_the_prior_state_exactly() -> None:
    items = {"a": item(1), "b": item(2)}
    assert plan_state(SCHEMA, PRIOR, proposed(items), config(items)) is PRIOR


def test_create_marks_every_unconfigured_computed_value_unknown() -> None:
    items = {"a": item(1)}
    planned = plan_state(SCHEMA, None, {"id": None, "stamp": None, "items": {"a": item(1)}}, config(items))
    assert planned is not None
    assert planned["id"] is cty.UNKNOWN and planned["stamp"] is cty.UNKNOWN
    assert planned["items"]["a"]["serial"] is cty.UNKNOWN and planned["items"]["a"]["host"] is cty.UNKNOWN


def test_only_changed_elements_get_unknowns() -> None:
    items = {"a": item(1), "b": item(2, "h9"), "c": item(3)}
    planned = plan_change(SCHEMA, PRIOR, proposed(items), config(items)).state
    assert planned is not None
    assert planned["items"]["a"] == PRIOR["items"]["a"]  # type: ignore[index]
    moved = planned["items"]["b"]
    assert moved["host"] == "h9" and moved["serial"] is cty.UNKNOWN
    assert moved["demand"] == {"rx": Decimal(0)}, "UseStateForUnknown keeps the prior value"
    assert planned["items"]["c"]["serial"] is cty.UNKNOWN
    assert planned["id"] == "c1" and planned["stamp"] is cty.UNKNOWN


def test_requires_replace_names_the_element_and_attribute_that_changed() -> None:
    items = {"a": item(5), "b": item(2)}
    change = plan_change(SCHEMA, PRIOR, proposed(items), config(items))
    assert change.requires_replace == [AttributePath.root("items").key("a").attr("size")]
    added = {"a": item(1), "b": item(2), "z": item(9)}
    assert plan_change(SCHEMA, PRIOR, proposed(added), config(added)).requires_replace == []


def test_destroy_plans_null() -> None:
    assert plan_state(SCHEMA, PRIOR, None, None) is None

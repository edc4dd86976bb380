"""Plan modifiers: applied in order, per object, with replacement only where an object existed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from terraform_provider_snooze.runtime import cty
from terraform_provider_snooze.runtime.cty.path import AttributePath
from terraform_provider_snooze.runtime.docgen import Page, render_page
from terraform_provider_snooze.runtime.engine.planning import plan_change
from terraform_provider_snooze.runtime.planmodifiers import (
    PlanModifier,
    PlanModifierRequest,
    PlanModifierResponse,
    RequiresReplace,
    RequiresReplaceIf,
    UseStateForUnknown,
)
from terraform_provider_snooze.runtime.schema import (
    Attribute,
    Block,
    NestedAttributes,
    NestedBlock,
    Nesting,
    Schema,
    SchemaError,
)

ITEMS = AttributePath.root("items")


def schema(nesting: Nesting, *modifiers: PlanModifier) -> Schema:
    """A resource with `items`, objects of a size (with `modifiers`) and a computed serial."""
    return Schema(
        block=Block(
            attributes={
                "items": Attribute(
                    required=True,
                    nested=NestedAttributes(
                        nesting=nesting,
                        attributes={
                            "size": Attribute(type=cty.NUMBER, required=True, plan_modifiers=modifiers),
                            "serial": Attribute(type=cty.STRING, computed=True),
                        },
                    ),
                )
            }
        )
    )


def item(size: int, serial: str | None = None) -> dict[str, Any]:
    return {"size": Decimal(size), "serial": serial}


def test_a_changed_value_replaces_at_its_path_and_an_added_element_does_not() -> None:
    listed = schema(Nesting.LIST, RequiresReplace())
    prior = {"items": [item(1, "s1")]}
    change = plan_change(listed, prior, {"items": [item(2, "s1"), item(3)]}, {"items": [item(2), item(3)]})
    assert change.requires_replace == [ITEMS.index(0).attr("size")]
    assert change.state is not None and change.state["items"][1]["serial"] is cty.UNKNOWN


def test_set_elements_have_no_address_so_they_replace_nothing() -> None:
    in_a_set = schema(Nesting.SET, RequiresReplace())
    prior = {"items": [item(1, "s1")]}
    change = plan_change(in_a_set, prior, {"items": [item(2)]}, {"items": [item(2)]})
    assert change.requires_replace == []


def test_a_created_resource_replaces_nothing() -> None:
    change = plan_change(schema(Nesting.MAP, RequiresReplace()), None, {"items": {"a": item(1)}}, None)
    assert change.requires_replace == []


def test_the_condition_decides_and_sees_the_objects() -> None:
    seen: list[PlanModifierRequest] = []

    def only_growth(request: PlanModifierRequest) -> bool:
        seen.append(request)
        return bool(request.planned > request.prior)

    mapped = schema(Nesting.MAP, RequiresReplaceIf(only_growth, "Growing forces a replacement."))
    prior = {"items": {"a": item(5, "s1"), "b": item(5, "s2")}}
    change = plan_change(
        mapped,
        prior,
        {"items": {"a": item(9, "s1"), "b": item(1, "s2")}},
        {"items": {"a": item(9), "b": item(1)}},
    )
    assert change.requires_replace == [ITEMS.key("a").attr("size")]
    first = seen[0]
    assert first.path == ITEMS.key("a").attr("size")
    assert first.prior_object == item(5, "s1") and first.config_object == item(9)
    assert first.planned_object["serial"] is cty.UNKNOWN, "modifiers run after unknowns are planned"


class Doubler(PlanModifier):
    description = "Doubled."

    def modify(self, request: PlanModifierRequest, response: PlanModifierResponse) -> None:
        response.planned = request.planned * 2
        if response.planned > 10:
            response.diagnostics.warning("Big", "over ten", request.path)


def test_modifiers_run_in_order_each_seeing_the_value_before_it() -> None:
    change = plan_change(schema(Nesting.LIST, Doubler(), Doubler()), None, {"items": [item(3)]}, None)
    assert change.state is not None and change.state["items"][0]["size"] == 12
    assert [d.summary for d in change.diagnostics] == ["Big"]


def stable_id_schema(*modifiers: PlanModifier) -> Schema:
    return Schema(
        block=Block(
            attributes={
                "id": Attribute(type=cty.STRING, optional=True, computed=True, plan_modifiers=modifiers),
                "name": Attribute(type=cty.STRING, required=True),
            }
        )
    )


def test_use_state_for_unknown_before_requires_replace_keeps_the_resource() -> None:
    prior = {"id": "x", "name": "a"}
    proposed, config = {"id": "x", "name": "b"}, {"id": None, "name": "b"}
    kept = plan_change(stable_id_schema(UseStateForUnknown(), RequiresReplace()), prior, proposed, config)
    assert kept.state == {"id": "x", "name": "b"} and kept.requires_replace == []
    # The other way round the replacement check sees the unknown: a change.
    replaced = plan_change(stable_id_schema(RequiresReplace(), UseStateForUnknown()), prior, proposed, config)
    assert replaced.requires_replace == [AttributePath.root("id")]


def test_use_state_for_unknown_leaves_configured_and_new_values_alone() -> None:
    keep = stable_id_schema(UseStateForUnknown())
    created = plan_change(keep, None, {"id": None, "name": "b"}, {"id": None, "name": "b"})
    assert created.state is not None and created.state["id"] is cty.UNKNOWN
    from_unknown_config = plan_change(
        keep, {"id": "x", "name": "a"}, {"id": cty.UNKNOWN, "name": "b"}, {"id": cty.UNKNOWN, "name": "b"}
    )
    assert from_unknown_config.state is not None and from_unknown_config.state["id"] is cty.UNKNOWN


def test_blocks_are_walked_like_nested_attributes() -> None:
    with_blocks = Schema(
        block=Block(
            blocks={
                "disk": NestedBlock(
                    nesting=Nesting.LIST,
                    block=Block(
                        attributes={
                            "size": Attribute(
                                type=cty.NUMBER, required=True, plan_modifiers=(RequiresReplace(),)
                            )
                        }
                    ),
                )
            }
        )
    )
    change = plan_change(
        with_blocks,
        {"disk": [{"size": Decimal(1)}]},
        {"disk": [{"size": Decimal(2)}]},
        {"disk": [{"size": Decimal(2)}]},
    )
    assert change.requires_replace == [AttributePath.root("disk").index(0).attr("size")]


@pytest.mark.parametrize(
    ("attribute", "message"),
    [
        (
            lambda: Attribute(type=cty.STRING, optional=True, plan_modifiers=(UseStateForUnknown(),)),
            "computed",
        ),
        (
            lambda: Attribute(type=cty.STRING, computed=True, plan_modifiers=(RequiresReplace(),)),
            "computed-only",
        ),
    ],
)
def test_modifiers_refuse_attributes_they_cannot_serve(attribute: Any, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        attribute()


def test_descriptions_appear_in_the_documentation() -> None:
    condition = RequiresReplaceIf(
        lambda request: True, "Changing this to a larger size forces a replacement."
    )
    page = render_page(
        Page(name="x_thing", kind="Resource", schema=schema(Nesting.MAP, condition), provider_name="x")
    )
    assert "- `size` (Number) Changing this to a larger size forces a replacement." in page

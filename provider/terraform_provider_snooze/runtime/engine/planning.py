"""The plan rules of Terraform, in one place, so resources never handle them.

Terraform proposes a new state: config values, with prior values for computed attributes the
config leaves null (objchange.ProposedNew). From it we plan:

- destroy: null;
- nothing changed: exactly the prior state (no diff, no perpetual "known after apply");
- otherwise, per object: a computed attribute that the config leaves null becomes unknown only
  in an object that changes (the resource itself, or an element of a nested map, list or set);
  objects that did not change keep their prior values, so adding one element of a map does not
  make every other element's computed values unknown.

Then every attribute's plan modifiers run (planmodifiers.py), top-down and in schema order: they
may keep a prior value (UseStateForUnknown) or ask for a replacement (RequiresReplace). A
replacement is reported at the deepest path that names the attribute (e.g.
`virtual_machines["web"].vcpus`), which is what Terraform shows the user as
"# forces replacement"; objects added or removed by the plan replace nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from .. import cty, walk
from ..cty.path import AttributePath
from ..diagnostics import Diagnostics
from ..planmodifiers import PlanModifierRequest, PlanModifierResponse
from ..schema import Attribute, Block, Nesting, Schema

__all__ = ["PlannedChange", "plan_change", "plan_state"]


@dataclass
class PlannedChange:
    state: dict[str, Any] | None
    requires_replace: list[AttributePath] = field(default_factory=list)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


def plan_change(
    schema: Schema,
    prior: dict[str, Any] | None,
    proposed: dict[str, Any] | None,
    config: dict[str, Any] | None,
) -> PlannedChange:
    """The planned state (unknowns, then plan modifiers) and the paths that force replacement,
    each once, sorted. The resource's own modify_plan comes after (engine/resources.py)."""
    change = PlannedChange(plan_state(schema, prior, proposed, config))
    if change.state is not None:
        change.state = _modify_object(schema.block, change.state, config, prior, AttributePath(), change)
    change.requires_replace.sort(key=str)  # a stable answer, whatever the schema's order
    return change


def plan_state(
    schema: Schema,
    prior: dict[str, Any] | None,
    proposed: dict[str, Any] | None,
    config: dict[str, Any] | None,
) -> dict[str, Any] | None:
    if proposed is None:
        return None
    if prior is not None and cty.values_equal(prior, proposed, schema.cty_type):
        return prior
    planned = _plan_object(schema.block, proposed, config, prior)
    if prior is not None and cty.values_equal(prior, planned, schema.cty_type):
        return prior
    return planned


# -- planning ------------------------------------------------------------------------------------


def _plan_object(
    block: Block, proposed: dict[str, Any], config: dict[str, Any] | None, prior: dict[str, Any] | None
) -> dict[str, Any]:
    """One object (the resource, or an object inside it) paired with its config and prior."""
    planned = dict(proposed)
    for name, attribute in block.attributes.items():
        # Terraform proposes the prior value for an unconfigured computed attribute, except for
        # nested ones, which it proposes null: take the prior value there too.
        if attribute.computed and _get(config, name) is None and planned.get(name) is None:
            planned[name] = _get(prior, name)
    for name, nesting, inner in block.nested():
        planned[name] = _plan_objects(
            nesting, inner, planned.get(name), _get(config, name), _get(prior, name)
        )
    if prior is not None and cty.values_equal(prior, planned, block.cty_type):
        return planned
    for name, attribute in block.attributes.items():
        if attribute.computed and _get(config, name) is None:
            planned[name] = cty.UNKNOWN
    return planned


def _plan_objects(nesting: Nesting, block: Block, proposed: Any, config: Any, prior: Any) -> Any:
    """Plans each object of a nested member with the config and prior object at its key."""
    if nesting is Nesting.SET:
        return _plan_set(block, proposed, prior)
    return walk.rebuild(
        nesting,
        proposed,
        lambda key, obj: _plan_object(
            block, obj, walk.counterpart(nesting, config, key), walk.counterpart(nesting, prior, key)
        ),
    )


def _plan_set(block: Block, proposed: Any, prior: Any) -> Any:
    """Set elements have no identity but their value: one equal to a prior one is unchanged."""
    prior_elements = prior if walk.is_value(prior) else []

    def plan(_: walk.Key, element: dict[str, Any]) -> dict[str, Any]:
        twin = next((p for p in prior_elements if cty.values_equal(p, element, block.cty_type)), None)
        return twin if twin is not None else _plan_object(block, element, element, None)

    return walk.rebuild(Nesting.SET, proposed, plan)


# -- plan modifiers ------------------------------------------------------------------------------


def _modify_object(
    block: Block,
    planned: dict[str, Any],
    config: Mapping[str, Any] | None,
    prior: Mapping[str, Any] | None,
    path: AttributePath,
    change: PlannedChange,
) -> dict[str, Any]:
    """Runs the modifiers of each attribute of one object, then of the objects nested in it."""
    result = dict(planned)
    for name, attribute in block.attributes.items():
        if attribute.plan_modifiers:
            request = PlanModifierRequest(
                path=path.attr(name),
                type=attribute.cty_type,
                config=_get(config, name),
                prior=_get(prior, name),
                planned=result.get(name),
                config_object=config,
                prior_object=prior,
                planned_object=result,
            )
            result[name] = _run_modifiers(attribute, request, change)
    for name, nesting, inner in block.nested():
        pair = partial(
            _modify_element, inner, nesting, _get(config, name), _get(prior, name), path.attr(name), change
        )
        result[name] = walk.rebuild(nesting, result.get(name), pair)
    return result


def _modify_element(
    block: Block,
    nesting: Nesting,
    config: Any,
    prior: Any,
    path: AttributePath,
    change: PlannedChange,
    key: walk.Key,
    planned: dict[str, Any],
) -> dict[str, Any]:
    return _modify_object(
        block,
        planned,
        walk.counterpart(nesting, config, key),
        walk.counterpart(nesting, prior, key),
        walk.element_path(nesting, path, key),
        change,
    )


def _run_modifiers(attribute: Attribute, request: PlanModifierRequest, change: PlannedChange) -> Any:
    """Each modifier sees the value the one before it planned."""
    planned = request.planned
    for modifier in attribute.plan_modifiers:
        response = PlanModifierResponse(planned=planned)
        modifier.modify(replace(request, planned=planned), response)
        planned = response.planned
        change.diagnostics.extend(response.diagnostics)
        if response.requires_replace and request.path not in change.requires_replace:
            change.requires_replace.append(request.path)
    return planned


def _get(value: Any, name: str) -> Any:
    return value.get(name) if walk.is_value(value) else None

"""The plan rules of Terraform, in one place, so resources never handle them.

Terraform proposes a new state: config values, with prior values for computed attributes the
config leaves null (objchange.ProposedNew). From it we plan:

- destroy: null;
- nothing changed: exactly the prior state (no diff, no perpetual "known after apply");
- otherwise, per object: a computed attribute that the config leaves null becomes unknown only
  in an object that changes (the resource itself, or an element of a nested map, list or set);
  objects that did not change keep their prior values, so adding one element of a map does not
  make every other element's computed values unknown. `use_state_for_unknown` keeps the prior
  value of a stable computed attribute (an id) even when its object changes.

Requires-replace paths are reported only where the prior and planned values differ, at the
deepest path that names the attribute (e.g. `virtual_machines["web"].vcpus`), which is what
Terraform shows the user as "# forces replacement".
"""

from __future__ import annotations

from typing import Any

from . import cty, walk
from .cty.path import AttributePath
from .schema import Block, Nesting, Schema

__all__ = ["plan_state", "requires_replace_paths"]


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


def requires_replace_paths(
    schema: Schema, prior: dict[str, Any] | None, planned: dict[str, Any] | None
) -> list[AttributePath]:
    paths: list[AttributePath] = []
    if prior is not None and planned is not None:
        _replace_paths(schema.block, prior, planned, AttributePath(), paths)
    return paths


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
            prior_value = _get(prior, name)
            keep = attribute.use_state_for_unknown and prior is not None and prior_value is not None
            planned[name] = prior_value if keep else cty.UNKNOWN
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


# -- requires replace ----------------------------------------------------------------------------


def _replace_paths(
    block: Block,
    prior: dict[str, Any],
    planned: dict[str, Any],
    path: AttributePath,
    paths: list[AttributePath],
) -> None:
    """Visits objects present on both sides; added or removed elements replace nothing."""
    for name, attribute in block.attributes.items():
        after = planned.get(name)
        if attribute.requires_replace and (
            after is cty.UNKNOWN or not cty.values_equal(prior.get(name), after, attribute.cty_type)
        ):
            paths.append(path.attr(name))
    for name, nesting, inner in block.nested():
        member = block.attributes.get(name)
        if member is not None and member.requires_replace:
            continue
        for key, element in walk.objects(nesting, planned.get(name)):
            before = walk.counterpart(nesting, prior.get(name), key)
            if walk.is_value(before):
                _replace_paths(
                    inner, before, element, walk.element_path(nesting, path.attr(name), key), paths
                )


def _get(value: Any, name: str) -> Any:
    return value.get(name) if walk.is_value(value) else None

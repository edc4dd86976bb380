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

from collections.abc import Mapping
from typing import Any

from . import cty
from .cty.path import AttributePath
from .schema import Attribute, Block, NestedAttributes, Nesting, Schema

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
    planned = _plan_block(schema.block, proposed, config, prior)
    if prior is not None and cty.values_equal(prior, planned, schema.cty_type):
        return prior
    return planned


def requires_replace_paths(
    schema: Schema, prior: dict[str, Any] | None, planned: dict[str, Any] | None
) -> list[AttributePath]:
    if prior is None or planned is None:
        return []
    paths: list[AttributePath] = []
    _replace_in_attributes(schema.block.attributes, prior, planned, AttributePath(), paths)
    for name, nested in schema.block.blocks.items():
        _replace_in_block_value(
            nested.block, nested.nesting, prior.get(name), planned.get(name), AttributePath.root(name), paths
        )
    return paths


# -- planning ------------------------------------------------------------------------------------


def _plan_block(
    block: Block, proposed: dict[str, Any], config: dict[str, Any] | None, prior: dict[str, Any] | None
) -> dict[str, Any]:
    planned = _plan_attributes(block.attributes, proposed, config, prior, block.cty_type)
    for name, nested in block.blocks.items():
        planned[name] = _plan_collection(
            nested.nesting,
            proposed.get(name),
            _get(config, name),
            _get(prior, name),
            lambda p, c, pr, b=nested.block: _plan_block(b, p, c, pr),
            nested.block.cty_type,
        )
    return planned


def _plan_attributes(
    attributes: Mapping[str, Attribute],
    proposed: dict[str, Any],
    config: dict[str, Any] | None,
    prior: dict[str, Any] | None,
    object_type: cty.CtyType,
) -> dict[str, Any]:
    planned = dict(proposed)
    for name, attribute in attributes.items():
        configured = _get(config, name)
        # Terraform proposes the prior value for an unconfigured computed attribute, except for
        # nested ones, which it proposes null: take the prior value there too.
        if attribute.computed and configured is None and planned.get(name) is None:
            planned[name] = _get(prior, name)
        value = planned.get(name)
        if attribute.nested is not None and value is not None and value is not cty.UNKNOWN:
            planned[name] = _plan_nested(attribute.nested, value, configured, _get(prior, name))
    if prior is not None and cty.values_equal(prior, planned, object_type):
        return planned
    for name, attribute in attributes.items():
        if attribute.computed and _get(config, name) is None:
            prior_value = _get(prior, name)
            keep = attribute.use_state_for_unknown and prior is not None and prior_value is not None
            planned[name] = prior_value if keep else cty.UNKNOWN
    return planned


def _plan_nested(nested: NestedAttributes, proposed: Any, config: Any, prior: Any) -> Any:
    object_type = nested.object_type
    return _plan_collection(
        nested.nesting,
        proposed,
        config,
        prior,
        lambda p, c, pr: _plan_attributes(nested.attributes, p, c, pr, object_type),
        object_type,
    )


def _plan_collection(
    nesting: Nesting, proposed: Any, config: Any, prior: Any, plan_object: Any, object_type: cty.CtyType
) -> Any:
    """Applies `plan_object(proposed, config, prior)` to each object, paired with its prior."""
    if proposed is None or proposed is cty.UNKNOWN:
        return proposed
    if nesting in (Nesting.SINGLE, Nesting.GROUP):
        return plan_object(proposed, _known(config), _known(prior))
    if nesting is Nesting.MAP:
        config_map = _known(config) or {}
        prior_map = _known(prior) or {}
        return {
            key: _unknown_or(element, lambda e, k=key: plan_object(e, config_map.get(k), prior_map.get(k)))
            for key, element in proposed.items()
        }
    if nesting is Nesting.LIST:
        config_list = _known(config) or []
        prior_list = _known(prior) or []
        return [
            _unknown_or(element, lambda e, i=i: plan_object(e, _at(config_list, i), _at(prior_list, i)))
            for i, element in enumerate(proposed)
        ]
    # Sets have no identity but their value: an element equal to a prior one is unchanged.
    prior_set = _known(prior) or []
    planned = []
    for element in proposed:
        twin = next((p for p in prior_set if cty.values_equal(p, element, object_type)), None)
        planned.append(twin if twin is not None else _unknown_or(element, lambda e: plan_object(e, e, None)))
    return planned


# -- requires replace ----------------------------------------------------------------------------


def _replace_in_attributes(
    attributes: Mapping[str, Attribute],
    prior: Mapping[str, Any],
    planned: Mapping[str, Any],
    path: AttributePath,
    paths: list[AttributePath],
) -> None:
    for name, attribute in attributes.items():
        before, after = prior.get(name), planned.get(name)
        here = path.attr(name)
        if attribute.requires_replace:
            if after is cty.UNKNOWN or not cty.values_equal(before, after, attribute.cty_type):
                paths.append(here)
            continue
        if attribute.nested is not None:
            nested = attribute.nested
            _replace_in_collection(
                nested.nesting,
                before,
                after,
                here,
                paths,
                lambda b, a, p, n=nested: _replace_in_attributes(n.attributes, b, a, p, paths),
            )


def _replace_in_block_value(
    block: Block, nesting: Nesting, prior: Any, planned: Any, path: AttributePath, paths: list[AttributePath]
) -> None:
    def visit(before: Mapping[str, Any], after: Mapping[str, Any], here: AttributePath) -> None:
        _replace_in_attributes(block.attributes, before, after, here, paths)
        for name, nested in block.blocks.items():
            _replace_in_block_value(
                nested.block, nested.nesting, before.get(name), after.get(name), here.attr(name), paths
            )

    _replace_in_collection(nesting, prior, planned, path, paths, visit)


def _replace_in_collection(
    nesting: Nesting, prior: Any, planned: Any, path: AttributePath, paths: list[AttributePath], visit: Any
) -> None:
    """Visits objects present on both sides; added or removed elements replace nothing."""
    if not _is_value(prior) or not _is_value(planned):
        return
    if nesting in (Nesting.SINGLE, Nesting.GROUP):
        visit(prior, planned, path)
    elif nesting is Nesting.MAP:
        for key in prior.keys() & planned.keys():
            if _is_value(prior[key]) and _is_value(planned[key]):
                visit(prior[key], planned[key], path.key(key))
    elif nesting is Nesting.LIST:
        for i, (before, after) in enumerate(zip(prior, planned, strict=False)):
            if _is_value(before) and _is_value(after):
                visit(before, after, path.index(i))
    # Set elements have no stable address: a changed element is a removal plus an addition.


# -- helpers -------------------------------------------------------------------------------------


def _get(value: Any, name: str) -> Any:
    if value is None or value is cty.UNKNOWN:
        return None
    return value.get(name)


def _known(value: Any) -> Any:
    return None if value is cty.UNKNOWN else value


def _is_value(value: Any) -> bool:
    return value is not None and value is not cty.UNKNOWN


def _at(items: list[Any], index: int) -> Any:
    return items[index] if index < len(items) else None


def _unknown_or(element: Any, plan: Any) -> Any:
    return element if element is None or element is cty.UNKNOWN else plan(element)

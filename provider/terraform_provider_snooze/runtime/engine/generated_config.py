"""GenerateResourceConfig: the configuration that reproduces a state (`terraform plan
-generate-config-out`, Terraform 1.14+), so imported resources get a resource block."""

from __future__ import annotations

from functools import partial
from typing import Any

from .. import walk
from ..schema import Block

__all__ = ["configurable_part"]


def configurable_part(state: dict[str, Any], block: Block) -> dict[str, Any]:
    """`state` without its computed-only attributes, at every level."""
    config = dict(state)
    for name, attribute in block.attributes.items():
        if attribute.computed and not attribute.optional:
            config[name] = None
    for name, nesting, inner in block.nested():
        config[name] = walk.rebuild(nesting, config.get(name), partial(_configurable_object, inner))
    return config


def _configurable_object(block: Block, _: walk.Key, value: dict[str, Any]) -> dict[str, Any]:
    return configurable_part(value, block)

"""Attribute paths: a child made step by step is the same path as one made from its steps."""

from __future__ import annotations

import pytest
from terraform_provider_snooze.runtime import cty
from terraform_provider_snooze.runtime.cty.path import GetAttr, IndexInt, IndexKey


def test_a_child_is_its_parent_s_steps_and_one_more() -> None:
    parent = cty.AttributePath.root("virtual_machines")
    child = parent.key("vm1").attr("disks").index(2)
    assert child.steps == (GetAttr("virtual_machines"), IndexKey("vm1"), GetAttr("disks"), IndexInt(2))
    assert parent.steps == (GetAttr("virtual_machines"),), "the parent is unchanged"
    assert str(child) == 'virtual_machines["vm1"].disks[2]'


def test_paths_compare_and_hash_by_their_steps() -> None:
    built = cty.AttributePath().attr("a").key("k")
    given = cty.AttributePath((GetAttr("a"), IndexKey("k")))
    assert built == given and hash(built) == hash(given)
    assert {built: 1}[given] == 1
    assert built != cty.AttributePath().attr("a").key("other")
    assert built != given.steps, "a path is not a tuple"
    assert repr(built) == repr(given)


def test_an_error_deep_in_a_value_names_its_path() -> None:
    ty = cty.Object({"vms": cty.Map(cty.Object({"vcpus": cty.NUMBER}))})
    with pytest.raises(cty.CtyValueError) as raised:
        cty.msgpack_codec.encode({"vms": {"a": {"vcpus": 1}, "b": {"vcpus": "two"}}}, ty)
    assert str(raised.value.path) == 'vms["b"].vcpus'

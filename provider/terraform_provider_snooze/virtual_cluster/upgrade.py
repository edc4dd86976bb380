"""Stored state of earlier schema versions of snooze_virtual_cluster, as the current version.

Version 0 to 1: each VM gains `power_state`, `max_vcpus` and `max_memory`, and Snooze's literal
"UNKNOWN" error code (no error) becomes null. Before version 1 no VM was ever resized, so the size
it runs at is the size it booted with: its maximum. A PENDING VM has neither yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..runtime.interfaces import StateUpgrader
from .state import PAUSED, PENDING, RUNNING

__all__ = ["STATE_UPGRADERS"]


def _from_version_0(state: dict[str, Any]) -> dict[str, Any]:
    vms = state.get("virtual_machines") or {}
    upgraded = {name: _vm_from_version_0(vm) for name, vm in vms.items() if isinstance(vm, dict)}
    return {**state, "virtual_machines": upgraded}


def _vm_from_version_0(vm: dict[str, Any]) -> dict[str, Any]:
    status = vm.get("status")
    pending = status == PENDING
    return {
        **vm,
        "error_code": None if vm.get("error_code") == "UNKNOWN" else vm.get("error_code"),
        "power_state": PAUSED if status == "PAUSED" else RUNNING,
        "max_vcpus": None if pending else vm.get("vcpus"),
        "max_memory": None if pending else vm.get("memory"),
    }


STATE_UPGRADERS: Mapping[int, StateUpgrader] = {0: _from_version_0}

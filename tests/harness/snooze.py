"""Fixtures' helpers for the Snooze provider: a fast emulator and state-versus-Snooze checks."""

from __future__ import annotations

from typing import Any

from snooze_emulator import Emulator, EmulatorConfig, Timing

from .terraform import Terraform

FAST = Timing(collection_delay=0.2, removal_delay=0.2, migration_delay=0.3, summary_delay=0.0)

PROVIDER_BLOCK = """
terraform {
  required_providers {
    snooze = { source = "snoozesoftware/snooze" }
  }
}
provider "snooze" {
  poll_interval = "100ms"
}
"""


def fast_emulator(**overrides: Any) -> Emulator:
    """An emulator on free ports with short delays (still asynchronous, like Snooze)."""
    return Emulator(EmulatorConfig(**{"base_port": 0, "timing": FAST, **overrides}))


def vms_in_state(tf: Terraform) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for address, values in tf.resources().items():
        if address.split(".")[-2] == "snooze_virtual_cluster" or ".snooze_virtual_cluster." in address:
            for name, vm in (values.get("virtual_machines") or {}).items():
                assert name not in found, f"{name} is in two resources"
                found[name] = vm
    return found


def assert_state_matches(tf: Terraform, emulator: Emulator) -> dict[str, dict[str, Any]]:
    """Terraform's state and the emulator's VMs agree exactly: same names, hosts, IPs, status."""
    in_state = vms_in_state(tf)
    in_snooze = {vm["virtualMachineLocation"]["virtualMachineId"]: vm for vm in emulator.vms()}
    assert sorted(in_state) == sorted(in_snooze), (
        f"state has {sorted(in_state)}, Snooze has {sorted(in_snooze)}"
    )
    for name, vm in in_state.items():
        real = in_snooze[name]
        where = real["virtualMachineLocation"]
        assert vm["local_controller_id"] == where["localControllerId"], name
        assert vm["group_manager_id"] == where["groupManagerId"], name
        assert vm["ip_address"] == real["ipAddress"], name
        assert vm["status"] == real["status"], name
        lc = where["localControllerControlDataAddress"]
        assert vm["local_controller_address"] == f"{lc['address']}:{lc['port']}", name
    return in_state

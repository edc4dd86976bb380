"""Fixtures' helpers for the Snooze provider: a fast emulator and state-versus-Snooze checks."""

from __future__ import annotations

import json
import time
from collections.abc import Collection
from typing import Any

import httpx
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


def assert_state_matches(
    tf: Terraform, emulator: Emulator, strangers: Collection[str] = ()
) -> dict[str, dict[str, Any]]:
    """Terraform's state and the emulator's VMs (but `strangers`) agree exactly: same names,
    hosts, IPs, status."""
    in_state = vms_in_state(tf)
    in_snooze = {
        vm["virtualMachineLocation"]["virtualMachineId"]: vm
        for vm in emulator.vms()
        if vm["virtualMachineLocation"]["virtualMachineId"] not in strangers
    }
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


def provider_block(**settings: str) -> str:
    """PROVIDER_BLOCK with more provider settings (e.g. request_timeout = "1s")."""
    lines = "".join(f'  {name} = "{value}"\n' for name, value in settings.items())
    return PROVIDER_BLOCK.replace('  poll_interval = "100ms"\n', f'  poll_interval = "100ms"\n{lines}')


def start_stranger(
    emulator: Emulator, name: str, local_controller_id: str | None = None, vcpus: int = 1
) -> dict[str, Any]:
    """Starts a VM straight through Snooze's API, past any provider's name check, as another tool
    or a colleague would; returns its metadata once it runs."""
    template: dict[str, Any] = {
        "name": name,
        "vcpus": vcpus,
        "memory": 262144,
        "imageId": "debian.qcow2",
        "networkCapacityDemand": {"rxBytes": 0, "txBytes": 0},
    }
    if local_controller_id:
        template["hostId"] = local_controller_id
    leader = emulator.group_leader_url
    task = httpx.post(
        f"{leader}/groupmanager?startVirtualCluster",
        content=json.dumps({"virtualMachineTemplates": [template]}),
        headers={"Content-Type": "application/json"},
    ).text
    for _ in range(200):
        answer = httpx.post(f"{leader}/groupmanager?getVirtualClusterResponse", content=task).text
        if answer:
            (vm,) = json.loads(answer)["virtualMachineMetaData"]
            assert vm["status"] == "RUNNING", vm
            result: dict[str, Any] = vm
            return result
        time.sleep(0.05)
    raise AssertionError(f"the stranger {name} did not start")


def vm_named(emulator: Emulator, name: str) -> dict[str, Any]:
    """The one VM of that name, as its group manager records it (the emulator's list)."""
    (vm,) = [vm for vm in emulator.vms() if vm["virtualMachineLocation"]["virtualMachineId"] == name]
    return vm


def host_record(emulator: Emulator, name: str) -> dict[str, Any]:
    """The VM as its host records it (getVirtualMachines): the only record a resize updates."""
    location = vm_named(emulator, name)["virtualMachineLocation"]
    address = location["localControllerControlDataAddress"]
    url = f"http://{address['address']}:{address['port']}/localcontroller?getVirtualMachines"
    records = httpx.post(url, content="0", headers={"Content-Type": "application/json"}).json()
    (record,) = [r for r in records if r["virtualMachineLocation"]["virtualMachineId"] == name]
    result: dict[str, Any] = record
    return result


def command(emulator: Emulator, name: str, verb: str) -> bool:
    """suspend, resume, shutdown, ... the VM through its group manager, outside Terraform."""
    location = vm_named(emulator, name)["virtualMachineLocation"]
    address = location["groupManagerControlDataAddress"]
    url = f"http://{address['address']}:{address['port']}/groupmanager?{verb}VirtualMachine"
    answer = httpx.post(url, content=json.dumps(location), headers={"Content-Type": "application/json"})
    return bool(answer.json())

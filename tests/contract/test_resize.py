"""resizeVirtualMachine as libvirt under Snooze does it (spec 6.5): within the vcpus and memory the
domain booted with, the host's record takes the new capacity and the group manager's keeps the old
one; past them the host fails and the group manager answers 500, as for a VM not RUNNING."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from harness.wire_calls import SEED, metadata, post, run, start, template, wait_for
from snooze_emulator import Emulator, Timing

BOOT = [2.0, 262144.0, 10.0, 20.0]  # vcpus, memory KiB, rx, tx


def gm_url(vm: dict[str, Any]) -> str:
    address = vm["groupManagerControlDataAddress"]
    return f"http://{address['address']}:{address['port']}/groupmanager"


def resize(vm: dict[str, Any], capacity: list[float]) -> httpx.Response:
    body = {"virtualMachineLocation": vm["virtualMachineLocation"], "resizedCapacity": capacity}
    return post(f"{gm_url(vm)}?resizeVirtualMachine", body)


def host_record(emu: Emulator, vm: dict[str, Any]) -> dict[str, Any]:
    """The VM as its local controller knows it (getVirtualMachines, the host's own records)."""
    address = vm["virtualMachineLocation"]["localControllerControlDataAddress"]
    url = f"http://{address['address']}:{address['port']}/localcontroller?getVirtualMachines"
    (record,) = post(url, raw="0").json()
    assert isinstance(record, dict)
    return record


def started(emu: Emulator) -> dict[str, Any]:
    demand = {"rxBytes": BOOT[2], "txBytes": BOOT[3]}
    (vm,) = run(emu, template("r", vcpus=2, memory=262144, networkCapacityDemand=demand))
    assert vm["requestedCapacity"] == BOOT
    return vm


def listed_capacity(emu: Emulator) -> list[float]:
    listing = post(f"{emu.bootstrap_url}/bootstrap?getVirtualMachineDescriptions", {}).json()
    (vm,) = listing["virtualMachines"]
    capacity: list[float] = vm["requestedCapacity"]
    return capacity


@pytest.mark.parametrize(
    ("wanted", "answered"),
    [
        ([1, 131072, 30, 40], [1.0, 131072.0, 40.0, 30.0]),  # explicit network values: written [tx, rx]
        ([2, 262144, -1, -1], [2.0, 262144.0, 20.0, 10.0]),  # up to the maximum; defaults swapped
        ([1, -1, -1, -1], [1.0, 262144.0, 20.0, 10.0]),
        ([-1, 131072, -1, 40], [2.0, 131072.0, 20.0, 10.0]),  # tx alone: "keep tx" tests rx
        ([1], [1.0, 262144.0, 20.0, 10.0]),
    ],
)
def test_within_the_boot_maximum_only_the_host_record_changes(
    emu: Emulator, wanted: list[float], answered: list[float]
) -> None:
    vm = started(emu)
    answer = resize(vm, wanted)
    assert answer.status_code == 200
    assert answer.json()["requestedCapacity"] == answered, "the host's record comes back"
    assert host_record(emu, vm)["requestedCapacity"] == answered
    # The group manager's record, and every listing built from it, keep the old capacity.
    assert metadata(emu, vm["virtualMachineLocation"])["requestedCapacity"] == BOOT
    assert listed_capacity(emu) == BOOT
    assert emu.vms()[0]["requestedCapacity"] == BOOT


@pytest.mark.parametrize("wanted", [[3, -1, -1, -1], [-1, 262145, -1, -1], [4, 524288, -1, -1]])
def test_growing_past_the_boot_maximum_fails_on_the_host(emu: Emulator, wanted: list[float]) -> None:
    vm = started(emu)
    answer = resize(vm, wanted)
    assert answer.status_code == 500
    assert host_record(emu, vm)["requestedCapacity"] == BOOT, "nothing changed"
    assert metadata(emu, vm["virtualMachineLocation"])["status"] == "RUNNING"
    emu.set_quirk("resize_non_running_is_500", False)
    assert (resize(vm, wanted).status_code, resize(vm, wanted).content) == (200, b"")


def test_the_maximum_stays_what_the_domain_booted_with(emu: Emulator) -> None:
    vm = started(emu)
    assert resize(vm, [1, 131072]).status_code == 200
    assert resize(vm, [2, 262144]).json()["requestedCapacity"][:2] == [2.0, 262144.0], "back up to it"
    assert resize(vm, [3, 131072]).status_code == 500
    # The provisioned XML a client reads from the group manager carries that maximum.
    xml = metadata(emu, vm["virtualMachineLocation"])["xmlRepresentation"]
    assert "<vcpu>2</vcpu>" in xml and "<memory>262144</memory>" in xml
    assert xml == resize(vm, [1]).json()["xmlRepresentation"], "a resize leaves the XML alone"


def test_unset_entries_keep_the_host_records_values(emu: Emulator) -> None:
    vm = started(emu)
    resize(vm, [1, 131072, 30, 40])
    assert resize(vm, [-1, -1, -1, -1]).json()["requestedCapacity"] == [1.0, 131072.0, 30.0, 40.0]


def test_a_vm_not_running_cannot_be_resized(emu: Emulator) -> None:
    vm = started(emu)
    assert post(f"{gm_url(vm)}?suspendVirtualMachine", vm["virtualMachineLocation"]).text == "true"
    assert resize(vm, [1]).status_code == 500
    emu.set_quirk("resize_non_running_is_500", False)
    assert resize(vm, [1]).content == b""


def test_a_busy_group_manager_answers_empty() -> None:
    with start(timing=Timing(collection_delay=0.05, migration_delay=600.0)) as emu:
        vm = started(emu)
        target = next(
            h["id"] for h in emu.hosts() if h["id"] != vm["virtualMachineLocation"]["localControllerId"]
        )
        order = {
            "sourceVirtualMachineLocation": vm["virtualMachineLocation"],
            "destinationVirtualMachineLocation": {"localControllerId": target},
        }
        assert post(f"{emu.group_leader_url}/groupmanager?migrateVirtualMachine", order).text == "true"
        answer = resize(vm, [1])
        assert (answer.status_code, answer.content) == (200, b"")
        assert host_record(emu, vm)["requestedCapacity"] == BOOT


def test_after_a_migration_the_new_host_knows_the_group_managers_record() -> None:
    """The destination host starts monitoring the VM from the group manager's record (spec 6.4)."""
    with start(timing=Timing(collection_delay=0.05, migration_delay=0.05)) as emu:
        vm = started(emu)
        assert resize(vm, [1, 131072]).status_code == 200
        source = vm["virtualMachineLocation"]
        target = next(h for h in emu.hosts() if h["id"] != source["localControllerId"])
        order = {
            "sourceVirtualMachineLocation": source,
            "destinationVirtualMachineLocation": {"localControllerId": target["id"]},
        }
        assert post(f"{emu.group_leader_url}/groupmanager?migrateVirtualMachine", order).text == "true"
        wait_for(lambda: emu.vms()[0]["virtualMachineLocation"]["localControllerId"] == target["id"])
        moved = emu.vms()[0]
        assert host_record(emu, moved)["requestedCapacity"] == BOOT
        assert resize(moved, [3]).status_code == 500, "the maximum moved with it"


@pytest.mark.parametrize(
    ("vcpu", "memory", "maximum"),
    [
        (
            '<vcpu current="1">4</vcpu>',
            "<memory>524288</memory><currentMemory>262144</currentMemory>",
            (4, 524288),
        ),
        ('<vcpu placement="static">2</vcpu>', '<memory unit="MiB">512</memory>', (2, 512)),
    ],
    ids=["current-attributes", "unit"],
)
def test_template_mode_boots_at_what_snooze_read(
    emu: Emulator, vcpu: str, memory: str, maximum: tuple[int, int]
) -> None:
    """Snooze reads <vcpu> and <memory> as bare numbers (KiB) and writes them back so: `current`,
    `unit` and <currentMemory> are lost on the way to libvirt, which boots at exactly those
    numbers, its maximum (spec 6.1.2)."""
    xml = SEED.replace("<vcpu>1</vcpu>", vcpu).replace(
        "<memory>200000</memory> <currentMemory>200000</currentMemory>", memory
    )
    (vm,) = run(emu, {"libVirtTemplate": xml})
    assert vm["requestedCapacity"][:2] == [float(maximum[0]), float(maximum[1])]
    for record in (vm, metadata(emu, vm["virtualMachineLocation"])):
        xml_now = record["xmlRepresentation"]
        assert f"<vcpu>{maximum[0]}</vcpu>" in xml_now and f"<memory>{maximum[1]}</memory>" in xml_now
        assert "currentMemory" not in xml_now and "current=" not in xml_now and "unit=" not in xml_now
    assert resize(vm, [maximum[0], maximum[1]]).status_code == 200
    assert resize(vm, [maximum[0] + 1]).status_code == 500
    assert resize(vm, [-1, maximum[1] + 1]).status_code == 500

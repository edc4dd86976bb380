"""suspend, resume, shutdown, reboot and destroy at a group manager (spec 6.2, 7.2): the answer and
the status from each status, refusals while the group manager is busy, guests that ignore ACPI."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from harness.wire_calls import PATIENCE, emulator_help, metadata, post, run, start, template, wait_for
from snooze_emulator import Emulator, Timing, UnknownName

TIMING = Timing(collection_delay=0.05, removal_delay=0.2, migration_delay=0.1)


def command(vm: dict[str, Any], name: str) -> str:
    address = vm["groupManagerControlDataAddress"]
    url = f"http://{address['address']}:{address['port']}/groupmanager?{name}VirtualMachine"
    return post(url, vm["virtualMachineLocation"]).text


def status(emu: Emulator, vm: dict[str, Any]) -> str:
    return str(metadata(emu, vm["virtualMachineLocation"])["status"])


def settled(emu: Emulator) -> None:
    """Whatever Snooze scheduled so far with removal_delay or less has happened (timers fire in
    order), however slow the machine."""
    done = threading.Event()
    emu.cluster.scheduler.after(emu.config.timing.removal_delay, done.set)
    assert done.wait(PATIENCE)


def vm_in(emu: Emulator, state: str) -> dict[str, Any]:
    (vm,) = run(emu, template("a"))
    if state == "PAUSED":
        assert command(vm, "suspend") == "true"
    elif state == "SHUTDOWN_PENDING":
        emu.ignore_acpi("a")
        assert command(vm, "shutdown") == "true"
    assert status(emu, vm) == state
    return vm


TRANSITIONS = [
    # from, command, answer, status at once, status in the end
    ("RUNNING", "suspend", "true", "PAUSED", "PAUSED"),
    ("RUNNING", "resume", "false", "RUNNING", "RUNNING"),
    ("RUNNING", "reboot", "true", "RUNNING", "RUNNING"),
    ("RUNNING", "shutdown", "true", "SHUTDOWN_PENDING", "OFFLINE"),
    ("RUNNING", "destroy", "true", "SHUTDOWN_PENDING", "OFFLINE"),
    ("PAUSED", "suspend", "false", "PAUSED", "PAUSED"),
    ("PAUSED", "resume", "true", "RUNNING", "RUNNING"),
    ("PAUSED", "reboot", "false", "PAUSED", "PAUSED"),
    ("PAUSED", "shutdown", "false", "PAUSED", "PAUSED"),
    ("PAUSED", "destroy", "true", "SHUTDOWN_PENDING", "OFFLINE"),
    ("SHUTDOWN_PENDING", "suspend", "false", "SHUTDOWN_PENDING", "SHUTDOWN_PENDING"),
    ("SHUTDOWN_PENDING", "resume", "false", "SHUTDOWN_PENDING", "SHUTDOWN_PENDING"),
    ("SHUTDOWN_PENDING", "reboot", "false", "SHUTDOWN_PENDING", "SHUTDOWN_PENDING"),
    ("SHUTDOWN_PENDING", "shutdown", "true", "SHUTDOWN_PENDING", "SHUTDOWN_PENDING"),
    ("SHUTDOWN_PENDING", "destroy", "true", "SHUTDOWN_PENDING", "OFFLINE"),
]


@pytest.mark.parametrize(("origin", "name", "answer", "at_once", "final"), TRANSITIONS)
def test_each_command_from_each_status(origin: str, name: str, answer: str, at_once: str, final: str) -> None:
    with start(timing=TIMING) as emu:
        vm = vm_in(emu, origin)
        with emu.paused():  # the removal waits: SHUTDOWN_PENDING is seen however slow the machine
            assert command(vm, name) == answer
            assert status(emu, vm) == at_once
        settled(emu)
        assert status(emu, vm) == final
        if final == "OFFLINE":
            assert emu.vms() == []


@pytest.mark.parametrize("name", ["suspend", "resume", "shutdown", "reboot", "destroy"])
def test_a_busy_group_manager_refuses_every_command(name: str) -> None:
    with start(timing=TIMING) as emu:
        (vm,) = run(emu, template("a"))
        wedge = {
            "sourceVirtualMachineLocation": {"virtualMachineId": "x", "localControllerId": "y"},
            "destinationVirtualMachineLocation": {"localControllerId": "z"},
            "destinationHypervisorSettings": None,
        }
        url = f"{emu.group_manager_urls[0]}/groupmanager?migrateVirtualMachine"
        assert post(url, wedge).text == "true"  # busy for good (spec 12.21)
        assert command(vm, name) == "false"
        assert post(f"{emu.bootstrap_url}/bootstrap?{name}VirtualMachine", raw="a").text == "false"
        assert status(emu, vm) == "RUNNING"


def test_unknown_vms_and_wrong_hosts_are_refused(emu: Emulator) -> None:
    (vm,) = run(emu, template("a"))
    elsewhere = {**vm, "virtualMachineLocation": {**vm["virtualMachineLocation"], "localControllerId": "x"}}
    ghost = {**vm, "virtualMachineLocation": {**vm["virtualMachineLocation"], "virtualMachineId": "ghost"}}
    for name in ("suspend", "shutdown", "destroy"):
        assert command(elsewhere, name) == command(ghost, name) == "false"
    assert status(emu, vm) == "RUNNING"


def test_a_guest_ignoring_acpi_stays_shutdown_pending_until_destroyed() -> None:
    with start(timing=TIMING) as emu:
        (vm,) = run(emu, template("a"))
        emu.ignore_acpi("a")
        assert command(vm, "shutdown") == "true"
        settled(emu)
        assert status(emu, vm) == "SHUTDOWN_PENDING"
        assert command(vm, "shutdown") == "true", "accepted again, ignored again"
        settled(emu)
        assert status(emu, vm) == "SHUTDOWN_PENDING"
        # Switched back, the guest powers off on the next shutdown.
        emu.ignore_acpi("a", False)
        assert command(vm, "shutdown") == "true"
        wait_for(lambda: status(emu, vm) == "OFFLINE")


def test_destroy_ends_a_vm_that_ignores_acpi() -> None:
    with start(timing=TIMING) as emu:
        (vm,) = run(emu, template("a"))
        emu.ignore_acpi("a")
        assert command(vm, "shutdown") == "true"
        assert command(vm, "destroy") == "true"
        wait_for(lambda: status(emu, vm) == "OFFLINE")


def test_ignoring_acpi_through_the_control_api(emu: Emulator) -> None:
    run(emu, template("a"))
    url = f"{emu.admin_url}/vms/a/ignore-acpi"
    assert httpx.post(url).json() == {"ignoresAcpi": True, "vm": "a"}
    assert emu.cluster.vms[0].ignores_acpi
    assert httpx.post(url, json={"ignores": False}).json() == {"ignoresAcpi": False, "vm": "a"}
    assert not emu.cluster.vms[0].ignores_acpi
    assert httpx.post(url, json={"ignores": "yes"}).status_code == 400
    assert httpx.post(f"{emu.admin_url}/vms/ghost/ignore-acpi").status_code == 404
    with pytest.raises(UnknownName):
        emu.ignore_acpi("ghost")
    assert "/vms/NAME/ignore-acpi" in emulator_help()


def migrate(emu: Emulator, vm: dict[str, Any]) -> None:
    """The leader-form migration to another host, until the VM is there."""
    source = vm["virtualMachineLocation"]
    target = next(h["id"] for h in emu.hosts() if h["id"] != source["localControllerId"])
    order = {
        "sourceVirtualMachineLocation": source,
        "destinationVirtualMachineLocation": {"localControllerId": target},
    }
    assert post(f"{emu.group_leader_url}/groupmanager?migrateVirtualMachine", order).text == "true"
    wait_for(
        lambda: any(
            v["virtualMachineLocation"]["virtualMachineId"] == source["virtualMachineId"]
            and v["virtualMachineLocation"]["localControllerId"] == target
            for v in emu.vms()
        )
    )


def test_a_completed_migration_leaves_the_status_alone() -> None:
    """A VM shutting down (its guest ignoring ACPI) or paused keeps that status at its new host;
    before, a completed migration set a SHUTDOWN_PENDING VM back to RUNNING."""
    with start(timing=TIMING) as emu:
        pending, paused = run(emu, template("pending"), template("paused"))
        emu.ignore_acpi("pending")
        assert command(pending, "shutdown") == "true"
        assert command(paused, "suspend") == "true"
        migrate(emu, pending)
        migrate(emu, paused)
        statuses = {v["virtualMachineLocation"]["virtualMachineId"]: v["status"] for v in emu.vms()}
        assert statuses == {"pending": "SHUTDOWN_PENDING", "paused": "PAUSED"}

"""The Snooze client against the emulator: every call of the provider's contract (spec 10.1)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from harness.wire_calls import PATIENCE, SEED, start
from snooze_emulator import Emulator
from terraform_provider_snooze.snooze_api import (
    Backoff,
    Fingerprint,
    Migration,
    NetworkDemand,
    Pace,
    Removal,
    SnoozeClient,
    SnoozeMigrationError,
    Tracker,
    VirtualClusterResponse,
    VirtualMachineMetaData,
    VirtualMachineTemplate,
    VmRecord,
)

QUICK = Backoff(first=0.05, cap=0.2)


def tracker(client: SnoozeClient) -> Tracker:
    return Tracker(client, Pace(QUICK), grace=1.0)


def record(vm: VirtualMachineMetaData) -> VmRecord:
    return VmRecord(Fingerprint.of(vm), vm.location)


@pytest.fixture
def client(emu: Emulator) -> Iterator[SnoozeClient]:
    with SnoozeClient([emu.bootstrap_url], timeout=5.0) as client:
        yield client


def vm_template(name: str) -> VirtualMachineTemplate:
    return VirtualMachineTemplate(name=name, vcpus=1, memory=262144, image_id="debian.qcow2")


def run(client: SnoozeClient, *templates: VirtualMachineTemplate) -> VirtualClusterResponse:
    submission = client.submit(list(templates))
    assert submission.task_id is not None
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        result = client.poll(submission)
        if result is not None:
            return result
        time.sleep(0.05)
    raise AssertionError("no result")


def test_parameter_mode_submission_runs(client: SnoozeClient) -> None:
    result = run(client, vm_template("a"), vm_template("b"))
    assert result.error_code is None
    assert sorted((vm.location.virtual_machine_id, vm.status) for vm in result.virtual_machines) == [
        ("a", "RUNNING"),
        ("b", "RUNNING"),
    ]
    assert all(vm.location.group_manager_control_data_address.known for vm in result.virtual_machines)


def test_template_mode_submission_runs(client: SnoozeClient) -> None:
    template = VirtualMachineTemplate(libvirt_template=SEED, network_demand=NetworkDemand(12800.0, 12800.0))
    (vm,) = run(client, template).virtual_machines
    assert (vm.location.virtual_machine_id, vm.status) == ("debian1", "RUNNING")
    assert vm.requested_capacity[2:] == [12800.0, 12800.0]


def test_the_result_is_read_once(client: SnoozeClient) -> None:
    submission = client.submit([vm_template("a")])
    run_result = None
    while run_result is None:
        run_result = client.poll(submission)
        time.sleep(0.05)
    assert client.poll(submission) is None


def test_metadata_locate_and_offline_after_destroy(client: SnoozeClient) -> None:
    (vm,) = run(client, vm_template("a")).virtual_machines
    current = client.get_virtual_machine_metadata(vm.location)
    assert current.status == "RUNNING" and not current.is_gone
    (listed,) = client.listing(max_age=0.0).named("a")
    assert Fingerprint.of(listed) == Fingerprint.of(current) and Fingerprint.of(current).mac_address
    gone: list[str] = []
    assert (
        Removal(tracker(client)).destroy({"a": record(current)}, time.monotonic() + PATIENCE, gone.append)
        == {}
    )
    assert gone == ["a"]
    assert client.get_virtual_machine_metadata(vm.location).is_gone


def test_suspend_and_resume(client: SnoozeClient) -> None:
    (vm,) = run(client, vm_template("a")).virtual_machines
    assert client.command("suspend", vm.location) is True
    assert client.get_virtual_machine_metadata(vm.location).status == "PAUSED"
    assert client.command("suspend", vm.location) is False
    assert client.command("resume", vm.location) is True


def test_local_controllers_from_the_bootstrap_or_the_leader() -> None:
    for lists in (True, False):
        emu = start()
        emu.set_quirk("bootstrap_lists_controllers", lists)
        try:
            with SnoozeClient([emu.bootstrap_url], timeout=5.0) as client:
                hosts = client.local_controllers()
                assert sorted(lc.id for lc in hosts) == sorted(h["id"] for h in emu.hosts())
        finally:
            emu.stop()


def test_migration_reaches_the_destination(client: SnoozeClient) -> None:
    (vm,) = run(client, vm_template("a")).virtual_machines
    destination = next(lc for lc in client.local_controllers() if lc.id != vm.location.local_controller_id)
    current = client.get_virtual_machine_metadata(vm.location)
    moved = Migration(tracker(client)).migrate(record(current), destination.id, time.monotonic() + PATIENCE)
    assert moved.location.local_controller_id == destination.id
    assert Fingerprint.of(moved) == Fingerprint.of(current)


def test_migration_to_an_unknown_host_is_refused(client: SnoozeClient) -> None:
    (vm,) = run(client, vm_template("a")).virtual_machines
    current = client.get_virtual_machine_metadata(vm.location)
    with pytest.raises(SnoozeMigrationError, match="no-such-lc"):
        Migration(tracker(client)).migrate(record(current), "no-such-lc", time.monotonic() + PATIENCE)


def test_leader_failover_is_followed(emu: Emulator, client: SnoozeClient) -> None:
    (vm,) = run(client, vm_template("a")).virtual_machines
    old = client.group_leader().id
    new = emu.fail_over()
    # The old leader's port is dead: the submission asks the bootstrap again and goes to the new one.
    assert run(client, vm_template("b")).virtual_machines[0].status == "RUNNING"
    assert client.group_leader().id == new != old
    current = client.get_virtual_machine_metadata(vm.location)
    assert not current.is_gone and Fingerprint.of(current).ip_address == vm.ip_address


def test_unknown_image_leaves_the_vm_out(client: SnoozeClient) -> None:
    result = run(client, vm_template("a"), VirtualMachineTemplate(name="b", image_id="nope.qcow2"))
    assert [vm.location.virtual_machine_id for vm in result.virtual_machines] == ["a"]

"""The Snooze client against the emulator: every call of the provider's contract (spec 10.1)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from harness.wire_calls import PATIENCE, SEED, start
from snooze_emulator import Emulator
from terraform_provider_snooze.snooze_api import (
    Backoff,
    NetworkDemand,
    SnoozeClient,
    SnoozeRejectedError,
    VirtualClusterResponse,
    VirtualMachineTemplate,
)

QUICK = Backoff(first=0.05, cap=0.2)


@pytest.fixture
def client(emu: Emulator) -> Iterator[SnoozeClient]:
    with SnoozeClient([emu.bootstrap_url], timeout=5.0) as client:
        yield client


def vm_template(name: str) -> VirtualMachineTemplate:
    return VirtualMachineTemplate(name=name, vcpus=1, memory=262144, image_id="debian.qcow2")


def run(client: SnoozeClient, *templates: VirtualMachineTemplate) -> VirtualClusterResponse:
    task_id = client.start_virtual_cluster(list(templates))
    return client.wait_for_virtual_cluster_response(
        task_id, deadline=time.monotonic() + PATIENCE, backoff=QUICK
    )


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
    task_id = client.start_virtual_cluster([vm_template("a")])
    client.wait_for_virtual_cluster_response(task_id, deadline=time.monotonic() + PATIENCE, backoff=QUICK)
    assert client.get_virtual_cluster_response(task_id) is None


def test_metadata_locate_and_offline_after_destroy(client: SnoozeClient) -> None:
    (vm,) = run(client, vm_template("a")).virtual_machines
    current = client.get_virtual_machine_metadata(vm.location)
    assert current.status == "RUNNING" and not current.is_gone
    found = client.discover_virtual_machine("a")
    assert found is not None and found.local_controller_id == vm.location.local_controller_id
    client.destroy("a", vm.location, deadline=time.monotonic() + PATIENCE, backoff=QUICK)
    client.wait_until_gone("a", vm.location, deadline=time.monotonic() + PATIENCE, backoff=QUICK)
    assert client.get_virtual_machine_metadata(vm.location).is_gone
    assert client.locate("a", vm.location) is None


def test_suspend_and_resume(client: SnoozeClient) -> None:
    (vm,) = run(client, vm_template("a")).virtual_machines
    assert client.suspend_virtual_machine(vm.location) is True
    assert client.get_virtual_machine_metadata(vm.location).status == "PAUSED"
    assert client.suspend_virtual_machine(vm.location) is False
    assert client.resume_virtual_machine(vm.location) is True


def test_local_controllers_from_the_bootstrap_or_the_leader() -> None:
    for lists in (True, False):
        emu = start()
        emu.set_quirk("bootstrap_lists_controllers", lists)
        try:
            with SnoozeClient([emu.bootstrap_url], timeout=5.0) as client:
                assert (client.get_local_controller_list_from_bootstrap() is None) is not lists
                hosts = client.get_local_controllers()
                assert sorted(lc.id for lc in hosts) == sorted(h["id"] for h in emu.hosts())
        finally:
            emu.stop()


def test_migration_reaches_the_destination(client: SnoozeClient) -> None:
    (vm,) = run(client, vm_template("a")).virtual_machines
    destination = next(
        lc for lc in client.get_local_controllers() if lc.id != vm.location.local_controller_id
    )
    moved = client.migrate(
        "a", vm.location, destination.id, deadline=time.monotonic() + PATIENCE, backoff=QUICK
    )
    assert moved.location.local_controller_id == destination.id
    again = client.wait_for_migration(
        "a", destination.id, deadline=time.monotonic() + PATIENCE, backoff=QUICK
    )
    assert again.location.local_controller_id == destination.id


def test_migration_to_an_unknown_host_is_refused(client: SnoozeClient) -> None:
    (vm,) = run(client, vm_template("a")).virtual_machines
    with pytest.raises(SnoozeRejectedError):
        client.migrate("a", vm.location, "no-such-lc", deadline=time.monotonic() + PATIENCE, backoff=QUICK)


def test_leader_failover_is_followed(emu: Emulator, client: SnoozeClient) -> None:
    (vm,) = run(client, vm_template("a")).virtual_machines
    old = client.group_leader().id
    new = emu.fail_over()
    assert client.get_local_controller_list()  # the old leader's port is dead: ask the bootstrap again
    assert client.group_leader().id == new != old
    assert client.locate("a", vm.location) is not None
    assert run(client, vm_template("b")).virtual_machines[0].status == "RUNNING"


def test_unknown_image_leaves_the_vm_out(client: SnoozeClient) -> None:
    result = run(client, vm_template("a"), VirtualMachineTemplate(name="b", image_id="nope.qcow2"))
    assert [vm.location.virtual_machine_id for vm in result.virtual_machines] == ["a"]

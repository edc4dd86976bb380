"""The asynchronous part of a submission (spec 6.1.3): group managers busy while they start VMs,
retries of busy ones, collection rounds, how answers are merged, what the XML becomes."""

from __future__ import annotations

import httpx
from harness.wire_calls import SEED, metadata, post, result, run, start, submit, template, wait_for
from snooze_emulator import Emulator, Timing


def discover(emu: Emulator, name: str) -> httpx.Response:
    return post(f"{emu.group_leader_url}/groupmanager?discoverVirtualMachine", raw=name)


def test_vms_run_on_their_group_manager_before_the_leader_collects() -> None:
    # The first collection round outlasts the test: the VM runs, the result is not there yet.
    with start(timing=Timing(collection_delay=600.0, start_delay=0.05)) as emu:
        task_id = submit(emu, template("early"))
        wait_for(lambda: discover(emu, "early").content != b"")
        assert emu.vms()[0]["status"] == "RUNNING"
        assert (
            post(f"{emu.group_leader_url}/groupmanager?getVirtualClusterResponse", raw=task_id).content == b""
        )


def test_a_group_manager_starting_vms_refuses_commands() -> None:
    with start(timing=Timing(collection_delay=0.05, start_delay=0.05)) as emu:
        (vm,) = run(emu, template("a"))
        location = vm["virtualMachineLocation"]
        gm = vm["groupManagerControlDataAddress"]
        gm_url = f"http://{gm['address']}:{gm['port']}"
        emu.config.timing.start_delay = 600.0  # starting "b" outlasts the test
        submit(emu, template("b"))
        wait_for(lambda: post(f"{gm_url}/groupmanager?suspendVirtualMachine", location).text == "false")
        assert metadata(emu, location)["status"] == "RUNNING"


def test_a_busy_group_manager_is_retried_until_it_accepts() -> None:
    timing = Timing(
        collection_delay=0.05, migration_delay=0.6, dispatch_retry_interval=0.1, removal_delay=0.1
    )
    with start(timing=timing) as emu:
        (vm,) = run(emu, template("a"))
        source = vm["virtualMachineLocation"]
        target = next(h for h in emu.hosts() if h["id"] != source["localControllerId"])
        order = {
            "sourceVirtualMachineLocation": source,
            "destinationVirtualMachineLocation": {"localControllerId": target["id"]},
        }
        assert post(f"{emu.group_leader_url}/groupmanager?migrateVirtualMachine", order).text == "true"
        (late,) = result(emu, submit(emu, template("b")))["virtualMachineMetaData"]
        assert late["status"] == "RUNNING" and late["errorCode"] == "UNKNOWN"


def test_a_group_manager_busy_for_good_fails_the_vms_after_the_retries() -> None:
    timing = Timing(collection_delay=0.05, dispatch_retry_interval=0.02, dispatch_retries=3)
    with start(timing=timing) as emu:
        gm = emu.group_manager_urls[0]
        wedge = {
            "sourceVirtualMachineLocation": {"virtualMachineId": "x", "localControllerId": "y"},
            "destinationVirtualMachineLocation": {"localControllerId": "z"},
            "destinationHypervisorSettings": None,
        }
        assert post(f"{gm}/groupmanager?migrateVirtualMachine", wedge).text == "true"  # spec 12.21
        (vm,) = run(emu, template("a"))
        assert (vm["status"], vm["errorCode"]) == ("ERROR", "UNABLE_TO_START_ON_GROUP_MANAGER")
        assert vm["ipAddress"] == "UNKNOWN"


def test_a_slow_group_manager_flags_the_whole_cluster_until_it_answers() -> None:
    # Two group managers besides the leader; one of them is slow to start its VM.
    timing = Timing(collection_delay=0.1, start_delay=0.25)
    with start(group_managers=3, local_controllers=2, timing=timing) as emu:
        task_id = submit(emu, template("a"), template("b"))
        vms = result(emu, task_id)["virtualMachineMetaData"]
        assert [v["status"] for v in vms] == ["RUNNING", "RUNNING"]
        assert {v["virtualMachineLocation"]["groupManagerId"] for v in vms} == {
            h["location"]["groupManagerId"] for h in emu.hosts()
        }
        # Without the quirk the outcome is the same: both answered by the last round.
        emu.set_quirk("uncollected_marks_whole_cluster", False)
        assert [v["status"] for v in run(emu, template("c"), template("d"))] == ["RUNNING", "RUNNING"]


def test_answers_are_paired_by_position_failures_first() -> None:
    # The group manager has room for both in sum, but no single host takes the second: it fails
    # there, and the group manager lists it first.
    with start(local_controllers=2, vcpus=2) as emu:
        first, second = run(emu, template("fits"), template("left-over", vcpus=3))
        assert [first["virtualMachineLocation"]["virtualMachineId"], first["status"]] == [
            "left-over",
            "ERROR",
        ]
        assert first["errorCode"] == "NOT_ENOUGH_LOCAL_CONTROLLER_CAPACITY"
        assert [second["virtualMachineLocation"]["virtualMachineId"], second["status"]] == ["fits", "RUNNING"]
        # The rest is the leader's copy: the IP of "fits" went back to the pool with the wrong VM.
        assert first["ipAddress"] == "UNKNOWN" and second["ipAddress"] == "192.168.122.3"
        running = emu.vms()
        assert [v["ipAddress"] for v in running] == ["192.168.122.2"]


def test_answers_paired_by_name_without_the_quirk() -> None:
    with start(local_controllers=2, vcpus=2) as emu:
        emu.set_quirk("answers_merged_by_index", False)
        first, second = run(emu, template("fits"), template("left-over", vcpus=3))
        assert (first["virtualMachineLocation"]["virtualMachineId"], first["status"]) == ("fits", "RUNNING")
        assert first["ipAddress"] == "192.168.122.2" and second["ipAddress"] == "UNKNOWN"
        assert (second["status"], second["errorCode"]) == ("ERROR", "NOT_ENOUGH_LOCAL_CONTROLLER_CAPACITY")


def test_a_template_without_disk_fails_every_vm_of_its_host(emu: Emulator) -> None:
    diskless = "<domain type='kvm'><name>nodisk</name><memory>1024</memory><vcpu>1</vcpu></domain>"
    emu.config.placement = "FirstFit"  # both VMs on the same host
    vms = run(emu, {"libVirtTemplate": diskless}, template("neighbour"))
    assert {(v["status"], v["errorCode"]) for v in vms} == {("ERROR", "INVALID_SUBMISSION_RESPONSE")}
    assert emu.vms() == []


def test_unparsable_template_without_the_wedge_quirk_fails_alone() -> None:
    with start() as emu:
        emu.set_quirk("unparsable_template_wedges_queue", False)
        emu.config.placement = "RoundRobin"
        (broken,) = run(emu, {"libVirtTemplate": "<domain><name>x"})
        assert broken["virtualMachineLocation"]["virtualMachineId"] == "UNKNOWN"
        assert (broken["status"], broken["errorCode"]) == ("ERROR", "INVALID_SUBMISSION_RESPONSE")
        (after,) = run(emu, template("after"))
        assert after["status"] == "RUNNING" and after["ipAddress"] == "192.168.122.3"


def test_the_same_name_twice_on_one_host_fails_in_libvirt() -> None:
    with start(local_controllers=1) as emu:
        run(emu, template("twin"))
        (again,) = run(emu, template("twin"))
        assert (again["status"], again["errorCode"]) == ("ERROR", "FAILED_TO_START_ON_HYPERVISOR")
        assert len(emu.vms()) == 1


def test_same_name_on_another_host_runs(emu: Emulator) -> None:
    first = run(emu, template("twin"))[0]
    second = run(emu, template("twin"))[0]
    assert second["status"] == "RUNNING"
    assert (
        first["virtualMachineLocation"]["localControllerId"]
        != second["virtualMachineLocation"]["localControllerId"]
    )


def test_leader_remarshals_and_hosts_provision_the_xml(emu: Emulator) -> None:
    (vm,) = run(emu, {"libVirtTemplate": SEED})
    leaders = vm["xmlRepresentation"]
    assert leaders.startswith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')
    for dropped in ("<clock", "<on_poweroff>", "<emulator>", "<currentMemory>"):
        assert dropped not in leaders
    assert '<source file="path_to_disk_image"/>' in leaders
    assert vm["image"] == {
        "name": "path_to_disk_image",
        "path": "path_to_disk_image",
        "format": "raw",
        "capacity": 0,
        "allocation": 0,
        "backingStore": None,
    }
    hosts = metadata(emu, vm["virtualMachineLocation"])
    assert '<source file="/var/lib/snooze/instances/debian1"/>' in hosts["xmlRepresentation"]
    assert 'device="cdrom"' in hosts["xmlRepresentation"]
    assert '<mac address="54:56:c0:a8:7a:2"/>' in hosts["xmlRepresentation"]
    assert hosts["image"]["format"] == "qcow2"
    assert hosts["image"]["backingStore"].endswith("/path_to_disk_image")


def test_the_leader_result_is_a_copy_taken_at_collection() -> None:
    with start(timing=Timing(collection_delay=0.3, removal_delay=0.01)) as emu:
        task_id = submit(emu, template("short-lived"))
        wait_for(lambda: bool(emu.vms()))
        emu.destroy_vm("short-lived")
        (vm,) = result(emu, task_id)["virtualMachineMetaData"]
        assert vm["status"] == "RUNNING"  # what the group manager answered
        assert metadata(emu, vm["virtualMachineLocation"])["status"] == "OFFLINE"


def test_dispatching_first_fit_packs_one_group_manager() -> None:
    with start(group_managers=3, local_controllers=4, dispatching="FirstFit") as emu:
        vms = run(emu, template("a"), template("b"), template("c"))
        assert len({v["virtualMachineLocation"]["groupManagerId"] for v in vms}) == 1
    with start(group_managers=3, local_controllers=4) as emu:  # RoundRobin spreads them
        vms = run(emu, template("a"), template("b"), template("c"))
        assert len({v["virtualMachineLocation"]["groupManagerId"] for v in vms}) == 2


def test_placement_first_fit_consolidates_round_robin_spreads() -> None:
    with start(placement="FirstFit") as emu:
        vms = run(emu, template("a"), template("b"), template("c"))
        assert len({v["virtualMachineLocation"]["localControllerId"] for v in vms}) == 1
    with start(placement="RoundRobin") as emu:
        vms = run(emu, template("a"), template("b"), template("c"))
        assert len({v["virtualMachineLocation"]["localControllerId"] for v in vms}) == 3


def test_stale_capacity_error_on_a_vm_another_group_manager_took() -> None:
    # Two group managers with one 2-CPU host each; round robin starts one further each submission.
    with start(group_managers=3, local_controllers=2, vcpus=2) as emu:
        (filler,) = run(emu, template("filler", vcpus=2))  # first group manager now full
        (small,) = run(emu, template("small"))  # second group manager visited first
        (late,) = run(emu, template("late"))  # first visited again: refused there, taken by the other
        assert late["status"] == "RUNNING" and late["errorCode"] == "NOT_ENOUGH_GROUP_MANAGER_CAPACITY"
        assert filler["errorCode"] == small["errorCode"] == "UNKNOWN"
        (none,) = run(emu, template("none"))
        assert (none["status"], none["errorCode"]) == ("ERROR", "NOT_ENOUGH_GROUP_MANAGER_CAPACITY")

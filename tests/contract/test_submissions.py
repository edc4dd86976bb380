"""The submission pipeline (spec 6.1), with the seed's documented example flow."""

from __future__ import annotations

import time

import httpx
from harness.wire_calls import SEED, metadata, post, result, run, start, submit, template, wait_for
from snooze_emulator import Emulator, Timing


def test_seed_flow_start_poll_migrate_and_list_hosts() -> None:
    with start(timing=Timing(collection_delay=1.0, removal_delay=0.1, migration_delay=0.2)) as emu:
        seed_flow(emu)


def seed_flow(emu: Emulator) -> None:
    body = {
        "virtualMachineTemplates": [
            {"libVirtTemplate": SEED, "networkCapacityDemand": {"rxBytes": 12800.0, "txBytes": 12800.0}}
        ]
    }
    with emu.paused():  # the first poll comes before the first collection round, however slow the machine
        task_id = post(f"{emu.group_leader_url}/groupmanager?startVirtualCluster", body).text
        # Asynchronous: nothing is ready in the call that created the task.
        assert (
            post(f"{emu.group_leader_url}/groupmanager?getVirtualClusterResponse", raw=task_id).content == b""
        )
    answer = result(emu, task_id)
    assert answer["errorCode"] is None
    (vm,) = answer["virtualMachineMetaData"]
    assert vm["status"] == "RUNNING" and vm["virtualMachineLocation"]["virtualMachineId"] == "debian1"
    assert vm["ipAddress"] == "192.168.122.2"
    assert vm["requestedCapacity"] == [1.0, 200000.0, 12800.0, 12800.0]
    assert '<mac address="54:56:c0:a8:7a:2"/>' in vm["xmlRepresentation"]
    assert "52:54:01:84:26:2c" not in vm["xmlRepresentation"], "the template's interface is replaced"
    # One-shot: the result is gone once read.
    assert post(f"{emu.group_leader_url}/groupmanager?getVirtualClusterResponse", raw=task_id).content == b""

    # Migration, group leader form: answered true at once, done asynchronously.
    hosts = httpx.get(f"{emu.group_leader_url}/groupmanager?getLocalControllerList").json()[
        "localControllers"
    ]
    source = vm["virtualMachineLocation"]
    target = next(lc for lc in hosts if lc["id"] != source["localControllerId"])
    order = {
        "sourceVirtualMachineLocation": source,
        "destinationVirtualMachineLocation": {
            "localControllerId": target["id"],
            "localControllerControlDataAddress": target["controlDataAddress"],
        },
        "destinationHypervisorSettings": None,
        "migrated": False,
    }
    assert post(f"{emu.group_leader_url}/groupmanager?migrateVirtualMachine", order).text == "true"

    def moved() -> bool:
        found = post(f"{emu.group_leader_url}/groupmanager?discoverVirtualMachine", raw="debian1").json()
        return bool(found["localControllerId"] == target["id"])

    wait_for(moved)
    found = post(f"{emu.group_leader_url}/groupmanager?discoverVirtualMachine", raw="debian1").json()
    assert sorted(found) == ["groupManagerAddress", "localControllerId"]
    location = {
        "virtualMachineId": "debian1",
        "localControllerId": found["localControllerId"],
        "groupManagerControlDataAddress": found["groupManagerAddress"],
    }
    now = metadata(emu, location)
    assert now["status"] == "RUNNING" and now["ipAddress"] == "192.168.122.2"
    assert now["virtualMachineLocation"]["localControllerId"] == target["id"]
    # The old location no longer holds it: the group manager answers with the OFFLINE stub.
    assert metadata(emu, source)["status"] == "OFFLINE"

    # Host listings, from the group leader and from the bootstrap, as documented.
    for url in (
        f"{emu.group_leader_url}/groupmanager?getLocalControllerList",
        f"{emu.bootstrap_url}/bootstrap?getLocalControllerList",
    ):
        listed = httpx.get(url).json()["localControllers"]
        assert len(listed) == 3
        for lc in listed:
            assert lc["status"] == "ACTIVE" and lc["totalCapacity"] == [4.0, 3958348.0, 131072.0, 131072.0]
            assert (
                lc["hypervisorSettings"]["driver"] == "qemu"
                and lc["hypervisorSettings"]["transport"] == "tcp"
            )
            assert lc["hypervisorSettings"]["migration"] == {"method": "live", "timeout": 60}
            assert lc["wakeupSettings"]["driver"] == "IPMI" and lc["virtualMachineMetaData"] == {}
        assert sorted(lc["hypervisorSettings"]["port"] for lc in listed) == [16509, 16510, 16511]


def test_pending_and_unknown_task_ids_look_the_same() -> None:
    emu = start(timing=Timing(collection_delay=1.0))
    try:
        with emu.paused():
            task_id = submit(emu, template("a"))
            pending = post(f"{emu.group_leader_url}/groupmanager?getVirtualClusterResponse", raw=task_id)
        unknown = post(
            f"{emu.group_leader_url}/groupmanager?getVirtualClusterResponse",
            raw="00000000-0000-0000-0000-000000000000",
        )
        assert (pending.status_code, pending.content, dict(pending.headers).get("content-type")) == (
            unknown.status_code,
            unknown.content,
            dict(unknown.headers).get("content-type"),
        )
    finally:
        emu.stop()


def test_capacity_shortage_is_a_per_vm_error(emu: Emulator) -> None:
    vms = run(emu, *(template(f"big{i}", vcpus=4) for i in range(4)))
    assert [vm["status"] for vm in vms] == ["RUNNING", "RUNNING", "RUNNING", "ERROR"]
    assert [vm["errorCode"] for vm in vms] == ["UNKNOWN"] * 3 + ["NOT_ENOUGH_GROUP_MANAGER_CAPACITY"]
    assert vms[3]["ipAddress"] == "UNKNOWN"
    assert vms[3]["virtualMachineLocation"]["localControllerId"] == "UNKNOWN"


def test_ip_pool_exhaustion() -> None:
    emu = start(subnet="10.0.0.0/29")  # hosts .1 to .6; .1 is never handed out (spec 7.4)
    try:
        vms = run(emu, *(template(f"v{i}") for i in range(7)))
        assert [vm["ipAddress"] for vm in vms[:5]] == [
            "10.0.0.2",
            "10.0.0.3",
            "10.0.0.4",
            "10.0.0.5",
            "10.0.0.6",
        ]
        assert [vm["errorCode"] for vm in vms[5:]] == ["NOT_ENOUGH_IP_ADDRESSES"] * 2
    finally:
        emu.stop()


def test_host_pinning(emu: Emulator) -> None:
    lc = emu.hosts()[1]["id"]
    pinned, invalid = run(emu, template("p", hostId=lc), template("q", hostId="nowhere"))
    assert pinned["status"] == "RUNNING" and pinned["virtualMachineLocation"]["localControllerId"] == lc
    assert pinned["errorCode"] == "NOT_ENOUGH_GROUP_MANAGER_CAPACITY", "the Static dispatcher's stale code"
    assert (invalid["status"], invalid["errorCode"]) == ("ERROR", "INVALID_HOST_ID")


def test_parameter_mode_builds_a_minimal_domain() -> None:
    emu = start()
    try:
        demand = {"rxBytes": 10, "txBytes": 20}
        vms = run(
            emu,
            template("pm", vcpus=2, memory=524288, networkCapacityDemand=demand),
            {"name": "noimg", "vcpus": 1, "memory": 131072, "networkCapacityDemand": demand},
        )
        assert len(vms) == 1, "a template without imageId is dropped"
        (vm,) = vms
        assert vm["status"] == "RUNNING" and vm["virtualMachineLocation"]["virtualMachineId"] == "pm"
        assert vm["requestedCapacity"] == [2.0, 524288.0, 10.0, 20.0]
        assert vm["ipAddress"] == "192.168.122.2"
        assert vm["image"]["name"] == "debian.qcow2"
        xml = vm["xmlRepresentation"]
        for part in (
            "<name>pm</name>",
            "<memory>524288</memory>",
            "<vcpu>2</vcpu>",
            '<mac address="54:56:c0:a8:7a:2"/>',
        ):
            assert part in xml
    finally:
        emu.stop()


def test_explicit_null_host_id_drops_the_whole_submission(emu: Emulator) -> None:
    answer = post(
        f"{emu.group_leader_url}/groupmanager?startVirtualCluster",
        {"virtualMachineTemplates": [template("a", hostId=None)]},
    )
    assert answer.status_code == 200 and answer.content == b""


def test_unknown_image_is_silently_left_out(emu: Emulator) -> None:
    vms = run(emu, template("a"), template("b", image="nope.qcow2"))
    assert [vm["virtualMachineLocation"]["virtualMachineId"] for vm in vms] == ["a"]


def test_unparsable_template_wedges_the_queue_unless_switched_off() -> None:
    for wedges in (True, False):
        emu = start()
        emu.set_quirk("unparsable_template_wedges_queue", wedges)
        try:
            broken = submit(
                emu,
                {
                    "libVirtTemplate": "<domain><name>x</name",
                    "networkCapacityDemand": {"rxBytes": 0, "txBytes": 0},
                },
            )
            later = submit(emu, template("after"))
            if not wedges:
                ready = [result(emu, task_id)["virtualMachineMetaData"] for task_id in (broken, later)]
                assert [len(vms) for vms in ready] == [1, 1]
                continue
            time.sleep(0.5)
            for task_id in (broken, later):
                answer = post(f"{emu.group_leader_url}/groupmanager?getVirtualClusterResponse", raw=task_id)
                assert answer.content == b""
        finally:
            emu.stop()

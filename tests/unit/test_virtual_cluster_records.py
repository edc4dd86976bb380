"""The VM record of snooze_virtual_cluster (state.py) and its private bookkeeping (private.py)."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

from terraform_provider_snooze.runtime import cty
from terraform_provider_snooze.runtime.engine.upgrade import upgraded_state
from terraform_provider_snooze.runtime.protocol import RawState
from terraform_provider_snooze.snooze_api import (
    Fingerprint,
    GroupManagerDescription,
    NetworkAddress,
    Size,
    Submission,
    VirtualMachineMetaData,
)
from terraform_provider_snooze.virtual_cluster.private import PendingSubmission, Private
from terraform_provider_snooze.virtual_cluster.resource import VirtualClusterResource
from terraform_provider_snooze.virtual_cluster.state import PENDING, VmState

GM = {"address": "10.0.0.4", "port": 5003}
XML = (
    '<domain type="qemu"><uuid>4DEA22B3-1D52-D8F3-2516-782E98AB3FA0</uuid><name>web</name><devices>'
    '<interface type="bridge"><mac address="54:56:c0:a8:7a:7"/></interface></devices></domain>'
)


def metadata(**changes: Any) -> VirtualMachineMetaData:
    data: dict[str, Any] = {
        "virtualMachineLocation": {
            "virtualMachineId": "web",
            "localControllerId": "lc-1",
            "localControllerControlDataAddress": {"address": "10.0.0.5", "port": 5005},
            "groupManagerId": "gm-1",
            "groupManagerControlDataAddress": GM,
        },
        "status": "RUNNING",
        "errorCode": "UNKNOWN",
        "ipAddress": "192.168.122.7",
        "requestedCapacity": [2.0, 524288.0, 0.0, 0.0],
        "xmlRepresentation": XML,
        "image": {"name": "web", "path": "/inst/web", "backingStore": "/images/debian.qcow2"},
        **changes,
    }
    return VirtualMachineMetaData.from_json(data)


PLANNED: dict[str, Any] = {
    "libvirt_template": None,
    "vcpus": Decimal(2),
    "memory": Decimal(524288),
    "image_id": "debian.qcow2",
    "network_demand": cty.UNKNOWN,
    "local_controller_id": cty.UNKNOWN,
    "status": cty.UNKNOWN,
    "ip_address": cty.UNKNOWN,
}


def test_a_submitted_vm_is_pending_with_what_the_user_configured() -> None:
    vm = VmState.pending("web", PLANNED)
    assert vm.is_pending and vm.status == PENDING
    assert (vm.vcpus, vm.image_id, vm.network_demand, vm.ip_address) == (
        Decimal(2),
        "debian.qcow2",
        None,
        None,
    )
    assert vm.record is None, "no fingerprint yet: nothing may be done to it"


def test_observed_takes_the_fingerprint_and_location_and_keeps_what_was_configured() -> None:
    vm = VmState.pending("web", PLANNED).observed(metadata())
    assert (vm.ip_address, vm.mac_address, vm.libvirt_uuid) == (
        "192.168.122.7",
        "54:56:c0:a8:7a:7",
        "4dea22b3-1d52-d8f3-2516-782e98ab3fa0",
    )
    assert (vm.local_controller_id, vm.group_manager_address) == ("lc-1", "10.0.0.4:5003")
    assert vm.network_demand == {"rx_bytes": Decimal(0), "tx_bytes": Decimal(0)}, (
        "left unset: filled from Snooze"
    )
    assert vm.vcpus == 2 and vm.image_id == "debian.qcow2"
    record = vm.record
    assert record is not None
    assert record.fingerprint == Fingerprint.of(metadata())
    assert record.location.group_manager_control_data_address == NetworkAddress("10.0.0.4", 5003)


def test_observed_reads_no_error_the_power_state_and_the_boot_time_maximum() -> None:
    vm = VmState.pending("web", PLANNED).observed(metadata())
    assert (vm.error_code, vm.power_state, vm.maximum) == (None, "running", Size(2, 524288))
    assert not vm.resized
    paused = vm.observed(metadata(status="PAUSED", errorCode="NOT_ENOUGH_GROUP_MANAGER_CAPACITY"))
    assert (paused.power_state, paused.error_code) == ("paused", "NOT_ENOUGH_GROUP_MANAGER_CAPACITY")
    going = paused.observed(metadata(status="SHUTDOWN_PENDING"))
    assert going.power_state == "paused", "neither running nor paused: the power state stays as it was"
    # The domain's XML says what it booted with; the group manager's record agrees in Snooze.
    xml = XML.replace("<name>web</name>", "<name>web</name><memory>1048576</memory><vcpu>4</vcpu>")
    assert VmState("web").observed(metadata(xmlRepresentation=xml)).maximum == Size(4, 1048576)


def test_a_resized_vm_keeps_its_size_through_what_its_group_manager_says() -> None:
    vm = VmState.pending("web", PLANNED).observed(metadata()).sized(Size(1, 262144))
    assert vm.resized and vm.size == Size(1, 262144)
    again = vm.observed(metadata())  # the group manager's record: still the boot size
    assert again.size == Size(1, 262144)


def test_state_of_schema_version_0_is_upgraded() -> None:
    vm = {
        "vcpus": 2,
        "memory": 524288,
        "status": "PAUSED",
        "error_code": "UNKNOWN",
        "ip_address": "192.168.122.7",
    }
    pending = {"vcpus": 1, "memory": None, "status": "PENDING", "error_code": None}
    stored = {"id": "t", "virtual_machines": {"web": vm, "new": pending}, "timeouts": None}
    state = upgraded_state(VirtualClusterResource(), 0, RawState(json=json.dumps(stored).encode()))
    assert state is not None
    web, new = state["virtual_machines"]["web"], state["virtual_machines"]["new"]
    assert (web["power_state"], web["error_code"], web["max_vcpus"], web["max_memory"]) == (
        "paused",
        None,
        2,
        524288,
    )
    assert (new["power_state"], new["max_vcpus"]) == ("running", None)
    assert state["shutdown_before_destroy"] is None


def test_values_round_trip_and_state_written_before_macs_still_resolves() -> None:
    vm = VmState.pending("web", PLANNED).observed(metadata())
    assert VmState.from_value("web", vm.to_value()) == vm
    legacy = {**vm.to_value(), "mac_address": None, "libvirt_uuid": None}
    record = VmState.from_value("web", legacy).record
    assert record is not None and record.fingerprint.matches(Fingerprint.of(metadata()))


def test_private_state_round_trips_and_tolerates_what_it_cannot_read() -> None:
    leader = GroupManagerDescription("gl-1", NetworkAddress("10.0.0.2", 5001))
    submission = Submission(leader, 100.0, None, "dropped", in_flight=True, managers=("gm-1", "gm-2"))
    entry = PendingSubmission.of(submission, ["a", "b"], lambda: 110.0)
    assert abs(entry.sent_at - (time.time() - 10)) < 1
    private = Private().submitted(entry)
    again = Private.from_bytes(private.to_bytes())
    assert again == private
    restored = again.pending[0].submission(lambda: 500.0)
    assert (restored.leader, restored.in_flight, restored.managers) == (leader, True, ("gm-1", "gm-2"))
    assert 489 < restored.sent_at <= 490.5, "dated on the new clock, as long ago as it was sent"
    assert Private.from_bytes(b"not json") == Private() and Private.from_bytes(b"") == Private()


def test_private_state_forgets_names_whose_fate_is_known() -> None:
    leader = GroupManagerDescription("gl-1", NetworkAddress("10.0.0.2", 5001))
    entry = PendingSubmission.of(Submission(leader, 0.0, "t"), ["a", "b"], lambda: 0.0)
    private = Private().submitted(entry).forget(["a"])
    assert private.pending[0].names == ("b",) and private.submission_of("a") is None
    assert private.keep_only([]).pending == () and private.keep_only([]).to_bytes() == b""
    assert private.result_read(["b"]).pending[0].result_read

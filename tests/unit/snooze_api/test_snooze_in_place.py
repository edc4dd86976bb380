"""Changing one of our VMs in place (inplace.py), reading sizes (sizing.py), and destroying
gracefully (removal.py), against a scripted Snooze."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from terraform_provider_snooze.snooze_api import (
    Backoff,
    Fingerprint,
    InPlace,
    NetworkAddress,
    NetworkDemand,
    Pace,
    Removal,
    Size,
    SnoozeClient,
    SnoozeError,
    Tracker,
    VirtualMachineMetaData,
    VmRecord,
    boot_maximum,
    sizes_on_hosts,
)
from terraform_provider_snooze.snooze_api.sizing import resized_capacity

from .snooze_fake import (
    BOOTSTRAP,
    GM,
    LIST,
    META,
    FakeTime,
    Snooze,
    as_json,
    html_500,
    listing,
    metadata,
    null_post,
    offline_stub,
    raw,
)

RESIZE = "groupmanager?resizeVirtualMachine"
SUSPEND = "groupmanager?suspendVirtualMachine"
SHUTDOWN = "groupmanager?shutdownVirtualMachine"
DESTROY = "groupmanager?destroyVirtualMachine"
OURS = metadata("web", ip="192.168.122.2", requestedCapacity=[2.0, 524288.0, 10.0, 20.0])


def record_of(data: dict[str, Any]) -> VmRecord:
    vm = VirtualMachineMetaData.from_json(data)
    return VmRecord(Fingerprint.of(vm), vm.location)


def resized(vcpus: float, memory: float) -> dict[str, Any]:
    """The host's record after a resize: its own requestedCapacity."""
    return {**OURS, "requestedCapacity": [vcpus, memory, 10.0, 20.0]}


@pytest.fixture
def tracker(client: SnoozeClient, fake_time: FakeTime) -> Tracker:
    return Tracker(client, Pace(Backoff(first=1.0, cap=2.0), fake_time.sleep, fake_time.clock), 15.0)


def test_the_boot_time_maximum_is_the_domains_vcpu_and_memory() -> None:
    xml = "<domain><name>web</name><memory>1048576</memory><vcpu>4</vcpu></domain>"
    assert boot_maximum(VirtualMachineMetaData.from_json({**OURS, "xmlRepresentation": xml})) == Size(
        4, 1048576
    )
    assert boot_maximum(VirtualMachineMetaData.from_json(OURS)) == Size(2, 524288), "else its record's"


def test_network_entries_go_swapped_so_that_snooze_writes_them_back_right() -> None:
    assert resized_capacity(Size(1, 262144), NetworkDemand(10.0, 20.0)) == [1.0, 262144.0, 20.0, 10.0]


def test_sizes_come_from_the_host_records_of_our_instances_only() -> None:
    host = NetworkAddress("10.0.0.5", 5005)
    ours = VirtualMachineMetaData.from_json(resized(1.0, 262144.0))
    stranger = VirtualMachineMetaData.from_json(metadata("web", ip="192.168.122.9"))
    sizes = sizes_on_hosts({host.base_url: [stranger, ours]}, {"web": (record_of(OURS), host)})
    assert sizes == {"web": Size(1, 262144)}
    assert sizes_on_hosts({}, {"web": (record_of(OURS), host)}) == {}, "a host that did not answer"


def test_a_resize_at_the_vms_location_asked_again_while_busy(
    snooze: Snooze, tracker: Tracker, fake_time: FakeTime
) -> None:
    snooze.on(BOOTSTRAP, LIST, listing(OURS))
    snooze.on(GM, RESIZE, null_post(), as_json(resized(1.0, 262144.0)))
    answer = InPlace(tracker).resize(
        record_of(OURS), Size(1, 262144), NetworkDemand(10.0, 20.0), fake_time.now + 60
    )
    assert answer.requested_capacity[:2] == [1.0, 262144.0]
    first, second = (json.loads(body) for body in snooze.bodies(RESIZE))
    assert first == second and first["virtualMachineLocation"]["localControllerId"] == "lc-1"
    assert first["resizedCapacity"] == [1.0, 262144.0, 20.0, 10.0]


def test_a_resize_snooze_keeps_refusing_is_reported(
    snooze: Snooze, tracker: Tracker, fake_time: FakeTime
) -> None:
    snooze.on(BOOTSTRAP, LIST, listing(OURS))
    snooze.on(GM, RESIZE, html_500())
    snooze.on(GM, META, as_json(OURS))
    with pytest.raises(SnoozeError, match="did not resize web to 1 vcpus and 262144 KiB"):
        InPlace(tracker).resize(record_of(OURS), Size(1, 262144), NetworkDemand(), fake_time.now + 60)


def test_a_vm_that_is_not_running_is_not_resized(
    snooze: Snooze, tracker: Tracker, fake_time: FakeTime
) -> None:
    snooze.on(BOOTSTRAP, LIST, listing({**OURS, "status": "PAUSED"}))
    with pytest.raises(SnoozeError, match="reports it PAUSED"):
        InPlace(tracker).resize(record_of(OURS), Size(1, 262144), NetworkDemand(), fake_time.now + 60)
    assert not snooze.calls(RESIZE)


def test_suspend_asks_again_while_busy_and_reads_the_new_status(
    snooze: Snooze, tracker: Tracker, fake_time: FakeTime
) -> None:
    snooze.on(BOOTSTRAP, LIST, listing(OURS))
    snooze.on(GM, SUSPEND, raw("false"), raw("true"))
    snooze.on(GM, META, as_json(OURS), as_json({**OURS, "status": "PAUSED"}))
    vm = InPlace(tracker).power(record_of(OURS), "suspend", fake_time.now + 60)
    assert vm.status == "PAUSED" and len(snooze.calls(SUSPEND)) == 2


def test_a_vm_that_vanished_is_not_suspended(snooze: Snooze, tracker: Tracker, fake_time: FakeTime) -> None:
    snooze.on(BOOTSTRAP, LIST, listing(OURS))
    snooze.on(GM, SUSPEND, raw("false"))
    snooze.on(GM, META, as_json(offline_stub("web")))
    with pytest.raises(SnoozeError, match="disappeared"):
        InPlace(tracker).power(record_of(OURS), "suspend", fake_time.now + 60)


def test_graceful_destroy_shuts_down_first_and_destroys_what_did_not_power_off(
    snooze: Snooze, tracker: Tracker, fake_time: FakeTime
) -> None:
    """`quick` powers off on the ACPI shutdown; `stubborn` ignores it and is destroyed after 10 s."""
    quick, stubborn = (
        metadata("quick", ip="192.168.122.3"),
        metadata("stubborn", ip="192.168.122.4", lc="lc-2"),
    )
    shut: list[str] = []
    destroyed: list[str] = []

    def shutdown(request: httpx.Request) -> httpx.Response:
        shut.append(json.loads(request.content)["virtualMachineId"])
        return raw("true")

    def destroy(request: httpx.Request) -> httpx.Response:
        destroyed.append(json.loads(request.content)["virtualMachineId"])
        return raw("true")

    def powered_off(name: str) -> bool:
        return name in destroyed or (name == "quick" and "quick" in shut)

    def metadata_of(request: httpx.Request) -> httpx.Response:
        name = json.loads(request.content)["virtualMachineLocation"]["virtualMachineId"]
        return as_json(
            offline_stub(name) if powered_off(name) else {"quick": quick, "stubborn": stubborn}[name]
        )

    def listed(request: httpx.Request) -> httpx.Response:
        return listing(
            *[vm for name, vm in (("quick", quick), ("stubborn", stubborn)) if not powered_off(name)]
        )

    snooze.on(BOOTSTRAP, LIST, listed).on(GM, SHUTDOWN, shutdown).on(GM, DESTROY, destroy).on(
        GM, META, metadata_of
    )
    gone: list[str] = []
    started = fake_time.now
    records = {"quick": record_of(quick), "stubborn": record_of(stubborn)}
    problems = Removal(tracker).destroy(records, started + 300, gone.append, shutdown_for=10.0)
    assert problems == {} and gone == ["quick", "stubborn"]
    assert shut == ["quick", "stubborn"] and destroyed == ["stubborn"]
    assert 10 <= fake_time.now - started < 20, "the bound, then the destruction"

"""The Snooze client's in-place calls against the emulator: resize (with Snooze's quirks), the
host's own records, suspend and resume, and a graceful destroy of a guest that ignores ACPI."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from harness.wire_calls import PATIENCE
from snooze_emulator import Emulator
from terraform_provider_snooze.snooze_api import (
    Backoff,
    Fingerprint,
    InPlace,
    NetworkDemand,
    Pace,
    Removal,
    Size,
    SnoozeClient,
    SnoozeError,
    Tracker,
    VirtualMachineMetaData,
    VirtualMachineTemplate,
    VmRecord,
    recorded_size,
)


@pytest.fixture
def client(emu: Emulator) -> Iterator[SnoozeClient]:
    with SnoozeClient([emu.bootstrap_url], timeout=5.0) as client:
        yield client


def tracker(client: SnoozeClient) -> Tracker:
    return Tracker(client, Pace(Backoff(first=0.05, cap=0.2)), grace=1.0)


def started(client: SnoozeClient, name: str) -> tuple[VirtualMachineMetaData, VmRecord]:
    demand = NetworkDemand(rx_bytes=10.0, tx_bytes=20.0)
    template = VirtualMachineTemplate(
        name=name, vcpus=2, memory=524288, image_id="debian.qcow2", network_demand=demand
    )
    submission = client.submit([template])
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        result = client.poll(submission)
        if result is not None:
            (vm,) = result.virtual_machines
            return vm, VmRecord(Fingerprint.of(vm), vm.location)
        time.sleep(0.05)
    raise AssertionError("no result")


def test_a_resize_keeps_the_network_demand_right_through_snoozes_swap(client: SnoozeClient) -> None:
    vm, record = started(client, "r1")
    answer = InPlace(tracker(client)).resize(
        record, Size(1, 262144), NetworkDemand(10.0, 20.0), time.monotonic() + 30
    )
    assert answer.requested_capacity == [1.0, 262144.0, 10.0, 20.0]
    (host,) = client.host_virtual_machines(vm.location.local_controller_control_data_address)
    assert recorded_size(host) == Size(1, 262144) and host.requested_capacity[2:] == [10.0, 20.0]
    listed = client.listing(max_age=0.0).named("r1")[0]
    assert recorded_size(listed) == Size(2, 524288), "the group manager keeps the boot size"


def test_a_resize_past_the_boot_size_is_refused(client: SnoozeClient) -> None:
    _, record = started(client, "r2")
    with pytest.raises(SnoozeError, match="did not resize r2"):
        InPlace(tracker(client)).resize(
            record, Size(3, 524288), NetworkDemand(10.0, 20.0), time.monotonic() + 30
        )


def test_suspend_and_resume(client: SnoozeClient) -> None:
    _, record = started(client, "p1")
    in_place = InPlace(tracker(client))
    assert in_place.power(record, "suspend", time.monotonic() + 30).status == "PAUSED"
    assert in_place.power(record, "suspend", time.monotonic() + 30).status == "PAUSED", "already: nothing"
    assert in_place.power(record, "resume", time.monotonic() + 30).status == "RUNNING"


def test_a_graceful_destroy_of_a_guest_ignoring_acpi(client: SnoozeClient, emu: Emulator) -> None:
    _, polite = started(client, "g1")
    _, deaf = started(client, "g2")
    emu.ignore_acpi("g2")
    gone: list[str] = []
    began = time.monotonic()
    problems = Removal(tracker(client)).destroy(
        {"g1": polite, "g2": deaf}, began + 30, gone.append, shutdown_for=1.5
    )
    assert problems == {} and gone == ["g1", "g2"] and emu.vms() == []
    assert time.monotonic() - began >= 1.5, "g2 was waited for, then destroyed"
    counts = emu.request_counts()["groupmanager"]
    assert (counts["shutdownVirtualMachine"], counts["destroyVirtualMachine"]) == (2, 1)

"""Finding a VM, the OFFLINE stub, destroying it and waiting for it to go (spec 6.2, 6.3)."""

from __future__ import annotations

import json

import pytest
from terraform_provider_snooze.snooze_api import (
    Backoff,
    SnoozeClient,
    SnoozeTimeoutError,
    VirtualMachineLocation,
)

from .snooze_fake import (
    GM,
    LEADER,
    FakeTime,
    Snooze,
    address,
    as_json,
    metadata,
    null_post,
    offline_stub,
    raw,
    refused,
)

META = "groupmanager?getVirtualMachineMetaData"
DESTROY = "groupmanager?destroyVirtualMachine"
DISCOVER = "groupmanager?discoverVirtualMachine"
OTHER_GM = "http://10.0.0.6:5004"
HERE = VirtualMachineLocation.from_json(metadata()["virtualMachineLocation"])


def moved(lc: str = "lc-2", gm_url: str = OTHER_GM) -> dict[str, object]:
    vm = metadata(lc=lc)
    vm["virtualMachineLocation"]["groupManagerControlDataAddress"] = address(gm_url)
    return vm


def test_offline_stub_reads_as_gone(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(GM, META, as_json(offline_stub()))
    vm = client.get_virtual_machine_metadata(HERE)
    assert vm.is_gone
    assert vm.status == "OFFLINE" and vm.location.virtual_machine_id == "debian1"


@pytest.mark.parametrize("status", ["RUNNING", "PAUSED", "SHUTDOWN_PENDING", "ERROR"])
def test_a_vm_that_exists_is_not_gone(snooze: Snooze, client: SnoozeClient, status: str) -> None:
    snooze.on(GM, META, as_json(metadata(status=status)))
    assert not client.get_virtual_machine_metadata(HERE).is_gone


def test_defaults_and_extra_fields_are_tolerated(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(
        GM, META, as_json({"status": "RUNNING", "someFutureField": [1, 2], "virtualMachineLocation": {}})
    )
    vm = client.get_virtual_machine_metadata(HERE)
    assert vm.ip_address == "UNKNOWN" and vm.location.group_manager_control_data_address.port == -1
    assert vm.requested_capacity == [] and vm.image is None


def test_locate_asks_the_last_known_group_manager_first(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(GM, META, as_json(metadata()))
    assert client.locate("debian1", HERE) is not None
    assert snooze.calls() == [f"{GM}/{META}"]


def test_locate_follows_a_vm_that_moved(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(GM, META, as_json(offline_stub()))
    snooze.on(
        LEADER, DISCOVER, as_json({"localControllerId": "lc-2", "groupManagerAddress": address(OTHER_GM)})
    )
    snooze.on(OTHER_GM, META, as_json(moved()))
    vm = client.locate("debian1", HERE)
    assert vm is not None and vm.location.local_controller_id == "lc-2"
    assert snooze.bodies(DISCOVER) == [b"debian1"]
    asked = json.loads(snooze.bodies(META)[-1])["virtualMachineLocation"]
    assert (asked["virtualMachineId"], asked["localControllerId"]) == ("debian1", "lc-2")


def test_locate_uses_discovery_when_the_group_manager_is_unreachable(
    snooze: Snooze, client: SnoozeClient
) -> None:
    snooze.on(GM, META, refused)
    snooze.on(
        LEADER, DISCOVER, as_json({"localControllerId": "lc-2", "groupManagerAddress": address(OTHER_GM)})
    )
    snooze.on(OTHER_GM, META, as_json(moved()))
    vm = client.locate("debian1", HERE)
    assert vm is not None and vm.location.group_manager_control_data_address.base_url == OTHER_GM


def test_locate_returns_none_when_snooze_has_the_vm_nowhere(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(GM, META, as_json(offline_stub()))
    snooze.on(LEADER, DISCOVER, null_post())
    assert client.locate("debian1", HERE) is None


def test_locate_without_a_location_discovers(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, DISCOVER, as_json({"localControllerId": "lc-1", "groupManagerAddress": address(GM)}))
    snooze.on(GM, META, as_json(metadata()))
    assert client.locate("debian1") is not None


def test_destroy_retries_while_the_group_manager_is_busy(
    snooze: Snooze, client: SnoozeClient, fake_time: FakeTime
) -> None:
    snooze.on(GM, META, as_json(metadata()))
    snooze.on(GM, DESTROY, raw("false"), raw("false"), raw("true"))
    client.destroy("debian1", HERE, deadline=fake_time.now + 60, backoff=Backoff(first=1, cap=4, factor=2))
    assert len(snooze.calls(DESTROY)) == 3
    assert fake_time.sleeps == [1, 2]
    assert all(json.loads(body) == metadata()["virtualMachineLocation"] for body in snooze.bodies(DESTROY))


def test_destroy_stops_at_the_deadline_and_says_why(
    snooze: Snooze, client: SnoozeClient, fake_time: FakeTime
) -> None:
    snooze.on(GM, META, as_json(metadata()))
    snooze.on(GM, DESTROY, raw("false"))
    with pytest.raises(SnoozeTimeoutError) as caught:
        client.destroy("debian1", HERE, deadline=fake_time.now + 10, backoff=Backoff(first=2, cap=2))
    assert caught.value.waited == pytest.approx(10)
    assert "destruction of debian1" in str(caught.value) and "busy" in str(caught.value)
    assert GM in str(caught.value)


def test_destroy_of_a_vm_already_gone_or_going_sends_nothing(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(GM, META, as_json(metadata(status="SHUTDOWN_PENDING")))
    client.destroy("debian1", HERE, deadline=1e12)
    snooze.on(GM, META, as_json(offline_stub()))
    snooze.on(LEADER, DISCOVER, null_post())
    client.destroy("debian1", HERE, deadline=1e12)
    assert not snooze.calls(DESTROY)


def test_wait_until_gone_polls_until_the_offline_stub(
    snooze: Snooze, client: SnoozeClient, fake_time: FakeTime
) -> None:
    pending = as_json(metadata(status="SHUTDOWN_PENDING"))
    snooze.on(GM, META, pending, pending, as_json(offline_stub()))
    snooze.on(LEADER, DISCOVER, null_post())
    client.wait_until_gone("debian1", HERE, deadline=fake_time.now + 60)
    assert len(snooze.calls(META)) == 3
    assert len(fake_time.sleeps) == 2


def test_wait_until_gone_times_out_with_the_status(
    snooze: Snooze, client: SnoozeClient, fake_time: FakeTime
) -> None:
    snooze.on(GM, META, as_json(metadata(status="SHUTDOWN_PENDING")))
    with pytest.raises(SnoozeTimeoutError, match=r"debian1 to disappear.*still SHUTDOWN_PENDING"):
        client.wait_until_gone("debian1", HERE, deadline=fake_time.now + 5)

"""Local controller listings (spec 6.6) and the group leader form of migration (spec 6.4a)."""

from __future__ import annotations

import json

import pytest
from terraform_provider_snooze.snooze_api import (
    Backoff,
    SnoozeClient,
    SnoozeError,
    SnoozeRejectedError,
    SnoozeTimeoutError,
    VirtualMachineLocation,
)

from .snooze_fake import (
    BOOTSTRAP,
    GM,
    LEADER,
    FakeTime,
    Snooze,
    as_json,
    local_controller,
    metadata,
    null_get,
    null_post,
    offline_stub,
    raw,
)

BOOT_LIST = "bootstrap?getLocalControllerList"
GL_LIST = "groupmanager?getLocalControllerList"
META = "groupmanager?getVirtualMachineMetaData"
MIGRATE = "groupmanager?migrateVirtualMachine"
HOSTS = {"localControllers": [local_controller("lc-1", 5005), local_controller("lc-2", 5006, "PASSIVE")]}
HERE = VirtualMachineLocation.from_json(metadata()["virtualMachineLocation"])


def test_bootstrap_list_is_none_on_204(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(BOOTSTRAP, BOOT_LIST, null_get())
    assert client.get_local_controller_list_from_bootstrap() is None


def test_local_controllers_fall_back_to_the_leader_on_204(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(BOOTSTRAP, BOOT_LIST, null_get())  # Snooze's default in-memory database
    snooze.on(LEADER, GL_LIST, as_json(HOSTS))
    hosts = client.get_local_controllers()
    assert [(lc.id, lc.status, lc.control_data_address.port) for lc in hosts] == [
        ("lc-1", "ACTIVE", 5005),
        ("lc-2", "PASSIVE", 5006),
    ]
    assert snooze.calls()[0] == f"{BOOTSTRAP}/{BOOT_LIST}"
    assert [r.method for r in snooze.requests if r.url.query == b"getLocalControllerList"] == ["GET", "GET"]


def test_local_controllers_from_the_bootstrap_when_it_keeps_them(
    snooze: Snooze, client: SnoozeClient
) -> None:
    snooze.on(BOOTSTRAP, BOOT_LIST, as_json({"localControllers": [local_controller("lc-9", 5009)]}))
    assert [lc.id for lc in client.get_local_controllers()] == ["lc-9"]
    assert not snooze.calls(GL_LIST)


def test_local_controller_fields(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, GL_LIST, as_json(HOSTS))
    lc = client.get_local_controller_list()[0]
    assert lc.hostname == "host-lc-1" and lc.group_manager_id == "gm-1"
    assert lc.total_capacity == [4.0, 3958348.0, 131072.0, 131072.0]
    assert (lc.hypervisor_settings.driver, lc.hypervisor_settings.migration.method) == ("qemu", "live")
    assert lc.wakeup_settings.driver == "IPMI"


def test_migration_request_is_the_group_leader_form(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, GL_LIST, as_json(HOSTS))
    snooze.on(LEADER, MIGRATE, raw("true"))
    destination = client.get_local_controller_list()[1]
    assert client.migrate_virtual_machine(HERE, destination) is True
    (request,) = [r for r in snooze.requests if r.url.query == b"migrateVirtualMachine"]
    assert str(request.url) == f"{LEADER}/{MIGRATE}"
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.content)
    assert set(body) == {
        "sourceVirtualMachineLocation",
        "destinationVirtualMachineLocation",
        "destinationHypervisorSettings",
        "migrated",
    }
    assert body["sourceVirtualMachineLocation"] == metadata()["virtualMachineLocation"]
    target = body["destinationVirtualMachineLocation"]
    assert (target["virtualMachineId"], target["localControllerId"]) == ("debian1", "lc-2")
    assert target["localControllerControlDataAddress"] == {"address": "10.0.0.5", "port": 5006}
    assert body["destinationHypervisorSettings"] is None and body["migrated"] is False


def test_migrate_orders_then_waits_for_the_vm_on_the_destination(
    snooze: Snooze, client: SnoozeClient, fake_time: FakeTime
) -> None:
    snooze.on(BOOTSTRAP, BOOT_LIST, null_get())
    snooze.on(LEADER, GL_LIST, as_json(HOSTS))
    snooze.on(LEADER, MIGRATE, raw("true"))
    here, there = as_json(metadata()), as_json(metadata(lc="lc-2"))
    snooze.on(GM, META, here, here, there)
    vm = client.migrate("debian1", HERE, "lc-2", deadline=fake_time.now + 60, backoff=Backoff(first=1, cap=1))
    assert vm.location.local_controller_id == "lc-2"
    assert len(snooze.calls(MIGRATE)) == 1


def test_migrate_orders_again_when_nothing_happens(
    snooze: Snooze, client: SnoozeClient, fake_time: FakeTime
) -> None:
    snooze.on(BOOTSTRAP, BOOT_LIST, null_get())
    snooze.on(LEADER, GL_LIST, as_json(HOSTS))
    snooze.on(LEADER, MIGRATE, raw("true"))
    snooze.on(GM, META, *[as_json(metadata())] * 15, as_json(metadata(lc="lc-2")))
    client.migrate("debian1", HERE, "lc-2", deadline=fake_time.now + 60, backoff=Backoff(first=1, cap=1))
    assert len(snooze.calls(MIGRATE)) == 2  # a busy group manager drops the order silently (spec 6.4a)


def test_migrate_to_an_unknown_host_is_refused_before_any_order(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(BOOTSTRAP, BOOT_LIST, null_get())
    snooze.on(LEADER, GL_LIST, as_json(HOSTS))
    with pytest.raises(SnoozeRejectedError, match="no local controller 'lc-404'"):
        client.migrate("debian1", HERE, "lc-404", deadline=1e12)
    assert not snooze.calls(MIGRATE)


def test_migrate_refused_by_the_leader(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(BOOTSTRAP, BOOT_LIST, null_get())
    snooze.on(LEADER, GL_LIST, as_json(HOSTS))
    snooze.on(LEADER, MIGRATE, raw("false"))
    snooze.on(GM, META, as_json(metadata()))
    with pytest.raises(SnoozeRejectedError, match="refused to migrate debian1 to lc-2"):
        client.migrate("debian1", HERE, "lc-2", deadline=1e12)


def test_wait_for_migration_times_out_saying_where_the_vm_is(
    snooze: Snooze, client: SnoozeClient, fake_time: FakeTime
) -> None:
    snooze.on(GM, META, as_json(metadata()))
    with pytest.raises(SnoozeTimeoutError) as caught:
        client.wait_for_migration("debian1", "lc-2", last_known=HERE, deadline=fake_time.now + 20)
    assert "migration of debian1 to lc-2" in str(caught.value)
    assert "still on local controller lc-1" in str(caught.value)
    assert not snooze.calls(MIGRATE)  # waiting orders nothing


def test_wait_for_migration_when_the_vm_vanishes(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(GM, META, as_json(offline_stub()))
    snooze.on(LEADER, "groupmanager?discoverVirtualMachine", null_post())
    with pytest.raises(SnoozeError, match="disappeared"):
        client.wait_for_migration("debian1", "lc-2", last_known=HERE, deadline=1e12)

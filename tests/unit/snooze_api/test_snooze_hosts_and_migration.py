"""Local controller listings (spec 6.6) and the group leader form of migration (spec 6.4a)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from terraform_provider_snooze.snooze_api import (
    Backoff,
    Fingerprint,
    Migration,
    Pace,
    SnoozeClient,
    SnoozeMigrationError,
    SnoozeRejectedError,
    SnoozeTimeoutError,
    Tracker,
    VirtualMachineLocation,
    VirtualMachineMetaData,
    VmRecord,
)

from .snooze_fake import (
    BOOTSTRAP,
    GM,
    LEADER,
    LIST,
    FakeTime,
    Snooze,
    as_json,
    listing,
    local_controller,
    metadata,
    null_get,
    offline_stub,
    raw,
)

BOOT_LIST = "bootstrap?getLocalControllerList"
GL_LIST = "groupmanager?getLocalControllerList"
META = "groupmanager?getVirtualMachineMetaData"
MIGRATE = "groupmanager?migrateVirtualMachine"
HOSTS = {"localControllers": [local_controller("lc-1", 5005), local_controller("lc-2", 5006, "PASSIVE")]}
HERE = VirtualMachineLocation.from_json(metadata()["virtualMachineLocation"])
VM = metadata()
RECORD = VmRecord(Fingerprint.of(VirtualMachineMetaData.from_json(VM)), HERE)
HOSTS_WITHOUT = {  # the leader's host list once a host went down (it leaves within seconds)
    "lc-1": {"localControllers": [local_controller("lc-2", 5006)]},
    "lc-2": {"localControllers": [local_controller("lc-1", 5005)]},
}


@pytest.fixture
def migration(client: SnoozeClient, fake_time: FakeTime) -> Migration:
    return Migration(
        Tracker(client, Pace(Backoff(first=1.0, cap=1.0), fake_time.sleep, fake_time.clock), 15.0)
    )


def hosts_then(snooze: Snooze, *answers: Any) -> None:
    snooze.on(LEADER, GL_LIST, *[as_json(answer) for answer in answers])


def test_local_controllers_fall_back_to_the_leader_on_204(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(BOOTSTRAP, BOOT_LIST, null_get())  # Snooze's default in-memory database
    snooze.on(LEADER, GL_LIST, as_json(HOSTS))
    hosts = client.local_controllers()
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
    assert [lc.id for lc in client.local_controllers()] == ["lc-9"]
    assert not snooze.calls(GL_LIST)


def test_local_controller_fields(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, GL_LIST, as_json(HOSTS))
    lc = client.local_controllers()[0]
    assert lc.hostname == "host-lc-1" and lc.group_manager_id == "gm-1"
    assert lc.total_capacity == [4.0, 3958348.0, 131072.0, 131072.0]
    assert (lc.hypervisor_settings.driver, lc.hypervisor_settings.migration.method) == ("qemu", "live")
    assert lc.wakeup_settings.driver == "IPMI"


def test_migration_request_is_the_group_leader_form(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, GL_LIST, as_json(HOSTS))
    snooze.on(LEADER, MIGRATE, raw("true"))
    destination = client.local_controllers()[1]
    assert client.order_migration(HERE, destination) is True
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
    snooze: Snooze, migration: Migration, fake_time: FakeTime
) -> None:
    snooze.on(BOOTSTRAP, LIST, listing(VM))
    hosts_then(snooze, HOSTS)
    snooze.on(LEADER, MIGRATE, raw("true"))
    here, there = as_json(VM), as_json(metadata(lc="lc-2"))
    snooze.on(GM, META, here, here, as_json(offline_stub()), there)
    vm = migration.migrate(RECORD, "lc-2", fake_time.now + 60)
    assert vm.location.local_controller_id == "lc-2"
    assert len(snooze.calls(MIGRATE)) == 1


def test_migrate_orders_again_when_nothing_happens(
    snooze: Snooze, migration: Migration, fake_time: FakeTime
) -> None:
    snooze.on(BOOTSTRAP, LIST, listing(VM))
    hosts_then(snooze, HOSTS)
    snooze.on(LEADER, MIGRATE, raw("true"))
    snooze.on(GM, META, *[as_json(VM)] * 15, as_json(metadata(lc="lc-2")))
    migration.migrate(RECORD, "lc-2", fake_time.now + 60)
    assert len(snooze.calls(MIGRATE)) == 2  # a busy group manager drops the order silently (spec 6.4a)


def test_migrate_to_an_unknown_host_is_refused_before_any_order(
    snooze: Snooze, migration: Migration, fake_time: FakeTime
) -> None:
    snooze.on(BOOTSTRAP, LIST, listing(VM))
    hosts_then(snooze, HOSTS)
    with pytest.raises(
        SnoozeMigrationError, match="destination local controller lc-404 is not in Snooze's host list"
    ):
        migration.migrate(RECORD, "lc-404", fake_time.now + 60)
    assert not snooze.calls(MIGRATE)


@pytest.mark.parametrize("down", ["lc-2", "lc-1"], ids=["destination", "source"])
def test_a_host_going_down_fails_the_migration_within_seconds(
    snooze: Snooze, migration: Migration, fake_time: FakeTime, down: str
) -> None:
    snooze.on(BOOTSTRAP, LIST, listing(VM))
    hosts_then(snooze, HOSTS, HOSTS, HOSTS_WITHOUT[down])
    snooze.on(LEADER, MIGRATE, raw("true"))
    snooze.on(GM, META, as_json(VM))
    started = fake_time.now
    with pytest.raises(SnoozeMigrationError) as caught:
        migration.migrate(RECORD, "lc-2", started + 600)
    assert f"local controller {down} is not in Snooze's host list" in str(caught.value)
    assert "debian1" in str(caught.value)
    assert fake_time.now - started <= 5


def test_a_vm_that_disappears_fails_the_migration(
    snooze: Snooze, migration: Migration, fake_time: FakeTime
) -> None:
    snooze.on(BOOTSTRAP, LIST, listing(VM), listing())
    hosts_then(snooze, HOSTS)
    snooze.on(LEADER, MIGRATE, raw("true"))
    snooze.on(GM, META, as_json(offline_stub()))
    with pytest.raises(SnoozeMigrationError, match="debian1 disappeared from Snooze while migrating"):
        migration.migrate(RECORD, "lc-2", fake_time.now + 600)


def test_a_false_is_checked_before_it_counts_as_a_refusal(
    snooze: Snooze, migration: Migration, fake_time: FakeTime
) -> None:
    snooze.on(BOOTSTRAP, LIST, listing(VM))
    hosts_then(snooze, HOSTS)
    snooze.on(LEADER, MIGRATE, raw("false"), raw("true"))
    snooze.on(GM, META, as_json(VM), as_json(metadata(lc="lc-2")))
    assert migration.migrate(RECORD, "lc-2", fake_time.now + 60).location.local_controller_id == "lc-2"
    snooze.on(LEADER, MIGRATE, raw("false"))
    snooze.on(GM, META, as_json(VM))
    with pytest.raises(SnoozeRejectedError, match="refused to migrate debian1 to lc-2 3 times"):
        migration.migrate(RECORD, "lc-2", fake_time.now + 600)


def test_a_migration_that_never_happens_times_out_saying_where_the_vm_is(
    snooze: Snooze, migration: Migration, fake_time: FakeTime
) -> None:
    snooze.on(BOOTSTRAP, LIST, listing(VM))
    hosts_then(snooze, HOSTS)
    snooze.on(LEADER, MIGRATE, raw("true"))
    snooze.on(GM, META, as_json(VM))
    with pytest.raises(SnoozeTimeoutError) as caught:
        migration.migrate(RECORD, "lc-2", fake_time.now + 20)
    assert "migration of debian1 to local controller lc-2" in str(caught.value)
    assert "still on local controller lc-1" in str(caught.value)

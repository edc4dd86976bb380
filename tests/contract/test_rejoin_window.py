"""After a leader failover the group managers join the new leader only after their heartbeat
timeout (spec 1.3): until then the leader's discovery, listings and dispatching miss them, and its
fresh IP pool still holds their VMs' addresses; the group managers themselves keep answering."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from harness.wire_calls import emulator_help, metadata, post, result, run, start, submit, template, wait_for
from snooze_emulator import Emulator, Timing

# Longer than any test: each ends the window itself (rejoin_now), so a busy machine never races it.
TIMING = Timing(collection_delay=0.05, removal_delay=0.1, migration_delay=0.1, rejoin_delay=600.0)
NAMES = ["v1", "v2", "v3", "v4"]


def leader_view(emu: Emulator) -> dict[str, list[str]]:
    """What the leader's discovery and listings show, directly and through the bootstrap."""
    leader, bootstrap = f"{emu.group_leader_url}/groupmanager", f"{emu.bootstrap_url}/bootstrap"
    hierarchy = httpx.get(f"{bootstrap}?getCompleteHierarchy").json()["groupManagerDescriptions"]
    repository = post(f"{leader}?getGroupLeaderRepositoryInformation", raw="0").json()
    return {
        "discovered": [n for n in NAMES if post(f"{leader}?discoverVirtualMachine", raw=n).content],
        "hosts": sorted(
            lc["id"] for lc in httpx.get(f"{leader}?getLocalControllerList").json()["localControllers"]
        ),
        "bootstrap hosts": sorted(
            lc["id"] for lc in httpx.get(f"{bootstrap}?getLocalControllerList").json()["localControllers"]
        ),
        "host descriptions": sorted(
            lc["id"] for lc in post(f"{bootstrap}?getLocalControllerDescriptions", {}).json()
        ),
        "group managers": sorted(gm["id"] for gm in repository["groupManagerDescriptions"]),
        "group manager descriptions": sorted(
            gm["id"] for gm in post(f"{bootstrap}?getGroupManagerDescriptions", {}).json()
        ),
        "vms": sorted(
            vm["virtualMachineLocation"]["virtualMachineId"]
            for vm in post(f"{bootstrap}?getVirtualMachineDescriptions", {}).json()["virtualMachines"]
        ),
        "hierarchy vms": sorted(
            name
            for gm in hierarchy
            for lc in gm["localControllers"].values()
            for name in lc["virtualMachineMetaData"]
        ),
    }


def gm_call(address: dict[str, Any], method: str, body: Any) -> httpx.Response:
    return post(f"http://{address['address']}:{address['port']}/groupmanager?{method}", body)


def started(emu: Emulator) -> tuple[list[dict[str, Any]], str, str]:
    """Four VMs over both group managers, then a failover: (the VMs, new leader id, the other id)."""
    vms = run(emu, *(template(name) for name in NAMES))
    assert {vm["status"] for vm in vms} == {"RUNNING"}
    assert len({vm["virtualMachineLocation"]["groupManagerId"] for vm in vms}) == 2
    emu.fail_over()
    state = emu.state()
    (rejoining,) = state["rejoiningGroupManagers"]
    return vms, state["groupLeaderId"], rejoining


def test_the_leader_sees_nothing_until_the_group_managers_rejoin() -> None:
    with start(group_managers=3, timing=TIMING) as emu:
        all_hosts = sorted(h["id"] for h in emu.hosts())
        _, _, rejoining = started(emu)
        assert leader_view(emu) == {key: [] for key in leader_view(emu)}
        bootstrap = f"{emu.bootstrap_url}/bootstrap"
        only_rejoining = {"groupManagerId": rejoining}
        assert post(f"{bootstrap}?getLocalControllerDescriptions", only_rejoining).json() == []
        assert post(f"{bootstrap}?getVirtualMachineDescriptions", only_rejoining).json() == {
            "virtualMachines": []
        }
        assert post(f"{bootstrap}?destroyVirtualMachine", raw="v1").text == "false", "found by discovery"
        answer = post(f"{emu.group_leader_url}/groupmanager?getGroupManagerDescription", raw=rejoining)
        assert answer.content == b""
        (lost,) = result(emu, submit(emu, template("during")))["virtualMachineMetaData"]
        assert lost["status"] != "RUNNING"

        emu.rejoin_now()
        assert leader_view(emu) == {
            "discovered": NAMES,
            "hosts": all_hosts,
            "bootstrap hosts": all_hosts,
            "host descriptions": all_hosts,
            "group managers": [rejoining],
            "group manager descriptions": [rejoining],
            "vms": NAMES,
            "hierarchy vms": NAMES,
        }
        (after,) = run(emu, template("after"))
        assert after["status"] == "RUNNING"


def test_no_group_manager_joined_fails_a_submission_with_group_managers_missing() -> None:
    with start(group_managers=3, timing=TIMING) as emu:
        started(emu)
        answer = result(emu, submit(emu, template("during")))
        assert answer["errorCode"] == "GROUP_MANAGERS_MISSING"
        assert [
            vm["virtualMachineLocation"]["virtualMachineId"] for vm in answer["virtualMachineMetaData"]
        ] == ["during"]
        assert sorted(vm["virtualMachineLocation"]["virtualMachineId"] for vm in emu.vms()) == NAMES


def test_group_managers_answer_direct_calls_through_the_window() -> None:
    with start(group_managers=3, timing=TIMING) as emu:
        vms, leader, _ = started(emu)
        for vm in vms:  # on the rejoining group manager, and on the new leader's old hosts
            location, address = vm["virtualMachineLocation"], vm["groupManagerControlDataAddress"]
            assert metadata(emu, location)["status"] == "RUNNING"
            assert gm_call(address, "hasVirtualMachine", location).text == "true"
        mine = next(vm for vm in vms if vm["virtualMachineLocation"]["groupManagerId"] != leader)
        location, address = mine["virtualMachineLocation"], mine["groupManagerControlDataAddress"]
        assert gm_call(address, "suspendVirtualMachine", location).text == "true"
        assert metadata(emu, location)["status"] == "PAUSED"
        assert gm_call(address, "destroyVirtualMachine", location).text == "true"
        wait_for(lambda: metadata(emu, location)["status"] == "OFFLINE")
        assert sorted(vm["virtualMachineLocation"]["virtualMachineId"] for vm in emu.vms()) == sorted(
            set(NAMES) - {location["virtualMachineId"]}
        )


def test_the_new_leaders_hosts_move_to_the_others_and_show_up_when_they_join() -> None:
    with start(group_managers=3, timing=TIMING) as emu:
        vms, leader, rejoining = started(emu)
        moved = [vm for vm in vms if vm["virtualMachineLocation"]["groupManagerId"] == leader]
        assert moved
        for vm in moved:  # still on the leader's old hosts: its old group manager logic answers
            assert (
                gm_call(
                    vm["groupManagerControlDataAddress"],
                    "getVirtualMachineMetaData",
                    {"virtualMachineLocation": vm["virtualMachineLocation"]},
                ).json()["status"]
                == "RUNNING"
            )
        emu.rejoin_now()
        assert {h["location"]["groupManagerId"] for h in emu.hosts()} == {rejoining}
        for vm in moved:
            name = vm["virtualMachineLocation"]["virtualMachineId"]
            found = post(f"{emu.group_leader_url}/groupmanager?discoverVirtualMachine", raw=name).json()
            assert found["localControllerId"] == vm["virtualMachineLocation"]["localControllerId"]
            address = found["groupManagerAddress"]
            location = {**vm["virtualMachineLocation"], "groupManagerId": rejoining}
            now = gm_call(address, "getVirtualMachineMetaData", {"virtualMachineLocation": location}).json()
            assert (now["status"], now["virtualMachineLocation"]["groupManagerId"]) == ("RUNNING", rejoining)
            # The leader no longer manages hosts: group manager calls get null.
            old = gm_call(
                vm["groupManagerControlDataAddress"],
                "getVirtualMachineMetaData",
                {"virtualMachineLocation": vm["virtualMachineLocation"]},
            )
            assert (old.status_code, old.content) == (200, b"")


def test_the_fresh_pool_holds_addresses_in_use_until_their_group_manager_joins() -> None:
    with start(group_managers=3, timing=TIMING) as emu:
        (kept,) = run(emu, template("kept"))
        assert kept["ipAddress"] == "192.168.122.2"
        in_use_free = emu.state()["freeIpAddresses"]
        emu.fail_over()
        assert emu.state()["freeIpAddresses"] == in_use_free + 1, "fresh: .2 is free again"
        # Handed out during the window (its VM fails: no group manager to start it on).
        (during,) = result(emu, submit(emu, template("during")))["virtualMachineMetaData"]
        assert "54:56:c0:a8:7a:2" in during["xmlRepresentation"]
        emu.rejoin_now()
        assert emu.state()["freeIpAddresses"] == in_use_free
        (after,) = run(emu, template("after"))
        assert (after["status"], after["ipAddress"]) == ("RUNNING", "192.168.122.3")


def test_the_leader_refuses_migrations_until_the_group_managers_rejoin() -> None:
    with start(group_managers=3, timing=TIMING) as emu:
        vms, leader, _ = started(emu)
        vm = next(vm for vm in vms if vm["virtualMachineLocation"]["groupManagerId"] != leader)
        source = vm["virtualMachineLocation"]
        target = next(h for h in emu.hosts() if h["id"] != source["localControllerId"])
        order = {
            "sourceVirtualMachineLocation": source,
            "destinationVirtualMachineLocation": {"localControllerId": target["id"]},
            "destinationHypervisorSettings": target["hypervisorSettings"],
        }
        url = f"{emu.group_leader_url}/groupmanager?migrateVirtualMachine"
        # It neither knows the hosts as leader nor has the VM in its old group manager logic,
        # which still answers while it keeps its old hosts (spec 12.22).
        assert post(url, order).text == "false"
        emu.rejoin_now()
        assert post(url, order).text == "true"
        wait_for(
            lambda: any(
                v["virtualMachineLocation"]["virtualMachineId"] == source["virtualMachineId"]
                and v["virtualMachineLocation"]["localControllerId"] == target["id"]
                for v in emu.vms()
            )
        )


def test_the_window_ends_by_itself_after_the_rejoin_delay() -> None:
    with start(group_managers=3, timing=Timing(collection_delay=0.05, rejoin_delay=1.0)) as emu:
        run(emu, template("v1"))
        failed_over = time.monotonic()
        emu.fail_over()
        discover = f"{emu.group_leader_url}/groupmanager?discoverVirtualMachine"
        wait_for(lambda: post(discover, raw="v1").content != b"")
        assert time.monotonic() - failed_over >= 1.0, "never before the delay"
        assert emu.state()["rejoiningGroupManagers"] == []


def test_the_control_api_ends_the_window() -> None:
    with start(group_managers=3, timing=TIMING) as emu:
        run(emu, template("v1"))
        httpx.post(f"{emu.admin_url}/failover").raise_for_status()
        assert len(httpx.get(f"{emu.admin_url}/state").json()["rejoiningGroupManagers"]) == 1
        assert httpx.post(f"{emu.admin_url}/rejoin").json() == {"rejoiningGroupManagers": []}
        assert post(f"{emu.group_leader_url}/groupmanager?discoverVirtualMachine", raw="v1").content


def test_a_failover_during_the_window_leaves_the_last_group_manager_with_every_host() -> None:
    with start(group_managers=3, timing=Timing(collection_delay=0.05, rejoin_delay=1.0)) as emu:
        run(emu, *(template(name) for name in NAMES))
        emu.fail_over()
        emu.fail_over()  # the one that was rejoining is the last one: it keeps every host
        state = emu.state()
        assert state["rejoiningGroupManagers"] == []
        assert {h["location"]["groupManagerId"] for h in emu.hosts()} == {state["groupLeaderId"]}
        (after,) = run(emu, template("after"))
        assert after["status"] == "RUNNING"
        view = leader_view(emu)
        assert (view["discovered"], view["group managers"]) == (NAMES, [])
        assert (view["vms"], len(view["hosts"])) == (["after", *NAMES], 3)
        time.sleep(1.5)  # the first failover's rejoin, if still due, comes to nothing
        assert leader_view(emu) == view


def test_without_a_window_everything_is_visible_at_once(emu: Emulator) -> None:
    assert emu.config.timing.rejoin_delay == 0.0
    run(emu, template("v1"))
    emu.fail_over()
    assert emu.state()["rejoiningGroupManagers"] == []
    assert post(f"{emu.group_leader_url}/groupmanager?discoverVirtualMachine", raw="v1").content


@pytest.mark.parametrize(
    ("flags", "delay"),
    [([], 0.0), (["--realistic-timing"], 10.0), (["--rejoin-delay", "2.5"], 2.5)],
)
def test_rejoin_delay_flag_and_defaults(flags: list[str], delay: float) -> None:
    from snooze_emulator.__main__ import parse_arguments

    assert parse_arguments(flags).timing.rejoin_delay == delay
    assert (Timing().rejoin_delay, Timing.realistic().rejoin_delay) == (0.0, 10.0)


def test_help_documents_the_rejoin_window() -> None:
    help_text = emulator_help()
    assert "--rejoin-delay" in help_text and "rejoiningGroupManagers" in help_text
    assert "POST   /rejoin/GM" in help_text


def mac_of(vm: dict[str, Any]) -> str:
    xml: str = vm["xmlRepresentation"]
    return xml.split('<mac address="', 1)[1].split('"', 1)[0]


def test_group_managers_joining_one_at_a_time_let_an_address_in_use_run_twice() -> None:
    """Real group managers notice the heartbeat timeout at slightly different times: one that
    joined gets VMs whose addresses the leader's fresh pool still holds for another's VMs."""
    with start(group_managers=4, timing=TIMING) as emu:
        first, second, third = (gm.id for gm in emu.cluster.managers())
        (holder,) = run(emu, template("holder", hostId=third))
        assert (holder["status"], holder["ipAddress"]) == ("RUNNING", "192.168.122.2")
        emu.fail_over()
        assert emu.state()["groupLeaderId"] == first
        assert sorted(emu.state()["rejoiningGroupManagers"]) == sorted([second, third])

        answer = httpx.post(f"{emu.admin_url}/rejoin/{second}")
        assert answer.json() == {"rejoiningGroupManagers": [third]}
        (twin,) = run(emu, template("twin"))
        assert (twin["status"], twin["ipAddress"]) == ("RUNNING", "192.168.122.2")
        assert twin["virtualMachineLocation"]["groupManagerId"] == second
        assert leader_view(emu)["vms"] == ["twin"], "the holder's group manager has not joined"
        assert metadata(emu, holder["virtualMachineLocation"])["status"] == "RUNNING"

        emu.rejoin_now(third)
        assert emu.state()["rejoiningGroupManagers"] == []
        listed = post(f"{emu.bootstrap_url}/bootstrap?getVirtualMachineDescriptions", {}).json()[
            "virtualMachines"
        ]
        assert sorted((vm["virtualMachineLocation"]["virtualMachineId"], vm["status"]) for vm in listed) == [
            ("holder", "RUNNING"),
            ("twin", "RUNNING"),
        ]
        assert {vm["ipAddress"] for vm in listed} == {"192.168.122.2"}
        assert {mac_of(vm) for vm in listed} == {"54:56:c0:a8:7a:2"}
        (after,) = run(emu, template("after"))
        assert after["ipAddress"] == "192.168.122.3", "both joined: .2 is out of the pool"


def test_joining_one_group_manager_hands_it_the_hosts_left_without_one() -> None:
    with start(group_managers=4, timing=TIMING) as emu:
        first, second, third = (gm.id for gm in emu.cluster.managers())
        leaders_hosts = [h["id"] for h in emu.hosts() if h["location"]["groupManagerId"] == first]
        emu.fail_over()
        emu.rejoin_now(second)
        owners = {h["id"]: h["location"]["groupManagerId"] for h in emu.hosts()}
        assert leaders_hosts and {owners[lc] for lc in leaders_hosts} == {second}
        assert third in owners.values(), "the one still rejoining keeps its own"
        emu.rejoin_now(second)  # already joined: nothing changes
        assert emu.state()["rejoiningGroupManagers"] == [third]

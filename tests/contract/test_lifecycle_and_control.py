"""VM lifecycle, migration, failover, faults and the control plane (spec 6.2-6.4, 1.3)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from harness.wire_calls import metadata, post, run, start, submit, template, wait_for
from snooze_emulator import Emulator, Timing


def gm_url(vm: dict[str, object]) -> str:
    address = vm["groupManagerControlDataAddress"]
    assert isinstance(address, dict)
    return f"http://{address['address']}:{address['port']}"


def test_bootstrap_commands_take_the_raw_vm_id(emu: Emulator) -> None:
    (vm,) = run(emu, template("a"))
    assert post(f"{emu.bootstrap_url}/bootstrap?destroyVirtualMachine", raw="ghost").text == "false"
    assert post(f"{emu.bootstrap_url}/bootstrap?suspendVirtualMachine", raw="a").text == "true"
    assert metadata(emu, vm["virtualMachineLocation"])["status"] == "PAUSED"


def test_a_group_manager_busy_migrating_refuses_commands() -> None:
    # The migration outlasts the test: the group manager is busy whenever the command comes.
    emu = start(timing=Timing(collection_delay=0.1, migration_delay=600.0, removal_delay=0.1))
    try:
        (vm,) = run(emu, template("a"))
        location = vm["virtualMachineLocation"]
        target = next(h for h in emu.hosts() if h["id"] != location["localControllerId"])
        order = {
            "sourceVirtualMachineLocation": location,
            "destinationVirtualMachineLocation": {"localControllerId": target["id"]},
            "destinationHypervisorSettings": None,
            "migrated": False,
        }
        assert post(f"{emu.group_leader_url}/groupmanager?migrateVirtualMachine", order).text == "true"
        assert post(f"{gm_url(vm)}/groupmanager?destroyVirtualMachine", location).text == "false"
    finally:
        emu.stop()


def test_failover_moves_the_leader_loses_pending_results_and_keeps_vms() -> None:
    emu = start(group_managers=3, timing=Timing(collection_delay=1.0, removal_delay=0.1))
    try:
        old = httpx.get(f"{emu.bootstrap_url}/bootstrap?getGroupLeaderDescription").json()
        first = submit(emu, template("survivor"))
        wait_for(lambda: any(vm["status"] == "RUNNING" for vm in emu.vms()))
        pending = submit(emu, template("lost"))
        emu.fail_over()
        new = httpx.get(f"{emu.bootstrap_url}/bootstrap?getGroupLeaderDescription").json()
        assert new["id"] != old["id"]
        assert (
            new["listenSettings"]["controlDataAddress"]["port"]
            != old["listenSettings"]["controlDataAddress"]["port"]
        )
        leader = f"http://127.0.0.1:{new['listenSettings']['controlDataAddress']['port']}"
        for task_id in (first, pending):
            assert post(f"{leader}/groupmanager?getVirtualClusterResponse", raw=task_id).content == b""
        found = post(f"{leader}/groupmanager?discoverVirtualMachine", raw="survivor").json()
        assert found["localControllerId"] in {h["id"] for h in emu.hosts()}
        with pytest.raises(httpx.ConnectError):
            httpx.get(
                f"http://127.0.0.1:{old['listenSettings']['controlDataAddress']['port']}/groupmanager?getLocalControllerList"
            )
    finally:
        emu.stop()


def test_a_host_going_down_takes_its_vms(emu: Emulator) -> None:
    (vm,) = run(emu, template("a"))
    location = vm["virtualMachineLocation"]
    emu.take_down(location["localControllerId"])
    assert emu.vms() == []
    assert metadata(emu, location)["status"] == "OFFLINE"
    assert post(f"{emu.group_leader_url}/groupmanager?discoverVirtualMachine", raw="a").content == b""
    listed = httpx.get(f"{emu.group_leader_url}/groupmanager?getLocalControllerList").json()
    assert location["localControllerId"] not in {lc["id"] for lc in listed["localControllers"]}
    assert len(listed["localControllers"]) == 2


@pytest.mark.parametrize(
    ("kind", "status", "body"),
    [
        ("http500", 500, None),
        ("false", 200, b"false"),
        ("drop", None, None),
        ("null", 204, b""),
        ("delay", 200, None),
    ],
)
def test_faults_hit_only_the_next_calls(
    emu: Emulator, kind: str, status: int | None, body: bytes | None
) -> None:
    url = f"{emu.bootstrap_url}/bootstrap?getGroupLeaderDescription"
    emu.inject_fault("getGroupLeaderDescription", kind, count=2, seconds=1.0)
    for _ in range(2):
        began = time.monotonic()
        if status is None:
            with pytest.raises(httpx.TransportError):
                httpx.get(url)
            continue
        answer = httpx.get(url)
        assert answer.status_code == status
        if body is not None:
            assert answer.content == body
        if kind == "delay":
            assert time.monotonic() - began >= 1.0
            assert answer.json()["listenSettings"]
    # Other methods are untouched, and the third call is normal again.
    assert httpx.get(f"{emu.bootstrap_url}/bootstrap?getLocalControllerList").status_code == 200
    assert httpx.get(url).json()["listenSettings"]
    assert emu.fault_report()["fired"][kind] == 2 and emu.fault_report()["injected"] == []


def test_control_api(emu: Emulator) -> None:
    run(emu, template("a"), template("b"))
    admin = emu.admin_url
    assert sorted(
        vm["virtualMachineLocation"]["virtualMachineId"] for vm in httpx.get(f"{admin}/vms").json()
    ) == ["a", "b"]
    assert len(httpx.get(f"{admin}/hosts").json()) == 3
    assert httpx.get(f"{admin}/quirks").json()["one_shot_results"] is True
    assert httpx.post(f"{admin}/quirks", json={"one_shot_results": False}).json()["one_shot_results"] is False
    httpx.post(f"{admin}/vms/a/destroy").raise_for_status()
    target = httpx.get(f"{admin}/hosts").json()[2]["id"]
    httpx.post(f"{admin}/vms/b/migrate", json={"localControllerId": target}).raise_for_status()
    state = httpx.get(f"{admin}/state").json()
    assert [vm["virtualMachineLocation"]["localControllerId"] for vm in state["vms"]] == [target]
    httpx.post(
        f"{admin}/faults", json={"method": "getLocalControllerList", "kind": "http500"}
    ).raise_for_status()
    assert httpx.get(f"{emu.group_leader_url}/groupmanager?getLocalControllerList").status_code == 500
    assert httpx.post(f"{admin}/faults", json={"method": "x", "kind": "nonsense"}).status_code == 400
    down = httpx.get(f"{admin}/hosts").json()[0]["id"]
    assert httpx.post(f"{admin}/hosts/{down}/down").json() == {"down": down}
    assert [h["up"] for h in httpx.get(f"{admin}/hosts").json() if h["id"] == down] == [False]
    assert httpx.post(f"{admin}/nothing").status_code == 404
    old = state["groupLeaderId"]
    assert httpx.post(f"{admin}/failover").json()["groupLeaderId"] != old


def free_block() -> int:
    """A base port whose component ports (base to base+9) and control port (base+99) are free."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1]) & ~0xFF
        if not 20000 <= base <= 60000:
            continue
        try:
            for port in [*range(base, base + 10), base + 99]:
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise AssertionError("no free port block")


def test_cli_prints_one_ready_line_and_stops_on_sigterm(tmp_path: Path) -> None:
    config = tmp_path / "snooze.toml"
    config.write_text(
        'group_managers = 3\nlocal_controllers = 4\nplacement = "FirstFit"\n[timing]\ncollection_delay = 0.1\n'
    )
    base = free_block()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "snooze-emulator"),
            "--config",
            str(config),
            "--base-port",
            str(base),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith(f"snooze-emulator ready: bootstrap http://127.0.0.1:{base}, ")
        assert "4 local controllers" in line and line.endswith(f"control API http://127.0.0.1:{base + 99}\n")
        assert len(json.loads(httpx.get(f"http://127.0.0.1:{base + 99}/hosts").content)) == 4
        assert httpx.get(f"http://127.0.0.1:{base}/bootstrap?getGroupLeaderDescription").status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert process.stdout.read() == "", "exactly one line"


def test_failover_gives_a_fresh_pool_and_frees_a_wedged_queue() -> None:
    with start(group_managers=3, timing=Timing(collection_delay=0.05)) as emu:
        (kept,) = run(emu, template("kept"))
        wedged = submit(emu, {"libVirtTemplate": "<domain><name>broken"})
        stuck = submit(emu, template("stuck"))
        time.sleep(0.3)
        for task_id in (wedged, stuck):
            answer = post(f"{emu.group_leader_url}/groupmanager?getVirtualClusterResponse", raw=task_id)
            assert answer.content == b""
        emu.fail_over()
        # The new leader's pool is fresh, less the addresses of VMs its group managers report:
        # .2 is taken by "kept"; .3 and .4, held by the old leader's stuck submissions, are free again.
        assert kept["ipAddress"] == "192.168.122.2"
        (after,) = run(emu, template("after"))
        assert (after["status"], after["ipAddress"]) == ("RUNNING", "192.168.122.3")


@pytest.mark.parametrize("cassandra", [True, False], ids=["cassandra", "in-memory"])
def test_bootstrap_migration_depends_on_its_database(cassandra: bool) -> None:
    with start(timing=Timing(collection_delay=0.05, migration_delay=0.05)) as emu:
        emu.set_quirk("bootstrap_lists_controllers", cassandra)
        (vm,) = run(emu, template("mover"))
        source = vm["virtualMachineLocation"]["localControllerId"]
        target = next(h["id"] for h in emu.hosts() if h["id"] != source)
        order = {"virtualMachineId": "mover", "localControllerId": target}
        answer = post(f"{emu.bootstrap_url}/bootstrap?migrateVirtualMachine", order)
        assert answer.text == ("true" if cassandra else "false")
        time.sleep(0.2)
        wait_for(
            lambda: (
                [vm["virtualMachineLocation"]["localControllerId"] for vm in emu.vms()]
                == [target if cassandra else source]
            )
        )


def test_cli_flags_override_the_config_file(tmp_path: Path) -> None:
    from snooze_emulator.__main__ import parse_arguments

    config = tmp_path / "snooze.toml"
    config.write_text(
        'subnet = "10.0.0.0/29"\n[timing]\nremoval_delay = 7.0\n[quirks]\none_shot_results = false\n'
    )
    parsed = parse_arguments(
        [
            "--config",
            str(config),
            "--realistic-timing",
            "--start-delay",
            "0.5",
            "--bootstrap-in-memory",
            "--with-quirk",
            "one_shot_results",
            "--without-quirk",
            "answers_merged_by_index",
        ]
    )
    assert parsed.subnet == "10.0.0.0/29"
    assert (parsed.timing.collection_delay, parsed.timing.start_delay) == (10.0, 0.5)
    assert parsed.quirks.one_shot_results and not parsed.quirks.answers_merged_by_index
    assert not parsed.quirks.bootstrap_lists_controllers
    help_text = subprocess.run(
        [str(Path(sys.executable).parent / "snooze-emulator"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for flag in (
        "--base-port",
        "--admin-port",
        "--listen",
        "--config",
        "--realistic-timing",
        "--bootstrap-in-memory",
        "--collection-delay",
        "--without-quirk",
        "--placement",
    ):
        assert flag in help_text


def test_small_subnet_runs_out_of_addresses_per_vm() -> None:
    with start(subnet="10.0.0.0/29", local_controllers=3) as emu:  # 6 hosts: .2 to .6 handed out
        vms = run(emu, *(template(f"vm{i}", memory=1024) for i in range(7)))
        assert [v["ipAddress"] for v in vms[:5]] == [f"10.0.0.{i}" for i in range(2, 7)]
        assert {(v["status"], v["errorCode"]) for v in vms[5:]} == {("ERROR", "NOT_ENOUGH_IP_ADDRESSES")}


def test_energy_saver_calls_are_500_when_energy_management_is_off(emu: Emulator) -> None:
    gm = emu.group_manager_urls[0]
    assert httpx.get(f"{gm}/groupmanager?suspendEnergySaver").status_code == 500
    assert httpx.get(f"{emu.group_leader_url}/groupmanager?resumeEnergySaver").text == "false"

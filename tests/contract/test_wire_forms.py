"""Snooze's HTTP conventions (spec section 2), as the emulator puts them on the wire."""

from __future__ import annotations

import socket

import httpx
import pytest
from harness.wire_calls import post, result, run, submit, template
from snooze_emulator import Emulator


@pytest.mark.parametrize(
    ("verb", "target", "status"),
    [
        ("GET", "/bootstrap?getGroupLeaderDescription", 200),
        ("GET", "/bootstrap?getGroupLeaderDescription&x=1", 200),
        ("GET", "/bootstrap?getGroupLeaderDescription=", 405),
        ("GET", "/bootstrap?getgroupleaderdescription", 405),
        ("GET", "/bootstrap?noSuchMethod", 405),
        ("POST", "/bootstrap?getGroupLeaderDescription", 405),
        ("GET", "/groupmanager?getGroupLeaderDescription", 404),
        ("GET", "/bootstrap/x?getGroupLeaderDescription", 404),
    ],
    ids=["bare", "extra-param", "with-equals", "case", "unknown", "wrong-verb", "wrong-path", "sub-path"],
)
def test_method_is_a_bare_query_name(emu: Emulator, verb: str, target: str, status: int) -> None:
    assert httpx.request(verb, f"{emu.bootstrap_url}{target}").status_code == status


def test_request_target_without_leading_slash_is_accepted(emu: Emulator) -> None:
    port = int(emu.bootstrap_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(
            b"GET bootstrap?getGroupLeaderDescription HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
        )
        assert connection.recv(100).startswith(b"HTTP/1.1 200")


def test_task_id_is_a_raw_unquoted_string_labelled_json(emu: Emulator) -> None:
    answer = post(
        f"{emu.group_leader_url}/groupmanager?startVirtualCluster",
        {"virtualMachineTemplates": [template("a")]},
    )
    assert answer.headers["content-type"] == "application/json; charset=UTF-8"
    assert len(answer.text) == 36 and answer.text.count("-") == 4 and '"' not in answer.text


def test_string_parameters_are_raw_bodies(emu: Emulator) -> None:
    task_id = submit(emu, template("a"))
    quoted = post(f"{emu.group_leader_url}/groupmanager?getVirtualClusterResponse", raw=f'"{task_id}"')
    assert quoted.status_code == 200 and quoted.content == b""
    # The quoted id matched nothing: the raw one still gets the result.
    assert result(emu, task_id)["virtualMachineMetaData"][0]["status"] == "RUNNING"


def test_null_is_204_for_get_and_empty_200_for_post(emu: Emulator) -> None:
    emu.set_quirk("bootstrap_lists_controllers", False)
    listed = httpx.get(f"{emu.bootstrap_url}/bootstrap?getLocalControllerList")
    assert listed.status_code == 204 and listed.content == b""
    pending = post(f"{emu.group_leader_url}/groupmanager?getVirtualClusterResponse", raw="no-such-task")
    assert pending.status_code == 200 and pending.content == b""


def test_booleans_are_json_literals(emu: Emulator) -> None:
    (vm,) = run(emu, template("a"))
    gm = emu.group_manager_urls[0]
    has = post(f"{gm}/groupmanager?hasVirtualMachine", vm["virtualMachineLocation"])
    assert (has.text, has.headers["content-type"]) == ("true", "application/json")
    assert (
        post(
            f"{emu.bootstrap_url}/bootstrap?migrateVirtualMachine",
            {"virtualMachineId": "a", "localControllerId": "x"},
        ).text
        == "false"
    )


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ('{"virtualMachineTemplates": [{"name": "a", "type": "raw"}]}', "application/json"),
        ('{"virtualMachineTemplates": []}', "text/plain"),
        ('{"virtualMachineTemplates": []}', "application/x-www-form-urlencoded"),
    ],
    ids=["malformed", "unknown-property", "text-plain", "form"],
)
def test_beans_refuse_what_jackson_cannot_convert_with_415(
    emu: Emulator, body: str, content_type: str
) -> None:
    answer = post(
        f"{emu.group_leader_url}/groupmanager?startVirtualCluster", raw=body, content_type=content_type
    )
    assert answer.status_code == 415


def test_beans_without_content_type_are_json(emu: Emulator) -> None:
    answer = post(
        f"{emu.group_leader_url}/groupmanager?startVirtualCluster", raw='{"virtualMachineTemplates": []}'
    )
    assert answer.status_code == 200 and answer.text


def test_empty_body_is_a_500(emu: Emulator) -> None:
    assert post(f"{emu.group_leader_url}/groupmanager?startVirtualCluster").status_code == 500
    assert post(f"{emu.group_leader_url}/groupmanager?getVirtualClusterResponse").status_code == 500


def test_request_body_size_is_limited(emu: Emulator) -> None:
    huge = "x" * (emu.config.max_body_bytes + 1)
    assert post(f"{emu.group_leader_url}/groupmanager?getVirtualClusterResponse", raw=huge).status_code == 413


def test_unknown_vm_gets_the_offline_stub_not_404(emu: Emulator) -> None:
    gm = emu.group_manager_urls[0]
    location = {"virtualMachineId": "ghost", "localControllerId": "x"}
    answer = post(
        f"{gm}/groupmanager?getVirtualMachineMetaData",
        {"virtualMachineLocation": location, "numberOfMonitoringEntries": 0},
    )
    stub = answer.json()
    assert answer.status_code == 200
    assert stub["status"] == "OFFLINE" and stub["virtualMachineLocation"]["virtualMachineId"] == "ghost"
    assert stub["virtualMachineLocation"]["localControllerId"] == "UNKNOWN" and stub["ipAddress"] == "UNKNOWN"
    assert stub["requestedCapacity"] == [] and stub["groupManagerControlDataAddress"] == {
        "address": "UNKNOWN",
        "port": -1,
    }
    missing = post(f"{gm}/groupmanager?getVirtualMachineMetaData", {"numberOfMonitoringEntries": 0})
    assert missing.status_code == 500


def test_group_leader_methods_answer_null_on_a_group_manager(emu: Emulator) -> None:
    gm = emu.group_manager_urls[0]
    assert post(f"{gm}/groupmanager?startVirtualCluster", {"virtualMachineTemplates": []}).content == b""
    assert httpx.get(f"{gm}/groupmanager?getLocalControllerList").status_code == 204


def test_error_and_null_answers_carry_the_documented_media_types(emu: Emulator) -> None:
    failed = post(f"{emu.group_leader_url}/groupmanager?startVirtualCluster")
    assert (failed.status_code, failed.headers["content-type"]) == (500, "text/html")
    empty = post(f"{emu.group_leader_url}/groupmanager?getVirtualClusterResponse", raw="no-such-task")
    assert "content-type" not in empty.headers
    nothing = httpx.get(f"{emu.group_manager_urls[0]}/groupmanager?getLocalControllerList")
    assert nothing.status_code == 204 and "content-type" not in nothing.headers


def test_a_trailing_newline_is_part_of_a_string_parameter(emu: Emulator) -> None:
    emu.set_quirk("one_shot_results", False)  # read when ready, and again below
    task_id = submit(emu, template("a"))
    result(emu, task_id)
    url = f"{emu.group_leader_url}/groupmanager?getVirtualClusterResponse"
    assert post(url, raw=task_id + "\n").content == b""
    assert post(url, raw=task_id).json()["virtualMachineMetaData"][0]["status"] == "RUNNING"


def test_numeric_strings_are_coerced_and_int_parameters_refuse_text_plain(emu: Emulator) -> None:
    (vm,) = run(
        emu,
        {
            "name": "n",
            "vcpus": "2",
            "memory": "131072",
            "imageId": "debian.qcow2",
            "networkCapacityDemand": {"rxBytes": "12800", "txBytes": 0},
        },
    )
    assert vm["requestedCapacity"] == [2.0, 131072.0, 12800.0, 0.0]
    url = f"{emu.group_leader_url}/groupmanager?getGroupLeaderRepositoryInformation"
    assert post(url, raw="5", content_type="text/plain").status_code == 415
    listing = post(url, raw="5")
    assert (
        listing.status_code == 200
        and len(listing.json()["groupManagerDescriptions"]) == len(emu.group_manager_urls) == 1
    )


def test_bootstrap_group_leader_description_shape(emu: Emulator) -> None:
    described = httpx.get(f"{emu.bootstrap_url}/bootstrap?getGroupLeaderDescription").json()
    assert sorted(described) == [
        "heartbeatAddress",
        "hostname",
        "id",
        "isAssigned",
        "listenSettings",
        "localControllers",
        "summaryInformation",
        "virtualMachines",
    ]
    assert described["heartbeatAddress"] == {"address": "UNKNOWN", "port": -1}  # spec 12.8
    port = described["listenSettings"]["controlDataAddress"]["port"]
    assert emu.group_leader_url == f"http://127.0.0.1:{port}"


def test_local_controller_destroy_of_an_unknown_vm_is_a_500(emu: Emulator) -> None:
    answer = post(f"{emu.local_controller_urls[0]}/localcontroller?destroyVirtualMachine", raw="ghost")
    assert answer.status_code == 500  # spec 12.17

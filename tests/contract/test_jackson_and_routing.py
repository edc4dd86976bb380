"""How Jackson 1.9 reads bean bodies, and how Restlet routes requests (spec 2.1, 2.2)."""

from __future__ import annotations

import socket

import httpx
import pytest
from harness.wire_calls import post, run, template
from snooze_emulator import Emulator


def start_cluster(emu: Emulator, body: str) -> httpx.Response:
    return post(f"{emu.group_leader_url}/groupmanager?startVirtualCluster", raw=body)


@pytest.mark.parametrize(
    "body",
    [
        '{"virtualMachineTemplates": [{"vcpus": "two"}]}',
        '{"virtualMachineTemplates": [{"vcpus": true}]}',
        '{"virtualMachineTemplates": [{"vcpus": 4294967296}]}',
        '{"virtualMachineTemplates": [{"vcpus": "1_000"}]}',
        '{"virtualMachineTemplates": [{"vcpus": "\u0663"}]}',
        '{"virtualMachineTemplates": [{"vcpus": "0x10"}]}',
        '{"virtualMachineTemplates": [{"name": {"first": "a"}}]}',
        '{"virtualMachineTemplates": [{"networkCapacityDemand": [1, 2]}]}',
        '{"virtualMachineTemplates": {"name": "a"}}',
        '{"virtualMachineTemplates": [{"memory": NaN}]}',
        "[]",
        '"text"',
    ],
    ids=[
        "word-for-int",
        "bool-for-int",
        "int-overflow",
        "underscore-in-int-text",
        "non-ascii-digit-in-int-text",
        "hex-int-text",
        "object-for-string",
        "array-for-bean",
        "object-for-list",
        "nan",
        "array-for-bean-root",
        "string-for-bean-root",
    ],
)
def test_values_jackson_cannot_coerce_are_415(emu: Emulator, body: str) -> None:
    assert start_cluster(emu, body).status_code == 415


def test_scalars_are_coerced_as_jackson_does(emu: Emulator) -> None:
    (vm,) = run(
        emu,
        {
            "name": 42,  # a number for a string property: its text
            "vcpus": 2.9,  # a float for an int: truncated
            "memory": " +131072 ",
            "imageId": "debian.qcow2",
            "networkCapacityDemand": {"rxBytes": None, "txBytes": "1e3"},
        },
    )
    assert vm["virtualMachineLocation"]["virtualMachineId"] == "42"
    assert vm["requestedCapacity"] == [2.0, 131072.0, 0.0, 1000.0]


def test_content_after_the_first_json_value_is_never_read(emu: Emulator) -> None:
    answer = start_cluster(emu, '{"virtualMachineTemplates": []} and then some')
    assert answer.status_code == 200 and len(answer.text) == 36


def test_a_json_null_bean_is_a_null_parameter(emu: Emulator) -> None:
    assert start_cluster(emu, "null").status_code == 500


def test_enums_match_by_name_or_ordinal(emu: Emulator) -> None:
    url = f"{emu.group_manager_urls[0]}/groupmanager?migrateVirtualMachine"
    settings = {"driver": "qemu", "transport": 0, "migration": {"method": "live", "timeout": 60}}
    order = {
        "sourceVirtualMachineLocation": {"virtualMachineId": "ghost", "localControllerId": "x"},
        "destinationVirtualMachineLocation": {"localControllerId": "y"},
        "destinationHypervisorSettings": settings,
    }
    assert post(url, order).text == "false"  # converted, then refused: no such VM
    order["destinationHypervisorSettings"] = {**settings, "driver": "QEMU"}
    assert post(url, order).status_code == 415


def test_method_may_sit_among_other_query_parameters(emu: Emulator) -> None:
    answer = httpx.get(f"{emu.bootstrap_url}/bootstrap?trace=1&getGroupLeaderDescription&x")
    assert answer.status_code == 200 and answer.json()["id"]


@pytest.mark.parametrize("verb", ["PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_verbs_are_405(emu: Emulator, verb: str) -> None:
    answer = httpx.request(verb, f"{emu.bootstrap_url}/bootstrap?getGroupLeaderDescription")
    assert answer.status_code == 405


def test_paths_match_exactly(emu: Emulator) -> None:
    assert httpx.get(f"{emu.bootstrap_url}/bootstrap/?getGroupLeaderDescription").status_code == 404
    assert httpx.get(f"{emu.bootstrap_url}/groupmanager?getLocalControllerList").status_code == 404


def raw_http(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_absolute_form_targets_are_accepted(emu: Emulator) -> None:
    host = emu.bootstrap_url.removeprefix("http://")
    answer = raw_http(
        emu.bootstrap_url,
        f"GET http://{host}/bootstrap?getGroupLeaderDescription HTTP/1.1\r\nHost: {host}\r\n"
        "Connection: close\r\n\r\n".encode(),
    )
    assert answer.startswith(b"HTTP/1.1 200") and b'"listenSettings"' in answer
    assert b"\r\nServer: Restlet-Framework/2.1.1\r\n" in answer


def test_chunked_bodies_are_read(emu: Emulator) -> None:
    host = emu.group_leader_url.removeprefix("http://")
    body = b'{"virtualMachineTemplates": []}'
    answer = raw_http(
        emu.group_leader_url,
        f"POST /groupmanager?startVirtualCluster HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
        "Transfer-Encoding: chunked\r\n\r\n".encode()
        + f"{len(body[:10]):x}\r\n".encode()
        + body[:10]
        + b"\r\n"
        + f"{len(body[10:]):x}\r\n".encode()
        + body[10:]
        + b"\r\n0\r\n\r\n",
    )
    head, _, task_id = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and len(task_id) == 36


def test_deprecated_has_local_controller_finds_a_host_by_address(emu: Emulator) -> None:
    gm = emu.group_manager_urls[0]
    lc_port = int(emu.local_controller_urls[0].rsplit(":", 1)[1])
    found = post(f"{gm}/groupmanager?hasLocalController", {"address": "127.0.0.1", "port": lc_port})
    assert found.text in {h["id"] for h in emu.hosts()}
    assert found.headers["content-type"] == "application/json; charset=UTF-8"
    assert post(f"{gm}/groupmanager?hasLocalController", {"address": "127.0.0.1", "port": 1}).content == b""


def test_string_bodies_are_not_json(emu: Emulator) -> None:
    (vm,) = run(emu, template("a"))
    discover = f"{emu.group_leader_url}/groupmanager?discoverVirtualMachine"
    assert post(discover, raw='"a"').content == b""  # the quotes are part of the id
    assert (
        post(discover, raw="a").json()["localControllerId"]
        == vm["virtualMachineLocation"]["localControllerId"]
    )

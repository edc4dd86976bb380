"""Requests whose framing or body a real server refuses: a 4xx answer, the connection closed when
its framing cannot be trusted, and the emulator serving on, on the Snooze ports and the control API."""

from __future__ import annotations

import socket

import httpx
import pytest
from snooze_emulator import Emulator


def exchange(url: str, request: bytes) -> bytes:
    """Send raw bytes, read until the server closes the connection (or 5 s of silence)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(request)
        chunks = []
        try:
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            chunks.append(b"<no close>")
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


BAD_FRAMING = {
    "content-length-abc": b"Content-Length: abc\r\n\r\n",
    "content-length-negative": b"Content-Length: -5\r\n\r\nabcde",
    "content-length-plus": b"Content-Length: +5\r\n\r\nabcde",
    "content-length-hex": b"Content-Length: 0x5\r\n\r\nabcde",
    "content-lengths-disagree": b"Content-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
    "chunk-size-ZZZ": b"Transfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n",
    "chunk-size-negative": b"Transfer-Encoding: chunked\r\n\r\n-5\r\nabcde\r\n0\r\n\r\n",
    "chunk-size-0x": b"Transfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n",
    "chunk-size-empty": b"Transfer-Encoding: chunked\r\n\r\n\r\nabc\r\n0\r\n\r\n",
    "chunk-without-crlf": b"Transfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n",
}


@pytest.mark.parametrize("framing", BAD_FRAMING.values(), ids=BAD_FRAMING.keys())
@pytest.mark.parametrize("target", ["snooze", "control"])
def test_untrustworthy_framing_is_a_400_and_the_connection_closes(
    emu: Emulator, framing: bytes, target: str
) -> None:
    url, path = (
        (emu.group_leader_url, "/groupmanager?getVirtualClusterResponse")
        if target == "snooze"
        else (emu.admin_url, "/quirks")
    )
    answer = exchange(url, f"POST {path} HTTP/1.1\r\nHost: x\r\n".encode() + framing)
    assert status_of(answer) == 400, answer[:200]
    assert not answer.endswith(b"<no close>")
    assert emu.request_counts()["groupmanager"] == {}, "no method was called"
    # Serving on.
    assert httpx.get(f"{emu.bootstrap_url}/bootstrap?getGroupLeaderDescription").status_code == 200
    assert httpx.get(f"{emu.admin_url}/state").status_code == 200
    assert emu.internal_errors() == []


def test_a_body_cut_short_is_a_400(emu: Emulator) -> None:
    host, port = emu.group_leader_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(
            b"POST /groupmanager?discoverVirtualMachine HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"
        )
        connection.shutdown(socket.SHUT_WR)
        assert status_of(connection.recv(65536)) == 400


@pytest.mark.parametrize("size", ["5000000", "9" * 5000, "F" * 40], ids=["large", "huge", "huge-chunk"])
def test_a_body_declared_too_large_is_a_413_before_it_is_read(emu: Emulator, size: str) -> None:
    framing = (
        f"Content-Length: {size}\r\n\r\n"
        if size.isdigit()
        else f"Transfer-Encoding: chunked\r\n\r\n{size}\r\n"
    )
    answer = exchange(
        emu.group_leader_url, f"POST /groupmanager?discoverVirtualMachine HTTP/1.1\r\n{framing}".encode()
    )
    assert status_of(answer) == 413 and not answer.endswith(b"<no close>")


def test_well_formed_chunks_with_extensions_and_trailers_are_read(emu: Emulator) -> None:
    answer = exchange(
        emu.group_leader_url,
        b"POST /groupmanager?discoverVirtualMachine HTTP/1.1\r\nConnection: close\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n2;name=value\r\nab\r\n1\r\nc\r\n0\r\nX-Trailer: 1\r\n\r\n",
    )
    assert status_of(answer) == 200  # the raw VM id "abc": no such VM, an empty answer
    assert emu.request_counts()["groupmanager"] == {"discoverVirtualMachine": 1}


@pytest.mark.parametrize("body", ["[]", '["failover"]', '"text"', "42", "null", "true", "{not json"])
@pytest.mark.parametrize(
    "path",
    ["/quirks", "/faults", "/faults/random", "/failover", "/rejoin", "/vms/a/migrate", "/vms/a/ignore-acpi"],
)
def test_a_control_api_body_that_is_no_json_object_is_a_400(emu: Emulator, path: str, body: str) -> None:
    leader = emu.state()["groupLeaderId"]
    answer = httpx.post(f"{emu.admin_url}{path}", content=body.encode())
    assert answer.status_code == 400
    assert answer.json()["error"]
    assert emu.state()["groupLeaderId"] == leader, "nothing was done"
    assert httpx.get(f"{emu.admin_url}/state").status_code == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/faults", {"method": "x"}),
        ("/faults", {"method": "x", "kind": "false", "count": "2"}),
        ("/faults", {"method": "x", "kind": "false", "count": 0}),
        ("/faults", {"method": ["x"], "kind": "false"}),
        ("/faults", {"method": "x", "kind": "delay", "seconds": -1}),
        ("/faults/random", {"rate": [0.2]}),
        ("/faults/random", {"rate": 0.2, "seconds": {}}),
        ("/faults/random", {"rate": 0.2, "seed": "42"}),
        ("/faults/random", {"rate": 0.2, "methods": 5}),
        ("/quirks", {"one_shot_results": "no"}),
        ("/quirks", {"no_such_quirk": True}),
        ("/vms/a/migrate", {}),
        ("/vms/a/migrate", {"localControllerId": 5}),
    ],
)
def test_bad_values_in_a_control_api_body_are_400(emu: Emulator, path: str, body: object) -> None:
    from harness.wire_calls import run, template

    run(emu, template("a"))
    answer = httpx.post(f"{emu.admin_url}{path}", json=body)
    assert answer.status_code == 400, answer.text
    assert emu.fault_report()["injected"] == [] and emu.fault_report()["random"] is None

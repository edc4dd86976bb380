"""A scripted Snooze behind httpx.MockTransport: routes by address, component and method, records
every request, and answers with the wire forms of spec section 2.3."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

BOOTSTRAP = "http://10.0.0.1:5000"
BOOTSTRAP_2 = "http://10.0.0.9:5000"
LEADER = "http://10.0.0.2:5001"
LEADER_ID = "gl-1"
NEW_LEADER = "http://10.0.0.3:5002"
NEW_LEADER_ID = "gl-2"
GM = "http://10.0.0.4:5003"
TASK = "a4fba1c6-4c8f-4691-a530-01c067e8deb2"  # task ids are UUIDs (spec 4)
TASK_2 = "0b8f5c8e-2a44-4f4e-9d7b-5e0c1d2e3f40"
LIST = "bootstrap?getVirtualMachineDescriptions"
START = "groupmanager?startVirtualCluster"
POLL = "groupmanager?getVirtualClusterResponse"
META = "groupmanager?getVirtualMachineMetaData"

Answer = httpx.Response | Exception | Callable[[httpx.Request], "httpx.Response | Exception"]


def raw(text: str, status: int = 200) -> httpx.Response:
    """A string the way Restlet sends it: unquoted, yet labelled JSON (spec 2.3)."""
    return httpx.Response(
        status, content=text.encode(), headers={"Content-Type": "application/json; charset=UTF-8"}
    )


def as_json(data: Any) -> httpx.Response:
    return httpx.Response(
        200, content=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
    )


def null_get() -> httpx.Response:
    return httpx.Response(204)


def null_post() -> httpx.Response:
    return httpx.Response(200)


def html_500() -> httpx.Response:
    page = "<html><head><title>Status page</title></head><body><h3>Internal Server Error</h3></body></html>"
    return httpx.Response(500, content=page.encode(), headers={"Content-Type": "text/html"})


def refused(request: httpx.Request) -> Exception:
    return httpx.ConnectError("[Errno 111] Connection refused", request=request)


def reset(request: httpx.Request) -> Exception:
    return httpx.ReadError("[Errno 104] Connection reset by peer", request=request)


def address(url: str) -> dict[str, Any]:
    host, port = url.removeprefix("http://").split(":")
    return {"address": host, "port": int(port)}


def leader_description(url: str = LEADER, leader_id: str = LEADER_ID) -> dict[str, Any]:
    """As the bootstrap builds it from a heartbeat (spec 6.6): only id and listenSettings are real."""
    return {
        "id": leader_id,
        "hostname": "bootstrap-host",
        "isAssigned": False,
        "listenSettings": {
            "controlDataAddress": address(url),
            "monitoringDataAddress": {"address": "10.0.0.2", "port": 6000},
        },
        "heartbeatAddress": {"address": "UNKNOWN", "port": -1},
        "localControllers": {},
        "summaryInformation": {},
        "virtualMachines": [],
    }


def location(vm: str = "debian1", lc: str = "lc-1", gm_url: str = GM, lc_port: int = 5005) -> dict[str, Any]:
    return {
        "virtualMachineId": vm,
        "localControllerId": lc,
        "localControllerControlDataAddress": {"address": "10.0.0.5", "port": lc_port},
        "groupManagerId": "gm-1",
        "groupManagerControlDataAddress": address(gm_url),
    }


def mac_for(ip: str) -> str:
    """Snooze's MAC for an IP: 54:56 and each octet in hex without padding (spec 7.4)."""
    return "54:56:" + ":".join(format(int(octet), "x") for octet in ip.split("."))


def domain_xml(vm: str, ip: str, uuid: str | None = None) -> str:
    """A provisioned domain as a group manager reports it: one bridge whose MAC encodes the IP."""
    uuid_element = f"<uuid>{uuid}</uuid>" if uuid else ""
    if ip.count(".") != 3:  # no address: the leader rewrites no interface
        return f"<domain>{uuid_element}<name>{vm}</name><devices/></domain>"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><domain type="qemu">{uuid_element}<name>{vm}</name>'
        f'<devices><interface type="bridge"><mac address="{mac_for(ip)}"/><source bridge="virbr0"/>'
        "</interface></devices></domain>"
    )


def metadata(
    vm: str = "debian1",
    status: str = "RUNNING",
    lc: str = "lc-1",
    *,
    ip: str = "192.168.122.2",
    uuid: str | None = None,
    gm_url: str = GM,
    **extra: Any,
) -> dict[str, Any]:
    loc = location(vm, lc, gm_url)
    return {
        "virtualMachineLocation": loc,
        "groupManagerControlDataAddress": loc["groupManagerControlDataAddress"],
        "status": status,
        "errorCode": "UNKNOWN",
        "ipAddress": ip,
        "requestedCapacity": [1.0, 200000.0, 12800.0, 12800.0],
        "usedCapacity": {},
        "xmlRepresentation": domain_xml(vm, ip, uuid),
        "isAssigned": False,
        "image": {
            "name": vm,
            "path": f"/var/lib/snooze/{vm}",
            "format": "qcow2",
            "capacity": 0,
            "allocation": 0,
            "backingStore": "/images/debian.qcow2",
        },
        **extra,
    }


def offline_stub(vm: str = "debian1") -> dict[str, Any]:
    """What a group manager answers for a VM it does not have (spec 6.3)."""
    unknown = {"address": "UNKNOWN", "port": -1}
    return {
        "virtualMachineLocation": {
            "virtualMachineId": vm,
            "localControllerId": "UNKNOWN",
            "localControllerControlDataAddress": unknown,
            "groupManagerId": "UNKNOWN",
            "groupManagerControlDataAddress": unknown,
        },
        "groupManagerControlDataAddress": unknown,
        "status": "OFFLINE",
        "errorCode": "UNKNOWN",
        "ipAddress": "UNKNOWN",
        "requestedCapacity": [],
        "usedCapacity": {},
        "xmlRepresentation": "UNKNOWN",
        "isAssigned": False,
        "image": {"name": "UNKNOWN", "path": "UNKNOWN", "format": "raw", "capacity": 0, "allocation": 0},
    }


def listing(*vms: dict[str, Any]) -> httpx.Response:
    """The bootstrap's getVirtualMachineDescriptions answer."""
    return as_json({"virtualMachines": list(vms)})


def local_controller(lc_id: str, port: int, status: str = "ACTIVE", gm_url: str = GM) -> dict[str, Any]:
    return {
        "id": lc_id,
        "status": status,
        "controlDataAddress": {"address": "10.0.0.5", "port": port},
        "hostname": f"host-{lc_id}",
        "isAssigned": True,
        "hypervisorSettings": {
            "port": 16509,
            "driver": "qemu",
            "transport": "tcp",
            "migration": {"method": "live", "timeout": 60},
        },
        "wakeupSettings": {"driver": "IPMI", "options": "-I lanplus"},
        "location": {
            "localControllerId": lc_id,
            "groupManagerId": "gm-1",
            "groupManagerControlDataAddress": address(gm_url),
        },
        "virtualMachineMetaData": {},
        "assignedVirtualMachines": [],
        "totalCapacity": [4.0, 3958348.0, 131072.0, 131072.0],
    }


@dataclass
class Snooze:
    """Answers keyed by (base URL, "component?method"); a list is consumed one answer per call
    (its last one repeats). A missing route answers 405, as Restlet does for unknown methods."""

    routes: dict[tuple[str, str], list[Answer]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def on(self, base_url: str, call: str, *answers: Answer) -> Snooze:
        self.routes[(base_url, call)] = list(answers)
        return self

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        base_url = f"{request.url.scheme}://{request.url.host}:{request.url.port}"
        call = f"{request.url.path.lstrip('/')}?{request.url.query.decode()}"
        answers = self.routes.get((base_url, call))
        if answers is None:
            return httpx.Response(405, text="Method Not Allowed")
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if callable(answer):
            answer = answer(request)
        if isinstance(answer, Exception):
            raise answer
        return answer

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def calls(self, call: str | None = None) -> list[str]:
        """ "base/component?method" of each request so far, optionally only those of one call."""
        seen = [
            f"{r.url.scheme}://{r.url.host}:{r.url.port}{r.url.path}?{r.url.query.decode()}"
            for r in self.requests
        ]
        return [s for s in seen if call is None or s.endswith(call)]

    def bodies(self, call: str) -> list[bytes]:
        return [
            r.content for r in self.requests if f"{r.url.path.lstrip('/')}?{r.url.query.decode()}" == call
        ]


class FakeTime:
    """A clock that only sleeping advances; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds

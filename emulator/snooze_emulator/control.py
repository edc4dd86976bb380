"""The emulator's own control plane for tests and demos, apart from the Snooze API.

Inspect every VM and host, count the Snooze calls clients make, fail the group leader over, take a
host down, inject faults into the next calls of a method, switch quirks, and change VMs behind a
client's back. Control API calls are never counted nor faulted. ENDPOINTS lists them all
(`snooze-emulator --help` prints it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import Emulator

__all__ = ["ENDPOINTS", "ControlServer"]

ENDPOINTS = """\
GET    /state /vms /hosts /quirks   the cluster as the emulator knows it
GET    /requests                    Snooze calls so far per component and method, faulted ones too:
                                    {"bootstrap": {"getVirtualMachineDescriptions": 3, ...},
                                     "groupmanager": {...}, "localcontroller": {...}}
DELETE /requests                    counts back to zero
POST   /failover                    the group leader dies: {"groupLeaderId": NEW_ID}; the other
                                    group managers join the new one --rejoin-delay later (GET /state
                                    lists them in "rejoiningGroupManagers" until then)
POST   /rejoin                      they join it now: the window ends early
POST   /hosts/ID/down               a local controller dies with its VMs
POST   /faults                      {"method": M, "kind": K, "count": 1, "seconds": 0}: the next
                                    count calls of M fail with K, one of
                                      http500, drop, false, null: answered, the call not run
                                      delay: sleeps seconds, then runs the call and answers
                                      drop_after: runs the call, then closes the connection
                                      without an answer
POST   /faults/random               {"rate": 0.2, "kinds": [K, ...], "methods": null | [M, ...],
                                     "components": null | ["bootstrap", "groupmanager",
                                     "localcontroller"], "seconds": 3.0, "seed": null | 42}:
                                    from now on each Snooze call (of these methods and components,
                                    null: all) fails with probability rate, with a kind drawn from
                                    kinds (default: all); a seed makes the draws repeatable;
                                    replaces earlier random faults; injected faults come first
GET    /faults                      {"injected": [{"method", "kind", "remaining", "seconds"}, ...],
                                     "random": settings | null, "fired": {K: calls hit, ...}}
DELETE /faults                      no more faults, injected or random; "fired" back to zero
POST   /quirks                      {"QUIRK": true|false, ...}
POST   /vms/NAME/destroy            the VM vanishes, as if destroyed outside any client
POST   /vms/NAME/migrate            {"localControllerId": ID}: Snooze moves the VM on its own
"""


class ControlServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, emulator: Emulator) -> None:
        self.emulator = emulator
        super().__init__((host, port), _ControlHandler)


class _ControlHandler(BaseHTTPRequestHandler):
    server: ControlServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        emulator = self.server.emulator
        routes = {
            "/vms": emulator.vms,
            "/hosts": emulator.hosts,
            "/quirks": emulator.quirks,
            "/state": emulator.state,
            "/requests": emulator.request_counts,
            "/faults": emulator.fault_report,
        }
        handler = routes.get(self.path.rstrip("/"))
        if handler is None:
            self._json(404, {"error": f"no such resource {self.path}"})
        else:
            self._json(200, handler())

    def do_POST(self) -> None:
        emulator = self.server.emulator
        length = int(self.headers.get("Content-Length") or 0)
        if length > emulator.config.max_body_bytes:
            self.close_connection = True
            self._json(413, {"error": "request body too large"})
            return
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
            result = _post_action(emulator, [p for p in self.path.split("/") if p], body)
        except _NoSuchAction:
            self._json(404, {"error": f"no such action {self.path}"})
            return
        except (KeyError, ValueError, TypeError, RuntimeError) as error:
            self._json(400, {"error": str(error)})
            return
        self._json(200, result)

    def do_DELETE(self) -> None:
        emulator = self.server.emulator
        routes = {"/faults": emulator.clear_faults, "/requests": emulator.reset_request_counts}
        handler = routes.get(self.path.rstrip("/"))
        if handler is None:
            self._json(404, {"error": f"no such resource {self.path}"})
        else:
            handler()
            self._json(200, {"cleared": True})

    def _json(self, status: int, data: Any) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _NoSuchAction(Exception):
    pass


def _post_action(emulator: Emulator, parts: list[str], body: Any) -> Any:
    """What a POST does and answers."""
    actions: dict[tuple[str, ...], Callable[[], Any]] = {
        ("failover",): lambda: {"groupLeaderId": emulator.fail_over()},
        ("rejoin",): lambda: _rejoin_now(emulator),
        ("faults",): lambda: _inject_fault(emulator, body),
        ("faults", "random"): lambda: _inject_random_faults(emulator, body),
        ("quirks",): lambda: _set_quirks(emulator, body),
    }
    action = actions.get(tuple(parts))
    if action is not None:
        return action()
    on_one = {("hosts", "down"): _take_down, ("vms", "destroy"): _destroy, ("vms", "migrate"): _migrate}
    one = on_one.get((parts[0], parts[2])) if len(parts) == 3 else None
    if one is None:
        raise _NoSuchAction
    return one(emulator, parts[1], body)


def _rejoin_now(emulator: Emulator) -> dict[str, Any]:
    emulator.rejoin_now()
    return {"rejoiningGroupManagers": emulator.state()["rejoiningGroupManagers"]}


def _take_down(emulator: Emulator, host: str, body: Any) -> dict[str, Any]:
    emulator.take_down(host)
    return {"down": host}


def _destroy(emulator: Emulator, vm: str, body: Any) -> dict[str, Any]:
    emulator.destroy_vm(vm)
    return {"destroyed": vm}


def _migrate(emulator: Emulator, vm: str, body: Any) -> dict[str, Any]:
    emulator.migrate_vm(vm, body["localControllerId"])
    return {"migrated": vm}


def _inject_fault(emulator: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    emulator.inject_fault(
        body["method"], body["kind"], int(body.get("count", 1)), float(body.get("seconds", 0))
    )
    return {"injected": body}


RANDOM_SETTINGS = ("rate", "kinds", "methods", "components", "seconds", "seed")


def _inject_random_faults(emulator: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    unknown = set(body) - set(RANDOM_SETTINGS)
    if unknown:
        raise ValueError(
            f"unknown setting(s) {', '.join(sorted(unknown))}; known: {', '.join(RANDOM_SETTINGS)}"
        )
    emulator.inject_random_faults(**body)
    return {"random": emulator.fault_report()["random"]}


def _set_quirks(emulator: Emulator, body: dict[str, Any]) -> dict[str, bool]:
    for name, value in body.items():
        emulator.set_quirk(name, bool(value))
    return emulator.quirks()

"""The emulator's own control plane for tests and demos, apart from the Snooze API.

Inspect every VM and host, count the Snooze calls clients make, fail the group leader over, take a
host down, inject faults into the next calls of a method, switch quirks, and change VMs behind a
client's back. Control API calls are never counted nor faulted. ENDPOINTS lists them all
(`snooze-emulator --help` prints it).
"""

from __future__ import annotations

import json
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
POST   /failover                    the group leader dies: {"groupLeaderId": NEW_ID}
POST   /hosts/ID/down               a local controller dies with its VMs
POST   /faults                      {"method": M, "kind": K, "count": 1, "seconds": 0}: the next
                                    count calls of M fail with K, one of
                                      http500, drop, false, null: answered, the call not run
                                      delay: sleeps seconds, then runs the call and answers
                                      drop_after: runs the call, then closes the connection
                                      without an answer
DELETE /faults                      no more faults
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
            parts = [p for p in self.path.split("/") if p]
            if parts == ["failover"]:
                result: Any = {"groupLeaderId": emulator.fail_over()}
            elif len(parts) == 3 and parts[0] == "hosts" and parts[2] == "down":
                emulator.take_down(parts[1])
                result = {"down": parts[1]}
            elif parts == ["faults"]:
                emulator.inject_fault(
                    body["method"], body["kind"], int(body.get("count", 1)), float(body.get("seconds", 0))
                )
                result = {"injected": body}
            elif parts == ["quirks"]:
                for name, value in body.items():
                    emulator.set_quirk(name, bool(value))
                result = emulator.quirks()
            elif len(parts) == 3 and parts[0] == "vms" and parts[2] == "destroy":
                emulator.destroy_vm(parts[1])
                result = {"destroyed": parts[1]}
            elif len(parts) == 3 and parts[0] == "vms" and parts[2] == "migrate":
                emulator.migrate_vm(parts[1], body["localControllerId"])
                result = {"migrated": parts[1]}
            else:
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

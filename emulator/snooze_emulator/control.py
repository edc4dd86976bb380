"""The emulator's own control plane for tests and demos, apart from the Snooze API.

Inspect every VM and host, count the Snooze calls clients make, fail the group leader over, take a
host down, inject faults into the next calls of a method, switch quirks, and change VMs behind a
client's back. Control API calls are never counted nor faulted. ENDPOINTS lists them all
(`snooze-emulator --help` prints it). Bodies are JSON objects (or empty): anything else is a 400;
an unknown VM, host or group manager in the path is a 404.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from .http_body import BodyError, read_body
from .internal_errors import InternalErrors
from .model import UnknownName

if TYPE_CHECKING:
    from .emulator import Emulator

__all__ = ["ENDPOINTS", "ControlServer"]

ENDPOINTS = """\
GET    /state /vms /hosts /quirks   the cluster as the emulator knows it
GET    /requests                    Snooze calls so far per component and method, faulted ones too:
                                    {"bootstrap": {"getVirtualMachineDescriptions": 3, ...},
                                     "groupmanager": {...}, "localcontroller": {...}}
DELETE /requests                    counts back to zero
GET    /errors                      {"internalErrors": [...]}: unexpected exceptions inside the
                                    emulator (its bugs; a Snooze call hit by one gets a 599)
POST   /failover                    the group leader dies: {"groupLeaderId": NEW_ID}; the other
                                    group managers join the new one --rejoin-delay later (GET /state
                                    lists them in "rejoiningGroupManagers" until then)
POST   /rejoin                      they all join it now: the window ends early
POST   /rejoin/GM                   that group manager alone joins it now: the leader's pool still
                                    holds the others' VMs' addresses, so a VM it starts there may
                                    get one (two VMs running with one IP and MAC, as in Snooze)
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
POST   /vms/NAME/ignore-acpi        {"ignores": true|false} (default true): its guest ignores ACPI,
                                    so a shutdown leaves it SHUTDOWN_PENDING until destroyed
A VM, host or group manager the cluster does not have is a 404; a body that is not a JSON
object, or a bad value in it, a 400.
"""


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ControlServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, emulator: Emulator, errors: InternalErrors) -> None:
        self.emulator = emulator
        self.errors = errors
        super().__init__((host, port), _ControlHandler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.shutdown()
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, ConnectionError):
            self.errors.record("the control API", error)


class _ControlHandler(BaseHTTPRequestHandler):
    server: ControlServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        emulator = self.server.emulator
        routes: dict[str, Callable[[], Any]] = {
            "/vms": emulator.vms,
            "/hosts": emulator.hosts,
            "/quirks": emulator.quirks,
            "/state": emulator.state,
            "/requests": emulator.request_counts,
            "/faults": emulator.fault_report,
            "/errors": lambda: {"internalErrors": emulator.internal_errors()},
        }
        self._answer(lambda: _route(routes, self.path)())

    def do_DELETE(self) -> None:
        emulator = self.server.emulator
        routes = {"/faults": emulator.clear_faults, "/requests": emulator.reset_request_counts}
        self._answer(lambda: _route(routes, self.path)() or {"cleared": True})

    def do_POST(self) -> None:
        try:
            body = _json_object(
                read_body(self.headers, self.rfile, self.server.emulator.config.max_body_bytes)
            )
        except BodyError as error:
            self.close_connection = True
            self._json(error.status, {"error": error.reason})
            return
        except _Refused as refused:
            self._json(refused.status, {"error": str(refused)})
            return
        parts = [part for part in self.path.split("/") if part]
        self._answer(lambda: _post_action(self.server.emulator, parts, body))

    def _answer(self, action: Callable[[], Any]) -> None:
        try:
            result = action()
        except _Refused as refused:
            self._json(refused.status, {"error": str(refused)})
        except UnknownName as unknown:
            self._json(404, {"error": str(unknown)})
        except ValueError as error:
            self._json(400, {"error": str(error)})
        except RuntimeError as error:
            self._json(409, {"error": str(error)})
        except Exception as error:
            self.server.errors.record(f"the control API's {self.command} {self.path}", error)
            self._json(500, {"error": f"snooze-emulator internal error: {type(error).__name__}: {error}"})
        else:
            self._json(200, result)

    def _json(self, status: int, data: Any) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _route(routes: dict[str, Callable[[], Any]], path: str) -> Callable[[], Any]:
    handler = routes.get(path.rstrip("/"))
    if handler is None:
        raise _Refused(404, f"no such resource {path}")
    return handler


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, RecursionError):
        raise _Refused(400, "the body is not JSON") from None
    if not isinstance(body, dict):
        raise _Refused(400, f"the body must be a JSON object, not {type(body).__name__}")
    return body


def _field(body: dict[str, Any], name: str, kind: type, default: Any = ...) -> Any:
    """A property of the body, of that JSON type."""
    if name not in body:
        if default is ...:
            raise _Refused(400, f'"{name}" is missing')
        return default
    value = body[name]
    if not _is(value, kind):
        raise _Refused(400, f'"{name}" must be a {kind.__name__}, not {json.dumps(value)[:40]}')
    return value


def _is(value: Any, kind: type) -> bool:
    if isinstance(value, bool):  # a bool is an int to Python, not to JSON
        return kind is bool
    if kind is float:
        return isinstance(value, int | float)
    return isinstance(value, kind)


def _post_action(emulator: Emulator, parts: list[str], body: dict[str, Any]) -> Any:
    """What a POST does and answers."""
    actions: dict[tuple[str, ...], Callable[[], Any]] = {
        ("failover",): lambda: {"groupLeaderId": emulator.fail_over()},
        ("rejoin",): lambda: _rejoin_now(emulator, None),
        ("faults",): lambda: _inject_fault(emulator, body),
        ("faults", "random"): lambda: _inject_random_faults(emulator, body),
        ("quirks",): lambda: _set_quirks(emulator, body),
    }
    action = actions.get(tuple(parts))
    if action is not None:
        return action()
    on_one: dict[tuple[str, str], Callable[[Emulator, str, dict[str, Any]], Any]] = {
        ("hosts", "down"): _take_down,
        ("vms", "destroy"): _destroy,
        ("vms", "migrate"): _migrate,
        ("vms", "ignore-acpi"): _ignore_acpi,
    }
    if len(parts) == 2 and parts[0] == "rejoin":
        return _rejoin_now(emulator, parts[1])
    one = on_one.get((parts[0], parts[2])) if len(parts) == 3 else None
    if one is None:
        raise _Refused(404, "no such action /" + "/".join(parts))
    return one(emulator, parts[1], body)


def _rejoin_now(emulator: Emulator, group_manager_id: str | None) -> dict[str, Any]:
    emulator.rejoin_now(group_manager_id)
    return {"rejoiningGroupManagers": emulator.state()["rejoiningGroupManagers"]}


def _take_down(emulator: Emulator, host: str, body: dict[str, Any]) -> dict[str, Any]:
    emulator.take_down(host)
    return {"down": host}


def _destroy(emulator: Emulator, vm: str, body: dict[str, Any]) -> dict[str, Any]:
    emulator.destroy_vm(vm)
    return {"destroyed": vm}


def _migrate(emulator: Emulator, vm: str, body: dict[str, Any]) -> dict[str, Any]:
    emulator.migrate_vm(vm, _field(body, "localControllerId", str))
    return {"migrated": vm}


def _ignore_acpi(emulator: Emulator, vm: str, body: dict[str, Any]) -> dict[str, Any]:
    ignores = _field(body, "ignores", bool, True)
    emulator.ignore_acpi(vm, ignores)
    return {"ignoresAcpi": ignores, "vm": vm}


def _inject_fault(emulator: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    emulator.inject_fault(
        _field(body, "method", str),
        _field(body, "kind", str),
        _field(body, "count", int, 1),
        _field(body, "seconds", float, 0.0),
    )
    return {"injected": body}


RANDOM_SETTINGS = ("rate", "kinds", "methods", "components", "seconds", "seed")


def _inject_random_faults(emulator: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    unknown = set(body) - set(RANDOM_SETTINGS)
    if unknown:
        raise ValueError(
            f"unknown setting(s) {', '.join(sorted(unknown))}; known: {', '.join(RANDOM_SETTINGS)}"
        )
    _field(body, "rate", float)
    emulator.inject_random_faults(**body)
    return {"random": emulator.fault_report()["random"]}


def _set_quirks(emulator: Emulator, body: dict[str, Any]) -> dict[str, bool]:
    for name in body:
        _field(body, name, bool)
    for name, value in body.items():
        emulator.set_quirk(name, value)
    return emulator.quirks()

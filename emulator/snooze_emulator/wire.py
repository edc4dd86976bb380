"""Snooze's HTTP conventions, as Restlet 2.1.1 and Jackson 1.9 put them on the wire (spec 2).

- `/<component>?<method>`: the method is a bare query name (`?getX=` or another verb: 405);
  request targets without the leading slash are accepted.
- String parameters are the raw body; bean parameters are JSON (application/json or no
  Content-Type, else 415), with unknown properties or bad JSON refused with 415; an empty body
  makes the Java code throw (500).
- Strings come back raw, labelled application/json; booleans as true/false; null as 204 for
  GET and an empty 200 for POST.
- A body whose framing cannot be trusted is a 400 (a 413 above the size limit), and the connection
  closes after the answer.
- An exception that is not a ServerFault is a bug in the emulator, not Snooze's behaviour: it is
  recorded (logged, kept, failing `Emulator.check()`) and answered with a 599 whose text says so.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .beans import Unconvertible, read_bean, read_int
from .config import EmulatorConfig
from .faults import Faults
from .http_body import BodyError, read_body
from .internal_errors import InternalErrors
from .model import ServerFault
from .traffic import RequestCounts

__all__ = ["Body", "Endpoint", "Raw", "Server"]


class Raw(str):
    """A string result: sent unquoted, as Restlet's default converter does."""


@dataclass(frozen=True)
class Body:
    """How a method reads its parameter: "raw" text, a JSON bean, a JSON int, or nothing."""

    kind: str
    bean: str = ""


@dataclass(frozen=True)
class Endpoint:
    verb: str
    body: Body
    handler: Callable[[Any], Any]


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        host: str,
        port: int,
        component: str,
        endpoints: dict[str, Endpoint],
        lock: threading.RLock,
        config: EmulatorConfig,
        faults: Faults,
        requests: RequestCounts,
        errors: InternalErrors,
    ) -> None:
        self.component = component
        self.endpoints = endpoints
        self.lock = lock  # the cluster's: a handler sees and changes a consistent state
        self.config = config
        self.faults = faults
        self.requests = requests
        self.errors = errors
        super().__init__((host, port), _Handler)
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> None:
        self.thread.start()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (its timeout ran out during a delay fault) is no error here.
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, ConnectionError):
            self.errors.record(f"the {self.component} on port {self.port}", error)

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle plus the client's delayed
    # ACK hold every keep-alive answer back for tens of milliseconds.
    disable_nagle_algorithm = True
    server_version = "Restlet-Framework/2.1.1"

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read the admin API
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_OPTIONS(self) -> None:
        self._handle("OPTIONS")

    def _handle(self, verb: str) -> None:
        try:
            raw_body = read_body(self.headers, self.rfile, self.server.config.max_body_bytes)
        except BodyError as error:
            self.close_connection = True
            reason = "Request Entity Too Large" if error.status == 413 else "Bad Request"
            self._send(error.status, _error_page(error.status, reason), "text/html")
            return
        routed = self._route(verb)
        if isinstance(routed, int):
            reason = "Not Found" if routed == 404 else "Method Not Allowed"
            self._send(routed, _error_page(routed, reason), "text/html")
            return
        method, endpoint = routed
        self.server.requests.count(self.server.component, method)
        fault = self.server.faults.take(self.server.component, method)
        if fault is None:
            self._execute(verb, method, endpoint, raw_body, answer=True)
        elif not fault.runs_the_call:
            self._refuse(verb, fault.kind)
        else:
            time.sleep(fault.wait)
            self._execute(verb, method, endpoint, raw_body, answer=fault.answers)

    def _refuse(self, verb: str, kind: str) -> None:
        """A fault that answers without running the call."""
        if kind == "drop":
            self._drop()
        elif kind == "http500":
            self._send(500, _error_page(500, "Internal Server Error"), "text/html")
        elif kind == "false":
            self._send(200, b"false", "application/json")
        else:  # null
            self._reply(verb, None)

    def _drop(self) -> None:
        """Close the connection without a word."""
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def _route(self, verb: str) -> tuple[str, Endpoint] | int:
        """The method this request calls, or the status that says it calls none (404, 405)."""
        # Origin form, the same without its leading slash (spec 2.1), or absolute form.
        if "://" in self.path.split("?", 1)[0]:
            split = urlsplit(self.path)
            path, query = split.path, split.query
        else:
            path, _, query = self.path.partition("?")
        if path.removeprefix("/") != self.server.component:
            return 404
        # Restlet matches an annotation when its bare name is among the query's parameters;
        # `?getX=` carries a value and matches nothing.
        names = [p for p in query.split("&") if p and "=" not in p]
        method = next((n for n in names if n in self.server.endpoints), None)
        endpoint = self.server.endpoints.get(method or "")
        if method is None or endpoint is None or endpoint.verb != verb:
            return 405
        return method, endpoint

    def _execute(self, verb: str, method: str, endpoint: Endpoint, raw_body: bytes, *, answer: bool) -> None:
        """Run the call; answer it, or drop the connection once it ran."""
        reply: Callable[[], None]
        try:
            argument = self._argument(endpoint.body, raw_body)
            with self.server.lock:
                result = endpoint.handler(argument)
        except Unconvertible:
            reply = partial(self._send, 415, _error_page(415, "Unsupported Media Type"), "text/html")
        except ServerFault:  # where Snooze's Java code throws: Restlet's 500 page
            reply = partial(self._send, 500, _error_page(500, "Internal Server Error"), "text/html")
        except Exception as error:
            self.server.errors.record(f"{self.server.component}?{method}", error)
            reply = partial(self._send_bug, error)
        else:
            reply = partial(self._reply, verb, result)
        if answer:
            reply()
        else:
            self._drop()

    def _send_bug(self, error: Exception) -> None:
        """Nothing a Snooze client could take for Snooze's own answer."""
        self.send_response(599, "Emulator Internal Error")
        body = (
            f"snooze-emulator internal error (a bug in the emulator, not Snooze behaviour): "
            f"{type(error).__name__}: {error}; the traceback is in the emulator's log\n"
        ).encode()
        self.send_header("Content-Type", "text/plain; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _argument(self, body: Body, raw: bytes) -> Any:
        if body.kind == "none":
            return None
        if not raw:
            raise ServerFault("null parameter")  # Guard.check / NPE in the Java code
        if body.kind == "raw":
            return raw.decode("utf-8", errors="replace")
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media not in ("", "application/json"):
            raise Unconvertible(media)
        if body.kind == "int":
            number = read_int(raw)
            if number is None:
                raise ServerFault("null unboxed to int")  # an NPE in the Java code
            return number
        return read_bean(raw, body.bean)

    def _reply(self, verb: str, result: Any) -> None:
        if result is None:
            if verb == "GET":
                self._send(204, b"", None)
            else:
                self._send(200, b"", None)
        elif isinstance(result, bool):
            self._send(200, b"true" if result else b"false", "application/json")
        elif isinstance(result, Raw):
            quirks = self.server.config.quirks
            text = str(result) if quirks.raw_string_responses else json.dumps(str(result))
            self._send(200, text.encode(), "application/json; charset=UTF-8")
        else:
            self._send(200, json.dumps(result).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str | None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


def _error_page(status: int, reason: str) -> bytes:
    return f"<html><head><title>Status page</title></head><body><h3>{reason}</h3><p>{status}</p></body></html>".encode()

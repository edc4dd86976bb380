"""Snooze's HTTP conventions (spec section 2): how calls go on the wire and how answers read.

A call is `http://host:port/<component>?<method>` with the bare method name. String parameters
travel as the raw body, beans as JSON. Answers: raw unquoted strings labelled JSON, `true`/`false`,
beans as JSON, and null as 204 (GET) or an empty 200 (POST).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import SnoozeError, SnoozeHTTPError, SnoozeProtocolError, SnoozeSlowError, SnoozeUnreachableError

if TYPE_CHECKING:
    import httpx  # imported by the client that builds a Wire: nothing before needs it

__all__ = ["RETRIES", "Reply", "Unreachable", "Wire"]

RETRIES = 2  # extra attempts for calls that are safe to repeat
RETRY_PAUSE = 0.2  # seconds, times the attempt number


class Unreachable(Exception):
    """The request never reached the server (connection refused, DNS, connect timeout).

    Internal: discovery turns it into trying the next address, callers into SnoozeUnreachableError.
    """

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(reason)
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class Reply:
    """A Snooze answer: `text` is None when Snooze returned null (204, or an empty 200 for POST)."""

    url: str
    text: str | None

    @property
    def is_null(self) -> bool:
        return self.text is None or not self.text.strip()

    def json(self) -> Any:
        if self.is_null:
            return None
        assert self.text is not None
        try:
            return json.loads(self.text)
        except ValueError:
            raise SnoozeProtocolError(
                f"{self.url} answered something that is not JSON: {self.text[:120]!r}"
            ) from None

    def raw_string(self) -> str | None:
        """Strings come back raw, unquoted, though labelled application/json (spec 2.3)."""
        if self.text is None:
            return None
        text = self.text.strip()
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = text[1:-1].strip()
        return text or None

    def boolean(self) -> bool:
        """`true` or `false`; null (wrong role, not ready: spec 2.4) counts as false."""
        if self.is_null:
            return False
        assert self.text is not None
        text = self.text.strip()
        if text in ("true", "false"):
            return text == "true"
        raise SnoozeProtocolError(f"{self.url} answered {text[:60]!r} where true or false was expected")


class Wire:
    """Sends one Snooze call, repeating it a bounded number of times when that is safe."""

    def __init__(self, http: httpx.Client, pause: Callable[[float], None]) -> None:
        self.http = http
        self.pause = pause

    def call(
        self,
        verb: str,
        base_url: str,
        component: str,
        method: str,
        *,
        text: str | None = None,
        body: Any = None,
        idempotent: bool = True,
    ) -> Reply:
        """Raises Unreachable when the request cannot have reached the server.

        Calls that are not `idempotent` are sent once: a lost connection or a 5xx after sending
        may mean Snooze acted on them.
        """
        url = f"{base_url}/{component}?{method}"
        headers: dict[str, str] = {}
        content: bytes | None = None
        if body is not None:
            # Jackson takes application/json (or none); text/plain would be 415 (spec 2.2).
            content, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        elif text is not None:
            # String parameters are taken verbatim: never JSON-quote them (spec 2.2).
            content, headers["Content-Type"] = text.encode(), "text/plain; charset=UTF-8"
        import httpx

        attempts = 1 + (RETRIES if idempotent else 0)
        for attempt in range(1, attempts + 1):
            try:
                response = self.http.request(verb, url, content=content, headers=headers)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as error:
                raise Unreachable(url, str(error) or type(error).__name__) from None
            except httpx.TransportError as error:
                if attempt == attempts:
                    raise self._no_answer(url, error, request_sent=not idempotent) from None
                self.pause(RETRY_PAUSE * attempt)
                continue
            if response.status_code >= 500 and attempt < attempts:
                self.pause(RETRY_PAUSE * attempt)
                continue
            if response.status_code == 204:
                return Reply(url, None)
            if response.is_success:
                return Reply(url, response.text if response.content else None)
            raise SnoozeHTTPError(
                response.status_code,
                verb,
                url,
                response.text,
                request_sent=not idempotent and response.status_code >= 500,
            )
        raise AssertionError("unreachable")

    def _no_answer(self, url: str, error: httpx.TransportError, *, request_sent: bool) -> SnoozeError:
        """Slow is not unreachable: a read that timed out had a connection and a listener."""
        import httpx

        if isinstance(error, httpx.TimeoutException):
            seconds = self.http.timeout.read or 0.0
            return SnoozeSlowError(url, seconds, request_sent=request_sent)
        reason = f"{type(error).__name__}: {error}".rstrip(": ")
        return SnoozeUnreachableError([url], reason, request_sent=request_sent)

"""Errors of the Snooze client, each saying what failed and what to check.

SnoozeError
├── SnoozeUnreachableError    no bootstrap or component answered (which URLs were tried, why)
├── SnoozeSlowError           a component took the connection but did not answer within request_timeout
├── NoGroupLeaderError        the bootstrap knows no group leader yet (retry later)
├── SnoozeHTTPError           an HTTP status Snooze gives on failure (405, 415, 500, ...)
├── SnoozeProtocolError       an answer Snooze would not give (not JSON, wrong shape)
├── SnoozeRejectedError       Snooze refused a request (an empty answer where a result was due)
└── SnoozeTimeoutError        a wait ended before Snooze reached the expected state
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = [
    "NoGroupLeaderError",
    "SnoozeError",
    "SnoozeHTTPError",
    "SnoozeProtocolError",
    "SnoozeRejectedError",
    "SnoozeSlowError",
    "SnoozeTimeoutError",
    "SnoozeUnreachableError",
]


class SnoozeError(Exception):
    """Anything that went wrong talking to Snooze.

    `request_sent` is true when the request may have reached Snooze and taken effect although no
    usable answer came back: a call that is not idempotent must then be reconciled, not repeated.
    """

    request_sent: bool = False


class SnoozeUnreachableError(SnoozeError):
    """No answer: connection refused, name not resolved, or connection lost."""

    def __init__(self, urls: Sequence[str], reason: str, *, request_sent: bool = False) -> None:
        self.urls = list(urls)
        self.reason = reason
        self.request_sent = request_sent
        advice = (
            "The request may have reached Snooze and was not repeated; check Snooze's state before retrying."
            if request_sent
            else "Check that the URL and port are right, that the node is running, and that no firewall "
            "is in the way."
        )
        super().__init__(f"Snooze is unreachable: no answer from {', '.join(self.urls)} ({reason}). {advice}")


class SnoozeSlowError(SnoozeError):
    """The connection was made and the request sent, but no answer came within `seconds`."""

    def __init__(self, url: str, seconds: float, *, request_sent: bool) -> None:
        self.url = url
        self.seconds = seconds
        self.request_sent = request_sent
        consequence = (
            " The request may have taken effect and was not repeated."
            if request_sent
            else " It was tried again and stayed silent."
        )
        super().__init__(
            f"Snooze at {url} did not answer within request_timeout ({seconds:g}s): it is reachable but "
            f"slow (busy, or overloaded).{consequence} Raise request_timeout in the provider block if "
            "Snooze is just slow."
        )


class NoGroupLeaderError(SnoozeError):
    """The bootstrap answered 204: it has heard no group leader heartbeat for 10 s (spec 1.3, 6.6)."""

    def __init__(self, bootstrap_url: str) -> None:
        self.bootstrap_url = bootstrap_url
        super().__init__(
            f"The bootstrap at {bootstrap_url} knows no group leader yet: the group managers may still be "
            "electing one (it takes about 10 s after a start or a failure), or none is running."
        )


# What a status means when Snooze gives it (spec 2.1-2.3).
_STATUS_HINTS = {
    404: "no such component at this address (check the port: bootstrap, group manager and local "
    "controller each listen on their own)",
    405: "the component does not serve this method (is this the right kind of node?)",
    415: "Snooze refused the request body (malformed JSON, an unknown property, or a wrong Content-Type)",
    500: "Snooze failed while handling the request; its log has the Java exception",
}


def _short(body: str, limit: int = 200) -> str:
    """The text of a body on one line: Restlet's error pages are HTML."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class SnoozeHTTPError(SnoozeError):
    def __init__(self, status: int, method: str, url: str, body: str, *, request_sent: bool = False) -> None:
        self.request_sent = request_sent
        self.status = status
        self.method = method
        self.url = url
        self.body = body
        hint = _STATUS_HINTS.get(status, "")
        snippet = _short(body)
        super().__init__(
            f"{method} {url} answered HTTP {status}"
            + (f" ({hint})" if hint else "")
            + (f": {snippet}" if snippet else "")
        )


class SnoozeProtocolError(SnoozeError):
    """Snooze answered something its API never answers."""


class SnoozeRejectedError(SnoozeError):
    """Snooze gave an empty answer where it gives a result when it accepts the request."""


class SnoozeTimeoutError(SnoozeError):
    """`what` was awaited for `waited` seconds; `pending` says where things stood."""

    def __init__(self, what: str, waited: float, pending: str = "", *, task_id: str | None = None) -> None:
        self.what = what
        self.waited = waited
        self.pending = pending
        self.task_id = task_id
        super().__init__(
            f"Timed out after {waited:.0f} s waiting for {what}" + (f"; {pending}" if pending else "")
        )

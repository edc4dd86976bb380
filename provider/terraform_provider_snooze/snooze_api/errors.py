"""Errors of the Snooze client, each saying what failed and what to check.

SnoozeError
├── SnoozeUnreachableError    no bootstrap or component answered (which URLs, why)
├── NoGroupLeaderError        the bootstrap knows no group leader yet
├── SnoozeHTTPError           an unexpected HTTP status (415, 500, ...)
├── SnoozeProtocolError       an answer Snooze would not give (not JSON, wrong shape)
├── SnoozeRejectedError       Snooze refused a request (an empty answer where a result was due)
└── SnoozeTimeoutError        a wait ended before Snooze reached the expected state
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "NoGroupLeaderError",
    "SnoozeError",
    "SnoozeHTTPError",
    "SnoozeProtocolError",
    "SnoozeRejectedError",
    "SnoozeTimeoutError",
    "SnoozeUnreachableError",
]


class SnoozeError(Exception):
    """Anything that went wrong talking to Snooze."""


class SnoozeUnreachableError(SnoozeError):
    def __init__(self, urls: Sequence[str], reason: str) -> None:
        self.urls = list(urls)
        self.reason = reason
        super().__init__(
            f"Snooze is unreachable: no answer from {', '.join(self.urls)} ({reason}). Check that the "
            "URL and port are right, that the node is running, and that no firewall is in the way."
        )


class NoGroupLeaderError(SnoozeError):
    def __init__(self, bootstrap_url: str) -> None:
        self.bootstrap_url = bootstrap_url
        super().__init__(
            f"The bootstrap at {bootstrap_url} knows no group leader yet: the group managers may still be "
            "electing one (it takes about 10 s after a start or a failure), or none is running."
        )


class SnoozeHTTPError(SnoozeError):
    def __init__(self, status: int, method: str, url: str, body: str) -> None:
        self.status = status
        self.method = method
        self.url = url
        self.body = body
        snippet = " ".join(body.split())[:200]
        super().__init__(f"{method} {url} answered HTTP {status}" + (f": {snippet}" if snippet else ""))


class SnoozeProtocolError(SnoozeError):
    """Snooze answered something its API never answers."""


class SnoozeRejectedError(SnoozeError):
    """Snooze gave an empty answer where it gives a result when it accepts the request."""


class SnoozeTimeoutError(SnoozeError):
    def __init__(self, what: str, waited: float, pending: str = "") -> None:
        self.what = what
        self.waited = waited
        self.pending = pending
        super().__init__(
            f"Timed out after {waited:.0f} s waiting for {what}" + (f"; {pending}" if pending else "")
        )

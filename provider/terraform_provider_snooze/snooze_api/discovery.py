"""Finding Snooze: the bootstrap that answers, and the group leader it names (spec 1.2, 1.3).

Clients know only bootstraps. The first one that accepts a connection is used, as Snooze's Java
client does, and kept while it answers. It names the group leader, which is cached: when the leader
dies a group manager takes over on its own port with a new id, so callers ask again (`refresh`)
when the cached leader cannot be reached or answers as a non-leader would.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from .errors import NoGroupLeaderError, SnoozeHTTPError, SnoozeProtocolError, SnoozeUnreachableError
from .models import GroupManagerDescription
from .wire import Reply, Unreachable, Wire

__all__ = ["LeaderDiscovery"]

log = logging.getLogger("terraform_provider_snooze.snooze_api")


class _Known:
    """What discovery has learnt, shared by every thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bootstrap: str | None = None
        self.leader: GroupManagerDescription | None = None
        self.asking = threading.Lock()  # held while a bootstrap is asked for the leader
        self.answers = 0  # answers about the leader so far (a leader, or none)


class LeaderDiscovery:
    def __init__(self, wire: Wire, bootstrap_urls: Sequence[str]) -> None:
        if not bootstrap_urls:
            raise ValueError("at least one bootstrap URL is needed")
        self.wire = wire
        self.bootstrap_urls = [url.rstrip("/") for url in bootstrap_urls]
        self._known = _Known()

    def bootstrap_call(self, verb: str, method: str, **kwargs: Any) -> Reply:
        """Calls the first bootstrap that answers (the last one that did comes first)."""
        with self._known.lock:
            preferred = self._known.bootstrap
        order = ([preferred] if preferred else []) + [u for u in self.bootstrap_urls if u != preferred]
        reasons: list[str] = []
        for base_url in order:
            try:
                reply = self.wire.call(verb, base_url, "bootstrap", method, **kwargs)
            except Unreachable as error:
                reasons.append(f"{base_url}: {error.reason}")
                continue
            except SnoozeHTTPError as error:
                # A bootstrap still starting answers 500 (spec 2.4): another one may be ready.
                if error.status < 500 or base_url == order[-1]:
                    raise
                reasons.append(f"{base_url}: HTTP {error.status}")
                continue
            with self._known.lock:
                self._known.bootstrap = base_url
            return reply
        raise SnoozeUnreachableError(self.bootstrap_urls, "; ".join(reasons) or "no bootstrap URL")

    def leader(self, *, refresh: bool = False) -> GroupManagerDescription:
        """The group leader, asked of a bootstrap when not cached or when `refresh` is set.

        One question at a time: the threads that want it meanwhile (Terraform creates several
        clusters at once) take the answer that comes next, as fresh as one of their own.
        """
        known = self._known
        with known.lock:
            if not refresh and known.leader is not None:
                return known.leader
            asked_after = known.answers
        with known.asking:
            with known.lock:
                if known.answers > asked_after and known.leader is not None:
                    return known.leader
            return self._ask()

    def _ask(self) -> GroupManagerDescription:
        reply = self.bootstrap_call("GET", "getGroupLeaderDescription")
        data = reply.json()
        if data is None:
            with self._known.lock:
                self._known.leader = None
                self._known.answers += 1
            raise NoGroupLeaderError(reply.url.split("/bootstrap?")[0])
        leader = GroupManagerDescription.from_json(data)
        if not leader.control_data_address.known:
            raise SnoozeProtocolError(
                f"{reply.url} named a group leader without a control address: {str(data)[:200]}"
            )
        with self._known.lock:
            if self._known.leader != leader:
                log.debug("Group leader is %s at %s", leader.id, leader.control_data_address.base_url)
            self._known.leader = leader
            self._known.answers += 1
        return leader

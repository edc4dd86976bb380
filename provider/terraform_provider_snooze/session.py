"""The provider's connection to Snooze, bound to one Terraform request, with Snooze's errors
turned into diagnostics a user can act on.

`SnoozeSession` is what the provider block configures: one client (and its shared listing) per
provider process. `session.bound(cancellation)` gives the `BoundSession` a resource or data source
operation works through: its waits end as soon as Terraform asks to stop, and every call raises
DiagnosticError, never a Snooze error.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from .runtime.diagnostics import DiagnosticError
from .runtime.durations import parse_duration
from .runtime.interfaces import Cancellation
from .snooze_api import (
    REJOIN_GRACE,
    Backoff,
    Fingerprint,
    InPlace,
    Launcher,
    Listing,
    LocalControllerDescription,
    Migration,
    NetworkAddress,
    NetworkDemand,
    NoGroupLeaderError,
    Outcome,
    Pace,
    Presence,
    Removal,
    Resolution,
    Size,
    SnoozeError,
    SnoozeHTTPError,
    SnoozeMigrationError,
    SnoozeSlowError,
    SnoozeTimeoutError,
    SnoozeUnreachableError,
    Submission,
    Tracker,
    VirtualMachineMetaData,
    VirtualMachineTemplate,
    VmRecord,
    sizes_on_hosts,
)

if TYPE_CHECKING:
    import httpx

    from .snooze_api import SnoozeClient

__all__ = ["GRACE_ENV", "BoundSession", "SnoozeSession", "bound_session", "snooze_errors"]

# How long VMs Snooze does not show are looked for again before they are kept with a warning
# (a little more than the 10 s group managers take to rejoin a new leader). Tests shorten it.
GRACE_ENV = "SNOOZE_PROVIDER_REJOIN_GRACE"

_SUMMARIES: list[tuple[type[SnoozeError], str]] = [
    (SnoozeUnreachableError, "Snooze is unreachable"),
    (SnoozeSlowError, "Snooze did not answer in time"),
    (NoGroupLeaderError, "Snooze has no group leader yet"),
    (SnoozeMigrationError, "Migration failed"),
    (SnoozeTimeoutError, "Timed out waiting for Snooze"),
    (SnoozeHTTPError, "Snooze returned an error"),
    (SnoozeError, "Snooze request failed"),
]

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def snooze_errors() -> Iterator[None]:
    """Turns a SnoozeError raised inside into an error diagnostic."""
    try:
        yield
    except SnoozeError as error:
        summary = next(text for kind, text in _SUMMARIES if isinstance(error, kind))
        raise DiagnosticError(summary, str(error)) from error


def _mapped(method: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        with snooze_errors():
            return method(*args, **kwargs)

    return call


class _Owned:
    """Fingerprints this provider process has resolved as some state's own VMs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fingerprints: set[Fingerprint] = set()

    def add(self, fingerprints: Iterable[Fingerprint]) -> None:
        with self._lock:
            self._fingerprints.update(fingerprints)

    def snapshot(self) -> frozenset[Fingerprint]:
        with self._lock:
            return frozenset(self._fingerprints)


@dataclass(frozen=True)
class SnoozeSession:
    """The provider's connection to Snooze, as configured in the provider block."""

    client: SnoozeClient
    poll_interval: float
    grace: float = REJOIN_GRACE
    owned: _Owned = field(default_factory=_Owned, compare=False)

    @classmethod
    def connect(
        cls,
        bootstrap_urls: list[str],
        request_timeout: float,
        poll_interval: float,
        auth: Callable[[httpx.Request], httpx.Request] | None = None,
    ) -> SnoozeSession:
        from .snooze_api.client import SnoozeClient  # httpx with it: only once configured

        grace = os.environ.get(GRACE_ENV)
        return cls(
            SnoozeClient(bootstrap_urls, timeout=request_timeout, auth=auth),
            poll_interval,
            parse_duration(grace) if grace else REJOIN_GRACE,
        )

    def bound(
        self, cancellation: Cancellation, report: Callable[[str], None] = lambda text: None
    ) -> BoundSession:
        """This session for one operation: its waits end as soon as Terraform asks to stop;
        `report` gets the steps a user cares about (INFO lines)."""
        interval = self.poll_interval
        pace = Pace(
            Backoff(first=interval, cap=max(interval, min(15.0, 15 * interval))),
            cancellation.sleep,
            self.client.clock,
        )
        return BoundSession(self, Tracker(self.client, pace, self.grace), report)


def bound_session(
    session: SnoozeSession | None,
    cancellation: Cancellation,
    report: Callable[[str], None] = lambda text: None,
) -> BoundSession:
    """`session.bound(...)` for a resource or data source; an error if the provider gave it none."""
    if session is None:  # the engine calls only configured ones: a bug if it happens
        raise DiagnosticError("Provider not configured", "The snooze provider was not configured.")
    return session.bound(cancellation, report)


class BoundSession:
    """Every Snooze call of one Terraform operation; each raises DiagnosticError on failure."""

    def __init__(self, session: SnoozeSession, tracker: Tracker, report: Callable[[str], None]) -> None:
        self.session = session
        self.tracker = tracker
        self.report = report

    @property
    def clock(self) -> Callable[[], float]:
        return self.tracker.pace.clock

    @_mapped
    def listing(self, max_age: float) -> Listing:
        return self.session.client.listing(max_age=max_age)

    @_mapped
    def resolve(
        self, records: Mapping[str, VmRecord], deadline: float | None = None
    ) -> dict[str, Resolution]:
        """Each recorded VM found, gone, ambiguous or (after the grace) unseen; see tracking.py."""
        resolutions = self.tracker.resolve(records, deadline=deadline)
        self.own(r.found for r in resolutions.values() if r.presence is Presence.FOUND)
        return resolutions

    def own(self, vms: Iterable[VirtualMachineMetaData]) -> None:
        """Notes VMs resolved as some state's own, which this process's plans do not claim."""
        self.session.owned.add(Fingerprint.of(vm) for vm in vms)

    def owned(self) -> frozenset[Fingerprint]:
        """The VMs this provider process resolved as some state's own (see `own`)."""
        return self.session.owned.snapshot()

    @_mapped
    def taken(
        self, names: Iterable[str], mine: Collection[Fingerprint] = (), max_age: float = 5.0
    ) -> dict[str, list[VirtualMachineMetaData]]:
        return self.tracker.taken(names, mine=mine, max_age=max_age)

    @_mapped
    def launch(
        self,
        templates: Mapping[str, VirtualMachineTemplate],
        deadline: float,
        on_submitted: Callable[[Submission, list[str]], None],
    ) -> dict[str, Outcome]:
        return Launcher(self.tracker, self.report).launch(templates, deadline, on_submitted)

    @_mapped
    def settle(
        self, names: list[str], submission: Submission, deadline: float, result_read: bool
    ) -> dict[str, Outcome]:
        return Launcher(self.tracker, self.report).settle(
            names, submission, deadline, result_read=result_read
        )

    @_mapped
    def destroy(
        self,
        records: Mapping[str, VmRecord],
        deadline: float,
        on_gone: Callable[[str], None],
        shutdown_for: float = 0.0,
    ) -> dict[str, str]:
        return Removal(self.tracker).destroy(records, deadline, on_gone, shutdown_for)

    @_mapped
    def resize(
        self, record: VmRecord, size: Size, network: NetworkDemand, deadline: float
    ) -> VirtualMachineMetaData:
        return InPlace(self.tracker).resize(record, size, network, deadline)

    @_mapped
    def power(self, record: VmRecord, command: str, deadline: float) -> VirtualMachineMetaData:
        """suspend or resume."""
        return InPlace(self.tracker).power(record, command, deadline)

    def host_sizes(self, records: Mapping[str, tuple[VmRecord, NetworkAddress]]) -> dict[str, Size]:
        """Each VM's size in its host's own records, where the host answers (one call per host);
        VMs whose host does not answer are left out: their size stays as recorded."""
        hosts = {address.base_url: address for _, address in records.values()}
        found: dict[str, list[VirtualMachineMetaData]] = {}
        for url, address in hosts.items():
            try:
                found[url] = self.session.client.host_virtual_machines(address)
            except SnoozeError as error:
                self.report(f"The sizes of the VMs on local controller {url} stay as recorded: {error}")
        return sizes_on_hosts(found, records)

    @_mapped
    def migrate(self, record: VmRecord, destination_id: str, deadline: float) -> VirtualMachineMetaData:
        return Migration(self.tracker).migrate(record, destination_id, deadline)

    @_mapped
    def local_controllers(self) -> list[LocalControllerDescription]:
        return self.session.client.local_controllers()

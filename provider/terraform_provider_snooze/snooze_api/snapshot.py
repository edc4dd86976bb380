"""Every VM at once, shared: one bulk listing serves all the reads of a provider process.

Terraform refreshes every resource of a configuration in one provider process, concurrently. They
share one short-lived listing: the first read fetches it while the others wait for it (single
flight), and any write through the same client makes the next read fetch a new one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .errors import SnoozeError
from .models import VirtualMachineMetaData

__all__ = ["LISTING_TTL", "Listing", "Snapshots"]

LISTING_TTL = 5.0  # seconds a listing serves reads that do not ask for a fresher one
ATTEMPTS = 3  # listings asked for before a failure is reported (each already retried on the wire)
RETRY_PAUSE = 0.5


@dataclass(frozen=True)
class Listing:
    """What one getVirtualMachineDescriptions showed: trustworthy for what it shows, but a VM
    missing from it may still exist (a group manager not yet joined to a new leader)."""

    vms: tuple[VirtualMachineMetaData, ...]
    taken_at: float
    serial: int
    by_name: dict[str, list[VirtualMachineMetaData]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, list[VirtualMachineMetaData]] = {}
        for vm in self.vms:
            by_name.setdefault(vm.location.virtual_machine_id, []).append(vm)
        object.__setattr__(self, "by_name", by_name)

    def named(self, name: str) -> list[VirtualMachineMetaData]:
        return self.by_name.get(name, [])


class Snapshots:
    """The current listing of one client, fetched once however many threads ask at once."""

    def __init__(
        self,
        fetch: Callable[[], Sequence[VirtualMachineMetaData]],
        clock: Callable[[], float],
        pause: Callable[[float], None],
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._pause = pause
        self._lock = threading.Lock()  # held while fetching: the single flight
        self._writes_lock = threading.Lock()  # never held long: writers must not wait for a fetch
        self._current: Listing | None = None
        self._writes = 0  # bumped by every write; a listing taken before the last write is stale
        self._written_at = 0  # `_writes` when the current listing was asked for
        self._serial = 0

    def invalidate(self) -> None:
        """Something was just changed in Snooze: the next listing is fetched anew."""
        with self._writes_lock:
            self._writes += 1

    def get(self, *, max_age: float = LISTING_TTL, newer_than: Listing | None = None) -> Listing:
        """A listing at most `max_age` old, taken after `newer_than`, and after the last write."""
        with self._lock:
            current = self._current
            if (
                current is not None
                and self._written_at == self._writes
                and self._clock() - current.taken_at < max_age
                and (newer_than is None or current.serial > newer_than.serial)
            ):
                return current
            writes = self._writes
            listing = self._fetch_with_retries()
            self._current, self._written_at = listing, writes
            return listing

    def _fetch_with_retries(self) -> Listing:
        for attempt in range(1, ATTEMPTS + 1):
            started = self._clock()
            try:
                vms = tuple(self._fetch())
            except SnoozeError:
                if attempt == ATTEMPTS:
                    raise
                self._pause(RETRY_PAUSE * attempt)
                continue
            self._serial += 1
            return Listing(vms, started, self._serial)
        raise AssertionError("unreachable")

"""Finding recorded VM instances again, without ever taking doubt for absence (identity.py).

Each record is looked up in the shared listing; one the listing does not show is asked of its
own group manager at the recorded location. Only Snooze's OFFLINE stub there (or another VM in
its place), with no match in the listing, means gone. No usable answer means unseen: after a
leader failover the group managers rejoin the new leader only after their heartbeat timeout
(spec 1.3), and until then listings miss their VMs. Unseen records are looked up again, with
fresh listings, until a grace a little longer than that timeout has passed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING

from .errors import SnoozeError
from .identity import Fingerprint, Presence, Resolution, VmRecord, judge_at_home, match_in_listing
from .models import VirtualMachineMetaData
from .snapshot import LISTING_TTL, Listing
from .waiting import Pace

if TYPE_CHECKING:
    from .client import SnoozeClient  # the client (and httpx) load only once configured

__all__ = ["REJOIN_GRACE", "Tracker"]

# Group managers notice a dead leader after their 10 s heartbeat timeout, then rejoin the new one.
REJOIN_GRACE = 15.0


class Tracker:
    def __init__(self, client: SnoozeClient, pace: Pace, grace: float = REJOIN_GRACE) -> None:
        self.client = client
        self.pace = pace
        self.grace = grace

    def resolve(
        self,
        records: Mapping[str, VmRecord],
        *,
        max_age: float = LISTING_TTL,
        deadline: float | None = None,
    ) -> dict[str, Resolution]:
        """Each record FOUND, GONE or AMBIGUOUS, or UNSEEN once the grace (or deadline) is over.

        A listing that fails raises: nothing is ever concluded from a failed listing.
        """
        give_up = self.pace.clock() + self.grace
        if deadline is not None:
            give_up = min(give_up, deadline)
        resolved: dict[str, Resolution] = {}
        todo = dict(records)
        listing: Listing | None = None
        last_unseen: dict[str, Resolution] = {}
        for _ in self.pace.polls(give_up):
            listing = (
                self.client.listing(max_age=max_age)
                if listing is None
                else self.client.listing(max_age=0.0, newer_than=listing)
            )
            unseen = {}
            for name, record in todo.items():
                resolution = self._resolve_one(record, listing)
                if resolution.presence is Presence.UNSEEN:
                    unseen[name] = resolution
                else:
                    resolved[name] = resolution
            todo = {name: records[name] for name in unseen}
            if not todo:
                break
            last_unseen = unseen
        if todo:
            resolved.update(last_unseen)
        return resolved

    def _resolve_one(self, record: VmRecord, listing: Listing) -> Resolution:
        found = match_in_listing(record, listing.named(record.name))
        if found is not None:
            return found
        location = record.location
        if not location.group_manager_control_data_address.known:
            return Resolution(
                Presence.UNSEEN, reason="no listing shows it and its group manager is not recorded"
            )
        try:
            answer = self.client.get_virtual_machine_metadata(location)
        except SnoozeError as error:
            return Resolution(
                Presence.UNSEEN, reason=f"no listing shows it and its group manager failed: {error}"
            )
        return judge_at_home(record, answer)

    def taken(
        self, names: Iterable[str], *, mine: Collection[Fingerprint] = (), max_age: float = LISTING_TTL
    ) -> dict[str, list[VirtualMachineMetaData]]:
        """The VMs Snooze runs under each of `names`, other than `mine`, in a listing at most
        `max_age` old. Any VM counts, whatever its status: Snooze checks no name (spec 4)."""
        listing = self.client.listing(max_age=max_age)
        taken = {}
        for name in names:
            others = [vm for vm in listing.named(name) if not _is_one_of(vm, mine)]
            if others:
                taken[name] = others
        return taken


def _is_one_of(vm: VirtualMachineMetaData, fingerprints: Collection[Fingerprint]) -> bool:
    if not fingerprints:
        return False
    seen = Fingerprint.of(vm)
    return any(f.matches(seen) for f in fingerprints)

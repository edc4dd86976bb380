"""Destroying recorded VM instances: only ours, at their exact location, and promptly.

Each record is resolved first (tracking.py). One already gone counts as destroyed at once; a VM of
the same name with another fingerprint is somebody else's and is neither touched nor waited for.
Ours is destroyed with the group manager form at the location it was found at (never by name),
again while its group manager answers `false` because it is busy, and is gone once no listing
shows it and its group manager answers the OFFLINE stub there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from .errors import SnoozeError
from .identity import Fingerprint, Presence, VmRecord, judge_at_home, match_in_listing
from .models import SHUTDOWN_PENDING, VirtualMachineMetaData
from .snapshot import Listing
from .tracking import Tracker

if TYPE_CHECKING:
    from .client import SnoozeClient  # the client (and httpx) load only once configured

__all__ = ["Removal"]


class Removal:
    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.client: SnoozeClient = tracker.client
        self.pace = tracker.pace

    def destroy(
        self, records: Mapping[str, VmRecord], deadline: float, on_gone: Callable[[str], None]
    ) -> dict[str, str]:
        """Destroys every record that is ours; `on_gone(name)` the moment Snooze has it no more.

        Returns, for each VM not known to be gone by the deadline, why.
        """
        problems: dict[str, str] = {}
        doomed: dict[str, VmRecord] = {}
        for name, resolution in self.tracker.resolve(records, max_age=0.0, deadline=deadline).items():
            if resolution.presence is Presence.GONE:
                on_gone(name)
            elif resolution.presence is Presence.FOUND:
                vm = resolution.found
                doomed[name] = VmRecord(Fingerprint.of(vm), vm.location)
                if vm.status != SHUTDOWN_PENDING:
                    self._order(name, vm, doomed, deadline, problems)
            else:
                problems[name] = f"it was not destroyed: {resolution.reason}"
        waiting = {name: record for name, record in doomed.items() if name not in problems}
        self._wait_until_gone(waiting, deadline, on_gone, problems)
        return problems

    def _order(
        self,
        name: str,
        vm: VirtualMachineMetaData,
        doomed: dict[str, VmRecord],
        deadline: float,
        problems: dict[str, str],
    ) -> None:
        """destroyVirtualMachine until accepted: `false` means busy, or no longer there."""
        record = doomed[name]
        answer = "no answer"
        for _ in self.pace.polls(deadline):
            try:
                if self.client.command("destroy", record.location):
                    return
                current = judge_at_home(record, self.client.get_virtual_machine_metadata(record.location))
            except SnoozeError as error:
                answer = str(error)
                continue
            if current.presence is Presence.GONE or current.found.status == SHUTDOWN_PENDING:
                return  # destroyed meanwhile (a lost answer to an earlier order, or Snooze itself)
            manager = vm.location.group_manager_control_data_address.base_url
            answer = f"its group manager at {manager} kept answering false (busy)"
        problems[name] = f"Snooze did not accept its destruction before the timeout: {answer}"

    def _wait_until_gone(
        self,
        waiting: dict[str, VmRecord],
        deadline: float,
        on_gone: Callable[[str], None],
        problems: dict[str, str],
    ) -> None:
        listing: Listing | None = None
        for _ in self.pace.polls(deadline):
            if not waiting:
                return
            try:
                listing = self.client.listing(max_age=0.0, newer_than=listing)
            except SnoozeError:
                continue
            for name, record in list(waiting.items()):
                if match_in_listing(record, listing.named(name)) is None and self._gone_at_home(record):
                    del waiting[name]
                    on_gone(name)
        for name in waiting:
            problems[name] = "Snooze still listed it when the timeout ran out"

    def _gone_at_home(self, record: VmRecord) -> bool:
        try:
            answer = self.client.get_virtual_machine_metadata(record.location)
        except SnoozeError:
            return False
        return judge_at_home(record, answer).presence is Presence.GONE

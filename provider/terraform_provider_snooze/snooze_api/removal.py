"""Destroying recorded VM instances: only ours, at their exact location, and promptly.

Each record is resolved first (tracking.py). One already gone counts as destroyed at once; a VM of
the same name with another fingerprint is somebody else's and is neither touched nor waited for.
Ours is destroyed with the group manager form at the location it was found at (never by name),
again while its group manager answers `false` because it is busy, and is gone once no listing
shows it and its group manager answers the OFFLINE stub there.

Gracefully (`shutdown_for` seconds): each VM is first asked to shut down (ACPI, spec 6.2); those
that power off within that time are gone, and the rest (a guest that ignores ACPI stays
SHUTDOWN_PENDING for good, a paused one cannot take the order) are then destroyed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from .errors import SnoozeError
from .identity import Fingerprint, Presence, VmRecord, judge_at_home, match_in_listing
from .models import RUNNING, VirtualMachineMetaData
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
        self,
        records: Mapping[str, VmRecord],
        deadline: float,
        on_gone: Callable[[str], None],
        shutdown_for: float = 0.0,
    ) -> dict[str, str]:
        """Destroys every record that is ours; `on_gone(name)` the moment Snooze has it no more.

        Returns, for each VM not known to be gone by the deadline, why.
        """
        problems: dict[str, str] = {}
        doomed: dict[str, VirtualMachineMetaData] = {}
        for name, resolution in self.tracker.resolve(records, max_age=0.0, deadline=deadline).items():
            if resolution.presence is Presence.GONE:
                on_gone(name)
            elif resolution.presence is Presence.FOUND:
                doomed[name] = resolution.found
            else:
                problems[name] = f"it was not destroyed: {resolution.reason}"
        if shutdown_for > 0:
            self._shut_down(doomed, min(deadline, self.pace.clock() + shutdown_for), on_gone)
        # Destroyed whatever its status: SHUTDOWN_PENDING may be a guest that ignores ACPI.
        for name, vm in doomed.items():
            self._order(name, vm, deadline, problems)
        waiting = {name: _record(vm) for name, vm in doomed.items() if name not in problems}
        left = self._wait_until_gone(waiting, deadline, on_gone)
        problems.update(dict.fromkeys(left, "Snooze still listed it when the timeout ran out"))
        return problems

    def _shut_down(
        self, doomed: dict[str, VirtualMachineMetaData], until: float, on_gone: Callable[[str], None]
    ) -> None:
        """ACPI shutdown first; what powers off by `until` is gone (and leaves `doomed`)."""
        asked = {}
        for name, vm in doomed.items():
            if vm.status == RUNNING and self._ask_shutdown(vm, until):
                asked[name] = _record(vm)
        left = self._wait_until_gone(asked, until, on_gone)
        for name in set(asked) - set(left):
            del doomed[name]

    def _ask_shutdown(self, vm: VirtualMachineMetaData, until: float) -> bool:
        """shutdownVirtualMachine until accepted (`false`: busy) or `until`."""
        for _ in self.pace.polls(until):
            try:
                if self.client.command("shutdown", vm.location):
                    return True
            except SnoozeError:
                continue
        return False

    def _order(
        self,
        name: str,
        vm: VirtualMachineMetaData,
        deadline: float,
        problems: dict[str, str],
    ) -> None:
        """destroyVirtualMachine until accepted: `false` means busy, or no longer there."""
        record = _record(vm)
        answer = "no answer"
        for _ in self.pace.polls(deadline):
            try:
                if self.client.command("destroy", record.location):
                    return
                current = judge_at_home(record, self.client.get_virtual_machine_metadata(record.location))
            except SnoozeError as error:
                answer = str(error)
                continue
            if current.presence is Presence.GONE:
                return  # destroyed meanwhile (a lost answer to an earlier order, or Snooze itself)
            manager = vm.location.group_manager_control_data_address.base_url
            answer = f"its group manager at {manager} kept answering false (busy)"
        problems[name] = f"Snooze did not accept its destruction before the timeout: {answer}"

    def _wait_until_gone(
        self, waiting: dict[str, VmRecord], deadline: float, on_gone: Callable[[str], None]
    ) -> dict[str, VmRecord]:
        """Until each is gone, or the deadline; those still there then."""
        waiting = dict(waiting)
        listing: Listing | None = None
        for _ in self.pace.polls(deadline):
            if not waiting:
                break
            try:
                listing = self.client.listing(max_age=0.0, newer_than=listing)
            except SnoozeError:
                continue
            for name, record in list(waiting.items()):
                if match_in_listing(record, listing.named(name)) is None and self._gone_at_home(record):
                    del waiting[name]
                    on_gone(name)
        return waiting

    def _gone_at_home(self, record: VmRecord) -> bool:
        try:
            answer = self.client.get_virtual_machine_metadata(record.location)
        except SnoozeError:
            return False
        return judge_at_home(record, answer).presence is Presence.GONE


def _record(vm: VirtualMachineMetaData) -> VmRecord:
    """The instance as resolved now: where it is, and what identifies it."""
    return VmRecord(Fingerprint.of(vm), vm.location)

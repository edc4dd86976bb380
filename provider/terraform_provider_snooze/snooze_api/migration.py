"""Live migration of one recorded VM instance, failing fast when Snooze can tell (spec 6.4).

There is no task to wait on: the leader answers `true` and its source group manager drops the
order when busy. So the VM is watched at its group manager, ordered again when it has not moved
for a while, and the wait ends with an error within one poll when the VM disappears or when the
source or destination host leaves the leader's host list (a host that went down).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .errors import SnoozeError, SnoozeRejectedError, SnoozeTimeoutError
from .identity import Presence, Resolution, VmRecord, judge_at_home, match_in_listing
from .models import LocalControllerDescription, VirtualMachineLocation, VirtualMachineMetaData
from .tracking import Tracker
from .waiting import Backoff

if TYPE_CHECKING:
    from .client import SnoozeClient  # the client (and httpx) load only once configured

__all__ = ["MIGRATION_REORDER_AFTER", "Migration", "SnoozeMigrationError"]

# The source group manager drops an order while busy (spec 6.4a): order again after this long.
MIGRATION_REORDER_AFTER = 10.0
POLL_CAP = 3.0  # seconds between polls at most: a failure is noticed within seconds
REFUSALS = 3  # `false` answers, with both hosts known, before the leader's refusal counts


class SnoozeMigrationError(SnoozeError):
    """The migration cannot complete: the VM or one of the two hosts is gone, or it was refused."""


class Migration:
    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.client: SnoozeClient = tracker.client
        pace = tracker.pace
        self.pace = replace(pace, backoff=Backoff(pace.backoff.first, min(pace.backoff.cap, POLL_CAP)))

    def migrate(self, record: VmRecord, destination_id: str, deadline: float) -> VirtualMachineMetaData:
        """Moves the VM to local controller `destination_id`; its record there once it arrived."""
        name = record.name
        resolution = self.tracker.resolve({name: record}, max_age=0.0, deadline=deadline)[name]
        if resolution.presence is not Presence.FOUND:
            raise SnoozeMigrationError(f"{name} cannot be migrated: {resolution.reason or 'it is gone'}")
        vm = resolution.found
        source_id = vm.location.local_controller_id
        if source_id == destination_id:
            return vm
        hosts = self._hosts(name, source_id, destination_id)
        destination = hosts[destination_id]
        started = self.pace.clock()
        ordered_at, refusals = started - MIGRATION_REORDER_AFTER - 1, 0
        for _ in self.pace.polls(deadline):
            if self.pace.clock() - ordered_at > MIGRATION_REORDER_AFTER:
                refusals = self._order(vm.location, destination, refusals, source_id)
                ordered_at = self.pace.clock() if refusals == 0 else ordered_at
            current = self._where(record, vm, destination)
            if current.presence is Presence.FOUND:
                vm = current.found
                if vm.location.local_controller_id == destination_id:
                    return vm
            elif current.presence is Presence.GONE:
                self._hosts(name, source_id, destination_id)  # a host down explains it best
                raise SnoozeMigrationError(
                    f"{name} disappeared from Snooze while migrating from local controller {source_id} to "
                    f"{destination_id} ({current.reason})"
                )
            self._hosts(name, source_id, destination_id)
        raise SnoozeTimeoutError(
            f"the migration of {name} to local controller {destination_id}",
            self.pace.clock() - started,
            f"{name} is still on local controller {vm.location.local_controller_id}",
        )

    def _hosts(self, name: str, source_id: str, destination_id: str) -> dict[str, LocalControllerDescription]:
        """The leader's hosts; raises when the source or the destination is not among them."""
        hosts = {lc.id: lc for lc in self.client.local_controllers()}
        for role, host in (("destination", destination_id), ("source", source_id)):
            if host not in hosts:
                raise SnoozeMigrationError(
                    f"cannot migrate {name}: its {role} local controller {host} is not in Snooze's host "
                    f"list (down, or no such host; data.snooze_local_controllers lists the {len(hosts)} it has)"
                )
        return hosts

    def _order(
        self,
        source: VirtualMachineLocation,
        destination: LocalControllerDescription,
        refusals: int,
        source_id: str,
    ) -> int:
        """Orders the migration; the count of refusals so far (0 once an order was taken)."""
        name = source.virtual_machine_id
        if self.client.order_migration(source, destination):
            return 0
        # The leader says false when it does not know one of the hosts: check which.
        self._hosts(name, source_id, destination.id)
        if refusals + 1 >= REFUSALS:
            raise SnoozeRejectedError(
                f"the group leader refused to migrate {name} to {destination.id} {REFUSALS} times although "
                "it lists both hosts"
            )
        return refusals + 1

    def _where(
        self, record: VmRecord, last: VirtualMachineMetaData, destination: LocalControllerDescription
    ) -> Resolution:
        """Where the VM is now: at its last location, at the destination, or anywhere listed."""
        mine = VmRecord(record.fingerprint, last.location)
        try:
            here = judge_at_home(mine, self.client.get_virtual_machine_metadata(last.location))
            if here.presence is Presence.FOUND:
                return here
            arrived = VirtualMachineLocation(
                virtual_machine_id=record.name,
                local_controller_id=destination.id,
                local_controller_control_data_address=destination.control_data_address,
                group_manager_id=destination.group_manager_id,
                group_manager_control_data_address=destination.group_manager_address,
            )
            there = judge_at_home(mine, self.client.get_virtual_machine_metadata(arrived))
            if there.presence is Presence.FOUND:
                return there
            listed = match_in_listing(mine, self.client.listing(max_age=0.0).named(record.name))
        except SnoozeError as error:
            return Resolution(Presence.UNSEEN, reason=str(error))
        return listed or Resolution(Presence.GONE, reason="neither host nor any listing has it")

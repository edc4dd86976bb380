"""Changing one of our VMs in place: resize, suspend and resume (spec 6.2, 6.5, 7.2).

Every command acts on the instance resolved as ours in this operation, at the location Snooze
shows it (tracking.py), with the group manager form: never by name. A busy group manager answers
`false` to a command and nothing to a resize: asked again until the deadline. A `false` may also
mean that an earlier order whose answer was lost already took effect, or that the VM is no longer
there or in another status: its group manager's record then tells which. A resize the host cannot
do is a 500 (spec 12.16); the planner only asks for resizes Snooze can do, so a 500 is tried again
a few times (a fault may look the same) before it is reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import SnoozeError, SnoozeHTTPError, SnoozeRejectedError, SnoozeTimeoutError
from .identity import Presence, VmRecord, judge_at_home
from .models import RUNNING, NetworkDemand, VirtualMachineMetaData
from .sizing import Size, recorded_size, resized_capacity
from .tracking import Tracker

if TYPE_CHECKING:
    from .client import SnoozeClient  # the client (and httpx) load only once configured

__all__ = ["PAUSED", "InPlace"]

PAUSED = "PAUSED"
# Each power command: the status it applies to, and the status it leaves.
POWER = {"suspend": (RUNNING, PAUSED), "resume": (PAUSED, RUNNING)}
RESIZE_ATTEMPTS = 3  # 500 answers before a resize counts as refused


class InPlace:
    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.client: SnoozeClient = tracker.client
        self.pace = tracker.pace

    def locate(self, record: VmRecord, deadline: float) -> VirtualMachineMetaData:
        """Our instance, where Snooze has it now; raises when it is not (certainly) there."""
        resolution = self.tracker.resolve({record.name: record}, max_age=0.0, deadline=deadline)[record.name]
        if resolution.presence is not Presence.FOUND:
            raise SnoozeRejectedError(
                f"{record.name} was not changed: {resolution.reason or 'Snooze no longer has it'}"
            )
        return resolution.found

    def power(self, record: VmRecord, command: str, deadline: float) -> VirtualMachineMetaData:
        """suspend or resume the VM; its group manager's record once it has the new status."""
        source, target = POWER[command]
        vm = self.locate(record, deadline)
        started = self.pace.clock()
        for _ in self.pace.polls(deadline):
            if vm.status == target:
                return vm
            if vm.status != source:
                raise SnoozeRejectedError(
                    f"{record.name} cannot be {command}ed: Snooze reports it {vm.status}"
                )
            try:
                self.client.command(command, vm.location)  # false: busy (or done by a lost order)
                vm = self._at_home(record, vm)
            except SnoozeRejectedError:
                raise
            except SnoozeError:
                continue  # asked again: a second suspend or resume answers false and changes nothing
        raise SnoozeTimeoutError(
            f"Snooze to {command} {record.name}", self.pace.clock() - started, f"it is still {vm.status}"
        )

    def resize(
        self, record: VmRecord, size: Size, network: NetworkDemand, deadline: float
    ) -> VirtualMachineMetaData:
        """Resizes the running VM to `size`; the host's record of it afterwards."""
        vm = self.locate(record, deadline)
        capacity = resized_capacity(size, network)
        started, refusals, why = self.pace.clock(), 0, "its group manager stayed busy"
        for _ in self.pace.polls(deadline):
            if vm.status != RUNNING:
                raise SnoozeRejectedError(
                    f"{record.name} cannot be resized: Snooze reports it {vm.status} (it resizes only "
                    "running VMs)"
                )
            try:
                answer = self.client.resize(vm.location, capacity)
            except SnoozeHTTPError as error:
                refusals += 1
                if error.status < 500 or refusals >= RESIZE_ATTEMPTS:
                    raise SnoozeRejectedError(
                        f"Snooze did not resize {record.name} to {size}: {error} (past its boot-time "
                        "maximum, or the host failed)"
                    ) from None
                why, vm = str(error), self._maybe_at_home(record, vm)
                continue
            except SnoozeError as error:
                why = str(error)
                continue
            if answer is not None:
                return _checked(record.name, answer, size)
        raise SnoozeTimeoutError(f"Snooze to resize {record.name}", self.pace.clock() - started, why)

    def _maybe_at_home(self, record: VmRecord, last: VirtualMachineMetaData) -> VirtualMachineMetaData:
        """`_at_home`, or `last` when its group manager does not answer usefully."""
        try:
            return self._at_home(record, last)
        except SnoozeRejectedError:
            raise
        except SnoozeError:
            return last

    def _at_home(self, record: VmRecord, last: VirtualMachineMetaData) -> VirtualMachineMetaData:
        """The VM's record at its group manager now; raises once it is no longer ours there."""
        answer = self.client.get_virtual_machine_metadata(last.location)
        current = judge_at_home(VmRecord(record.fingerprint, last.location), answer)
        if current.presence is not Presence.FOUND:
            raise SnoozeRejectedError(f"{record.name} disappeared from Snooze ({current.reason})")
        return current.found


def _checked(name: str, answer: VirtualMachineMetaData, size: Size) -> VirtualMachineMetaData:
    got = recorded_size(answer)
    if got != size:
        raise SnoozeRejectedError(f"Snooze answered the resize of {name} to {size} with {got or 'no size'}")
    return answer

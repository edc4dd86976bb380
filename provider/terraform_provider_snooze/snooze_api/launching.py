"""Starting VMs: claim their names, submit once, and learn what became of each, whatever happens.

1. Claim: a name Snooze already runs, under any fingerprint, is refused (Snooze checks none).
2. Submit once. An answer that is not a task id, a lost connection or a silence after sending
   leaves the submission ambiguous: it may have been queued. It is never repeated blindly.
3. Settle: with a task id, poll its one-shot result (one request per poll for the whole batch;
   in turn with the other submissions this process waits for at the same leader, turns.py).
   When the result is lost or there never was a task id, reconcile by name: wait long enough for
   any copy of the request still on its way to reach the leader, then send a barrier (an empty
   virtual cluster) to the same leader. Its queue is FIFO with one worker (spec 6.1.2-6.1.3), so
   once the barrier's result exists every earlier submission has finished, and a listing shows
   exactly which VMs started. After a leader change the old queue is gone: wait for the group
   managers to rejoin the new leader instead, then list. A VM that appeared is ours; one proven
   not started is submitted again, once; one whose fate is still unknown at the deadline is
   reported unknown, never submitted again.
4. Post-check: a VM of one of our names that is not ours (another configuration raced past the
   claim) makes us yield: our instance is destroyed, so no duplicate survives.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .errors import SnoozeError, SnoozeUnreachableError
from .identity import Fingerprint, VmRecord
from .models import (
    RUNNING,
    SHUTDOWN_PENDING,
    Submission,
    VirtualClusterResponse,
    VirtualMachineMetaData,
    VirtualMachineTemplate,
)
from .removal import Removal
from .snapshot import Listing
from .tracking import Tracker
from .turns import polls_in_turn

if TYPE_CHECKING:
    from .client import SnoozeClient  # the client (and httpx) load only once configured

__all__ = ["Fate", "Launcher", "Outcome"]

CLAIM_MAX_AGE = 2.0  # a listing that recent counts as taken just before submitting
LEADER_CHECK_EVERY = 5  # empty polls between checks that the leader that took the task still leads
# Codes with which Snooze may flag a VM that runs nevertheless (spec 6.1.4, 12.14).
UNSURE_CODES = ("UNABLE_TO_COLLECT_GROUP_MANAGER_RESPONSE", "UNKNOWN", "")


class Fate(enum.Enum):
    STARTED = "started"  # ours and running: `metadata` is its group manager's record
    FAILED = "failed"  # Snooze says it did not start: `error_code`
    NOT_STARTED = "not started"  # proven never started: it may be submitted again
    UNKNOWN = "unknown"  # not known by the deadline: never to be submitted again blindly
    REFUSED = "refused"  # the name was taken: `others` run under it
    YIELDED = "yielded"  # another VM took the name concurrently; ours was destroyed (or `metadata`)


@dataclass(frozen=True)
class Outcome:
    fate: Fate
    metadata: VirtualMachineMetaData | None = None
    error_code: str = ""
    detail: str = ""
    others: tuple[VirtualMachineMetaData, ...] = ()
    pollable: bool = False  # UNKNOWN with its one-shot result still unread at the leader


class _Stop(enum.Enum):
    LOST = "the result may have been read by a poll whose answer was lost"
    LEADER_CHANGED = "the group leader changed"
    TIMED_OUT = "the deadline came first"
    DRAINED = "every earlier submission finished"


class Launcher:
    def __init__(self, tracker: Tracker, report: Callable[[str], None] = lambda text: None) -> None:
        self.tracker = tracker
        self.client: SnoozeClient = tracker.client
        self.pace = tracker.pace
        self.report = report

    # -- the whole launch ----------------------------------------------------------------------------

    def launch(
        self,
        templates: Mapping[str, VirtualMachineTemplate],
        deadline: float,
        on_submitted: Callable[[Submission, list[str]], None],
    ) -> dict[str, Outcome]:
        """Starts the VMs keyed by name; `on_submitted` runs right after each submission call."""
        outcomes: dict[str, Outcome] = {}
        batch = dict(templates)
        for attempt in (1, 2):
            taken = self.tracker.taken(batch, max_age=CLAIM_MAX_AGE)
            outcomes.update({name: Outcome(Fate.REFUSED, others=tuple(vms)) for name, vms in taken.items()})
            free = {name: template for name, template in batch.items() if name not in taken}
            if not free:
                break
            managers = tuple(sorted({lc.group_manager_id for lc in self.client.leader_local_controllers()}))
            submission = replace(self.client.submit(list(free.values())), managers=managers)
            on_submitted(submission, list(free))
            settled = self.settle(list(free), submission, deadline, in_turn=True)
            outcomes.update(settled)
            batch = {name: free[name] for name, o in settled.items() if o.fate is Fate.NOT_STARTED}
            if batch and attempt == 1:
                self.report(f"Snooze did not start {_names(batch)}: submitting again, once")
        self._post_check(outcomes, deadline)
        return outcomes

    # -- settling one submission ---------------------------------------------------------------------

    def settle(
        self,
        names: Sequence[str],
        submission: Submission,
        deadline: float,
        *,
        result_read: bool = False,
        in_turn: bool = False,
    ) -> dict[str, Outcome]:
        """What became of each VM of `submission` (possibly sent by an earlier process).

        `in_turn`: this process just sent it; it polls in turn with the others it sent to the
        same leader (turns.py). One sent earlier, its result perhaps ready, is polled at once.
        """
        stop = _Stop.LOST
        if submission.task_id is not None and not result_read:
            waited = self._wait_for_result(submission, deadline, in_turn)
            if isinstance(waited, VirtualClusterResponse):
                return self._from_result(names, submission, waited, deadline)
            stop = waited
        elif submission.ambiguous:
            self.report(
                f"Snooze's answer to the submission of {_names(names)} is unusable "
                f"({submission.trouble}): reconciling by name"
            )
        if stop is _Stop.TIMED_OUT:
            return self._at_deadline(names, pollable=True)
        if stop is not _Stop.LEADER_CHANGED:
            stop = self._drain(submission, deadline)
        if stop is _Stop.LEADER_CHANGED:
            self.report(
                f"The group leader changed while {_names(names)} were pending: waiting for its group "
                "managers to rejoin the new one"
            )
            stop = self._await_rejoin(submission, deadline)
        if stop is not _Stop.DRAINED:
            return self._at_deadline(names)
        listing = self.client.listing(max_age=0.0)
        return {name: _by_presence(name, listing, proven=True) for name in names}

    def _wait_for_result(
        self, submission: Submission, deadline: float, in_turn: bool
    ) -> VirtualClusterResponse | _Stop:
        if not in_turn:
            return self._poll(submission, self.pace.polls(deadline))
        with self.client.turns.waiting(submission.leader.id, submission.sent_at) as turn:
            return self._poll(submission, polls_in_turn(turn, self.pace, deadline))

    def _poll(self, submission: Submission, polls: Iterator[object]) -> VirtualClusterResponse | _Stop:
        empty_polls = 0
        for _ in polls:
            try:
                result = self.client.poll(submission)
            except SnoozeError as error:
                if _never_sent(error):
                    if self._leader_changed(submission):
                        return _Stop.LEADER_CHANGED
                    continue
                self.report(
                    f"A poll of task {submission.task_id} failed after it was sent ({error}): "
                    "its one-shot result may be lost; reconciling through a barrier"
                )
                return _Stop.LOST
            if result is not None:
                return result
            empty_polls += 1
            if empty_polls % LEADER_CHECK_EVERY == 0 and self._leader_changed(submission):
                return _Stop.LEADER_CHANGED
        return _Stop.TIMED_OUT

    def _drain(self, submission: Submission, deadline: float) -> _Stop:
        """Waits until every submission the leader queued before now has finished (see above)."""
        # A request that got no answer may still be on its way to the queue: give it the grace.
        if submission.in_flight and not self.pace.wait_until(
            submission.sent_at + self.tracker.grace, deadline
        ):
            return _Stop.TIMED_OUT
        barrier: Submission | None = None
        for _ in self.pace.polls(deadline):
            try:
                if barrier is None or barrier.ambiguous:
                    if barrier is not None and self._leader_changed(submission):
                        return _Stop.LEADER_CHANGED
                    barrier = self.client.barrier(submission.leader)
                elif self.client.poll(barrier) is not None:
                    return _Stop.DRAINED
            except SnoozeError as error:
                if _never_sent(error) and self._leader_changed(submission):
                    return _Stop.LEADER_CHANGED
                barrier = None  # its answer or its result may be lost: another barrier
        return _Stop.TIMED_OUT

    def _await_rejoin(self, submission: Submission, deadline: float) -> _Stop:
        """After a leader change, until a VM not listed can be taken for never started: the
        grace has passed (a group manager may still be starting what the dead leader handed it,
        and rejoins only after its heartbeat timeout), and every group manager that managed hosts
        when `submission` was sent manages hosts under the new leader again (until then listings
        miss its VMs, however long that takes)."""
        if not self.pace.wait_until(self.pace.clock() + self.tracker.grace, deadline):
            return _Stop.TIMED_OUT
        if not submission.managers:  # a submission recorded by an older version
            return _Stop.DRAINED
        for _ in self.pace.polls(deadline):
            try:
                leader = self.client.group_leader(refresh=True).id
                joined = {lc.group_manager_id for lc in self.client.leader_local_controllers()}
            except SnoozeError:
                continue
            # The new leader was one of them: its hosts went to the others.
            if set(submission.managers) - {leader} <= joined:
                return _Stop.DRAINED
        return _Stop.TIMED_OUT

    def _leader_changed(self, submission: Submission) -> bool:
        try:
            return self.client.group_leader(refresh=True).id != submission.leader.id
        except SnoozeError:
            return False  # an election under way, or the bootstrap away: ask again later

    # -- what the VMs became -------------------------------------------------------------------------

    def _from_result(
        self, names: Sequence[str], submission: Submission, result: VirtualClusterResponse, deadline: float
    ) -> dict[str, Outcome]:
        if result.error_code == "GROUP_MANAGERS_MISSING":
            # No group manager had joined the leader yet (just elected): none started.
            self._await_rejoin(submission, deadline)
            return {name: Outcome(Fate.NOT_STARTED, error_code=result.error_code) for name in names}
        if result.error_code:
            return {name: Outcome(Fate.FAILED, error_code=result.error_code) for name in names}
        listing = self._listing()
        entries = {vm.name: vm for vm in result.virtual_machines}
        return {name: self._judge(name, entries.get(name), listing) for name in names}

    def _judge(self, name: str, entry: VirtualMachineMetaData | None, listing: Listing | None) -> Outcome:
        """The result's word on one VM, checked against what the group managers list."""
        if entry is not None and entry.status == RUNNING:
            return self._running(name, entry, listing)
        if entry is not None and entry.error_code not in UNSURE_CODES:
            return Outcome(Fate.FAILED, error_code=entry.error_code)
        if listing is None:
            return Outcome(Fate.UNKNOWN, detail="Snooze could not list its VMs to check it")
        outcome = _by_presence(name, listing, proven=True)
        if outcome.fate is not Fate.NOT_STARTED:
            return outcome
        if entry is None:
            return Outcome(Fate.FAILED, detail="the group leader dropped its template (no such image?)")
        return Outcome(Fate.FAILED, error_code=entry.error_code or entry.status)

    def _running(self, name: str, entry: VirtualMachineMetaData, listing: Listing | None) -> Outcome:
        """Reported running at a local controller, where Snooze keeps one VM of a name at most."""
        host = entry.location.local_controller_id
        if listing is not None:
            here = [vm for vm in listing.named(name) if vm.location.local_controller_id == host]
            if here:
                return Outcome(Fate.STARTED, here[0])
        try:
            answer = self.client.get_virtual_machine_metadata(entry.location)
        except SnoozeError as error:
            return Outcome(
                Fate.UNKNOWN, detail=f"Snooze reported it running but its group manager failed: {error}"
            )
        if answer.is_gone:
            return Outcome(Fate.UNKNOWN, detail=f"Snooze reported it running on {host} but does not list it")
        return Outcome(Fate.STARTED, answer)

    def _at_deadline(self, names: Sequence[str], pollable: bool = False) -> dict[str, Outcome]:
        """The deadline came before Snooze said: a VM that already appeared is ours anyway."""
        listing = self._listing()
        unknown = Outcome(
            Fate.UNKNOWN, detail="Snooze had not said whether it started by the timeout", pollable=pollable
        )
        if listing is None:
            return dict.fromkeys(names, unknown)
        return {
            name: outcome
            if (outcome := _by_presence(name, listing, proven=False)).fate is Fate.STARTED
            else unknown
            for name in names
        }

    def _listing(self) -> Listing | None:
        try:
            return self.client.listing(max_age=0.0)
        except SnoozeError:
            return None

    # -- concurrency ---------------------------------------------------------------------------------

    def _post_check(self, outcomes: dict[str, Outcome], deadline: float) -> None:
        """Yields every name another VM took concurrently: our instance of it is destroyed."""
        started = {name: o.metadata for name, o in outcomes.items() if o.fate is Fate.STARTED and o.metadata}
        if not started:
            return
        try:
            listing = self.client.listing(max_age=1.0)
        except SnoozeError:
            return  # the next plan's claim and refresh see any duplicate
        rivals = {name: _rivals(vm, listing) for name, vm in started.items()}
        rivals = {name: others for name, others in rivals.items() if others}
        if not rivals:
            return
        self.report(f"Another VM of the same name appeared concurrently for {_names(rivals)}: yielding")
        records = {name: VmRecord(Fingerprint.of(started[name]), started[name].location) for name in rivals}
        problems = Removal(self.tracker).destroy(records, deadline, lambda name: None)
        for name, others in rivals.items():
            kept = started[name] if name in problems else None
            outcomes[name] = Outcome(Fate.YIELDED, kept, detail=problems.get(name, ""), others=tuple(others))


def _rivals(ours: VirtualMachineMetaData, listing: Listing) -> list[VirtualMachineMetaData]:
    mine = Fingerprint.of(ours)
    return [
        vm
        for vm in listing.named(ours.name)
        if vm.status != SHUTDOWN_PENDING and not mine.matches(Fingerprint.of(vm))
    ]


def _by_presence(name: str, listing: Listing, *, proven: bool) -> Outcome:
    """Reconciling by name: the names were free before the submission, so one that runs now is
    ours. None running is proof it never started only once the submission is known to be over."""
    named = listing.named(name)
    if len(named) == 1:
        return Outcome(Fate.STARTED, named[0])
    if named:
        return Outcome(
            Fate.UNKNOWN, detail=f"{len(named)} VMs named {name!r} appeared; Snooze cannot tell which"
        )
    if proven:
        return Outcome(Fate.NOT_STARTED)
    return Outcome(Fate.UNKNOWN, detail="Snooze had not said whether it started by the timeout")


def _never_sent(error: SnoozeError) -> bool:
    return isinstance(error, SnoozeUnreachableError) and not error.request_sent


def _names(names: Sequence[str] | Mapping[str, object]) -> str:
    return ", ".join(sorted(names))

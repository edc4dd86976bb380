"""Carrying out an apply on Snooze, VM by VM, each step recorded the moment Snooze confirms it.

An update goes in an order that never loses capacity needlessly: PENDING VMs of earlier runs are
reconciled; removed VMs are destroyed; VMs to recreate are destroyed (once their names are shown
to be ours alone) and started again; then each VM kept is changed in place (resume, migrate,
resize, pause); new VMs start last. A VM is started in the power state asked: Snooze starts it
running, and it is paused right away. A failure on one VM is reported on its key and leaves the
others to go on; the record then says what Snooze did, not what was asked.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from ..runtime import cty
from ..runtime.diagnostics import DiagnosticError
from ..runtime.interfaces import OperationCancelled
from ..session import BoundSession
from ..snooze_api import Fate
from .config import VMS, template_for
from .messages import taken_error
from .planner import Action, Decision, Step, Wanted, decide
from .state import PAUSED, VmState
from .working import Working

__all__ = ["Applying"]

log = logging.getLogger("terraform_provider_snooze.virtual_cluster")

_POWER_COMMANDS = {Step.PAUSE: "suspend", Step.RESUME: "resume"}


class Applying:
    def __init__(self, snooze: BoundSession, working: Working, deadline: float, shutdown_for: float) -> None:
        self.snooze = snooze
        self.working = working
        self.deadline = deadline
        self.shutdown_for = shutdown_for

    # -- an update, in order -------------------------------------------------------------------------

    def update(self, config_vms: Mapping[str, Any], planned_vms: Mapping[str, Any]) -> None:
        prior = dict(self.working.vms)
        not_started = self.reconcile()
        self.destroy(sorted(set(self.working.vms) - set(planned_vms)))
        decisions = {
            name: decide(prior.get(name), Wanted.of(config_vms[name]))
            for name in sorted(planned_vms)
            if isinstance(config_vms.get(name), dict)
        }
        recreated = [name for name, d in decisions.items() if d.action is Action.RECREATE]
        self.recreate(recreated, planned_vms)
        for name, decision in decisions.items():
            if name in self.working.vms and name not in recreated:
                self.change(name, decision, planned_vms[name], config_vms[name])
        # New names, and PENDING ones proven never started; not those that failed just now.
        missing = sorted(set(planned_vms) - set(self.working.vms) - set(recreated))
        added = {n: planned_vms[n] for n in missing if n in not_started or n not in prior}
        if added:
            self.launch(added, exists=True)

    # -- starting ------------------------------------------------------------------------------------

    def launch(self, vms: Mapping[str, Any], exists: bool) -> None:
        """Starts `vms` (planned values by name), records what became of each, and pauses those
        asked to be paused."""
        templates = {name: template_for(name, vm) for name, vm in vms.items()}
        try:
            outcomes = self.snooze.launch(templates, self.deadline, self.working.submitted(vms))
        except OperationCancelled:
            pending = self.working.pending()
            raise DiagnosticError(
                "Operation interrupted",
                "Terraform asked the provider to stop"
                + (
                    f"; {', '.join(pending)} were submitted and are kept in state as PENDING"
                    if pending
                    else ""
                )
                + ".",
            ) from None
        self.working.settled(outcomes, exists)
        for name, vm in sorted(vms.items()):
            current = self.working.vms.get(name)
            if vm.get("power_state") == PAUSED and current is not None and current.status == "RUNNING":
                self._steps(name, (Step.PAUSE,), Decision(Action.UPDATE))

    def reconcile(self) -> set[str]:
        """Settles PENDING VMs of earlier runs; returns those proven never started (dropped)."""
        working, not_started = self.working, set()
        for entry in working.private.pending:
            names = [n for n in entry.names if n in working.vms and working.vms[n].is_pending]
            if not names:
                continue
            outcomes = self.snooze.settle(
                names, entry.submission(self.snooze.clock), self.deadline, entry.result_read
            )
            proven = {n for n, o in outcomes.items() if o.fate is Fate.NOT_STARTED}
            working.settled({n: o for n, o in outcomes.items() if n not in proven}, True)
            for name in proven:
                working.drop(name)
            not_started |= proven
        return not_started

    # -- destroying ----------------------------------------------------------------------------------

    def destroy(self, names: Iterable[str]) -> None:
        """Destroys our instances of `names`; each leaves state once Snooze shows it gone."""
        doomed = sorted(names)
        working = self.working
        for name in doomed:
            if working.vms[name].is_pending:
                working.diagnostics.error(
                    "Virtual machine still pending",
                    f"{name!r} cannot be destroyed yet: Snooze has not said whether it started. It is kept "
                    "in state; apply again once Snooze has (a refresh records it when it shows up).",
                    VMS.key(name),
                )
        records = working.records(doomed)
        count = 0

        def gone(name: str) -> None:
            nonlocal count
            count += 1
            working.drop(name)
            log.info("%d of %d virtual machine(s) destroyed (%s)", count, len(records), name)

        problems = self.snooze.destroy(records, self.deadline, gone, self.shutdown_for)
        for name, why in sorted(problems.items()):
            working.diagnostics.error(
                "Virtual machine not destroyed", f"{name!r} is kept in state: {why}.", VMS.key(name)
            )

    def recreate(self, names: list[str], planned_vms: Mapping[str, Any]) -> None:
        """Destroys each VM and starts it again under its name, which must be ours alone: a VM of
        that name that is not ours keeps ours running, with an error."""
        records = self.working.records(names)
        if not records:
            return
        mine = {record.fingerprint for record in records.values()}
        try:
            taken = self.snooze.taken(records, mine=mine, max_age=0.0)
        except DiagnosticError as error:
            for name in records:
                self.working.diagnostics.error(
                    "Virtual machine not recreated", f"{name!r} is left as it runs: {error}", VMS.key(name)
                )
            return
        for name, others in taken.items():
            taken_error(self.working.diagnostics, name, others, [], exists=True, recreated=True)
        doomed = [name for name in records if name not in taken]
        log.debug("Recreating virtual machine(s) %s", ", ".join(doomed))
        self.destroy(doomed)
        gone = {name: planned_vms[name] for name in doomed if name not in self.working.vms}
        if gone:
            self.launch(gone, exists=True)
        again = sorted(n for n in gone if n in self.working.vms and not self.working.vms[n].is_pending)
        if again:
            log.info("Virtual machine(s) recreated: %s", ", ".join(again))
        for name in sorted(set(gone) - set(self.working.vms)):
            self.working.diagnostics.error(
                "Virtual machine not recreated",
                f"{name!r} was destroyed to be recreated, and did not start again (see why above). "
                "The next apply starts it.",
                VMS.key(name),
            )

    # -- in place ------------------------------------------------------------------------------------

    def change(self, name: str, decision: Decision, planned: dict[str, Any], config: dict[str, Any]) -> None:
        """A VM kept: its steps in order, then its record as planned (what only Snooze could say
        taken from Snooze). A PENDING one just settled is changed as it now stands."""
        if decision.action is Action.RECONCILE:
            decision = decide(self.working.vms[name], Wanted.of(config))
            if decision.action is Action.RECREATE:
                return  # the next plan shows the recreation
        if self._steps(name, decision.steps, decision):
            self.working.record(name, _as_planned(planned, self.working.vms[name]))

    def _steps(self, name: str, steps: Iterable[Step], decision: Decision) -> bool:
        """Carries out `steps`, recording each; False (with an error on the VM) at the first that fails."""
        for step in steps:
            current = self.working.vms[name]
            record = current.record
            if record is None:
                return False
            try:
                after = self._step(step, current, decision)
            except DiagnosticError as error:
                for diagnostic in error.diagnostics:
                    self.working.diagnostics.error(
                        diagnostic.summary, f"{name!r}: {diagnostic.detail}", VMS.key(name)
                    )
                return False
            self.working.record(name, after)
        return True

    def _step(self, step: Step, current: VmState, decision: Decision) -> VmState:
        record = current.record
        assert record is not None
        if step in _POWER_COMMANDS:
            command = _POWER_COMMANDS[step]
            powered = current.observed(self.snooze.power(record, command, self.deadline))
            log.info("Virtual machine %s %s", current.name, "paused" if step is Step.PAUSE else "resumed")
            return powered
        if step is Step.RESIZE:
            assert decision.size is not None
            self.snooze.resize(record, decision.size, current.network, self.deadline)
            log.info("Virtual machine %s resized to %s", current.name, decision.size)
            return current.sized(decision.size)
        return self._migrate(current, decision)

    def _migrate(self, current: VmState, decision: Decision) -> VmState:
        target, record = decision.host, current.record
        assert record is not None
        if target is None or target == current.local_controller_id:
            return current
        log.debug("Migrating virtual machine %s to local controller %s", current.name, target)
        moved = self.snooze.migrate(record, target, self.deadline)
        log.info("Virtual machine %s migrated to local controller %s", current.name, target)
        return current.observed(moved)


def _as_planned(planned: dict[str, Any], current: VmState) -> VmState:
    """The planned record, with what the plan left to Snooze (unknown) as Snooze has it now."""
    now = current.to_value()
    values = {key: now.get(key) if value is cty.UNKNOWN else value for key, value in planned.items()}
    return VmState.from_value(current.name, values)

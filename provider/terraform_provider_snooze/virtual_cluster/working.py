"""The resource's state while an apply changes it.

Every step is written to the response the moment Snooze confirms it (or, for a submission, the
moment it is sent), so whatever fails next, state shows what exists: a VM is recorded as PENDING
right after its submission, as running once Snooze shows it, and dropped only once Snooze shows
it gone or failed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from ..runtime import cty
from ..runtime.diagnostics import Diagnostics
from ..runtime.interfaces import ApplyResponse
from ..snooze_api import Fate, Outcome, Submission, VmRecord
from .messages import report_outcome, taken_error
from .private import PendingSubmission, Private
from .state import VmState

__all__ = ["Working"]

log = logging.getLogger("terraform_provider_snooze.virtual_cluster")


class Working:
    def __init__(
        self,
        base: dict[str, Any],
        vms: Mapping[str, VmState],
        private: Private,
        response: ApplyResponse,
        clock: Callable[[], float],
    ) -> None:
        self.base = dict(base)
        self.vms = dict(vms)
        self.private = replace(private, replacing=())  # a plan's note for its own replacement
        self.response = response
        self.clock = clock
        self.flush()

    @property
    def diagnostics(self) -> Diagnostics:
        return self.response.diagnostics

    def flush(self) -> None:
        values = {name: vm.to_value() for name, vm in sorted(self.vms.items())}
        created = self.base.get("id") not in (None, cty.UNKNOWN)
        # Before anything was submitted there is nothing to record (and nothing to taint).
        self.response.state = {**self.base, "virtual_machines": values} if values or created else None
        self.private = self.private.keep_only(name for name, vm in self.vms.items() if vm.is_pending)
        self.response.private = self.private.to_bytes()

    def record(self, name: str, vm: VmState) -> None:
        self.vms[name] = vm
        self.flush()

    def drop(self, name: str) -> None:
        self.vms.pop(name, None)
        self.flush()

    def records(self, names: Iterable[str]) -> dict[str, VmRecord]:
        return {name: record for name in names if (record := self.vms[name].record) is not None}

    def pending(self) -> list[str]:
        return sorted(name for name, vm in self.vms.items() if vm.is_pending)

    # -- submissions and what became of them --------------------------------------------------------

    def submitted(self, planned: Mapping[str, dict[str, Any]]) -> Callable[[Submission, list[str]], None]:
        """The callback a launch calls right after each submission: the VMs become PENDING."""

        def record(submission: Submission, names: list[str]) -> None:
            for name in names:
                self.vms[name] = VmState.pending(name, planned[name])
            self.private = self.private.submitted(PendingSubmission.of(submission, names, self.clock))
            if self.base.get("id") in (None, cty.UNKNOWN):
                # The task id of the first submission; a random one when Snooze's answer was lost.
                self.base["id"] = submission.task_id or str(uuid.uuid4())
            self.flush()
            task = f"task {submission.task_id}" if submission.task_id else "its answer was lost"
            log.info("Submitted %d virtual machine(s) to Snooze (%s): %s", len(names), task, ", ".join(names))

        return record

    def settled(self, outcomes: Mapping[str, Outcome], exists: bool) -> None:
        """Records what became of each submitted VM, and says why for those that do not run."""
        refused = sorted(name for name, o in outcomes.items() if o.fate is Fate.REFUSED)
        for name, outcome in sorted(outcomes.items()):
            if outcome.fate in (Fate.STARTED, Fate.YIELDED) and outcome.metadata is not None:
                # Started, or yielded but not destroyed: ours, running.
                self.vms[name] = self._pending_or_planned(name).observed(outcome.metadata)
            elif outcome.fate is Fate.UNKNOWN:
                if not outcome.pollable:
                    self.private = self.private.result_read([name])
            else:
                self.vms.pop(name, None)
            if outcome.fate is Fate.REFUSED:
                taken_error(self.diagnostics, name, outcome.others, refused, exists)
            elif outcome.fate is not Fate.STARTED:
                report_outcome(self.diagnostics, name, outcome)
        self.flush()
        running = sum(vm.status == "RUNNING" for vm in self.vms.values())
        log.info("%d of %d virtual machine(s) running", running, len(self.vms))

    def _pending_or_planned(self, name: str) -> VmState:
        return self.vms.get(name) or VmState(name=name)

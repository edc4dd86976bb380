"""Glue between the Snooze client and Terraform operations: cancellable waits, progress logs,
and Snooze errors turned into diagnostics a user can act on."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .runtime.diagnostics import DiagnosticError
from .runtime.interfaces import Cancellation
from .snooze_api import (
    Backoff,
    NoGroupLeaderError,
    SnoozeClient,
    SnoozeError,
    SnoozeHTTPError,
    SnoozeTimeoutError,
    SnoozeUnreachableError,
    VirtualClusterResponse,
    VirtualMachineLocation,
    VirtualMachineMetaData,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["SnoozeSession", "snooze_errors"]

log = logging.getLogger("terraform_provider_snooze")

PROGRESS_PROBE_LIMIT = 20  # beyond that many VMs, progress is not probed VM by VM

_SUMMARIES: list[tuple[type[SnoozeError], str]] = [
    (SnoozeUnreachableError, "Snooze is unreachable"),
    (NoGroupLeaderError, "Snooze has no group leader yet"),
    (SnoozeTimeoutError, "Timed out waiting for Snooze"),
    (SnoozeHTTPError, "Snooze returned an error"),
    (SnoozeError, "Snooze request failed"),
]


@contextmanager
def snooze_errors() -> Iterator[None]:
    """Turns a SnoozeError raised inside into an error diagnostic."""
    try:
        yield
    except SnoozeError as error:
        summary = next(text for kind, text in _SUMMARIES if isinstance(error, kind))
        raise DiagnosticError(summary, str(error)) from error


@dataclass(frozen=True)
class SnoozeSession:
    """The provider's connection to Snooze, as configured in the provider block."""

    client: SnoozeClient
    poll_interval: float

    @classmethod
    def connect(
        cls,
        bootstrap_urls: list[str],
        request_timeout: float,
        poll_interval: float,
        auth: Callable[[httpx.Request], httpx.Request] | None = None,
    ) -> SnoozeSession:
        client = SnoozeClient(bootstrap_urls, timeout=request_timeout, auth=auth)
        return cls(client, poll_interval)

    def bound(self, cancellation: Cancellation) -> SnoozeSession:
        """This session for one operation: its waits end as soon as Terraform asks to stop."""
        return replace(self, client=self.client.with_sleep(cancellation.sleep))

    @property
    def backoff(self) -> Backoff:
        return Backoff(
            first=self.poll_interval, cap=max(self.poll_interval, min(15.0, 15 * self.poll_interval))
        )

    def wait_for_virtual_cluster(
        self, task_id: str, deadline: float, names: list[str]
    ) -> VirtualClusterResponse:
        """Waits for the one-shot result, logging at INFO how many VMs already run."""

        def progress(waited: float) -> None:
            running = self._count_running(names) if len(names) <= PROGRESS_PROBE_LIMIT else "some"
            log.info(
                "Waiting for Snooze (task %s, %.0f s): %s of %d virtual machine(s) running",
                task_id,
                waited,
                running,
                len(names),
            )

        result = self.client.wait_for_virtual_cluster_response(
            task_id, deadline=deadline, backoff=self.backoff, on_wait=progress
        )
        running = sum(vm.status == "RUNNING" for vm in result.virtual_machines)
        log.info("Snooze answered task %s: %d of %d virtual machine(s) running", task_id, running, len(names))
        return result

    def _count_running(self, names: list[str]) -> int:
        """Snooze starts VMs before its leader collects the result: discovery already sees them."""
        count = 0
        for name in names:
            try:
                found = self.client.discover_virtual_machine(name)
            except SnoozeError:
                continue
            count += found is not None
        return count

    def locate(self, name: str, last_known: VirtualMachineLocation | None) -> VirtualMachineMetaData | None:
        return self.client.locate(name, last_known)

    def migrate(
        self, name: str, last_known: VirtualMachineLocation, target: str, deadline: float
    ) -> VirtualMachineMetaData:
        log.info("Migrating virtual machine %s to local controller %s", name, target)
        metadata = self.client.migrate(name, last_known, target, deadline=deadline, backoff=self.backoff)
        log.info("Virtual machine %s now runs on local controller %s", name, target)
        return metadata

    def destroy(self, name: str, last_known: VirtualMachineLocation, deadline: float) -> None:
        self.client.destroy(name, last_known, deadline=deadline, backoff=self.backoff)

    def wait_until_gone(self, name: str, last_known: VirtualMachineLocation, deadline: float) -> None:
        self.client.wait_until_gone(name, last_known, deadline=deadline, backoff=self.backoff)

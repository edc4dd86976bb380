"""A client of Snooze's REST API on httpx, following the spec's minimal contract (section 10.1).

The group leader (found through a bootstrap, see discovery.py) takes submissions, knows every
VM and every host; a VM's group manager answers questions about it and carries out commands on it.
Waits poll with backoff through the injected `sleep` and `clock`, so a caller can cancel them.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx

from .discovery import LeaderDiscovery
from .errors import (
    SnoozeError,
    SnoozeHTTPError,
    SnoozeLeaderChangedError,
    SnoozeProtocolError,
    SnoozeRejectedError,
    SnoozeTimeoutError,
    SnoozeUnreachableError,
)
from .models import (
    SHUTDOWN_PENDING,
    GroupManagerDescription,
    LocalControllerDescription,
    NetworkAddress,
    VirtualClusterResponse,
    VirtualMachineDiscovery,
    VirtualMachineLocation,
    VirtualMachineMetaData,
    VirtualMachineTemplate,
)
from .waiting import Backoff
from .wire import Reply, Unreachable, Wire

__all__ = ["SnoozeClient"]

# Polling of VM state: Snooze's monitoring runs every 3 s (spec 7.7), so faster is wasted.
VM_BACKOFF = Backoff(first=0.5, cap=5.0)
# The group leader answers `true` to a migration but its group manager drops the order silently
# when busy (spec 6.4a): ask again when the VM has not moved for this long.
MIGRATION_REORDER_AFTER = 10.0


class SnoozeClient:
    """Synchronous and thread-safe; one per provider configuration. Close it when done."""

    def __init__(
        self,
        bootstrap_urls: Sequence[str],
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        auth: Callable[[httpx.Request], httpx.Request] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`auth` sets credentials on requests, so that none need be written into a URL, where
        messages and httpx's log would show them."""
        self.sleep = sleep
        self.clock = clock
        self._http = httpx.Client(
            timeout=timeout, transport=transport, auth=auth, headers={"Accept": "application/json"}
        )
        self._wire = Wire(self._http, self._pause)
        self._discovery = LeaderDiscovery(self._wire, bootstrap_urls)

    @property
    def bootstrap_urls(self) -> list[str]:
        return list(self._discovery.bootstrap_urls)

    def with_sleep(self, sleep: Callable[[float], None]) -> SnoozeClient:
        """The same client (connections, discovery) whose waits and pauses use `sleep`."""
        view = copy.copy(self)
        view.sleep = sleep
        view._wire = Wire(self._http, view._pause)
        view._discovery = self._discovery.with_wire(view._wire)
        return view

    def _pause(self, seconds: float) -> None:
        self.sleep(seconds)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SnoozeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- routing -------------------------------------------------------------------------------------

    def group_leader(self, refresh: bool = False) -> GroupManagerDescription:
        """The group leader's description (raises NoGroupLeaderError while there is none)."""
        return self._discovery.leader(refresh=refresh)

    def _leader_call(
        self, verb: str, method: str, *, null_if_not_leader: bool = False, **kwargs: Any
    ) -> Reply:
        """Calls the group leader; asks the bootstrap again when it cannot be reached or, with
        `null_if_not_leader`, when it answers null as a node that no longer leads does (spec 2.4)."""
        leader, failure = self._discovery.leader(), ""
        try:
            reply: Reply | None = self._wire.call(verb, _url(leader), "groupmanager", method, **kwargs)
        except Unreachable as error:
            reply, failure = None, error.reason
        if reply is not None and not (null_if_not_leader and reply.is_null):
            return reply
        current = self._discovery.leader(refresh=True)
        if current == leader:
            if reply is not None:
                return reply  # it does lead: its null answer stands
            raise SnoozeUnreachableError(
                [_url(leader)],
                f"group leader {leader.id}: {failure}; the bootstrap still names it, and if it has "
                "just failed another group manager takes over within about 10 s",
            )
        try:
            return self._wire.call(verb, _url(current), "groupmanager", method, **kwargs)
        except Unreachable as error:
            raise SnoozeUnreachableError(
                [_url(current)], f"group leader {current.id}: {error.reason}"
            ) from None

    def _manager_call(
        self, address: NetworkAddress, method: str, body: Any, idempotent: bool = True
    ) -> Reply:
        if not address.known:
            raise SnoozeRejectedError(
                f"no group manager address to call {method} on ({address.address}:{address.port}); "
                "locate the VM first"
            )
        try:
            return self._wire.call(
                "POST", address.base_url, "groupmanager", method, body=body, idempotent=idempotent
            )
        except Unreachable as error:
            raise SnoozeUnreachableError([address.base_url], f"group manager: {error.reason}") from None

    # -- submissions (spec 6.1) ----------------------------------------------------------------------

    def start_virtual_cluster(self, templates: Sequence[VirtualMachineTemplate]) -> str:
        """Submits the VMs; returns the task id. Never repeated once it may have reached Snooze."""
        body = {"virtualMachineTemplates": [t.to_json() for t in templates]}
        # A null answer means nothing was queued (rejected, or not the leader), so asking the
        # new leader after a failover is safe.
        reply = self._leader_call(
            "POST", "startVirtualCluster", body=body, idempotent=False, null_if_not_leader=True
        )
        task_id = reply.raw_string()
        if task_id is None:
            raise SnoozeRejectedError(
                f"{reply.url} gave no task id for the submission: the group leader rejects a request "
                "without templates or with an explicit null hostId (spec 6.1.2)"
            )
        return task_id

    def get_virtual_cluster_response(self, task_id: str) -> VirtualClusterResponse | None:
        """One-shot: Snooze forgets the result once read. None while pending (or unknown id)."""
        return _cluster_response(self._poll_task(self._discovery.leader(), task_id))

    def _poll_task(self, leader: GroupManagerDescription, task_id: str) -> Reply:
        # Only the leader that took the task has its result (spec 6.1.4); the body is the raw id.
        # Never repeated: a repeat could only find the result gone.
        try:
            return self._wire.call(
                "POST",
                _url(leader),
                "groupmanager",
                "getVirtualClusterResponse",
                text=task_id,
                idempotent=False,
            )
        except Unreachable as error:
            raise SnoozeUnreachableError([error.url], f"group leader {leader.id}: {error.reason}") from None

    def wait_for_virtual_cluster_response(
        self,
        task_id: str,
        *,
        deadline: float,
        backoff: Backoff | None = None,
        on_wait: Callable[[float], None] | None = None,
    ) -> VirtualClusterResponse:
        """Polls until the result arrives and returns it at once: it cannot be read twice.

        Raises SnoozeLeaderChangedError when another leader takes over (the result is lost with the
        old one), SnoozeTimeoutError (with `task_id`) at the deadline. `on_wait` gets the seconds
        waited after each empty poll.
        """
        leader = self._discovery.leader()
        started, trouble = self.clock(), ""
        for waited in (backoff or Backoff()).until(deadline, self.sleep, self.clock):
            try:
                result = _cluster_response(self._poll_task(leader, task_id))
            except (SnoozeUnreachableError, SnoozeHTTPError) as error:
                if isinstance(error, SnoozeHTTPError) and error.status < 500:
                    raise
                trouble = f"; the last poll failed ({error})"
            else:
                if result is not None:
                    return result
            self._check_leader_kept(leader, task_id)
            if on_wait is not None:
                on_wait(waited)
        raise SnoozeTimeoutError(
            f"the result of task {task_id}",
            self.clock() - started,
            f"group leader {leader.id} at {_url(leader)} still had no result (it answers the same for "
            "a task it does not know); the task may still complete and its VMs can be found by name"
            + trouble,
            task_id=task_id,
        )

    def _check_leader_kept(self, leader: GroupManagerDescription, task_id: str) -> None:
        try:
            current = self._discovery.leader(refresh=True)
        except SnoozeError:
            return  # an election is under way (no leader yet), or the bootstrap is away: poll on
        if current.id != leader.id:
            raise SnoozeLeaderChangedError(task_id, leader.id, current.id)

    # -- one VM (spec 6.2, 6.3) ----------------------------------------------------------------------

    def get_virtual_machine_metadata(self, location: VirtualMachineLocation) -> VirtualMachineMetaData:
        """The VM's record at its group manager; `.is_gone` when that GM has no such VM (spec 6.3)."""
        reply = self._manager_call(
            location.group_manager_control_data_address,
            "getVirtualMachineMetaData",
            {"virtualMachineLocation": location.to_json(), "numberOfMonitoringEntries": 0},
        )
        data = reply.json()
        if data is None:
            # A node not acting as a group manager (e.g. one just elected leader) answers null.
            raise SnoozeRejectedError(f"{reply.url} is not acting as a group manager: it answered nothing")
        return VirtualMachineMetaData.from_json(data)

    def discover_virtual_machine(self, vm_id: str) -> VirtualMachineDiscovery | None:
        """Which LC and GM have a VM of that name (GL, raw id body); None if none has."""
        reply = self._leader_call("POST", "discoverVirtualMachine", text=vm_id, null_if_not_leader=True)
        data = reply.json()
        return None if data is None else VirtualMachineDiscovery.from_json(data)

    def destroy_virtual_machine(self, location: VirtualMachineLocation) -> bool:
        """False when the group manager is busy, or has no such VM (spec 6.2)."""
        return self._command("destroy", location)

    def shutdown_virtual_machine(self, location: VirtualMachineLocation) -> bool:
        return self._command("shutdown", location)

    def suspend_virtual_machine(self, location: VirtualMachineLocation) -> bool:
        return self._command("suspend", location)

    def resume_virtual_machine(self, location: VirtualMachineLocation) -> bool:
        return self._command("resume", location)

    def reboot_virtual_machine(self, location: VirtualMachineLocation) -> bool:
        return self._command("reboot", location, idempotent=False)

    def _command(self, command: str, location: VirtualMachineLocation, idempotent: bool = True) -> bool:
        # The GM form: a VirtualMachineLocation body to the VM's group manager (spec 6.2).
        # Repeating destroy/shutdown/suspend/resume is harmless (a second one answers false).
        reply = self._manager_call(
            location.group_manager_control_data_address,
            f"{command}VirtualMachine",
            location.to_json(),
            idempotent=idempotent,
        )
        return reply.boolean()

    def locate(
        self, vm_id: str, last_known: VirtualMachineLocation | None = None
    ) -> VirtualMachineMetaData | None:
        """Where the VM is now, or None if Snooze has it nowhere.

        Asks the group manager it was last seen on, then the group leader's discovery: VMs move
        (migration, relocation, reassignment after a group manager failure; spec 6.3).
        """
        if last_known is not None and last_known.group_manager_control_data_address.known:
            try:
                metadata = self.get_virtual_machine_metadata(last_known)
                if not metadata.is_gone:
                    return metadata
            except (SnoozeUnreachableError, SnoozeRejectedError):
                pass  # that group manager is down or changed role: discovery finds where the VM went
        seen: set[VirtualMachineDiscovery] = set()
        # Twice: the VM may move between discovery and the metadata query.
        for _ in range(2):
            found = self.discover_virtual_machine(vm_id)
            if found is None or not found.group_manager_address.known or found in seen:
                return None
            seen.add(found)
            metadata = self.get_virtual_machine_metadata(found.location_of(vm_id))
            if not metadata.is_gone:
                return metadata
        return None

    def destroy(
        self,
        vm_id: str,
        last_known: VirtualMachineLocation | None,
        *,
        deadline: float,
        backoff: Backoff | None = None,
    ) -> None:
        """Destroys the VM, retrying while its group manager answers `false` because it is busy.

        Returns once Snooze accepted (the VM is then SHUTDOWN_PENDING) or has no such VM; follow
        with wait_until_gone to see it removed.
        """
        started, where = self.clock(), "it was not found"
        for _ in (backoff or VM_BACKOFF).until(deadline, self.sleep, self.clock):
            metadata = self.locate(vm_id, last_known)
            if metadata is None or metadata.status == SHUTDOWN_PENDING:
                return
            if self.destroy_virtual_machine(metadata.location):
                return
            last_known = metadata.location
            where = f"its group manager at {metadata.location.group_manager_control_data_address.base_url}"
        raise SnoozeTimeoutError(
            f"the destruction of {vm_id}",
            self.clock() - started,
            f"{where} kept answering false (busy with a submission or a migration)",
        )

    def wait_until_gone(
        self,
        vm_id: str,
        last_known: VirtualMachineLocation | None,
        *,
        deadline: float,
        backoff: Backoff | None = None,
    ) -> None:
        """Polls until Snooze has the VM nowhere (the OFFLINE stub at its GM, and no discovery)."""
        started, status = self.clock(), "unknown"
        for _ in (backoff or VM_BACKOFF).until(deadline, self.sleep, self.clock):
            metadata = self.locate(vm_id, last_known)
            if metadata is None:
                return
            status, last_known = metadata.status, metadata.location
        raise SnoozeTimeoutError(f"{vm_id} to disappear", self.clock() - started, f"it is still {status}")

    # -- migration (spec 6.4) ------------------------------------------------------------------------

    def migrate_virtual_machine(
        self, source_location: VirtualMachineLocation, destination_lc: LocalControllerDescription
    ) -> bool:
        """The group leader form (spec 6.4a): it fills in group managers and hypervisor settings.

        False when the leader does not know one of the two local controllers. True does not mean
        the VM moved: the source GM drops the order when busy; poll with wait_for_migration.
        """
        body = {
            "sourceVirtualMachineLocation": source_location.to_json(),
            "destinationVirtualMachineLocation": VirtualMachineLocation(
                virtual_machine_id=source_location.virtual_machine_id,
                local_controller_id=destination_lc.id,
                local_controller_control_data_address=destination_lc.control_data_address,
            ).to_json(),
            "destinationHypervisorSettings": None,
            "migrated": False,
        }
        # Sent to a plain group manager, this body (null hypervisor settings) would wedge it for
        # good (spec 6.4b): make sure the address still belongs to the leader.
        self._discovery.leader(refresh=True)
        reply = self._leader_call("POST", "migrateVirtualMachine", body=body, idempotent=False)
        return reply.boolean()

    def migrate(
        self,
        vm_id: str,
        last_known: VirtualMachineLocation | None,
        destination_id: str,
        *,
        deadline: float,
        backoff: Backoff | None = None,
    ) -> VirtualMachineMetaData:
        """Migrates the VM and waits until Snooze reports it on the destination."""
        destination = self._local_controller(destination_id, vm_id)
        ordered_at: float | None = None
        for metadata in self._watch(vm_id, last_known, deadline, backoff, f"the migration of {vm_id}"):
            if metadata.location.local_controller_id == destination_id:
                return metadata
            if ordered_at is None or self.clock() - ordered_at > MIGRATION_REORDER_AFTER:
                if not self.migrate_virtual_machine(metadata.location, destination):
                    raise SnoozeRejectedError(
                        f"the group leader refused to migrate {vm_id} to {destination_id}: it does not "
                        "know one of the two local controllers"
                    )
                ordered_at = self.clock()
        raise AssertionError("unreachable")

    def wait_for_migration(
        self,
        vm_id: str,
        destination_lc_id: str,
        *,
        deadline: float,
        last_known: VirtualMachineLocation | None = None,
        backoff: Backoff | None = None,
    ) -> VirtualMachineMetaData:
        """Polls until Snooze reports the VM on the destination local controller."""
        what = f"the migration of {vm_id} to {destination_lc_id}"
        for metadata in self._watch(vm_id, last_known, deadline, backoff, what):
            if metadata.location.local_controller_id == destination_lc_id:
                return metadata
        raise AssertionError("unreachable")

    def _watch(
        self,
        vm_id: str,
        last_known: VirtualMachineLocation | None,
        deadline: float,
        backoff: Backoff | None,
        what: str,
    ) -> Iterator[VirtualMachineMetaData]:
        """The VM's record at every poll; raises when it disappears or at the deadline."""
        started, where = self.clock(), "unknown"
        for _ in (backoff or VM_BACKOFF).until(deadline, self.sleep, self.clock):
            metadata = self.locate(vm_id, last_known)
            if metadata is None:
                raise SnoozeError(f"{vm_id} disappeared from Snooze while waiting for {what}")
            yield metadata
            where, last_known = metadata.location.local_controller_id, metadata.location
        raise SnoozeTimeoutError(
            what, self.clock() - started, f"{vm_id} is still on local controller {where}"
        )

    def _local_controller(self, lc_id: str, vm_id: str) -> LocalControllerDescription:
        found = next((lc for lc in self.get_local_controllers() if lc.id == lc_id), None)
        if found is None:
            raise SnoozeRejectedError(f"Snooze has no local controller {lc_id!r} to migrate {vm_id} to")
        return found

    # -- hosts (spec 6.6) ----------------------------------------------------------------------------

    def get_local_controller_list_from_bootstrap(self) -> list[LocalControllerDescription] | None:
        """None when the bootstrap keeps no list (204 with Snooze's default in-memory database)."""
        return _local_controllers(self._discovery.bootstrap_call("GET", "getLocalControllerList"))

    def get_local_controller_list(self) -> list[LocalControllerDescription]:
        """The group leader's list, built from its group managers' summaries."""
        reply = self._leader_call("GET", "getLocalControllerList", null_if_not_leader=True)
        controllers = _local_controllers(reply)
        if controllers is None:
            raise SnoozeRejectedError(f"{reply.url} listed no local controllers: it is not the group leader")
        return controllers

    def get_local_controllers(self) -> list[LocalControllerDescription]:
        """The bootstrap's list, or the group leader's when the bootstrap keeps none."""
        controllers = self.get_local_controller_list_from_bootstrap()
        return controllers if controllers is not None else self.get_local_controller_list()


def _url(leader: GroupManagerDescription) -> str:
    return leader.control_data_address.base_url


def _cluster_response(reply: Reply) -> VirtualClusterResponse | None:
    data = reply.json()
    return None if data is None else VirtualClusterResponse.from_json(data)


def _local_controllers(reply: Reply) -> list[LocalControllerDescription] | None:
    data = reply.json()
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("localControllers", []), list):
        raise SnoozeProtocolError(
            f'{reply.url}: a local controller list should be {{"localControllers": [...]}}'
        )
    return [LocalControllerDescription.from_json(lc) for lc in data.get("localControllers") or []]

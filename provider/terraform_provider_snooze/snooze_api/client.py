"""A client of Snooze's REST API on httpx, following the spec's minimal contract (section 10.1).

Clients know only bootstrap nodes. The first bootstrap that answers is used, as Snooze's Java
client does; it names the group leader, which takes submissions and knows every VM; a VM's
group manager answers questions about it. When the group leader moves (failover), calls to the
old address fail and the client asks the bootstrap again.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from .errors import (
    NoGroupLeaderError,
    SnoozeError,
    SnoozeHTTPError,
    SnoozeProtocolError,
    SnoozeRejectedError,
    SnoozeTimeoutError,
    SnoozeUnreachableError,
)
from .models import (
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

__all__ = ["SnoozeClient"]

log = logging.getLogger("terraform_provider_snooze.snooze_api")

_RETRIES = 2  # extra attempts for calls that are safe to repeat


class _Unreachable(Exception):
    """The request never reached the server (connection refused, DNS, connect timeout)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(reason)
        self.url = url
        self.reason = reason


@dataclass
class _Reply:
    """A Snooze answer: None when Snooze returned null (204, or an empty 200 for POST)."""

    text: str | None

    def json(self, url: str) -> Any:
        if self.text is None:
            return None
        try:
            return json.loads(self.text)
        except ValueError:
            raise SnoozeProtocolError(
                f"{url} answered something that is not JSON: {self.text[:120]!r}"
            ) from None

    def raw_string(self) -> str | None:
        """Strings come back raw, unquoted, though labelled application/json (spec 2.3)."""
        if self.text is None:
            return None
        text = self.text.strip()
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = text[1:-1]
        return text or None

    def boolean(self, url: str) -> bool:
        text = (self.text or "").strip()
        if text in ("true", "false"):
            return text == "true"
        if not text:
            return False  # null: the component is not in the right role or not ready (spec 2.4)
        raise SnoozeProtocolError(f"{url} answered {text[:60]!r} where true or false was expected")


class _Discovery:
    """Which bootstrap answers and who leads; shared by every view of one client."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bootstrap: str | None = None
        self.leader: GroupManagerDescription | None = None


class SnoozeClient:
    def __init__(
        self,
        bootstrap_urls: Sequence[str],
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not bootstrap_urls:
            raise ValueError("at least one bootstrap URL is needed")
        self.bootstrap_urls = [url.rstrip("/") for url in bootstrap_urls]
        self.sleep = sleep
        self.clock = clock
        self._http = httpx.Client(
            timeout=timeout, transport=transport, headers={"Accept": "application/json"}
        )
        self._discovery = _Discovery()

    def with_sleep(self, sleep: Callable[[float], None]) -> SnoozeClient:
        """The same client (connections, discovery) whose waits use `sleep`."""
        view = copy.copy(self)
        view.sleep = sleep
        return view

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SnoozeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the wire ------------------------------------------------------------------------------------

    def _request(
        self,
        verb: str,
        base_url: str,
        component: str,
        method: str,
        *,
        text: str | None = None,
        body: Any = None,
        idempotent: bool = True,
    ) -> _Reply:
        url = f"{base_url}/{component}?{method}"
        headers: dict[str, str] = {}
        content: bytes | None = None
        if body is not None:
            content, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        elif text is not None:
            # String parameters are taken verbatim: never JSON-quote them (spec 2.2).
            content, headers["Content-Type"] = text.encode(), "text/plain; charset=UTF-8"
        attempts = 1 + (_RETRIES if idempotent else 0)
        for attempt in range(1, attempts + 1):
            try:
                response = self._http.request(verb, url, content=content, headers=headers)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as error:
                raise _Unreachable(url, str(error) or type(error).__name__) from None
            except httpx.TransportError as error:
                # The request may have reached Snooze: repeat only what is safe to repeat.
                if attempt == attempts:
                    raise SnoozeUnreachableError([url], f"{type(error).__name__}: {error}") from None
                self._pause(attempt)
                continue
            if response.status_code >= 500 and attempt < attempts:
                self._pause(attempt)
                continue
            if response.status_code == 204:
                return _Reply(None)
            if response.is_success:
                return _Reply(response.text if response.content else None)
            raise SnoozeHTTPError(response.status_code, verb, url, response.text)
        raise AssertionError("unreachable")

    def _pause(self, attempt: int) -> None:
        self.sleep(0.2 * attempt)

    # -- discovery -----------------------------------------------------------------------------------

    def _bootstrap_call(self, verb: str, method: str, **kwargs: Any) -> tuple[str, _Reply]:
        """Calls the first bootstrap that answers, remembering it."""
        with self._discovery.lock:
            preferred = self._discovery.bootstrap
        order = [preferred] if preferred else []
        order += [url for url in self.bootstrap_urls if url != preferred]
        reasons = []
        for base_url in order:
            try:
                reply = self._request(verb, base_url, "bootstrap", method, **kwargs)
            except _Unreachable as error:
                reasons.append(error.reason)
                continue
            with self._discovery.lock:
                self._discovery.bootstrap = base_url
            return base_url, reply
        raise SnoozeUnreachableError(self.bootstrap_urls, reasons[-1] if reasons else "no bootstrap URL")

    def group_leader(self, refresh: bool = False) -> GroupManagerDescription:
        with self._discovery.lock:
            if self._discovery.leader is not None and not refresh:
                return self._discovery.leader
        bootstrap, reply = self._bootstrap_call("GET", "getGroupLeaderDescription")
        data = reply.json(f"{bootstrap}/bootstrap?getGroupLeaderDescription")
        if data is None:
            raise NoGroupLeaderError(bootstrap)
        leader = GroupManagerDescription.from_json(data)
        if not leader.control_data_address.known:
            raise SnoozeProtocolError(f"the group leader description from {bootstrap} has no address")
        with self._discovery.lock:
            if self._discovery.leader is None or self._discovery.leader.id != leader.id:
                log.debug("Group leader is %s at %s", leader.id, leader.control_data_address.base_url)
            self._discovery.leader = leader
        return leader

    def _leader_call(self, verb: str, method: str, **kwargs: Any) -> tuple[str, _Reply]:
        """Calls the group leader; if it cannot be reached, asks the bootstrap who leads now."""
        leader = self.group_leader()
        try:
            return leader.control_data_address.base_url, self._request(
                verb, leader.control_data_address.base_url, "groupmanager", method, **kwargs
            )
        except _Unreachable:
            leader = self.group_leader(refresh=True)
        base_url = leader.control_data_address.base_url
        try:
            return base_url, self._request(verb, base_url, "groupmanager", method, **kwargs)
        except _Unreachable as error:
            raise SnoozeUnreachableError([base_url], f"group leader {leader.id}: {error.reason}") from None

    def _manager_call(self, address: NetworkAddress, method: str, **kwargs: Any) -> tuple[str, _Reply]:
        base_url = address.base_url
        try:
            return base_url, self._request("POST", base_url, "groupmanager", method, **kwargs)
        except _Unreachable as error:
            raise SnoozeUnreachableError([base_url], f"group manager: {error.reason}") from None

    # -- submissions (spec 6.1) ----------------------------------------------------------------------

    def start_virtual_cluster(self, templates: Sequence[VirtualMachineTemplate]) -> str:
        body = {"virtualMachineTemplates": [t.to_json() for t in templates]}
        _, reply = self._leader_call("POST", "startVirtualCluster", body=body, idempotent=False)
        task_id = reply.raw_string()
        if task_id is None:
            raise SnoozeRejectedError(
                "the group leader gave no task id for the submission (it rejects a request without "
                "templates, or answers nothing while it is not the leader)"
            )
        return task_id

    def get_virtual_cluster_response(self, task_id: str) -> VirtualClusterResponse | None:
        """One-shot: Snooze forgets the result once read. Empty while pending (or unknown id)."""
        url, reply = self._leader_call("POST", "getVirtualClusterResponse", text=task_id, idempotent=False)
        data = reply.json(url)
        return None if data is None else VirtualClusterResponse.from_json(data)

    def wait_for_virtual_cluster_response(
        self,
        task_id: str,
        *,
        deadline: float,
        backoff: Backoff | None = None,
        on_wait: Callable[[float], None] | None = None,
    ) -> VirtualClusterResponse:
        """Polls until the result arrives and returns it at once: it cannot be read twice."""
        leader_id = self.group_leader().id
        waited = 0.0
        for waited in (backoff or Backoff()).until(deadline, self.sleep, self.clock):
            result = self.get_virtual_cluster_response(task_id)
            if result is not None:
                return result
            self._check_leader_kept(leader_id, task_id)
            if on_wait is not None:
                on_wait(waited)
        raise SnoozeTimeoutError(f"the result of task {task_id}", waited)

    def _check_leader_kept(self, leader_id: str, task_id: str) -> None:
        try:
            current = self.group_leader(refresh=True).id
        except NoGroupLeaderError:
            return  # an election is under way; the next poll tells
        if current != leader_id:
            raise SnoozeError(
                f"the group leader changed while task {task_id} was pending; a new leader never has "
                "the results of the old one (the VMs of the task may have started anyway)"
            )

    # -- virtual machines (spec 6.2, 6.3) ------------------------------------------------------------

    def get_virtual_machine_metadata(self, location: VirtualMachineLocation) -> VirtualMachineMetaData:
        url, reply = self._manager_call(
            location.group_manager_control_data_address,
            "getVirtualMachineMetaData",
            body={"virtualMachineLocation": location.to_json(), "numberOfMonitoringEntries": 0},
        )
        data = reply.json(url)
        if data is None:
            # A node that is not acting as a group manager (e.g. one just elected leader) answers null.
            raise SnoozeRejectedError(f"{url} is not acting as a group manager: it answered nothing")
        return VirtualMachineMetaData.from_json(data)

    def discover_virtual_machine(self, vm_id: str) -> VirtualMachineDiscovery | None:
        url, reply = self._leader_call("POST", "discoverVirtualMachine", text=vm_id)
        data = reply.json(url)
        return None if data is None else VirtualMachineDiscovery.from_json(data)

    def locate(
        self, vm_id: str, last_known: VirtualMachineLocation | None = None
    ) -> VirtualMachineMetaData | None:
        """Where the VM is now, or None if Snooze has it nowhere.

        Asks the group manager it was last seen on, then the group leader's discovery: VMs move
        (migration, relocation, reassignment after a group manager failure).
        """
        if last_known is not None and last_known.group_manager_control_data_address.known:
            try:
                metadata = self.get_virtual_machine_metadata(last_known)
                if not metadata.is_gone:
                    return metadata
            except (SnoozeUnreachableError, SnoozeRejectedError):
                pass  # that group manager is down or changed role: discovery finds where the VM went
        found = self.discover_virtual_machine(vm_id)
        if found is None or not found.group_manager_address.known:
            return None
        metadata = self.get_virtual_machine_metadata(
            VirtualMachineLocation(
                virtual_machine_id=vm_id,
                local_controller_id=found.local_controller_id,
                group_manager_control_data_address=found.group_manager_address,
            )
        )
        return None if metadata.is_gone else metadata

    def destroy_virtual_machine(self, location: VirtualMachineLocation) -> bool:
        """False when the group manager is busy, or has no such VM (spec 6.2)."""
        url, reply = self._manager_call(
            location.group_manager_control_data_address, "destroyVirtualMachine", body=location.to_json()
        )
        return reply.boolean(url)

    def destroy(
        self,
        vm_id: str,
        last_known: VirtualMachineLocation | None,
        *,
        deadline: float,
        backoff: Backoff | None = None,
    ) -> None:
        """Destroys the VM, retrying while its group manager answers `false` because it is busy."""
        started = self.clock()
        for _ in (backoff or Backoff(first=0.5, cap=5.0)).until(deadline, self.sleep, self.clock):
            metadata = self.locate(vm_id, last_known)
            if metadata is None or metadata.status == "SHUTDOWN_PENDING":
                return
            if self.destroy_virtual_machine(metadata.location):
                return
            last_known = metadata.location
        raise SnoozeTimeoutError(
            f"the destruction of {vm_id}", self.clock() - started, "its group manager stayed busy"
        )

    def wait_until_gone(
        self,
        vm_id: str,
        last_known: VirtualMachineLocation | None,
        *,
        deadline: float,
        backoff: Backoff | None = None,
    ) -> None:
        started, status = self.clock(), "unknown"
        for _ in (backoff or Backoff(first=0.5, cap=5.0)).until(deadline, self.sleep, self.clock):
            metadata = self.locate(vm_id, last_known)
            if metadata is None:
                return
            status, last_known = metadata.status, metadata.location
        raise SnoozeTimeoutError(f"{vm_id} to disappear", self.clock() - started, f"it is still {status}")

    # -- migration (spec 6.4) ------------------------------------------------------------------------

    def migrate_virtual_machine(
        self, source: VirtualMachineLocation, destination: LocalControllerDescription
    ) -> bool:
        """The group leader form: it fills in group managers and hypervisor settings itself."""
        body = {
            "sourceVirtualMachineLocation": source.to_json(),
            "destinationVirtualMachineLocation": VirtualMachineLocation(
                virtual_machine_id=source.virtual_machine_id,
                local_controller_id=destination.id,
                local_controller_control_data_address=destination.control_data_address,
            ).to_json(),
            "destinationHypervisorSettings": None,
            "migrated": False,
        }
        url, reply = self._leader_call("POST", "migrateVirtualMachine", body=body, idempotent=False)
        return reply.boolean(url)

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
        destination = next((lc for lc in self.get_local_controllers() if lc.id == destination_id), None)
        if destination is None:
            raise SnoozeRejectedError(
                f"Snooze has no local controller {destination_id!r} to migrate {vm_id} to"
            )
        requested_at: float | None = None
        started, where = self.clock(), "unknown"
        for _ in (backoff or Backoff(first=0.5, cap=5.0)).until(deadline, self.sleep, self.clock):
            metadata = self.locate(vm_id, last_known)
            if metadata is None:
                raise SnoozeError(f"{vm_id} disappeared from Snooze while it was being migrated")
            if metadata.location.local_controller_id == destination_id:
                return metadata
            where, last_known = metadata.location.local_controller_id, metadata.location
            # The group leader always says yes, but a busy group manager drops the order
            # silently (spec 6.4a): ask again when nothing has happened for a while.
            if requested_at is None or self.clock() - requested_at > 10.0:
                if not self.migrate_virtual_machine(metadata.location, destination):
                    raise SnoozeRejectedError(
                        f"the group leader refused to migrate {vm_id} to {destination_id}: it does not know "
                        "one of the two local controllers"
                    )
                requested_at = self.clock()
        raise SnoozeTimeoutError(
            f"the migration of {vm_id} to {destination_id}", self.clock() - started, f"it is still on {where}"
        )

    # -- hosts (spec 6.6) ----------------------------------------------------------------------------

    def get_local_controller_list_from_bootstrap(self) -> list[LocalControllerDescription] | None:
        """None when the bootstrap keeps no list (204 with Snooze's default in-memory database)."""
        bootstrap, reply = self._bootstrap_call("GET", "getLocalControllerList")
        return _local_controllers(reply.json(f"{bootstrap}/bootstrap?getLocalControllerList"))

    def get_local_controller_list(self) -> list[LocalControllerDescription]:
        url, reply = self._leader_call("GET", "getLocalControllerList")
        controllers = _local_controllers(reply.json(url))
        if controllers is None:
            raise SnoozeRejectedError(f"{url} listed no local controllers: it is not the group leader")
        return controllers

    def get_local_controllers(self) -> list[LocalControllerDescription]:
        """The bootstrap's list, or the group leader's when the bootstrap keeps none."""
        controllers = self.get_local_controller_list_from_bootstrap()
        return controllers if controllers is not None else self.get_local_controller_list()


def _local_controllers(data: Any) -> list[LocalControllerDescription] | None:
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("localControllers", []), list):
        raise SnoozeProtocolError('a local controller list should be {"localControllers": [...]}')
    return [LocalControllerDescription.from_json(lc) for lc in data.get("localControllers") or []]

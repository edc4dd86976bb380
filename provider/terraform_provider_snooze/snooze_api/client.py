"""A client of Snooze's REST API on httpx: one method per Snooze call the provider makes.

The group leader (found through a bootstrap, see discovery.py) takes submissions and knows every
host; a VM's group manager answers about the VM and carries out commands on it; a bootstrap lists
every VM at once. Waiting and reconciling (launching.py, tracking.py, removal.py, migration.py)
are built on these calls; none of them happens here.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .discovery import LeaderDiscovery
from .errors import (
    SnoozeError,
    SnoozeProtocolError,
    SnoozeRejectedError,
    SnoozeSlowError,
    SnoozeUnreachableError,
)
from .models import (
    GroupManagerDescription,
    LocalControllerDescription,
    NetworkAddress,
    Submission,
    VirtualClusterResponse,
    VirtualMachineLocation,
    VirtualMachineMetaData,
    VirtualMachineTemplate,
)
from .snapshot import LISTING_TTL, Listing, Snapshots
from .turns import Turns
from .wire import Reply, Unreachable, Wire

if TYPE_CHECKING:
    import ssl

    import httpx

__all__ = ["COMMANDS", "SnoozeClient"]

# Commands a group manager carries out on one VM (spec 6.2).
COMMANDS = ("destroy", "shutdown", "suspend", "resume", "reboot")

# Snooze's task ids are java.util.UUID.randomUUID() (spec 4); anything else is not a task id.
_TASK_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class SnoozeClient:
    """Synchronous and thread-safe; one per provider configuration. Close it when done.

    `sleep` paces the wire's short retries; `clock` dates listings and submissions.
    """

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
        import httpx  # here, not above: importing this module (for its types) costs nothing

        self.clock = clock
        self.timeout = timeout
        self._http = httpx.Client(
            timeout=timeout,
            transport=transport,
            auth=auth,
            headers={"Accept": "application/json"},
            verify=_tls_verification(bootstrap_urls),
        )
        self._wire = Wire(self._http, sleep)
        self._discovery = LeaderDiscovery(self._wire, bootstrap_urls)
        self._snapshots = Snapshots(self.list_virtual_machines, clock, sleep)
        self.turns = Turns()  # whose turn it is to poll, among this process's submissions

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
        return self._call_leader(current, verb, method, **kwargs)

    def _call_leader(self, leader: GroupManagerDescription, verb: str, method: str, **kwargs: Any) -> Reply:
        try:
            return self._wire.call(verb, _url(leader), "groupmanager", method, **kwargs)
        except Unreachable as error:
            raise SnoozeUnreachableError(
                [_url(leader)], f"group leader {leader.id}: {error.reason}"
            ) from None

    def _manager_call(
        self, address: NetworkAddress, method: str, body: Any, idempotent: bool = True
    ) -> Reply:
        if not address.known:
            raise SnoozeRejectedError(
                f"no group manager address to call {method} on ({address.address}:{address.port})"
            )
        try:
            return self._wire.call(
                "POST", address.base_url, "groupmanager", method, body=body, idempotent=idempotent
            )
        except Unreachable as error:
            raise SnoozeUnreachableError([address.base_url], f"group manager: {error.reason}") from None

    # -- submissions (spec 6.1) ----------------------------------------------------------------------

    def submit(self, templates: Sequence[VirtualMachineTemplate]) -> Submission:
        """Submits the VMs to the group leader, once: never repeated when it may have been queued.

        Returns the task id, or an ambiguous Submission saying why there is none (a dropped
        connection or a silence after sending, a 5xx, an answer that is not a task id). Raises
        only when the request cannot have been queued.
        """
        body = {"virtualMachineTemplates": [t.to_json() for t in templates]}
        leader = self._discovery.leader()
        submission = self._submit_to(leader, body)
        if submission.ambiguous and submission.trouble in (_NOT_SENT, _NULL):
            # Unreachable or answering null: a node that does not lead queues nothing (spec 2.4),
            # so sending to the leader the bootstrap names now is safe.
            current = self._discovery.leader(refresh=True)
            if current.id != leader.id:
                return self._submit_to(current, body)
            if submission.trouble == _NOT_SENT:
                raise SnoozeUnreachableError(
                    [_url(leader)],
                    f"group leader {leader.id} refused the connection; the bootstrap still names it",
                )
        return submission

    def barrier(self, leader: GroupManagerDescription) -> Submission:
        """An empty virtual cluster to `leader`: its submission queue is FIFO with one worker
        (spec 6.1.2), so once this one's result is there, every earlier submission has finished."""
        submission = self._submit_to(leader, {"virtualMachineTemplates": []})
        if submission.trouble == _NOT_SENT:
            raise SnoozeUnreachableError([_url(leader)], f"group leader {leader.id} refused the connection")
        return submission

    def _submit_to(self, leader: GroupManagerDescription, body: dict[str, Any]) -> Submission:
        sent_at = self.clock()
        try:
            reply = self._wire.call(
                "POST", _url(leader), "groupmanager", "startVirtualCluster", body=body, idempotent=False
            )
        except Unreachable:
            return Submission(leader, sent_at, None, _NOT_SENT)
        except SnoozeError as error:
            if not error.request_sent:
                raise
            # No answer at all (a silence, a dropped connection): Snooze may still be working on it.
            in_flight = isinstance(error, SnoozeSlowError | SnoozeUnreachableError)
            return Submission(leader, sent_at, None, str(error), in_flight=in_flight)
        finally:
            self._snapshots.invalidate()
        text = reply.raw_string()
        if text is not None and _TASK_ID.match(text):
            return Submission(leader, sent_at, text)
        return Submission(leader, sent_at, None, _NULL if text is None else f"answered {text[:60]!r}")

    def poll(self, submission: Submission) -> VirtualClusterResponse | None:
        """The submission's result, asked of the leader that took it (the only one that has it).

        One-shot (spec 6.1.4): Snooze forgets it once read, so this is never repeated on the wire.
        None while pending, for an unknown task, and once read.
        """
        assert submission.task_id is not None
        reply = self._call_leader(
            submission.leader, "POST", "getVirtualClusterResponse", text=submission.task_id, idempotent=False
        )
        data = reply.json()
        return None if data is None else VirtualClusterResponse.from_json(data)

    # -- VMs (spec 6.2, 6.3) -------------------------------------------------------------------------

    def list_virtual_machines(self) -> list[VirtualMachineMetaData]:
        """Every VM of every joined group manager, in one bootstrap call (spec 6.3).

        An answer that is not a list of VMs is an error, never "no VMs".
        """
        reply = self._discovery.bootstrap_call("POST", "getVirtualMachineDescriptions", body={})
        data = reply.json()
        if data is None:
            raise SnoozeRejectedError(f"{reply.url} answered nothing where the list of VMs was due")
        machines = data.get("virtualMachines") if isinstance(data, dict) else None
        if not isinstance(machines, list):
            raise SnoozeProtocolError(f'{reply.url}: a VM listing should be {{"virtualMachines": [...]}}')
        return [VirtualMachineMetaData.from_json(vm) for vm in machines]

    def listing(self, *, max_age: float = LISTING_TTL, newer_than: Listing | None = None) -> Listing:
        """The listing this client shares between operations (see snapshot.py)."""
        return self._snapshots.get(max_age=max_age, newer_than=newer_than)

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

    def command(self, command: str, location: VirtualMachineLocation) -> bool:
        """destroy, shutdown, suspend, resume or reboot the VM at exactly `location` (the group
        manager form, spec 6.2). False when the group manager is busy, or has no such VM there."""
        assert command in COMMANDS
        try:
            # Repeating is harmless except for reboot: a second destroy, shutdown, ... answers false.
            reply = self._manager_call(
                location.group_manager_control_data_address,
                f"{command}VirtualMachine",
                location.to_json(),
                idempotent=command != "reboot",
            )
        finally:
            self._snapshots.invalidate()
        return reply.boolean()

    def resize(
        self, location: VirtualMachineLocation, capacity: Sequence[float]
    ) -> VirtualMachineMetaData | None:
        """resizeVirtualMachine at exactly `location` (the group manager form, spec 6.5): the host's
        record of the VM afterwards, or None while the group manager is busy. A host that cannot
        (the VM is not RUNNING, or would grow past its boot-time maximum) makes the group manager
        answer 500: SnoozeHTTPError. Repeating it is harmless: it sets absolute values."""
        body = {"virtualMachineLocation": location.to_json(), "resizedCapacity": [float(c) for c in capacity]}
        try:
            reply = self._manager_call(
                location.group_manager_control_data_address, "resizeVirtualMachine", body
            )
        finally:
            self._snapshots.invalidate()
        data = reply.json()
        return None if data is None else VirtualMachineMetaData.from_json(data)

    def host_virtual_machines(self, address: NetworkAddress) -> list[VirtualMachineMetaData]:
        """Every VM a local controller runs, as its own records (getVirtualMachines, internal API):
        the only records a resize updates (spec 6.5)."""
        if not address.known:
            raise SnoozeRejectedError(
                f"no local controller address to ask ({address.address}:{address.port})"
            )
        try:
            reply = self._wire.call("POST", address.base_url, "localcontroller", "getVirtualMachines", body=0)
        except Unreachable as error:
            raise SnoozeUnreachableError([address.base_url], f"local controller: {error.reason}") from None
        data = reply.json()
        if not isinstance(data, list):
            raise SnoozeProtocolError(f"{reply.url}: a local controller's VMs should be a JSON array")
        return [VirtualMachineMetaData.from_json(vm) for vm in data]

    # -- migration (spec 6.4) ------------------------------------------------------------------------

    def order_migration(
        self, source: VirtualMachineLocation, destination: LocalControllerDescription
    ) -> bool:
        """The group leader form (spec 6.4a): it fills in group managers and hypervisor settings.

        False when the leader does not know one of the two local controllers. True does not mean
        the VM moves: the source GM drops the order when busy.
        """
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
        # Sent to a plain group manager, this body (null hypervisor settings) would wedge it for
        # good (spec 6.4b): make sure the address still belongs to the leader.
        self._discovery.leader(refresh=True)
        try:
            reply = self._leader_call("POST", "migrateVirtualMachine", body=body, idempotent=False)
        finally:
            self._snapshots.invalidate()
        return reply.boolean()

    # -- hosts (spec 6.6) ----------------------------------------------------------------------------

    def local_controllers(self) -> list[LocalControllerDescription]:
        """The bootstrap's list, or the group leader's when the bootstrap keeps none (204)."""
        controllers = _local_controllers(self._discovery.bootstrap_call("GET", "getLocalControllerList"))
        if controllers is not None:
            return controllers
        return self.leader_local_controllers()

    def leader_local_controllers(self) -> list[LocalControllerDescription]:
        """The group leader's own list (spec 6.6): the hosts of the group managers it dispatches
        to, and whose VMs its listings show. The bootstrap's, when its database keeps one, may
        still name a group manager that has not rejoined a new leader."""
        reply = self._leader_call("GET", "getLocalControllerList", null_if_not_leader=True)
        controllers = _local_controllers(reply)
        if controllers is None:
            raise SnoozeRejectedError(f"{reply.url} listed no local controllers: it is not the group leader")
        return controllers


def _tls_verification(bootstrap_urls: Sequence[str]) -> ssl.SSLContext | bool:
    """httpx's own verification (certifi's CA bundle) when a bootstrap URL is https. Otherwise no
    TLS connection is ever made, since Snooze's nodes speak plain HTTP: a context with no CA store
    at all, which would refuse any server, spares each provider process the CA store's loading
    (30 ms of CPU, most of a small refresh's)."""
    import ssl  # loaded with httpx anyway

    if any(url.strip().lower().startswith("https:") for url in bootstrap_urls):
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


_NOT_SENT = "the connection was refused"  # nothing reached Snooze
_NULL = "answered nothing instead of a task id"


def _url(leader: GroupManagerDescription) -> str:
    return leader.control_data_address.base_url


def _local_controllers(reply: Reply) -> list[LocalControllerDescription] | None:
    data = reply.json()
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("localControllers", []), list):
        raise SnoozeProtocolError(
            f'{reply.url}: a local controller list should be {{"localControllers": [...]}}'
        )
    return [LocalControllerDescription.from_json(lc) for lc in data.get("localControllers") or []]

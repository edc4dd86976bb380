"""The emulator as a whole: every Snooze component on its own port in background threads, the
control API beside them, and the Python API tests use (the control API calls the same methods)."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from . import failover, migration, views
from .config import EmulatorConfig, Quirks
from .control import ControlServer
from .endpoints import bootstrap_endpoints, group_manager_endpoints, local_controller_endpoints
from .faults import KINDS, Faults, RandomFaults
from .internal_errors import InternalErrors
from .model import Cluster, UnknownName
from .ports import plan_ports
from .traffic import RequestCounts
from .wire import Endpoint, Server

__all__ = ["Emulator"]


class Emulator:
    """A local Snooze cluster; `with Emulator(...) as snooze:` starts it, stops it, then fails if an
    internal error (a bug in the emulator) happened meanwhile. Ports: see `ports`."""

    def __init__(self, config: EmulatorConfig | None = None, **overrides: Any) -> None:
        # A copy: switching a quirk on one emulator never changes another's.
        self.config = replace(copy.deepcopy(config or EmulatorConfig()), **overrides)
        self.errors = InternalErrors()
        self.cluster = Cluster(self.config, self.errors.record)
        self.faults = Faults()
        self.requests = RequestCounts()
        self._servers: dict[str, Server] = {}
        self._control: ControlServer | None = None

    # -- life ----------------------------------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind every port and serve; calling it again on a started emulator does nothing.
        ValueError when the ports do not fit (see `ports`), OSError when one is taken."""
        if self._servers:
            return self
        ports = plan_ports(self.config)
        cluster = self.cluster
        with cluster.lock:
            self._servers["bootstrap"] = self._serve(
                "bootstrap", ports.bootstrap, bootstrap_endpoints(cluster)
            )
            for index, port in enumerate(ports.group_managers):
                server = self._serve("groupmanager", port, {})
                gm = cluster.add_group_manager(
                    server.port, ports.monitoring(index, server.port), 10000 + index
                )
                server.endpoints.update(group_manager_endpoints(cluster, gm.id))
                self._servers[gm.id] = server
            for index, port in enumerate(ports.local_controllers):
                server = self._serve("localcontroller", port, {})
                lc = cluster.add_local_controller(server.port, 16509 + index)
                server.endpoints.update(local_controller_endpoints(cluster, lc.id))
                self._servers[lc.id] = server
        try:
            self._control = ControlServer(self.config.listen, ports.control, self, self.errors)
        except OSError:
            self.stop()  # the Snooze ports bound above
            raise
        for server in self._servers.values():
            server.start()
        self._control.start()
        return self

    def _serve(self, component: str, port: int, endpoints: dict[str, Endpoint]) -> Server:
        try:
            return Server(
                self.config.listen,
                port,
                component,
                endpoints,
                self.cluster.lock,
                self.config,
                self.faults,
                self.requests,
                self.errors,
            )
        except OSError:
            self.stop()  # the ports bound so far
            raise

    def stop(self) -> None:
        for server in self._servers.values():
            if server.thread.is_alive():
                server.stop()
            else:
                server.server_close()
        if self._control is not None:
            self._control.stop()
        self.cluster.scheduler.stop()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.stop()
        if kind is None:
            self.check()

    def check(self) -> None:
        """EmulatorBug (an AssertionError) when an internal error happened: tests call this at
        teardown, so that a bug in the emulator fails them instead of passing for Snooze's doing."""
        self.errors.check()

    def internal_errors(self) -> list[str]:
        """Unexpected exceptions so far (where, then the traceback); deliberate 500s are not here."""
        return self.errors.snapshot()

    # -- addresses -----------------------------------------------------------------------------------

    def _url(self, port: int) -> str:
        return f"http://{self.config.listen}:{port}"

    @property
    def bootstrap_url(self) -> str:
        return self._url(self._servers["bootstrap"].port)

    @property
    def admin_url(self) -> str:
        assert self._control is not None
        return self._url(self._control.port)

    @property
    def group_leader_url(self) -> str:
        return self._url(self.cluster.leader.port)

    @property
    def group_manager_urls(self) -> list[str]:
        return [self._url(gm.port) for gm in self.cluster.managers()]

    @property
    def local_controller_urls(self) -> list[str]:
        return [self._url(lc.port) for lc in self.cluster.local_controllers.values()]

    # -- inspection ----------------------------------------------------------------------------------

    def vms(self) -> list[dict[str, Any]]:
        """Every VM as its group manager records it (getVirtualMachineMetaData's answer)."""
        with self.cluster.lock:
            return [views.metadata(self.cluster, vm) for vm in self.cluster.iter_vms()]

    def hosts(self) -> list[dict[str, Any]]:
        with self.cluster.lock:
            return [
                {
                    **views.local_controller(self.cluster, lc, with_vms=False),
                    "up": lc.up,
                    "used": self.cluster.used(lc.id),
                }
                for lc in self.cluster.local_controllers.values()
            ]

    def quirks(self) -> dict[str, bool]:
        return {name: getattr(self.config.quirks, name) for name in Quirks.names()}

    def state(self) -> dict[str, Any]:
        with self.cluster.lock:
            return {
                "groupLeaderId": self.cluster.leader_id,
                "groupLeaderUrl": self.group_leader_url,
                "freeIpAddresses": max(0, len(self.cluster.leader_state.ip_pool) - 1),
                "rejoiningGroupManagers": [gm.id for gm in self.cluster.rejoining()],
                "vms": self.vms(),
                "hosts": self.hosts(),
                "internalErrors": len(self.errors.snapshot()),
            }

    def request_counts(self) -> dict[str, dict[str, int]]:
        """Snooze calls so far per component and method: {"bootstrap": {"getVirtualMachineDescriptions":
        3, ...}, "groupmanager": {...}, "localcontroller": {...}}. Faulted calls count, 404s and 405s
        do not; control API calls are not Snooze calls."""
        return self.requests.snapshot()

    def reset_request_counts(self) -> None:
        self.requests.reset()

    # -- control -------------------------------------------------------------------------------------

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Nothing Snooze does on its own (dispatching, collection rounds, VM removals, migrations
        ending, rejoins, IPs returning) happens inside the block; what fell due meanwhile happens
        at its end. Lets a test check a passing state (SHUTDOWN_PENDING, a result not ready yet)
        without racing the clock; group managers' busy periods still end on time."""
        self.cluster.scheduler.hold()
        try:
            yield
        finally:
            self.cluster.scheduler.release()

    def fail_over(self) -> str:
        """The group leader dies; a group manager takes over on its own port. The others join it
        `timing.rejoin_delay` later (state()["rejoiningGroupManagers"] until then)."""
        with self.cluster.lock:
            old = self.cluster.leader
            new = failover.fail_over(self.cluster)
        self._servers[old.id].stop()
        return new.id

    def rejoin_now(self, group_manager_id: str | None = None) -> None:
        """The group managers still rejoining (or only this one) join the leader now, ending the
        window early for them. One at a time, a test gets a VM started on a group manager that
        joined, with an IP the leader's pool still held for another's VM: two VMs running with one
        IP and MAC, as in Snooze. UnknownName for an id that is no group manager's."""
        with self.cluster.lock:
            if group_manager_id is not None and group_manager_id not in self.cluster.group_managers:
                raise UnknownName(f"no group manager {group_manager_id}")
            failover.rejoin(self.cluster, group_manager_id)

    def take_down(self, local_controller_id: str) -> None:
        """The host dies with its VMs. UnknownName for an unknown id."""
        with self.cluster.lock:
            failover.take_down(self.cluster, local_controller_id)
        self._servers[local_controller_id].stop()

    def inject_fault(self, method: str, kind: str, count: int = 1, seconds: float = 0.0) -> None:
        self.faults.inject(method, kind, count, seconds)

    def inject_random_faults(
        self,
        rate: float,
        kinds: Sequence[str] = KINDS,
        methods: Sequence[str] | None = None,
        components: Sequence[str] | None = None,
        seconds: float = 3.0,
        seed: int | None = None,
    ) -> None:
        """From now on each Snooze call (of these methods and components; None: all) fails with
        probability `rate`, with a kind drawn from `kinds`; a delay sleeps `seconds`. A seed makes
        the draws repeatable. Replaces earlier random faults; injected ones still come first."""
        self.faults.inject_random(RandomFaults.of(rate, kinds, methods, components, seconds, seed))

    def fault_report(self) -> dict[str, Any]:
        """Faults waiting, random faults in force and how many calls each kind hit (GET /faults)."""
        return self.faults.report()

    def clear_faults(self) -> None:
        """No more faults, injected or random; the report starts from zero."""
        self.faults.clear()

    def set_quirk(self, name: str, enabled: bool) -> None:
        if name not in Quirks.names():
            raise ValueError(f"unknown quirk {name!r}; known: {', '.join(Quirks.names())}")
        setattr(self.config.quirks, name, enabled)

    def destroy_vm(self, name: str) -> None:
        """Every VM of that name vanishes at once, as if destroyed outside any client."""
        with self.cluster.lock:
            for vm in self.cluster.named(name):
                self.cluster.remove_vm(vm)

    def migrate_vm(self, name: str, local_controller_id: str) -> None:
        """Snooze moves every VM of that name on its own (relocation, consolidation)."""
        with self.cluster.lock:
            migration.relocate(self.cluster, name, local_controller_id)

    def ignore_acpi(self, name: str, ignores: bool = True) -> None:
        """The guests of every VM of that name ignore ACPI (or no longer do): a shutdown leaves them
        SHUTDOWN_PENDING for good, until destroyed (spec 6.2). A shutdown they ignored stays
        ignored: after switching back, shut them down again."""
        with self.cluster.lock:
            for vm in self.cluster.named(name):
                vm.ignores_acpi = ignores

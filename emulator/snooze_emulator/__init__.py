"""snooze-emulator: a local Snooze cluster that behaves on the wire like the real Java system.

    from snooze_emulator import Emulator, EmulatorConfig, Timing

    with Emulator(EmulatorConfig(base_port=0, timing=Timing(collection_delay=0.05))) as snooze:
        snooze.bootstrap_url, snooze.group_leader_url, snooze.admin_url
        snooze.vms(), snooze.hosts(), snooze.state()
        snooze.fail_over(); snooze.rejoin_now(); snooze.take_down(host_id)
        snooze.inject_fault("destroyVirtualMachine", "false", count=2); snooze.clear_faults()
        snooze.inject_random_faults(0.2, kinds=["http500", "drop"], seed=42); snooze.fault_report()
        snooze.set_quirk("one_shot_results", False)
        snooze.request_counts(); snooze.reset_request_counts()
        snooze.destroy_vm("vm1"); snooze.migrate_vm("vm1", host_id)  # drift behind a client's back

Modules: model (cluster state and Snooze's rules), submissions (the leader's pipeline),
templates (libvirt XML), beans (Jackson's reading of request bodies), wire (Restlet's HTTP forms),
endpoints (which method each component serves), views (JSON shapes), faults, control (admin API),
config (settings from flags or TOML).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from . import views
from .config import EmulatorConfig, Quirks, Timing
from .control import ControlServer
from .endpoints import bootstrap_endpoints, group_manager_endpoints, local_controller_endpoints
from .faults import KINDS, Faults, RandomFaults
from .model import Cluster
from .traffic import RequestCounts
from .wire import Server

__all__ = ["Emulator", "EmulatorConfig", "Quirks", "Timing"]


class Emulator:
    """Every component in background threads, each on its own port.

    Ports follow a real deployment (bootstrap, then group managers, then local controllers from
    `base_port` on), or are all free ports when `base_port` is 0, for tests running in parallel.
    """

    def __init__(self, config: EmulatorConfig | None = None, **overrides: Any) -> None:
        # A copy: switching a quirk on one emulator never changes another's.
        self.config = replace(copy.deepcopy(config or EmulatorConfig()), **overrides)
        self.cluster = Cluster(self.config)
        self.faults = Faults()
        self.requests = RequestCounts()
        self._servers: dict[str, Server] = {}
        self._control: ControlServer | None = None
        self._control_thread: threading.Thread | None = None

    # -- life ----------------------------------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind every port and serve; calling it again on a started emulator does nothing."""
        if self._servers:
            return self
        config, cluster = self.config, self.cluster
        port = iter(range(config.base_port, config.base_port + 10_000)) if config.base_port else None

        def next_port() -> int:
            return next(port) if port else 0

        with cluster.lock:
            self._servers["bootstrap"] = self._serve("bootstrap", next_port(), bootstrap_endpoints(cluster))
            for index in range(config.group_managers):
                server = self._serve("groupmanager", next_port(), {})
                # Monitoring ports as the reference deployment hands them out: 6000, 6001, ...
                monitoring = 6000 + index if port else min(server.port + 1000, 65535)
                gm = cluster.add_group_manager(server.port, monitoring, 10000 + index)
                server.endpoints.update(group_manager_endpoints(cluster, gm.id))
                self._servers[gm.id] = server
            for index in range(config.local_controllers):
                server = self._serve("localcontroller", next_port(), {})
                lc = cluster.add_local_controller(server.port, 16509 + index)
                server.endpoints.update(local_controller_endpoints(cluster, lc.id))
                self._servers[lc.id] = server
        admin_port = (
            config.admin_port if config.admin_port is not None else (config.base_port + 99 if port else 0)
        )
        self._control = ControlServer(config.listen, admin_port, self)
        self._control_thread = threading.Thread(target=self._control.serve_forever, daemon=True)
        for server in self._servers.values():
            server.start()
        self._control_thread.start()
        return self

    def _serve(self, component: str, port: int, endpoints: dict[str, Any]) -> Server:
        return Server(
            self.config.listen,
            port,
            component,
            endpoints,
            self.cluster.lock,
            self.config,
            self.faults,
            self.requests,
        )

    def stop(self) -> None:
        for server in self._servers.values():
            if server.thread.is_alive():
                server.stop()
        if self._control is not None:
            self._control.shutdown()
            self._control.server_close()
        self.cluster.scheduler.stop()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses -----------------------------------------------------------------------------------

    def _url(self, port: int) -> str:
        return f"http://{self.config.listen}:{port}"

    @property
    def bootstrap_url(self) -> str:
        return self._url(self._servers["bootstrap"].port)

    @property
    def admin_url(self) -> str:
        assert self._control is not None
        return self._url(int(self._control.server_address[1]))

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
            }

    def request_counts(self) -> dict[str, dict[str, int]]:
        """Snooze calls so far per component and method: {"bootstrap": {"getVirtualMachineDescriptions":
        3, ...}, "groupmanager": {...}, "localcontroller": {...}}. Faulted calls count, 404s and 405s
        do not; control API calls are not Snooze calls."""
        return self.requests.snapshot()

    def reset_request_counts(self) -> None:
        self.requests.reset()

    # -- control -------------------------------------------------------------------------------------

    def fail_over(self) -> str:
        """The group leader dies; a group manager takes over on its own port. The others join it
        `timing.rejoin_delay` later (state()["rejoiningGroupManagers"] until then)."""
        with self.cluster.lock:
            old = self.cluster.leader
            new = self.cluster.fail_over()
        self._servers[old.id].stop()
        return new.id

    def rejoin_now(self) -> None:
        """The group managers join the leader now, ending the rejoin window before rejoin_delay
        (for tests that check what happens during the window without racing its end)."""
        with self.cluster.lock:
            self.cluster.rejoin_now()

    def take_down(self, local_controller_id: str) -> None:
        with self.cluster.lock:
            if local_controller_id not in self.cluster.local_controllers:
                raise KeyError(f"no local controller {local_controller_id}")
            self.cluster.take_down(local_controller_id)
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
        """The VM vanishes at once, as if destroyed outside any client."""
        with self.cluster.lock:
            for vm in [vm for vm in self.cluster.vms if vm.name == name]:
                self.cluster.remove_vm(vm)

    def migrate_vm(self, name: str, local_controller_id: str) -> None:
        """Snooze moves the VM on its own (relocation, consolidation)."""
        with self.cluster.lock:
            lc = self.cluster.local_controllers[local_controller_id]
            for vm in self.cluster.vms:
                if vm.name == name:
                    vm.local_controller_id, vm.group_manager_id = lc.id, lc.group_manager_id

"""The emulated deployment: topology, timing, faithfulness switches; from flags or a TOML file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

__all__ = ["EmulatorConfig", "Quirks", "Timing", "explain"]


def _setting(default: Any, explanation: str) -> Any:
    """A field whose explanation `snooze-emulator --help` prints."""
    return field(default=default, metadata={"help": explanation})


def explain(kind: type, name: str) -> str:
    return str(next(f for f in fields(kind) if f.name == name).metadata.get("help", ""))


@dataclass
class Timing:
    """Delays in seconds. Defaults are fast; `realistic()` gives Snooze's own (spec 6.1.6, 7.7)."""

    collection_delay: float = _setting(1.0, "the group leader waits this long before each collection round")
    collection_rounds: int = _setting(200, "collection rounds before the group leader gives up")
    start_delay: float = _setting(0.05, "a group manager stays busy this long starting VMs on its hosts")
    dispatch_retry_interval: float = _setting(
        0.25, "the group leader retries a busy group manager after this"
    )
    dispatch_retries: int = _setting(60, "retries before VMs fail with UNABLE_TO_START_ON_GROUP_MANAGER")
    removal_delay: float = _setting(1.0, "a shut down or destroyed VM stays SHUTDOWN_PENDING this long")
    migration_delay: float = _setting(1.0, "a live migration lasts this long")
    summary_delay: float = _setting(0.0, "freed IPs return to the leader's pool after this")
    rejoin_delay: float = _setting(
        0.0,
        "after a leader failover, group managers join the new leader this long later (their "
        "heartbeat timeout); until then its discovery, listings and dispatching miss them, their "
        "hosts and VMs, and its fresh IP pool still holds their VMs' addresses",
    )

    @classmethod
    def realistic(cls) -> Timing:
        return cls(
            collection_delay=10.0,
            start_delay=3.0,
            dispatch_retry_interval=5.0,
            removal_delay=3.0,
            migration_delay=5.0,
            summary_delay=3.0,
            rejoin_delay=10.0,
        )


@dataclass
class Quirks:
    """Snooze behaviours a client must survive (spec section 12); each can be switched off."""

    raw_string_responses: bool = _setting(True, "string answers (task ids) come unquoted, labelled JSON")
    one_shot_results: bool = _setting(True, "the first read of a submission result consumes it")
    stale_error_code_when_pinned: bool = _setting(
        True, "a VM pinned with hostId runs with error code NOT_ENOUGH_GROUP_MANAGER_CAPACITY"
    )
    unparsable_template_wedges_queue: bool = _setting(
        True, "an unparsable template leaves its submission and every later one pending"
    )
    null_host_id_rejects_submission: bool = _setting(True, '"hostId": null drops the whole request')
    unknown_image_drops_vm: bool = _setting(True, "a VM whose imageId is unknown is left out of the result")
    answers_merged_by_index: bool = _setting(
        True, "a group manager's answer is paired with the leader's VMs by position, failures first"
    )
    uncollected_marks_whole_cluster: bool = _setting(
        True, "a group manager that has not answered flags every VM with UNABLE_TO_COLLECT_..."
    )
    migration_always_true: bool = _setting(True, "the leader's migrateVirtualMachine answers true regardless")
    null_settings_wedge_group_manager: bool = _setting(
        True, "a group manager's migrateVirtualMachine without hypervisor settings leaves it busy forever"
    )
    bootstrap_lists_controllers: bool = _setting(
        True,
        "the bootstrap's Cassandra database: host list and forwarded migrations, as the Snooze "
        "documentation shows; off: the in-memory database's 204 and false",
    )
    lc_destroy_unknown_is_500: bool = _setting(
        True, "a host's destroyVirtualMachine of an unknown VM is a 500"
    )
    resize_non_running_is_500: bool = _setting(
        True,
        "resizeVirtualMachine that the host cannot do (a VM not RUNNING, or grown past the vcpus or "
        "memory it booted with) is a 500; off: an empty answer",
    )
    resize_swaps_network: bool = _setting(
        True, "resizeVirtualMachine answers [vcpus, memory, tx, rx], keeping tx when rx is unset"
    )

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


@dataclass
class EmulatorConfig:
    listen: str = "127.0.0.1"
    base_port: int = 5000  # 0: every component on a free port
    admin_port: int | None = None  # None: see ports (base_port + 99 unless the hosts reach it)
    group_managers: int = 2  # the first is elected group leader
    local_controllers: int = 3
    vcpus: int = 4
    memory: int = 3958348  # KiB
    network: int = 131072  # rx and tx capacity, KB
    hostname: str = "mafalda"
    subnet: str = "192.168.122.0/24"
    placement: str = "RoundRobin"  # or FirstFit (group managers placing VMs on local controllers)
    dispatching: str = "RoundRobin"  # or FirstFit (the group leader choosing a group manager)
    images: list[str] = field(default_factory=lambda: ["debian.qcow2", "debian1.qcow2", "ubuntu.qcow2"])
    accept_any_image: bool = False
    max_body_bytes: int = 4 << 20
    timing: Timing = field(default_factory=Timing)
    quirks: Quirks = field(default_factory=Quirks)

    @classmethod
    def from_toml(cls, path: str | Path, base: EmulatorConfig | None = None) -> EmulatorConfig:
        data = tomllib.loads(Path(path).read_text())
        return cls.from_mapping(data, base)

    @classmethod
    def from_mapping(cls, data: dict[str, Any], base: EmulatorConfig | None = None) -> EmulatorConfig:
        config = base or cls()
        timing = replace(config.timing, **_known(data.pop("timing", {}), Timing))
        quirks = replace(config.quirks, **_known(data.pop("quirks", {}), Quirks))
        return replace(config, timing=timing, quirks=quirks, **_known(data, cls))


def _known(data: dict[str, Any], kind: type) -> dict[str, Any]:
    names = {f.name for f in fields(kind)} - {"timing", "quirks"}
    unknown = set(data) - names
    if unknown:
        raise ValueError(
            f"unknown setting(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(names))}"
        )
    return data

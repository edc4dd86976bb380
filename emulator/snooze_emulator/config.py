"""The emulated deployment: topology, timing, faithfulness switches; from flags or a TOML file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

__all__ = ["EmulatorConfig", "Quirks", "Timing"]


@dataclass
class Timing:
    """Delays in seconds. Defaults are fast; `realistic()` gives Snooze's own (spec 6.1.6, 7.7)."""

    collection_delay: float = 1.0  # the group leader waits this long before each collection round
    collection_rounds: int = 200  # rounds before the group leader gives up on a group manager
    start_delay: float = 0.05  # a group manager busy starting VMs on its hosts (qemu-img, libvirt)
    dispatch_retry_interval: float = 0.25  # the group leader retries a busy group manager after this
    dispatch_retries: int = 60
    removal_delay: float = 1.0  # SHUTDOWN_PENDING until the VM disappears
    migration_delay: float = 1.0  # a live migration
    summary_delay: float = 0.0  # freed IPs return to the pool after the next summary

    @classmethod
    def realistic(cls) -> Timing:
        return cls(
            collection_delay=10.0,
            start_delay=3.0,
            dispatch_retry_interval=5.0,
            removal_delay=3.0,
            migration_delay=5.0,
            summary_delay=3.0,
        )


@dataclass
class Quirks:
    """Snooze behaviours a client must survive (spec section 12); each can be switched off."""

    raw_string_responses: bool = True  # task ids come back unquoted, labelled application/json
    one_shot_results: bool = True  # the first read of a submission result consumes it
    stale_error_code_when_pinned: bool = (
        True  # a VM pinned with hostId runs with NOT_ENOUGH_GROUP_MANAGER_CAPACITY
    )
    unparsable_template_wedges_queue: bool = True  # an unparsable template blocks every later submission
    null_host_id_rejects_submission: bool = True  # "hostId": null drops the whole request
    unknown_image_drops_vm: bool = True  # a VM whose imageId is not in the repository is silently omitted
    answers_merged_by_index: bool = True  # a group manager's answer is paired with the VMs by position
    uncollected_marks_whole_cluster: bool = True  # a slow group manager flags every VM of the cluster
    migration_always_true: bool = True  # the GL answers true even if the GM drops the migration
    # The bootstrap's database: True is Cassandra's (host list, migrations forwarded), as the Snooze
    # documentation shows; False the in-memory one (204 and false, spec 6.4c, 6.6).
    bootstrap_lists_controllers: bool = True
    lc_destroy_unknown_is_500: bool = True  # the LC's broken String.format for unknown VMs
    resize_non_running_is_500: bool = True

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


@dataclass
class EmulatorConfig:
    listen: str = "127.0.0.1"
    base_port: int = 5000  # 0: every component on a free port
    admin_port: int | None = None  # None: base_port + 99, or a free port when base_port is 0
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

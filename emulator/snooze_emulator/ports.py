"""Which port each component binds (spec 1.1: the reference deployment hands them out in sequence).

    bootstrap            BASE
    group managers       BASE+1 .. BASE+G          (the first is elected group leader)
    local controllers    BASE+G+1 .. BASE+G+L
    control API          BASE+99, or BASE+G+L+1 when the components reach BASE+99 (L >= 99-G)

so that no default collides at any size; with the defaults, 5000, 5001-5002, 5003-5005 and 5099.
BASE 0 binds every component to a free port (the control API too, unless given). The group
managers' monitoring and heartbeat ports and the hosts' libvirt ports are reported, never bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import EmulatorConfig

__all__ = ["CONTROL_OFFSET", "LAYOUT", "PortLayout", "plan_ports"]

CONTROL_OFFSET = 99
LAYOUT = (
    "bootstrap BASE; group managers BASE+1..BASE+G (the first leads); local controllers "
    "BASE+G+1..BASE+G+L; control API BASE+99, or BASE+G+L+1 once the local controllers reach "
    "BASE+99; BASE 0: free ports"
)
_HIGHEST = 65535


@dataclass(frozen=True)
class PortLayout:
    bootstrap: int
    group_managers: list[int]
    local_controllers: list[int]
    control: int

    def monitoring(self, index: int, bound: int) -> int:
        """Group manager `index`'s monitoring port as the reference deployment hands it out
        (6000, 6001, ...), or one derived from the port it got when ports are free."""
        return 6000 + index if self.bootstrap else min(bound + 1000, _HIGHEST)


def plan_ports(config: EmulatorConfig) -> PortLayout:
    """The ports to bind; ValueError when they do not fit or an explicit control port collides."""
    base, managers, hosts = config.base_port, config.group_managers, config.local_controllers
    if not 0 <= base <= _HIGHEST:
        raise ValueError(f"base port {base} is not between 0 and {_HIGHEST}")
    if config.admin_port is not None and not 0 <= config.admin_port <= _HIGHEST:
        raise ValueError(f"control port {config.admin_port} is not between 0 and {_HIGHEST}")
    if base == 0:
        return PortLayout(0, [0] * managers, [0] * hosts, config.admin_port or 0)
    last = base + managers + hosts
    control = config.admin_port if config.admin_port is not None else max(base + CONTROL_OFFSET, last + 1)
    if max(last, control) > _HIGHEST:
        raise ValueError(
            f"{managers} group managers and {hosts} local controllers from base port {base} need ports "
            f"up to {max(last, control)}, above {_HIGHEST}: choose a lower --base-port (or an --admin-port)"
        )
    if base <= control <= last:
        raise ValueError(f"control port {control} is among the components' ports {base}-{last}")
    return PortLayout(
        base,
        list(range(base + 1, base + 1 + managers)),
        list(range(base + 1 + managers, last + 1)),
        control,
    )

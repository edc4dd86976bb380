"""Where each component listens (spec 1.1): the reference deployment's sequence from the base port,
the control API at base + 99 or after the last host, and no default collision at any size."""

from __future__ import annotations

import socket

import httpx
import pytest
from harness.wire_calls import FAST, emulator_help
from snooze_emulator import Emulator, EmulatorConfig
from snooze_emulator.__main__ import parse_arguments
from snooze_emulator.ports import PortLayout, plan_ports


def layout(base: int, managers: int, hosts: int, admin: int | None = None) -> PortLayout:
    return plan_ports(
        EmulatorConfig(base_port=base, group_managers=managers, local_controllers=hosts, admin_port=admin)
    )


def test_the_default_layout_is_the_reference_deployments() -> None:
    assert layout(5000, 2, 3) == PortLayout(5000, [5001, 5002], [5003, 5004, 5005], 5099)


@pytest.mark.parametrize("managers", [1, 2, 3, 10])
@pytest.mark.parametrize("hosts", [0, 3, 95, 96, 97, 98, 99, 100, 101, 500, 5000])
def test_no_default_port_collides_at_any_size(managers: int, hosts: int) -> None:
    ports = layout(5000, managers, hosts)
    components = [ports.bootstrap, *ports.group_managers, *ports.local_controllers]
    assert components == list(range(5000, 5001 + managers + hosts)), "in sequence from the base"
    assert ports.control not in components
    assert ports.control == max(5099, components[-1] + 1)


def test_free_ports_everywhere_with_base_zero() -> None:
    ports = layout(0, 2, 150)
    assert {ports.bootstrap, ports.control, *ports.group_managers, *ports.local_controllers} == {0}
    assert layout(0, 2, 3, admin=7000).control == 7000


@pytest.mark.parametrize(
    ("base", "managers", "hosts", "admin", "message"),
    [
        (65500, 2, 200, None, "need ports up to 65703"),
        (65450, 2, 3, None, "need ports up to 65549"),
        (5000, 2, 3, 5004, "control port 5004 is among the components' ports 5000-5005"),
        (5000, 2, 3, 70000, "control port 70000 is not between 0 and 65535"),
        (-1, 2, 3, None, "base port -1 is not between 0 and 65535"),
    ],
)
def test_layouts_that_cannot_work_are_refused_clearly(
    base: int, managers: int, hosts: int, admin: int | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        layout(base, managers, hosts, admin)
    flags = ["--base-port", str(base), "--group-managers", str(managers), "--local-controllers", str(hosts)]
    with pytest.raises(SystemExit) as exited:
        parse_arguments(flags + (["--admin-port", str(admin)] if admin is not None else []))
    assert exited.value.code == 2


def free_block(size: int) -> int:
    """A base port from which `size` ports are free (and above the 5000s that tests never bind)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1]) & ~0xFF
        if not 20000 <= base <= 60000:
            continue
        try:
            for port in range(base, base + size):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise AssertionError("no free port block")


def test_a_hundred_hosts_start_with_the_control_api_after_them() -> None:
    base = free_block(104)
    config = EmulatorConfig(base_port=base, local_controllers=100, timing=FAST)
    with Emulator(config) as emu:
        assert emu.admin_url == f"http://127.0.0.1:{base + 103}"
        assert emu.local_controller_urls[-1] == f"http://127.0.0.1:{base + 102}"
        assert len(httpx.get(f"{emu.admin_url}/hosts").json()) == 100
        assert httpx.get(f"{emu.bootstrap_url}/bootstrap?getGroupLeaderDescription").status_code == 200


def test_help_documents_the_layout() -> None:
    text = " ".join(emulator_help().split())
    assert "control API BASE+99, or BASE+G+L+1 once the local controllers reach BASE+99" in text
    assert "no default port collides at any size" in text


def test_a_taken_port_stops_the_start_and_frees_the_others() -> None:
    base = free_block(100)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", base + 99))
        squatter.listen()
        emulator = Emulator(EmulatorConfig(base_port=base, timing=FAST))
        with pytest.raises(OSError):
            emulator.start()
    for port in range(base, base + 6):  # bound by the components before the control API failed
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))

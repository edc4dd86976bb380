"""`snooze-emulator`: run a local Snooze cluster until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import textwrap
import threading
from dataclasses import fields, replace

from .config import EmulatorConfig, Quirks, Timing, explain
from .control import ENDPOINTS
from .emulator import Emulator
from .ports import LAYOUT, plan_ports


def parse_arguments(argv: list[str] | None) -> EmulatorConfig:
    defaults = EmulatorConfig()
    parser = argparse.ArgumentParser(
        prog="snooze-emulator",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.fill(
            "A local Snooze cluster that behaves on the wire like the real one: a bootstrap, "
            "an elected group leader, group managers and local controllers, each on its own port "
            "(by default bootstrap 5000, group leader 5001, group manager 5002, hosts 5003-5005), and a "
            "control API for tests (by default on port 5099). Command-line flags override the --config "
            "file.",
            width=100,
        )
        + "\n\nports (G group managers, L local controllers; no default port collides at any size):\n"
        + textwrap.indent(textwrap.fill(LAYOUT, width=96), "  ")
        + "\n\ncontrol API:\n"
        + textwrap.indent(ENDPOINTS, "  "),
    )
    parser.add_argument("--config", metavar="FILE", help="a TOML file with any of the settings below")
    parser.add_argument("--listen", help=f"address to bind (default {defaults.listen})")
    parser.add_argument(
        "--base-port",
        type=int,
        help=f"bootstrap port; the others follow (default {defaults.base_port}; 0: free ports)",
    )
    parser.add_argument(
        "--admin-port",
        type=int,
        help="port of the control API (default: base port + 99, or the port after the last local "
        "controller once they reach it; a free port with --base-port 0)",
    )
    parser.add_argument(
        "--group-managers",
        type=int,
        help=f"group managers, leader included (default {defaults.group_managers})",
    )
    parser.add_argument("--local-controllers", type=int, help=f"hosts (default {defaults.local_controllers})")
    parser.add_argument("--vcpus", type=int, help=f"CPUs per host (default {defaults.vcpus})")
    parser.add_argument("--memory", type=int, help=f"KiB per host (default {defaults.memory})")
    parser.add_argument(
        "--network", type=int, help=f"rx and tx capacity per host, KB (default {defaults.network})"
    )
    parser.add_argument("--subnet", help=f"virtual machine subnet (default {defaults.subnet})")
    parser.add_argument(
        "--placement", choices=["RoundRobin", "FirstFit"], help="how group managers place VMs"
    )
    parser.add_argument(
        "--dispatching", choices=["RoundRobin", "FirstFit"], help="how the leader picks group managers"
    )
    parser.add_argument("--accept-any-image", action="store_true", default=None, help="every imageId exists")
    parser.add_argument(
        "--realistic-timing",
        action="store_true",
        help="Snooze's default delays (10 s collection rounds, group managers rejoin 10 s after a failover)",
    )
    parser.add_argument(
        "--bootstrap-in-memory",
        action="store_true",
        help="the bootstrap keeps no host list (204), as with Snooze's in-memory database",
    )
    parser.add_argument("--hostname", help=f"host name the nodes report (default {defaults.hostname})")
    parser.add_argument(
        "--max-body-bytes", type=int, help=f"largest request body (default {defaults.max_body_bytes})"
    )
    timing_flags = parser.add_argument_group("timing (seconds; each flag overrides --realistic-timing)")
    for setting in fields(Timing):
        timing_flags.add_argument(
            "--" + setting.name.replace("_", "-"),
            type=int if setting.type == "int" else float,
            metavar="N",
            help=f"{explain(Timing, setting.name)} (default {setting.default})",
        )
    quirk_flags = parser.add_argument_group(
        "quirks (Snooze's own behaviours, all on by default)",
        "\n".join(f"  {name}: {explain(Quirks, name)}" for name in Quirks.names()),
    )
    quirk_flags.add_argument(
        "--without-quirk",
        action="append",
        default=[],
        choices=Quirks.names(),
        metavar="QUIRK",
        help="switch one quirk off (repeatable)",
    )
    quirk_flags.add_argument(
        "--with-quirk",
        action="append",
        default=[],
        choices=Quirks.names(),
        metavar="QUIRK",
        help="switch one quirk on (repeatable), e.g. one a --config file switched off",
    )
    args = parser.parse_args(argv)

    config = EmulatorConfig.from_toml(args.config) if args.config else defaults
    flags = {
        "listen": args.listen,
        "base_port": args.base_port,
        "admin_port": args.admin_port,
        "group_managers": args.group_managers,
        "local_controllers": args.local_controllers,
        "vcpus": args.vcpus,
        "memory": args.memory,
        "network": args.network,
        "subnet": args.subnet,
        "placement": args.placement,
        "dispatching": args.dispatching,
        "accept_any_image": args.accept_any_image,
        "hostname": args.hostname,
        "max_body_bytes": args.max_body_bytes,
    }
    config = replace(config, **{k: v for k, v in flags.items() if v is not None})
    if args.realistic_timing:
        config = replace(config, timing=Timing.realistic())
    delays = {s.name: getattr(args, s.name) for s in fields(Timing) if getattr(args, s.name) is not None}
    config = replace(config, timing=replace(config.timing, **delays))
    for quirk in args.without_quirk:
        setattr(config.quirks, quirk, False)
    for quirk in args.with_quirk:
        setattr(config.quirks, quirk, True)
    if args.bootstrap_in_memory:
        config.quirks.bootstrap_lists_controllers = False
    if config.group_managers < 1 or config.local_controllers < 0:
        parser.error("at least one group manager is needed")
    try:
        plan_ports(config)
    except ValueError as error:
        parser.error(str(error))
    return config


def main(argv: list[str] | None = None) -> int:
    config = parse_arguments(argv)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    try:
        emulator = Emulator(config).start()
    except OSError as error:
        print(f"snooze-emulator: cannot start: {error}", file=sys.stderr)
        return 1
    print(
        f"snooze-emulator ready: bootstrap {emulator.bootstrap_url}, group leader {emulator.group_leader_url}, "
        f"{len(emulator.local_controller_urls)} local controllers, control API {emulator.admin_url}",
        flush=True,
    )
    while not stopped.wait(3600):
        pass
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

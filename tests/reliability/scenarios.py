"""The fault matrix: every way a create, update, refresh or destroy can be interrupted or lied to.

Each scenario acts on one or more Terraform configurations against a fresh emulator; the runner
then converges them and audits Snooze (runner.py, audit.py). `fast` ones also run in `make test`.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

from harness.terraform import Result, Terraform
from snooze_emulator import Emulator, Timing

from .audit import Identity, identities_in_state
from .runner import SMALL_VM, Run, Scenario

__all__ = ["SCENARIOS"]

SLOW_START = Timing(collection_delay=0.2, start_delay=3.0, removal_delay=0.2, migration_delay=0.5)
SLOW_COLLECT = Timing(collection_delay=3.0, removal_delay=0.2, migration_delay=0.5)
SLOW_MIGRATION = Timing(collection_delay=0.2, removal_delay=0.2, migration_delay=4.0)
REJOIN = Timing(collection_delay=0.5, removal_delay=0.2, migration_delay=0.5, rejoin_delay=4.0)
ROOMY = {"local_controllers": 5, "vcpus": 16}  # room for 80 small VMs
RANDOM_RATE = 0.2
SEEDS = {"create": 1, "update": 2, "refresh": 3, "destroy": 4}  # repeatable draws
RANDOM_DELAY = 3.0  # past request_timeout (2s); the provider's grace (5s) outlasts it
FAILOVER = {"group_managers": 3}


def names(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(1, count + 1)]


# -- what to wait for before striking ---------------------------------------------------------------


def submitted(emulator: Emulator) -> Callable[[], bool]:
    """The leader took a submission (its worker runs); no VM of it runs yet with SLOW_START."""
    return lambda: emulator.cluster.leader_state.working or bool(emulator.cluster.leader_state.results)


def running(emulator: Emulator, count: int) -> Callable[[], bool]:
    return lambda: len(emulator.vms()) >= count


def migrating(emulator: Emulator) -> Callable[[], bool]:
    """A group manager is busy with a migration (RECONFIGURATION)."""
    return lambda: any(gm.busy() for gm in emulator.cluster.group_managers.values() if gm.alive)


def at_once() -> bool:
    return True


# -- scenarios ----------------------------------------------------------------------------------------


def ambiguous_submission(kind: str) -> Callable[[Run], None]:
    def act(run: Run) -> None:
        tf = run.config(names("amb", 5), request_timeout="1s")
        run.emulator.inject_fault("startVirtualCluster", kind, count=1, seconds=1.5)
        tf.apply()

    return act


def lost_result(kind: str) -> Callable[[Run], None]:
    def act(run: Run) -> None:
        tf = run.config(names("res", 5), request_timeout="1s")
        run.emulator.inject_fault("getVirtualClusterResponse", kind, count=3, seconds=1.5)
        tf.apply()

    return act


def interrupted_create(sig: int, when: Callable[[Emulator], Callable[[], bool]]) -> Callable[[Run], None]:
    def act(run: Run) -> None:
        tf = run.config(names("int", 5))
        run.interrupted(tf, sig, when(run.emulator))

    return act


def interrupted_update(sig: int) -> Callable[[Run], None]:
    def act(run: Run) -> None:
        tf = run.config(names("upd", 3))
        tf.apply().check()
        run.keep(tf)
        run.rewrite(tf, names("upd", 6))
        run.interrupted(tf, sig, submitted(run.emulator))

    return act


def during(run: Run, when: Callable[[], bool], action: Callable[[], object], *args: str) -> None:
    """Runs `terraform ARGS` (apply by default) and does `action` once `when()` holds."""
    tf = run.configs[-1]
    done, struck = threading.Event(), threading.Event()

    def strike() -> None:
        while not done.is_set():
            if when():
                action()
                struck.set()
                return
            done.wait(0.02)

    striker = threading.Thread(target=strike, daemon=True)
    striker.start()
    try:
        tf.run(*(args or ("apply", "-auto-approve", "-no-color")))
    finally:
        done.set()
        striker.join(5)
    if not struck.is_set():
        raise AssertionError("terraform ended before the moment to strike")


def failover_create(when: Callable[[Emulator], Callable[[], bool]]) -> Callable[[Run], None]:
    def act(run: Run) -> None:
        run.config(names("fo", 5))
        during(run, when(run.emulator), run.emulator.fail_over)

    return act


def failover_update(run: Run) -> None:
    tf = run.config(names("fu", 3))
    tf.apply().check()
    run.keep(tf)
    run.rewrite(tf, names("fu", 6))
    during(run, submitted(run.emulator), run.emulator.fail_over)


def failover_refresh(run: Run) -> None:
    tf = run.config(names("fr", 4))
    tf.apply().check()
    run.keep(tf)
    during(run, at_once, run.emulator.fail_over, "plan", "-no-color")


def host_down_under_running_vms(run: Run) -> None:
    tf = run.config(names("hd", 6))
    tf.apply().check()
    doomed = tf.resources()["snooze_virtual_cluster.c"]["virtual_machines"]["hd1"]["local_controller_id"]
    run.emulator.take_down(doomed)
    survivors = {identity for identity in _identities(tf) if _host_of(tf, identity[0]) != doomed}
    run.survivors |= survivors


def host_down_under_migration(role: str) -> Callable[[Run], None]:
    def act(run: Run) -> None:
        tf = run.config(names("mg", 2))
        tf.apply().check()
        vms = tf.resources()["snooze_virtual_cluster.c"]["virtual_machines"]
        source = vms["mg1"]["local_controller_id"]
        others = sorted(
            h["id"]
            for h in run.emulator.hosts()
            if h["id"] not in {source, vms["mg2"]["local_controller_id"]}
        )
        target = others[0]
        # mg2 runs elsewhere and must survive; mg1 dies with its host when that is the source.
        run.survivors |= {i for i in _identities(tf) if i[0] == "mg2"}
        tf.write(
            "main.tf",
            tf.workdir.joinpath("main.tf")
            .read_text()
            .replace(
                'mg1 = { vcpus = 1, memory = 131072, image_id = "debian.qcow2" }',
                f'mg1 = {{ vcpus = 1, memory = 131072, image_id = "debian.qcow2", local_controller_id = "{target}" }}',
            ),
        )
        down = source if role == "source" else target
        during(run, migrating(run.emulator), lambda: run.emulator.take_down(down))
        # The user drops the pin to a host that is gone (the plan would refuse it), then converges.
        run.rewrite(tf, names("mg", 2))

    return act


def failover_rejoin_refresh(run: Run) -> None:
    """A refresh while the group managers have not rejoined the new leader: nothing dropped."""
    tf = run.config(names("rj", 4))
    tf.apply().check()
    run.keep(tf)
    run.emulator.fail_over()
    plan = tf.plan()
    assert "Virtual machine not seen" in plan.output or plan.returncode == 0, plan.output


def failover_rejoin_create(run: Run) -> None:
    """Submitted while no group manager has rejoined the new leader (GROUP_MANAGERS_MISSING)."""
    tf = run.config(names("rc", 4))
    run.emulator.fail_over()
    tf.apply()


def failover_rejoin_while_polling(run: Run) -> None:
    """The leader dies while the VMs run and its result is pending; they stay invisible until their
    group managers rejoin the new leader: never taken for not started meanwhile."""
    run.config(names("rp", 5))
    during(run, running(run.emulator, 5), run.emulator.fail_over)


def random_faults(phase: str) -> Callable[[Run], None]:
    """20% of every Snooze call fails (500, a delay past request_timeout, a dropped connection
    before or after the call, false, null) while `phase` runs on 50 VMs, tried up to three times
    as a user would."""

    def act(run: Run) -> None:
        tf = run.config(names("rnd", 50))
        if phase != "create":
            tf.apply().check()
            run.keep(tf)
        if phase == "update":
            # 10 removed, 10 added: the 40 kept must survive.
            run.survivors = {i for i in run.survivors if int(i[0][3:]) > 10}
            run.rewrite(tf, names("rnd", 60)[10:])
        if phase == "destroy":
            run.survivors.clear()
        step: Callable[[], Result] = {
            "create": tf.apply,
            "update": tf.apply,
            "refresh": lambda: tf.run("refresh", "-no-color"),
            "destroy": tf.destroy,
        }[phase]
        run.emulator.reset_request_counts()
        run.emulator.inject_random_faults(
            rate=RANDOM_RATE, seconds=RANDOM_DELAY, seed=SEEDS[phase] * 100 + run.index
        )
        codes = []
        for _ in range(3):
            codes.append(step().returncode)
            if codes[-1] == 0:
                break
        calls = sum(sum(methods.values()) for methods in run.emulator.request_counts().values())
        run.notes.append(f"{phase} under faults exited {codes} after {calls} Snooze calls")

    return act


def sized(vcpus: int, image: str = "debian.qcow2") -> str:
    return f'vcpus = {vcpus}, memory = {vcpus * 131072}, image_id = "{image}"'


def random_faults_one_vm_at_a_time(run: Run) -> None:
    """20% of every Snooze call fails while 10 of 30 VMs are resized in place and 5 recreated (a new
    image), tried up to three times: the 25 not recreated must survive as the same instances."""
    vms = names("pv", 30)
    resized, recreated = set(vms[:10]), set(vms[10:15])
    tf = run.config(vms, vm=lambda name: sized(2))
    tf.apply().check()
    run.keep(tf)
    run.survivors = {i for i in run.survivors if i[0] not in recreated}
    run.rewrite(
        tf,
        vms,
        vm=lambda n: (
            sized(1) if n in resized else sized(2, "ubuntu.qcow2" if n in recreated else "debian.qcow2")
        ),
    )
    run.emulator.reset_request_counts()
    run.emulator.inject_random_faults(rate=RANDOM_RATE, seconds=RANDOM_DELAY, seed=500 + run.index)
    codes = []
    for _ in range(3):
        codes.append(tf.apply().returncode)
        if codes[-1] == 0:
            break
    calls = sum(sum(methods.values()) for methods in run.emulator.request_counts().values())
    run.notes.append(f"resize and recreate under faults exited {codes} after {calls} Snooze calls")


def failover_during_a_recreation(run: Run) -> None:
    """The leader fails over while two VMs recreated under their names are being started again:
    they are reconciled, never started twice, and the other two never touched."""
    tf = run.config(names("fc", 4))
    tf.apply().check()
    run.keep(tf)
    recreated = {"fc1", "fc2"}
    run.survivors = {i for i in run.survivors if i[0] not in recreated}
    run.rewrite(tf, names("fc", 4), vm=lambda n: sized(1, "ubuntu.qcow2") if n in recreated else SMALL_VM)
    during(run, submitted(run.emulator), run.emulator.fail_over)


def same_name_sequential(run: Run) -> None:
    first = run.config(["shared", "first1"])
    first.apply().check()
    run.keep(first)
    second = run.config(["shared", "second1"])
    second.apply()
    run.refusals[1] = "shared"


def same_name_concurrent(run: Run) -> None:
    first = run.config(["shared", "first1", "first2"])
    second = run.config(["shared", "second1", "second2"])
    threads = [threading.Thread(target=tf.apply) for tf in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    owner = next((index for index, tf in enumerate(run.configs) if "shared" in _state_names(tf)), None)
    if owner is not None:
        run.refusals[1 - owner] = "shared"
    else:
        run.refusals.update({0: "shared", 1: "shared"})  # both yielded: the name stays free


def namesake_present(run: Run) -> None:
    """A stranger of the same name as ours, on another host, through create, refresh and destroy."""
    run.stranger("other")
    tf = run.config(["web", "api"])
    tf.apply().check()
    here = _host_of(tf, "web")
    elsewhere = next(h["id"] for h in run.emulator.hosts() if h["id"] != here)
    run.stranger("web", elsewhere)
    assert tf.detailed_plan().returncode == 0, "the namesake is neither ours nor a change"
    tf.run("destroy", "-auto-approve", "-no-color").check()
    run.configs.remove(tf)  # destroyed, as the user wanted: nothing to converge


def _identities(tf: Terraform) -> set[Identity]:
    return identities_in_state([tf])


def _state_names(tf: Terraform) -> set[str]:
    return {identity[0] for identity in _identities(tf)}


def _host_of(tf: Terraform, name: str) -> str:
    values = tf.resources()["snooze_virtual_cluster.c"]["virtual_machines"]
    return str(values[name]["local_controller_id"])


SCENARIOS = [
    *(
        Scenario(f"ambiguous submission: {kind}", 5, ambiguous_submission(kind), fast=kind == "drop_after")
        for kind in ("http500", "drop", "drop_after", "false", "null", "delay")
    ),
    *(
        Scenario(f"lost result: {kind}", 5, lost_result(kind), fast=kind == "drop_after")
        for kind in ("http500", "drop", "drop_after", "delay")
    ),
    Scenario(
        "SIGINT after submission",
        5,
        interrupted_create(signal.SIGINT, submitted),
        fast=True,
        timing=SLOW_START,
        runs=3,
    ),
    Scenario(
        "SIGINT while VMs run, result pending",
        5,
        interrupted_create(signal.SIGINT, lambda e: running(e, 5)),
        timing=SLOW_COLLECT,
        runs=3,
    ),
    Scenario(
        "SIGKILL after submission",
        5,
        interrupted_create(signal.SIGKILL, submitted),
        fast=True,
        timing=SLOW_START,
        runs=3,
    ),
    Scenario(
        "SIGKILL while VMs run, result pending",
        5,
        interrupted_create(signal.SIGKILL, lambda e: running(e, 5)),
        timing=SLOW_COLLECT,
        runs=3,
    ),
    Scenario("SIGINT during an update", 6, interrupted_update(signal.SIGINT), timing=SLOW_START, runs=3),
    Scenario("SIGKILL during an update", 6, interrupted_update(signal.SIGKILL), timing=SLOW_START, runs=3),
    Scenario(
        "failover after submission",
        5,
        failover_create(submitted),
        emulator=FAILOVER,
        timing=SLOW_START,
        runs=3,
    ),
    Scenario(
        "failover while VMs run, result pending",
        5,
        failover_create(lambda e: running(e, 5)),
        fast=True,
        emulator=FAILOVER,
        timing=SLOW_COLLECT,
        runs=3,
    ),
    Scenario("failover during an update", 6, failover_update, emulator=FAILOVER, timing=SLOW_START, runs=3),
    Scenario("failover before a refresh", 4, failover_refresh, emulator=FAILOVER, runs=3),
    Scenario(
        "failover, refresh before the managers rejoin",
        4,
        failover_rejoin_refresh,
        emulator=FAILOVER,
        timing=REJOIN,
        runs=3,
    ),
    Scenario(
        "failover, create before the managers rejoin",
        4,
        failover_rejoin_create,
        emulator=FAILOVER,
        timing=REJOIN,
        runs=3,
    ),
    Scenario(
        "failover while polling, managers rejoin late",
        5,
        failover_rejoin_while_polling,
        fast=True,
        emulator=FAILOVER,
        timing=REJOIN,
        runs=3,
    ),
    Scenario(
        "failover during a recreation",
        4,
        failover_during_a_recreation,
        fast=True,
        emulator=FAILOVER,
        timing=SLOW_START,
        runs=3,
    ),
    Scenario("host down under running VMs", 6, host_down_under_running_vms),
    Scenario(
        "source host down while migrating", 2, host_down_under_migration("source"), timing=SLOW_MIGRATION
    ),
    Scenario(
        "destination host down while migrating",
        2,
        host_down_under_migration("destination"),
        timing=SLOW_MIGRATION,
    ),
    Scenario("same name in two configurations", 3, same_name_sequential, fast=True),
    Scenario("same name, two concurrent applies", 5, same_name_concurrent, runs=3),
    Scenario("namesake present: create, refresh, destroy", 2, namesake_present, fast=True),
    *(
        Scenario(
            f"20% random faults: {phase} of 50 VMs",
            50,
            random_faults(phase),
            runs=runs,
            emulator=ROOMY,
            grace="5s",
            destroyed=phase == "destroy",
        )
        for phase, runs in (("create", 4), ("update", 3), ("refresh", 5), ("destroy", 3))
    ),
    Scenario(
        "20% random faults: 10 resized, 5 recreated of 30 VMs",
        30,
        random_faults_one_vm_at_a_time,
        runs=3,
        emulator=ROOMY,
        grace="5s",
    ),
]

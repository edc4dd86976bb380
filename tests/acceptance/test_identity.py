"""A VM in state is one instance, never a name: real Terraform, the provider, the emulator.

Snooze checks no name for uniqueness. These tests put a VM of the same name where the provider
could take it for its own, and lose Snooze's answers to submissions, and check that the provider
never duplicates, orphans or touches somebody else's VM, and says what to do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from harness.snooze import (
    PROVIDER_BLOCK,
    assert_state_matches,
    fast_emulator,
    provider_block,
    start_stranger,
    vms_in_state,
)
from harness.terraform import Terraform
from snooze_emulator import Emulator, Timing

pytestmark = pytest.mark.terraform

GRACE = {"SNOOZE_PROVIDER_REJOIN_GRACE": "2s"}


def cluster(names: list[str], *, block: str = PROVIDER_BLOCK, vcpus: int = 1, extra: str = "") -> str:
    vms = "\n".join(f'{n} = {{ vcpus = {vcpus}, memory = 262144, image_id = "debian.qcow2" }}' for n in names)
    return (
        block + f'resource "snooze_virtual_cluster" "c" {{\n  virtual_machines = {{\n{vms}\n  }}\n{extra}}}\n'
    )


@pytest.fixture
def make_tf(terraform_factory: Callable[..., Terraform], emulator: Emulator) -> Callable[[], Terraform]:
    return lambda: terraform_factory(SNOOZE_BOOTSTRAP_URLS=emulator.bootstrap_url, **GRACE)


def named(emulator: Emulator, name: str) -> list[dict[str, object]]:
    return [vm for vm in emulator.vms() if vm["virtualMachineLocation"]["virtualMachineId"] == name]


def test_a_name_another_configuration_runs_is_refused_at_plan_time(
    make_tf: Callable[[], Terraform], emulator: Emulator
) -> None:
    first, second = make_tf(), make_tf()
    first.write("main.tf", cluster(["shared"]))
    first.init()
    first.apply().check()
    vm = vms_in_state(first)["shared"]

    second.write("main.tf", cluster(["shared", "mine"]))
    second.init()
    result = second.plan()
    assert result.returncode != 0
    assert "Virtual machine name already in use" in result.output
    flat = " ".join(result.output.split())
    assert vm["ip_address"] in flat and vm["local_controller_id"] in flat
    assert "terraform import ADDRESS shared" in flat
    assert second.apply().returncode != 0
    assert len(named(emulator, "shared")) == 1 and not named(emulator, "mine")
    assert_state_matches(first, emulator)


def test_destroy_with_a_stranger_of_the_same_name_removes_only_ours_promptly(
    make_tf: Callable[[], Terraform], emulator: Emulator
) -> None:
    tf = make_tf()
    tf.write("main.tf", cluster(["web"], extra='  timeouts {\n    delete = "2m"\n  }\n'))
    tf.init()
    tf.apply().check()
    ours = vms_in_state(tf)["web"]
    elsewhere = next(h["id"] for h in emulator.hosts() if h["id"] != ours["local_controller_id"])
    stranger = start_stranger(emulator, "web", elsewhere)
    assert stranger["ipAddress"] != ours["ip_address"]

    assert tf.detailed_plan().returncode == 0, "the stranger is neither ours nor a change"
    started = time.monotonic()
    tf.destroy().check()
    assert time.monotonic() - started < 60, "destroy must not wait for somebody else's VM"
    (left,) = named(emulator, "web")
    assert left["ipAddress"] == stranger["ipAddress"], "only our instance was destroyed"


def test_a_vm_replaced_behind_our_back_by_a_namesake_is_drift_not_ours(
    make_tf: Callable[[], Terraform], emulator: Emulator
) -> None:
    tf = make_tf()
    tf.write("main.tf", cluster(["web"]))
    tf.init()
    tf.apply().check()
    ours = vms_in_state(tf)["web"]
    emulator.destroy_vm("web")
    stranger = start_stranger(emulator, "web")
    assert stranger["ipAddress"] != ours["ip_address"]
    # Ours is gone (drift); the namesake is not adopted silently, and re-creating the name is refused.
    plan = tf.plan()
    assert plan.returncode != 0 and "Virtual machine name already in use" in plan.output
    assert tf.apply().returncode != 0
    # Terraform plans before destroying, and the plan refuses the name: the advice works around it.
    assert "terraform destroy -refresh=false" in " ".join(plan.output.split())
    tf.run("destroy", "-auto-approve", "-no-color", "-refresh=false").check()
    assert tf.resources() == {}, "ours was gone: nothing to destroy"
    (left,) = named(emulator, "web")
    assert left["ipAddress"] == stranger["ipAddress"], "the namesake was never touched"


@pytest.mark.parametrize("fault", ["http500", "drop", "false", "null", "delay"])
def test_an_ambiguous_submission_starts_each_vm_exactly_once(
    make_tf: Callable[[], Terraform], emulator: Emulator, fault: str
) -> None:
    tf = make_tf()
    tf.write("main.tf", cluster(["a1", "a2"], block=provider_block(request_timeout="1s")))
    tf.init()
    emulator.inject_fault("startVirtualCluster", fault, count=1, seconds=1.5)
    tf.apply().check()
    assert sorted(assert_state_matches(tf, emulator)) == ["a1", "a2"]
    assert len(emulator.vms()) == 2, "never submitted twice"
    assert "tainted" not in tf.run("state", "show", "-no-color", "snooze_virtual_cluster.c").stdout
    assert tf.detailed_plan().returncode == 0


def test_after_a_partial_failure_untaint_then_apply_starts_only_the_missing_vm(
    make_tf: Callable[[], Terraform], emulator: Emulator
) -> None:
    # Three hosts of 4 vcpus; a stranger takes one whole host, so the third big VM cannot start.
    blocker = start_stranger(emulator, "blocker", vcpus=4)
    tf = make_tf()
    tf.write("main.tf", cluster(["big1", "big2", "big3"], vcpus=4))
    tf.init()
    result = tf.apply()
    assert result.returncode != 0
    flat = " ".join(result.output.split())
    assert "Virtual machine failed to start" in flat and "NOT_ENOUGH" in flat
    assert "terraform untaint ADDRESS" in flat and "only the missing virtual machines are started" in flat
    assert len(assert_state_matches(tf, emulator, strangers=["blocker"])) == 2

    emulator.destroy_vm(str(blocker["virtualMachineLocation"]["virtualMachineId"]))
    tf.run("untaint", "snooze_virtual_cluster.c").check()
    before = vms_in_state(tf)
    plan = tf.plan_json()
    change = plan["resource_changes"][0]["change"]
    assert change["actions"] == ["update"]
    for name, vm in before.items():
        assert change["after"]["virtual_machines"][name] == vm, "the running VMs are not touched"
    tf.apply().check()
    after = assert_state_matches(tf, emulator)
    assert sorted(after) == ["big1", "big2", "big3"]
    assert all(after[name]["ip_address"] == vm["ip_address"] for name, vm in before.items())
    assert tf.detailed_plan().returncode == 0


def test_a_slow_snooze_is_reported_as_slow(make_tf: Callable[[], Terraform], emulator: Emulator) -> None:
    tf = make_tf()
    tf.write("main.tf", cluster(["s1"], block=provider_block(request_timeout="1s")))
    tf.init()
    tf.apply().check()
    emulator.inject_fault("getVirtualMachineDescriptions", "delay", count=100, seconds=1.5)
    result = tf.plan()
    assert result.returncode != 0
    flat = " ".join(result.output.split())
    assert "Snooze did not answer in time" in flat
    assert "did not answer within request_timeout (1s)" in flat
    assert "firewall" not in flat
    emulator.clear_faults()
    assert tf.detailed_plan().returncode == 0, "state was kept as it was"


def test_two_configurations_applied_at_once_both_converge(
    make_tf: Callable[[], Terraform], emulator: Emulator
) -> None:
    configs = [make_tf(), make_tf()]
    for index, tf in enumerate(configs):
        tf.write("main.tf", cluster([f"team{index}a", f"team{index}b"]))
        tf.init()
    results: list[int] = []
    threads = [threading.Thread(target=lambda tf=tf: results.append(tf.apply().returncode)) for tf in configs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert results == [0, 0]
    assert sorted(vm["virtualMachineLocation"]["virtualMachineId"] for vm in emulator.vms()) == [
        "team0a",
        "team0b",
        "team1a",
        "team1b",
    ]
    assert all(tf.detailed_plan().returncode == 0 for tf in configs)


def test_a_migration_whose_destination_goes_down_fails_within_seconds(
    terraform_factory: Callable[..., Terraform],
) -> None:
    with fast_emulator(
        timing=Timing(collection_delay=0.2, removal_delay=0.2, migration_delay=5.0)
    ) as emulator:
        tf = terraform_factory(SNOOZE_BOOTSTRAP_URLS=emulator.bootstrap_url, **GRACE)
        tf.write("main.tf", cluster(["mover"]))
        tf.init()
        tf.apply().check()
        source = vms_in_state(tf)["mover"]["local_controller_id"]
        target = next(h["id"] for h in emulator.hosts() if h["id"] != source)
        tf.write(
            "main.tf",
            cluster(["mover"], extra='  timeouts {\n    update = "5m"\n  }\n').replace(
                'image_id = "debian.qcow2" }',
                f'image_id = "debian.qcow2", local_controller_id = "{target}" }}',
            ),
        )
        process = tf.start("apply", "-auto-approve", "-no-color")
        while not any(gm.busy() for gm in emulator.cluster.group_managers.values() if gm.alive):
            assert process.poll() is None, process.communicate()[0]
            time.sleep(0.05)
        emulator.take_down(target)  # the destination host dies during the live migration
        started = time.monotonic()
        output, _ = process.communicate(timeout=120)
        assert time.monotonic() - started < 30, "noticed within seconds, not at the update timeout"
        flat = " ".join(output.split())
        assert process.returncode != 0 and "Migration failed" in flat
        assert "'mover'" in flat and target in flat and "not in Snooze's host list" in flat
        assert vms_in_state(tf)["mover"]["local_controller_id"] == source, "state says where it runs"
        assert_state_matches(tf, emulator)

"""The provider when Snooze is slow, leaderless or failing over: clear errors, no lost VMs."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from harness.snooze import PROVIDER_BLOCK, assert_state_matches, fast_emulator, vms_in_state
from harness.terraform import Terraform
from snooze_emulator import Timing

pytestmark = pytest.mark.terraform


def cluster(names: list[str], timeouts: str = "") -> str:
    vms = "\n".join(f'{n} = {{ vcpus = 1, memory = 262144, image_id = "debian.qcow2" }}' for n in names)
    return (
        PROVIDER_BLOCK
        + f'resource "snooze_virtual_cluster" "c" {{\n  virtual_machines = {{\n{vms}\n  }}\n{timeouts}}}\n'
    )


def test_a_create_timeout_keeps_pending_vms_and_the_next_apply_reconciles_them(
    terraform_factory: Callable[..., Terraform],
) -> None:
    # The group managers are still starting the VMs when the create timeout runs out.
    with fast_emulator(timing=Timing(start_delay=4.0, removal_delay=0.2, migration_delay=0.2)) as emulator:
        tf = terraform_factory(SNOOZE_BOOTSTRAP_URLS=emulator.bootstrap_url)
        tf.write("main.tf", cluster(["slow1", "slow2"], '  timeouts {\n    create = "1s"\n  }\n'))
        tf.init()
        result = tf.apply()
        assert result.returncode != 0
        assert "Virtual machine still pending" in result.output
        assert "'slow1' was submitted" in result.output and "never submitted twice" in result.output
        assert "terraform untaint" in result.output
        in_state = vms_in_state(tf)
        assert sorted(in_state) == ["slow1", "slow2"], "nothing is lost"
        assert {vm["status"] for vm in in_state.values()} == {"PENDING"}

        time.sleep(4.5)  # Snooze starts them after all
        tf.run("untaint", "snooze_virtual_cluster.c").check()  # the advice in the error
        tf.apply().check()
        assert sorted(assert_state_matches(tf, emulator)) == ["slow1", "slow2"]
        assert len(emulator.vms()) == 2, "never submitted twice"
        assert tf.detailed_plan().returncode == 0


def test_every_vm_running_when_the_timeout_runs_out_is_a_success(
    terraform_factory: Callable[..., Terraform],
) -> None:
    # The VMs run, but the group leader has not collected the result yet: found by name.
    with fast_emulator(
        timing=Timing(collection_delay=4.0, removal_delay=0.2, migration_delay=0.2)
    ) as emulator:
        tf = terraform_factory(SNOOZE_BOOTSTRAP_URLS=emulator.bootstrap_url)
        tf.write("main.tf", cluster(["slow1", "slow2"], '  timeouts {\n    create = "1s"\n  }\n'))
        tf.init()
        tf.apply().check()
        assert sorted(assert_state_matches(tf, emulator)) == ["slow1", "slow2"]
        assert "tainted" not in tf.run("state", "show", "-no-color", "snooze_virtual_cluster.c").stdout
        assert tf.detailed_plan().returncode == 0


def test_no_group_leader_yet_is_explained(terraform_factory: Callable[..., Terraform]) -> None:
    with fast_emulator() as emulator:
        emulator.inject_fault("getGroupLeaderDescription", "null", count=50)
        tf = terraform_factory(SNOOZE_BOOTSTRAP_URLS=emulator.bootstrap_url)
        tf.write("main.tf", cluster(["a1"]))
        tf.init()
        result = tf.apply()
        assert result.returncode != 0
        assert "Snooze has no group leader yet" in result.output
        assert emulator.bootstrap_url in result.output
        assert emulator.vms() == []


def test_group_leader_failover_between_applies(terraform_factory: Callable[..., Terraform]) -> None:
    with fast_emulator(group_managers=3) as emulator:
        tf = terraform_factory(SNOOZE_BOOTSTRAP_URLS=emulator.bootstrap_url)
        tf.write("main.tf", cluster(["f1"]))
        tf.init()
        tf.apply().check()
        old_leader = emulator.group_leader_url
        emulator.fail_over()
        assert emulator.group_leader_url != old_leader
        assert tf.detailed_plan().returncode == 0, "VMs survive a failover; nothing to change"
        tf.write("main.tf", cluster(["f1", "f2"]))
        tf.apply().check()
        assert sorted(assert_state_matches(tf, emulator)) == ["f1", "f2"]


def test_progress_is_logged_at_info(terraform_factory: Callable[..., Terraform]) -> None:
    with fast_emulator(timing=Timing(collection_delay=1.0)) as emulator:
        tf = terraform_factory(SNOOZE_BOOTSTRAP_URLS=emulator.bootstrap_url)
        tf.write("main.tf", cluster(["p1", "p2"]))
        tf.init()
        result = tf.apply(env={"TF_LOG": "INFO"})
        result.check()
        lines = [line for line in result.stderr.splitlines() if "provider.terraform-provider-snooze:" in line]
        assert any("Submitted 2 virtual machine(s) to Snooze (task" in line for line in lines)
        assert any("2 of 2 virtual machine(s) running" in line for line in lines)
        # Progress, not traffic: no line per HTTP request at INFO.
        assert not any("HTTP Request" in line for line in lines)


def test_unreachable_bootstrap_falls_over_to_the_next(terraform_factory: Callable[..., Terraform]) -> None:
    with fast_emulator() as emulator:
        tf = terraform_factory(SNOOZE_BOOTSTRAP_URLS=f"http://127.0.0.1:9,{emulator.bootstrap_url}")
        tf.write("main.tf", cluster(["b1"]))
        tf.init()
        tf.apply().check()
        assert_state_matches(tf, emulator)


def test_vms_unseen_while_their_group_managers_rejoin_are_kept(
    terraform_factory: Callable[..., Terraform],
) -> None:
    # After a failover the group managers join the new leader only after their heartbeat timeout;
    # until then its listings miss every VM. The provider's grace (2s) is shorter than that here.
    timing = Timing(collection_delay=0.2, removal_delay=0.2, rejoin_delay=120.0)
    with fast_emulator(group_managers=3, timing=timing) as emulator:
        tf = terraform_factory(
            SNOOZE_BOOTSTRAP_URLS=emulator.bootstrap_url, SNOOZE_PROVIDER_REJOIN_GRACE="2s"
        )
        tf.write("main.tf", cluster(["j1", "j2", "j3", "j4"]))
        tf.init()
        tf.apply().check()
        before = vms_in_state(tf)
        emulator.fail_over()
        assert emulator.state()["rejoiningGroupManagers"]
        emulator.reset_request_counts()
        # Listings show nothing, but each VM's own group manager still answers for it.
        assert tf.detailed_plan().returncode == 0
        assert emulator.request_counts()["bootstrap"]["getVirtualMachineDescriptions"] >= 1
        # And when the group managers do not answer either, the VMs are unseen: kept, with a warning.
        emulator.inject_fault("getVirtualMachineMetaData", "null", count=1000)
        result = tf.run("refresh", "-no-color")
        result.check()
        assert "Virtual machine not seen" in result.output and "kept in state as it was" in result.output
        assert vms_in_state(tf) == before, "nothing dropped on doubt"
        emulator.clear_faults()
        emulator.rejoin_now()
        tf.apply().check()
        assert sorted(assert_state_matches(tf, emulator)) == ["j1", "j2", "j3", "j4"]
        assert len(emulator.vms()) == 4, "nothing started twice"
        assert tf.detailed_plan().returncode == 0

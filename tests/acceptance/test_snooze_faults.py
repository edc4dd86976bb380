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


@pytest.mark.parametrize(
    ("timing", "status_at_timeout"),
    [
        # The group manager is still starting the VMs: Snooze knows nothing of them yet.
        (Timing(start_delay=4.0, removal_delay=0.2, migration_delay=0.2), "PENDING"),
        # The VMs run, but the group leader has not collected the result yet: found by name.
        (Timing(collection_delay=4.0, removal_delay=0.2, migration_delay=0.2), "RUNNING"),
    ],
    ids=["not-started", "not-collected"],
)
def test_create_timeout_names_each_vm_and_loses_none(
    terraform_factory: Callable[..., Terraform], timing: Timing, status_at_timeout: str
) -> None:
    with fast_emulator(timing=timing) as emulator:
        tf = terraform_factory(SNOOZE_BOOTSTRAP_URLS=emulator.bootstrap_url)
        tf.write("main.tf", cluster(["slow1", "slow2"], '  timeouts {\n    create = "1s"\n  }\n'))
        tf.init()
        result = tf.apply()
        assert result.returncode != 0
        assert "Timed out waiting for Snooze" in result.output
        assert f"slow1: {status_at_timeout}" in result.output
        assert f"slow2: {status_at_timeout}" in result.output
        in_state = vms_in_state(tf)
        assert sorted(in_state) == ["slow1", "slow2"], "nothing is lost"
        assert {vm["status"] for vm in in_state.values()} == {status_at_timeout}

        time.sleep(4.5)  # Snooze starts them after all
        tf.run("refresh", "-no-color").check()
        assert sorted(assert_state_matches(tf, emulator)) == ["slow1", "slow2"]
        tf.destroy().check()
        assert emulator.vms() == []


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
        assert "provider.terraform-provider-snooze: Waiting for Snooze (task" in result.stderr
        assert "of 2 virtual machine(s) running" in result.stderr
        assert (
            "Snooze answered task" in result.stderr and "2 of 2 virtual machine(s) running" in result.stderr
        )


def test_unreachable_bootstrap_falls_over_to_the_next(terraform_factory: Callable[..., Terraform]) -> None:
    with fast_emulator() as emulator:
        tf = terraform_factory(SNOOZE_BOOTSTRAP_URLS=f"http://127.0.0.1:9,{emulator.bootstrap_url}")
        tf.write("main.tf", cluster(["b1"]))
        tf.init()
        tf.apply().check()
        assert_state_matches(tf, emulator)

"""Snooze requests do not grow with the number of VMs: counted by the emulator itself.

Budgets: a refresh of any number of VMs and clusters, at most 3 requests per provider process;
a create, at most 5 requests per VM (one poll per submission, not per VM).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from harness.snooze import PROVIDER_BLOCK, assert_state_matches, fast_emulator
from harness.terraform import Terraform
from snooze_emulator import Emulator

pytestmark = pytest.mark.terraform

CLUSTERS, PER_CLUSTER = 3, 8


def clusters(count: int, size: int) -> str:
    blocks = []
    for c in range(count):
        vms = "\n".join(
            f'    c{c}vm{v} = {{ vcpus = 1, memory = 131072, image_id = "debian.qcow2" }}'
            for v in range(size)
        )
        blocks.append(
            f'resource "snooze_virtual_cluster" "c{c}" {{\n  virtual_machines = {{\n{vms}\n  }}\n}}\n'
        )
    return PROVIDER_BLOCK + "\n".join(blocks)


def total(emulator: Emulator) -> int:
    return sum(sum(methods.values()) for methods in emulator.request_counts().values())


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with fast_emulator(local_controllers=4, vcpus=16) as running:
        yield running


def test_create_and_refresh_within_their_request_budgets(
    terraform_factory: Callable[..., Terraform], emulator: Emulator
) -> None:
    tf = terraform_factory(SNOOZE_BOOTSTRAP_URLS=emulator.bootstrap_url)
    tf.write("main.tf", clusters(CLUSTERS, PER_CLUSTER))
    tf.init()
    emulator.reset_request_counts()
    tf.apply().check()
    created = total(emulator)
    vms = CLUSTERS * PER_CLUSTER
    assert len(assert_state_matches(tf, emulator)) == vms
    print(
        f"create of {vms} VMs in {CLUSTERS} clusters: {created} Snooze requests, {created / vms:.2f} per VM"
    )
    assert created <= 5 * vms
    polls = emulator.request_counts()["groupmanager"].get("getVirtualClusterResponse", 0)
    assert polls <= CLUSTERS * 20, "polls are per submission, never per VM"
    assert not emulator.request_counts()["groupmanager"].get("getVirtualMachineMetaData"), "no call per VM"

    emulator.reset_request_counts()
    assert tf.detailed_plan().returncode == 0
    refreshed = total(emulator)
    print(f"refresh of {vms} VMs in {CLUSTERS} clusters: {refreshed} Snooze requests")
    assert refreshed <= 3, emulator.request_counts()


def test_a_one_vm_create_with_snooze_s_default_database(
    terraform_factory: Callable[..., Terraform], emulator: Emulator
) -> None:
    """The fixed cost of an apply, with Snooze's in-memory database (its bootstrap keeps no host
    list). Terraform plans in one provider process and applies in another: the plan's listing (its
    name check), then the claim's listing, the leader, its host list (the group managers a failover
    must wait for), the submission, its result, and the listing that checks what started. Nothing
    more: each is a safety rule (README, Performance)."""
    emulator.set_quirk("bootstrap_lists_controllers", False)
    tf = terraform_factory(SNOOZE_BOOTSTRAP_URLS=emulator.bootstrap_url)
    tf.write("main.tf", clusters(1, 1))
    tf.init()
    emulator.reset_request_counts()
    tf.apply().check()
    counts = emulator.request_counts()
    print(f"create of 1 VM: {total(emulator)} Snooze requests: {counts}")
    assert "getLocalControllerList" not in counts["bootstrap"], "the leader's own list, asked directly"
    polls = counts["groupmanager"].pop("getVirtualClusterResponse")
    assert counts["bootstrap"] == {"getVirtualMachineDescriptions": 3, "getGroupLeaderDescription": 1}
    assert counts["groupmanager"] == {"getLocalControllerList": 1, "startVirtualCluster": 1}
    assert 1 <= polls <= 3

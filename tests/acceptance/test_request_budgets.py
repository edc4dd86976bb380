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

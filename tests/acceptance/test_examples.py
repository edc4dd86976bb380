"""Every example a user starts from, planned and applied against the emulator."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable

import httpx
import pytest
from harness.snooze import assert_state_matches, fast_emulator
from harness.terraform import ROOT, Terraform
from snooze_emulator import Emulator

pytestmark = pytest.mark.terraform

EXAMPLES = ROOT / "examples" / "scenarios"
RUNNABLE = sorted(p.parent.name for p in EXAMPLES.glob("*/main.tf"))


def test_every_example_directory_is_covered() -> None:
    assert set(RUNNABLE) == {
        "quickstart",
        "migration",
        "scaling",
        "import",
        "list-hosts",
        "module-for-each",
        "resize",
        "power-state",
    }


def workspace(tf: Terraform, example: str) -> None:
    """The example as a user has it: its directory, and the shared modules beside it."""
    shutil.copytree(EXAMPLES / example, tf.workdir, dirs_exist_ok=True)
    shutil.copytree(EXAMPLES / "modules", tf.workdir.parent / "modules", dirs_exist_ok=True)


def start_vm_behind_terraform(emulator: Emulator, name: str) -> None:
    body = {
        "virtualMachineTemplates": [
            {
                "name": name,
                "vcpus": 1,
                "memory": 262144,
                "imageId": "debian.qcow2",
                "networkCapacityDemand": {"rxBytes": 0, "txBytes": 0},
            }
        ]
    }
    httpx.post(f"{emulator.group_leader_url}/groupmanager?startVirtualCluster", json=body).raise_for_status()
    for _ in range(100):
        if any(vm["status"] == "RUNNING" for vm in emulator.vms()):
            return
        time.sleep(0.05)
    raise AssertionError(f"{name} did not start")


@pytest.mark.parametrize("example", RUNNABLE)
def test_example_plans_applies_and_destroys(
    terraform_factory: Callable[..., Terraform], example: str, engine: str
) -> None:
    with fast_emulator() as emulator:
        tf = terraform_factory(SNOOZE_BOOTSTRAP_URLS=emulator.bootstrap_url)
        workspace(tf, example)
        tf.init()
        if example == "import":
            start_vm_behind_terraform(emulator, "legacy1")
        tf.plan().check()
        tf.apply().check()
        assert_state_matches(tf, emulator)
        assert tf.detailed_plan().returncode == 0, f"{example}: a second plan must show no changes"
        outputs = json.loads(tf.run("output", "-json").check().stdout)

        if example == "migration":
            before = outputs["host"]["value"]
            tf.apply("-var", "host_index=1").check()
            after = json.loads(tf.run("output", "-json").check().stdout)["host"]["value"]
            assert after != before
            assert_state_matches(tf, emulator)
        if example == "scaling":
            assert len(outputs["ip_addresses"]["value"]) == 2
            tf.apply("-var", "workers=3").check()
            assert len(assert_state_matches(tf, emulator)) == 3
        if example == "module-for-each":
            assert sorted(outputs["ip_addresses"]["value"]) == ["batch", "web"]
            assert len(assert_state_matches(tf, emulator)) == 3
        if example == "resize":
            before = outputs["app1"]["value"]
            assert (before["vcpus"], before["max_vcpus"]) == (2, 2)
            tf.apply("-var", "vcpus=1", "-var", "memory=262144").check()
            after = json.loads(tf.run("output", "-json").check().stdout)["app1"]["value"]
            assert (after["vcpus"], after["memory"], after["max_vcpus"]) == (1, 262144, 2)
            assert after["ip_address"] == before["ip_address"], "resized in place"
        if example == "power-state":
            assert outputs["status"]["value"] == {"batch1": "RUNNING", "web1": "RUNNING"}
            tf.apply("-var", "batch_paused=true").check()
            status = json.loads(tf.run("output", "-json").check().stdout)["status"]["value"]
            assert status == {"batch1": "PAUSED", "web1": "RUNNING"}
        if example == "quickstart":
            assert sorted(outputs["ip_addresses"]["value"]) == ["debian1", "worker1"]

        tf.destroy().check()
        assert emulator.vms() == []

"""snooze_virtual_cluster end to end: real Terraform, the provider, the Snooze emulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.snooze import PROVIDER_BLOCK, assert_state_matches, fast_emulator
from harness.terraform import ROOT, Terraform
from snooze_emulator import Emulator

pytestmark = pytest.mark.terraform

TEMPLATE = (ROOT / "examples" / "quickstart" / "debian1.xml").read_text()


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with fast_emulator() as running:
        yield running


@pytest.fixture
def tf(terraform_factory: Callable[..., Terraform], emulator: Emulator) -> Terraform:
    tf = terraform_factory(SNOOZE_BOOTSTRAP_URLS=emulator.bootstrap_url)
    (tf.workdir / "debian1.xml").write_text(TEMPLATE)
    return tf


def cluster(vms: str, extra: str = "") -> str:
    return (
        PROVIDER_BLOCK
        + f'resource "snooze_virtual_cluster" "web" {{\n  virtual_machines = {{\n{vms}\n  }}\n{extra}}}\n'
    )


DEBIAN1 = 'debian1 = { libvirt_template = file("debian1.xml"), network_demand = { rx_bytes = 12800, tx_bytes = 12800 } }'
WORKER = 'worker{n} = {{ vcpus = 2, memory = 524288, image_id = "debian.qcow2"{extra} }}'


def worker(n: int, extra: str = "") -> str:
    return WORKER.format(n=n, extra=extra)


def test_create_both_modes_replan_and_destroy(tf: Terraform, emulator: Emulator) -> None:
    tf.write("main.tf", cluster(f"{DEBIAN1}\n{worker(1)}"))
    tf.init()
    tf.apply().check()
    vms = assert_state_matches(tf, emulator)
    assert vms["debian1"]["status"] == "RUNNING" and vms["worker1"]["status"] == "RUNNING"
    assert vms["debian1"]["vcpus"] == 1 and vms["debian1"]["memory"] == 200000  # from the template
    assert vms["worker1"]["image_id"] == "debian.qcow2"
    ips = {vm["ip_address"] for vm in vms.values()}
    assert ips == {"192.168.122.2", "192.168.122.3"}
    assert tf.detailed_plan().returncode == 0, "a plan right after apply must show no changes"

    tf.destroy().check()
    assert emulator.vms() == []
    assert tf.resources() == {}

"""snooze_virtual_cluster end to end: real Terraform, the provider, the Snooze emulator."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from harness.snooze import PROVIDER_BLOCK, assert_state_matches
from harness.terraform import ROOT, Terraform
from snooze_emulator import Emulator

pytestmark = pytest.mark.terraform

TEMPLATE = (ROOT / "examples" / "scenarios" / "quickstart" / "debian1.xml").read_text()


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


def lc_ids(emulator: Emulator) -> list[str]:
    return sorted(h["id"] for h in emulator.hosts())


def test_migration_by_changing_local_controller_id(tf: Terraform, emulator: Emulator) -> None:
    tf.write("main.tf", cluster(worker(1)))
    tf.init()
    tf.apply().check()
    before = assert_state_matches(tf, emulator)["worker1"]
    target = next(lc for lc in lc_ids(emulator) if lc != before["local_controller_id"])

    tf.write("main.tf", cluster(worker(1, f', local_controller_id = "{target}"')))
    plan = tf.plan_json()
    change = plan["resource_changes"][0]["change"]
    assert change["actions"] == ["update"], "a migration is done in place, never by replacement"
    assert change["after"]["virtual_machines"]["worker1"]["ip_address"] == before["ip_address"]
    tf.apply().check()
    after = assert_state_matches(tf, emulator)["worker1"]
    assert after["local_controller_id"] == target
    assert after["ip_address"] == before["ip_address"]
    assert tf.detailed_plan().returncode == 0


def test_scale_out_and_in(tf: Terraform, emulator: Emulator) -> None:
    tf.write("main.tf", cluster(worker(1)))
    tf.init()
    tf.apply().check()
    first = assert_state_matches(tf, emulator)["worker1"]
    cluster_id = tf.resources()["snooze_virtual_cluster.web"]["id"]

    tf.write("main.tf", cluster(f"{worker(1)}\n{worker(2)}\n{worker(3)}"))
    plan = tf.plan_json()
    change = plan["resource_changes"][0]["change"]
    assert change["actions"] == ["update"]
    assert change["after"]["virtual_machines"]["worker1"] == first, "the running VM is not touched"
    tf.apply().check()
    assert sorted(assert_state_matches(tf, emulator)) == ["worker1", "worker2", "worker3"]
    assert tf.resources()["snooze_virtual_cluster.web"]["id"] == cluster_id, "the id stays stable"
    assert tf.detailed_plan().returncode == 0

    tf.write("main.tf", cluster(worker(2)))
    tf.apply().check()
    assert sorted(assert_state_matches(tf, emulator)) == ["worker2"]
    assert tf.detailed_plan().returncode == 0


def test_drift_vm_destroyed_behind_terraforms_back(tf: Terraform, emulator: Emulator) -> None:
    tf.write("main.tf", cluster(f"{worker(1)}\n{worker(2)}"))
    tf.init()
    tf.apply().check()
    emulator.destroy_vm("worker2")
    plan = tf.plan_json()
    change = plan["resource_changes"][0]["change"]
    assert change["actions"] == ["update"]
    assert "worker2" not in change["before"]["virtual_machines"], "refresh dropped the vanished VM"
    assert "worker2" in change["after"]["virtual_machines"], "the plan adds it back"
    tf.apply().check()
    assert sorted(assert_state_matches(tf, emulator)) == ["worker1", "worker2"]

    # Every VM gone: the resource leaves state and the plan creates it again.
    emulator.destroy_vm("worker1")
    emulator.destroy_vm("worker2")
    plan = tf.plan_json()
    assert plan["resource_changes"][0]["change"]["actions"] == ["create"]


def test_drift_vm_moved_by_snooze(tf: Terraform, emulator: Emulator) -> None:
    tf.write("main.tf", cluster(worker(1)))
    tf.init()
    tf.apply().check()
    before = assert_state_matches(tf, emulator)["worker1"]
    elsewhere = next(lc for lc in lc_ids(emulator) if lc != before["local_controller_id"])
    emulator.migrate_vm("worker1", elsewhere)
    # local_controller_id is not configured: the move is noted, no change is planned.
    assert tf.detailed_plan().returncode == 0
    tf.apply().check()
    assert assert_state_matches(tf, emulator)["worker1"]["local_controller_id"] == elsewhere

    # Pinned in the configuration: the plan migrates it back.
    tf.write("main.tf", cluster(worker(1, f', local_controller_id = "{before["local_controller_id"]}"')))
    tf.apply().check()
    assert (
        assert_state_matches(tf, emulator)["worker1"]["local_controller_id"] == before["local_controller_id"]
    )


def test_import_running_vms(tf: Terraform, emulator: Emulator, engine: str) -> None:
    tf.write("main.tf", cluster(f"{DEBIAN1}\n{worker(1)}"))
    tf.init()
    tf.apply().check()
    tf.run("state", "rm", "snooze_virtual_cluster.web").check()
    assert tf.resources() == {}

    tf.run("import", "-no-color", "snooze_virtual_cluster.web", "debian1,worker1").check()
    assert sorted(assert_state_matches(tf, emulator)) == ["debian1", "worker1"]
    plan = tf.plan_json()
    change = plan["resource_changes"][0]["change"]
    # Snooze cannot give back a template: the configured one is recorded in place, never a
    # replacement of the running VM. A parameter-mode VM matches exactly.
    assert change["actions"] == ["update"]
    assert change["before"]["virtual_machines"]["worker1"] == change["after"]["virtual_machines"]["worker1"]
    tf.apply().check()
    assert tf.detailed_plan().returncode == 0


def test_import_block_adopts_parameter_mode_vms_without_changes(
    tf: Terraform, emulator: Emulator, engine: str
) -> None:
    tf.write("main.tf", cluster(worker(1)))
    tf.init()
    tf.apply().check()
    tf.run("state", "rm", "snooze_virtual_cluster.web").check()
    tf.write(
        "main.tf", cluster(worker(1)) + 'import {\n  to = snooze_virtual_cluster.web\n  id = "worker1"\n}\n'
    )
    plan = tf.plan_json()
    assert [c["change"]["actions"] for c in plan["resource_changes"]] == [["no-op"]]
    assert plan["resource_changes"][0]["change"]["importing"]["id"] == "worker1"
    tf.apply().check()
    assert_state_matches(tf, emulator)


def test_import_of_unknown_vm_fails_clearly(tf: Terraform) -> None:
    tf.write("main.tf", cluster(worker(1)))
    tf.init()
    result = tf.run("import", "-no-color", "snooze_virtual_cluster.web", "ghost")
    assert result.returncode != 0
    assert "Snooze runs no virtual machine named 'ghost'" in result.output


def test_import_of_a_vm_whose_name_no_configuration_can_use_fails_clearly(tf: Terraform) -> None:
    tf.write("main.tf", cluster(worker(1)))
    tf.init()
    result = tf.run("import", "-no-color", "snooze_virtual_cluster.web", "worker1,-rescue")
    assert result.returncode != 0
    assert "The name \"-rescue\" starts with '-'" in result.output, result.output
    assert tf.resources() == {}


@pytest.mark.parametrize(
    ("vms", "path_snippet", "message"),
    [
        (
            'a = { libvirt_template = "<domain><name>a</name>", vcpus = 1 }',
            "vcpus",
            "cannot be set together with libvirt_template",
        ),
        ("a = { vcpus = 1 }", "image_id", "Parameter mode needs the image"),
        ("a = {}", 'virtual_machines["a"]', "Set either libvirt_template"),
        ('a = { libvirt_template = "<domain><name>a</name" }', "libvirt_template", "not well-formed XML"),
        (
            'a = { libvirt_template = "<domain><name>b</name><vcpu>1</vcpu><memory>1</memory></domain>" }',
            "libvirt_template",
            "keyed 'a'",
        ),
        ('a = { vcpus = 0, image_id = "debian.qcow2" }', "vcpus", "at least 1 vcpu"),
        ('a = { memory = 0, image_id = "debian.qcow2" }', "memory", "must be positive"),
        (
            'a = { image_id = "debian.qcow2", network_demand = { rx_bytes = -1, tx_bytes = 0 } }',
            "rx_bytes",
            "cannot be negative",
        ),
    ],
)
def test_validation_errors_point_at_the_attribute(
    tf: Terraform, vms: str, path_snippet: str, message: str
) -> None:
    tf.write("main.tf", cluster(vms))
    tf.init()
    result = tf.run("validate", "-no-color")
    assert result.returncode != 0
    assert message in " ".join(result.output.split()), "Terraform wraps the detail at 78 columns"
    assert path_snippet in result.output or 'in resource "snooze_virtual_cluster" "web"' in result.output


def test_unknown_local_controller_is_refused_at_plan_time(tf: Terraform, emulator: Emulator) -> None:
    tf.write("main.tf", cluster(worker(1, ', local_controller_id = "no-such-host"')))
    tf.init()
    result = tf.plan()
    assert result.returncode != 0
    assert "Unknown local controller" in result.output and "no-such-host" in result.output
    assert emulator.vms() == []


def test_capacity_exhaustion_names_the_vm_and_keeps_the_started_ones(
    tf: Terraform, emulator: Emulator
) -> None:
    # Each host has 4 vcpus: the first two VMs fit, the third cannot fit anywhere.
    vms = "\n".join(
        f'big{n} = {{ vcpus = 4, memory = 1048576, image_id = "debian.qcow2" }}' for n in (1, 2, 3, 4)
    )
    tf.write("main.tf", cluster(vms))
    tf.init()
    result = tf.apply()
    assert result.returncode != 0
    assert "Virtual machine failed to start" in result.output
    assert "NOT_ENOUGH" in result.output
    in_state = assert_state_matches(tf, emulator)  # every VM that started is in state
    assert len(in_state) == 3
    assert "tainted" in tf.run("state", "show", "-no-color", "snooze_virtual_cluster.web").stdout
    tf.destroy().check()
    assert emulator.vms() == []


def test_delete_retries_while_the_group_manager_is_busy(tf: Terraform, emulator: Emulator) -> None:
    tf.write("main.tf", cluster(worker(1)))
    tf.init()
    tf.apply().check()
    emulator.inject_fault("destroyVirtualMachine", "false", count=3)
    tf.destroy().check()
    assert emulator.vms() == []

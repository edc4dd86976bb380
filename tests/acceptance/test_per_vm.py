"""One VM at a time: recreation, resize, power state, templates by meaning, graceful destroy.

Each test is one story on one Terraform working directory and one emulator, with both engines:
what the plan shows (actions, values, warnings), what Snooze shows afterwards (the VMs left alone
keep host, IP and MAC, the changed one has what was asked), and a plan without changes after
every apply.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from harness.snooze import (
    PROVIDER_BLOCK,
    assert_state_matches,
    command,
    host_record,
    vm_named,
)
from harness.terraform import ROOT, Terraform
from snooze_emulator import Emulator

pytestmark = pytest.mark.terraform

TEMPLATE = (ROOT / "examples" / "scenarios" / "quickstart" / "debian1.xml").read_text()
WRITES = (
    "startVirtualCluster",
    "destroyVirtualMachine",
    "shutdownVirtualMachine",
    "suspendVirtualMachine",
    "resumeVirtualMachine",
    "resizeVirtualMachine",
    "migrateVirtualMachine",
)


@pytest.fixture
def tf(terraform_factory: Callable[..., Terraform], emulator: Emulator) -> Terraform:
    tf = terraform_factory(SNOOZE_BOOTSTRAP_URLS=emulator.bootstrap_url)
    tf.write("debian1.xml", TEMPLATE)
    return tf


def cluster(vms: dict[str, str], extra: str = "") -> str:
    body = "\n".join(f"    {name} = {{ {attributes} }}" for name, attributes in vms.items())
    return (
        PROVIDER_BLOCK
        + f'resource "snooze_virtual_cluster" "c" {{\n  virtual_machines = {{\n{body}\n  }}\n{extra}}}\n'
    )


def worker(vcpus: int = 2, memory: int = 524288, image: str = "debian.qcow2", extra: str = "") -> str:
    return f'vcpus = {vcpus}, memory = {memory}, image_id = "{image}"{extra}'


def planned(tf: Terraform) -> tuple[str, dict[str, Any]]:
    """The plan's text (with its warnings, one line each) and its JSON; saved for `applied`."""
    text = tf.run("plan", "-no-color", "-out=tfplan").check().output
    shown = json.loads(tf.run("show", "-json", "tfplan").check().stdout)
    (change,) = [c["change"] for c in shown["resource_changes"] if c["type"] == "snooze_virtual_cluster"]
    return " ".join(text.split()), change


def applied(tf: Terraform, emulator: Emulator) -> dict[str, dict[str, Any]]:
    """Applies the saved plan; state and Snooze agree, and a new plan shows no changes."""
    emulator.reset_request_counts()
    tf.run("apply", "-no-color", "tfplan").check()
    vms = assert_state_matches(tf, emulator)
    result = tf.detailed_plan()
    assert result.returncode == 0, f"a plan right after apply must show no changes:\n{result.output}"
    return vms


def writes(emulator: Emulator) -> dict[str, int]:
    calls = emulator.request_counts()["groupmanager"]
    return {method: calls[method] for method in WRITES if calls.get(method)}


def identity(vm: dict[str, Any]) -> tuple[str, str, str]:
    return vm["local_controller_id"], vm["ip_address"], vm["mac_address"]


def test_only_the_vm_that_changes_is_touched(tf: Terraform, emulator: Emulator) -> None:
    tf.write("main.tf", cluster({"w1": worker(), "w2": worker(), "w3": worker()}))
    tf.init()
    tf.apply().check()
    before = assert_state_matches(tf, emulator)
    for vm in before.values():
        assert vm["error_code"] is None, "Snooze's UNKNOWN error code reads as no error"
        assert vm["mac_address"].startswith("54:56:") and vm["power_state"] == "running"
        assert (vm["max_vcpus"], vm["max_memory"]) == (2, 524288)

    # A new image: w1 alone is recreated under its name, inside an in-place update.
    tf.write("main.tf", cluster({"w1": worker(image="ubuntu.qcow2"), "w2": worker(), "w3": worker()}))
    text, change = planned(tf)
    assert change["actions"] == ["update"]
    assert "Warning: Virtual machine will be recreated" in text and "'w1' will be destroyed" in text
    assert "image_id changes" in text and "'w2'" not in text
    assert change["after_unknown"]["virtual_machines"]["w1"]["ip_address"] is True
    assert change["after"]["virtual_machines"]["w2"] == change["before"]["virtual_machines"]["w2"]
    after = applied(tf, emulator)
    assert after["w1"]["image_id"] == "ubuntu.qcow2" and identity(after["w1"]) != identity(before["w1"])
    assert after["w2"] == before["w2"] and after["w3"] == before["w3"]
    assert writes(emulator) == {"destroyVirtualMachine": 1, "startVirtualCluster": 1}

    # Smaller: resized in place; Snooze's group manager keeps the boot size, the host has the new one.
    tf.write(
        "main.tf", cluster({"w1": worker(image="ubuntu.qcow2"), "w2": worker(1, 262144), "w3": worker()})
    )
    text, change = planned(tf)
    assert change["actions"] == ["update"] and "Warning" not in text
    assert change["after"]["virtual_machines"]["w2"] == {
        **change["before"]["virtual_machines"]["w2"],
        "vcpus": 1,
        "memory": 262144,
    }
    resized = applied(tf, emulator)
    assert host_record(emulator, "w2")["requestedCapacity"][:2] == [1.0, 262144.0]
    assert vm_named(emulator, "w2")["requestedCapacity"][:2] == [2.0, 524288.0]
    assert (resized["w2"]["vcpus"], resized["w2"]["max_vcpus"]) == (1, 2)
    assert identity(resized["w2"]) == identity(before["w2"]) and resized["w3"] == before["w3"]
    assert writes(emulator) == {"resizeVirtualMachine": 1}

    # Only the host knows a resize, and a host forgets it when Snooze moves the VM: drift, shown.
    elsewhere = next(h["id"] for h in emulator.hosts() if h["id"] != resized["w2"]["local_controller_id"])
    emulator.migrate_vm("w2", elsewhere)
    _, change = planned(tf)
    assert change["before"]["virtual_machines"]["w2"]["vcpus"] == 2, "read from its host"
    assert change["after"]["virtual_machines"]["w2"]["vcpus"] == 1
    applied(tf, emulator)
    assert host_record(emulator, "w2")["requestedCapacity"][:2] == [1.0, 262144.0]

    # Larger than it booted with: libvirt cannot, so it is recreated, and the plan says why.
    tf.write("main.tf", cluster({"w1": worker(image="ubuntu.qcow2"), "w2": worker(3), "w3": worker()}))
    text, change = planned(tf)
    assert change["actions"] == ["update"]
    assert "'w2' will be destroyed" in text and "vcpus 3 is more than the 2 it booted with" in text
    grown = applied(tf, emulator)
    assert (grown["w2"]["vcpus"], grown["w2"]["max_vcpus"]) == (3, 3)
    assert grown["w3"] == before["w3"] and grown["w1"] == after["w1"]

    # Only on request is the whole cluster replaced; its own names are no obstacle.
    result = tf.apply("-replace=snooze_virtual_cluster.c").check()
    assert "1 added, 0 changed, 1 destroyed" in result.stdout
    replaced = assert_state_matches(tf, emulator)
    assert identity(replaced["w3"]) != identity(before["w3"])


def test_templates_are_compared_by_what_snooze_runs(tf: Terraform, emulator: Emulator) -> None:
    template = 'libvirt_template = file("debian1.xml")'
    tf.write("main.tf", cluster({"debian1": template, "w1": worker()}))
    tf.init()
    tf.apply().check()
    before = assert_state_matches(tf, emulator)

    # Comments, indentation, attribute order and elements Snooze drops: recorded, nothing done.
    cosmetic = (
        TEMPLATE.replace("  ", "    ")
        .replace('<type arch="x86_64" machine="pc-0.12">', '<type machine="pc-0.12" arch="x86_64">')
        .replace('<clock offset="utc"/>', '<!-- keep UTC --><clock offset="localtime"/>')
    )
    tf.write("debian1.xml", cosmetic)
    text, change = planned(tf)
    assert change["actions"] == ["update"] and "Warning" not in text
    assert change["after"]["virtual_machines"]["debian1"] == {
        **change["before"]["virtual_machines"]["debian1"],
        "libvirt_template": cosmetic,
    }
    assert applied(tf, emulator) == {**before, "debian1": {**before["debian1"], "libvirt_template": cosmetic}}
    assert writes(emulator) == {}, "Snooze is not touched"

    # Only <memory> changes: a resize.
    smaller = cosmetic.replace("<memory>200000</memory>", "<memory>100000</memory>")
    tf.write("debian1.xml", smaller)
    text, change = planned(tf)
    assert "Warning" not in text and change["after"]["virtual_machines"]["debian1"]["memory"] == 100000
    resized = applied(tf, emulator)
    assert host_record(emulator, "debian1")["requestedCapacity"][1] == 100000.0
    assert identity(resized["debian1"]) == identity(before["debian1"]) and resized["w1"] == before["w1"]

    # Another disk: the template's VM is recreated, and the warning names the template.
    tf.write("debian1.xml", smaller.replace("path_to_disk_image", "/images/debian1.qcow2"))
    text, change = planned(tf)
    assert "'debian1' will be destroyed" in text and "changes more than <vcpu> and <memory>" in text
    assert 'virtual_machines["debian1"].libvirt_template' in text or "libvirt_template" in text
    recreated = applied(tf, emulator)
    assert recreated["debian1"]["image_id"] == "debian1.qcow2" and recreated["w1"] == before["w1"]


def test_power_state(tf: Terraform, emulator: Emulator) -> None:
    paused = ', power_state = "paused"'
    tf.write("main.tf", cluster({"p1": worker(extra=paused), "p2": worker()}))
    tf.init()
    tf.apply().check()
    vms = assert_state_matches(tf, emulator)
    assert vms["p1"]["status"] == "PAUSED" and vms["p1"]["power_state"] == "paused", "started as asked"
    assert tf.detailed_plan().returncode == 0

    # Resumed and paused in place, in one apply.
    tf.write("main.tf", cluster({"p1": worker(), "p2": worker(extra=paused)}))
    _, change = planned(tf)
    assert change["actions"] == ["update"]
    assert change["after"]["virtual_machines"]["p1"]["status"] == "RUNNING"
    assert change["after"]["virtual_machines"]["p2"]["status"] == "PAUSED"
    after = applied(tf, emulator)
    assert (after["p1"]["status"], after["p2"]["status"]) == ("RUNNING", "PAUSED")
    assert identity(after["p1"]) == identity(vms["p1"]) and identity(after["p2"]) == identity(vms["p2"])
    assert writes(emulator) == {"resumeVirtualMachine": 1, "suspendVirtualMachine": 1}

    # Resumed outside Terraform: drift, which the plan undoes.
    assert command(emulator, "p2", "resume")
    _, change = planned(tf)
    assert change["before"]["virtual_machines"]["p2"]["power_state"] == "running"
    assert change["after"]["virtual_machines"]["p2"]["power_state"] == "paused"
    assert applied(tf, emulator)["p2"]["status"] == "PAUSED"


def test_graceful_destroy_waits_for_acpi_then_destroys_what_is_left(
    tf: Terraform, emulator: Emulator
) -> None:
    graceful = '  shutdown_before_destroy = true\n  timeouts {\n    shutdown = "3s"\n  }\n'
    tf.write("main.tf", cluster({"g1": worker(), "g2": worker(), "g3": worker()}, graceful))
    tf.init()
    tf.apply().check()
    emulator.ignore_acpi("g2")

    # Removed from the map: shut down, and gone without a destroy.
    tf.write("main.tf", cluster({"g2": worker(), "g3": worker()}, graceful))
    tf.run("plan", "-no-color", "-out=tfplan").check()
    assert sorted(applied(tf, emulator)) == ["g2", "g3"]
    assert writes(emulator) == {"shutdownVirtualMachine": 1}

    # Recreated: shut down first too.
    tf.write("main.tf", cluster({"g2": worker(), "g3": worker(image="ubuntu.qcow2")}, graceful))
    tf.run("plan", "-no-color", "-out=tfplan").check()
    applied(tf, emulator)
    assert writes(emulator) == {"shutdownVirtualMachine": 1, "startVirtualCluster": 1}

    # terraform destroy: g2 ignores ACPI, so it is destroyed once the bound has passed.
    emulator.reset_request_counts()
    tf.destroy().check()
    assert emulator.vms() == []
    assert writes(emulator) == {"shutdownVirtualMachine": 2, "destroyVirtualMachine": 1}


def test_migration_to_a_host_known_only_at_apply(tf: Terraform, emulator: Emulator) -> None:
    hosts = sorted(h["id"] for h in emulator.hosts())

    def config(target: str) -> str:
        pin = ", local_controller_id = terraform_data.target.output"
        return cluster({"m1": worker(extra=pin), "m2": worker()}) + (
            f'resource "terraform_data" "target" {{\n  input = "{target}"\n}}\n'
        )

    tf.write("main.tf", config(hosts[0]))
    tf.init()
    tf.apply().check()
    before = assert_state_matches(tf, emulator)
    tf.write("main.tf", config(hosts[1]))
    _, change = planned(tf)
    assert change["after_unknown"]["virtual_machines"]["m1"]["local_controller_id"] is True
    after = applied(tf, emulator)
    assert after["m1"]["local_controller_id"] == hosts[1], "migrated in the same apply"
    assert after["m1"]["ip_address"] == before["m1"]["ip_address"] and after["m2"] == before["m2"]

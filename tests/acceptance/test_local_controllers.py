"""snooze_local_controllers end to end, against both answers of the bootstrap."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from harness.snooze import PROVIDER_BLOCK, fast_emulator
from harness.terraform import Terraform

pytestmark = pytest.mark.terraform

CONFIG = (
    PROVIDER_BLOCK
    + """
data "snooze_local_controllers" "all" {}
data "snooze_local_controllers" "active" {
  status = "ACTIVE"
}
data "snooze_local_controllers" "passive" {
  status = "PASSIVE"
}
output "all" { value = data.snooze_local_controllers.all.local_controllers }
output "ids" { value = data.snooze_local_controllers.active.ids }
output "passive" { value = data.snooze_local_controllers.passive.ids }
"""
)


@pytest.mark.parametrize("bootstrap_lists", [True, False], ids=["bootstrap-list", "bootstrap-204"])
def test_lists_hosts_with_every_attribute(
    terraform_factory: Callable[..., Terraform], bootstrap_lists: bool
) -> None:
    with fast_emulator() as emulator:
        emulator.set_quirk("bootstrap_lists_controllers", bootstrap_lists)
        tf = terraform_factory(SNOOZE_BOOTSTRAP_URLS=emulator.bootstrap_url)
        tf.write("main.tf", CONFIG)
        tf.init()
        tf.apply().check()
        outputs = json.loads(tf.run("output", "-json").check().stdout)
        hosts = {h["id"]: h for h in emulator.hosts()}
        listed = outputs["all"]["value"]
        assert [lc["id"] for lc in listed] == sorted(hosts)
        assert outputs["ids"]["value"] == sorted(hosts)
        assert outputs["passive"]["value"] == []
        first = listed[0]
        real = hosts[first["id"]]
        assert first["control_data_address"] == real["controlDataAddress"]
        assert first["hypervisor"] == {
            "driver": "qemu",
            "transport": "tcp",
            "port": real["hypervisorSettings"]["port"],
            "migration_method": "live",
            "migration_timeout": 60,
        }
        assert first["total_capacity"] == {
            "vcpus": 4,
            "memory": 3958348,
            "rx_bytes": 131072,
            "tx_bytes": 131072,
        }
        assert first["wakeup_driver"] == "IPMI" and first["status"] == "ACTIVE"
        assert first["hostname"] == "mafalda" and first["assigned_virtual_machines"] == []
        assert tf.detailed_plan().returncode == 0


def test_invalid_status_filter_points_at_the_attribute(terraform_factory: Callable[..., Terraform]) -> None:
    tf = terraform_factory()
    tf.write("main.tf", PROVIDER_BLOCK + 'data "snooze_local_controllers" "x" {\n  status = "asleep"\n}\n')
    tf.init()
    result = tf.run("validate", "-no-color")
    assert result.returncode != 0
    assert "'asleep' is not a local controller status" in result.output
    assert 'status = "asleep"' in result.output


def test_unreachable_snooze_says_which_url(terraform_factory: Callable[..., Terraform]) -> None:
    tf = terraform_factory(SNOOZE_BOOTSTRAP_URLS="http://127.0.0.1:9")
    tf.write("main.tf", PROVIDER_BLOCK + 'data "snooze_local_controllers" "x" {}\n')
    tf.init()
    result = tf.plan()
    assert result.returncode != 0
    assert "Snooze is unreachable" in result.output
    assert "http://127.0.0.1:9" in result.output

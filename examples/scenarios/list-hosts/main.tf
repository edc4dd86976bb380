# The hosts of the Snooze cloud, and how much each offers.
terraform {
  required_providers {
    snooze = { source = "snoozesoftware/snooze" }
  }
}

provider "snooze" {}

data "snooze_local_controllers" "all" {}

output "hosts" {
  value = {
    for lc in data.snooze_local_controllers.all.local_controllers :
    lc.id => "${lc.hostname} ${lc.control_data_address.address}:${lc.control_data_address.port}, ${lc.total_capacity.vcpus} vcpus, ${lc.total_capacity.memory} KiB"
  }
}

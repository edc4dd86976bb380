# A reusable cluster of identical workers on Snooze, spread over the active hosts.
terraform {
  required_providers {
    snooze = { source = "snoozesoftware/snooze" }
  }
}

data "snooze_local_controllers" "active" {
  status = "ACTIVE"
}

locals {
  hosts = data.snooze_local_controllers.active.ids
}

resource "snooze_virtual_cluster" "this" {
  virtual_machines = {
    for index in range(var.size) : "${var.name}-${index + 1}" => {
      vcpus    = var.vcpus
      memory   = var.memory
      image_id = var.image_id
      # Round-robin over the hosts when spreading is asked for; else Snooze places them.
      local_controller_id = var.spread ? local.hosts[index % length(local.hosts)] : null
    }
  }
}

# Live migration: pin a VM to a host with local_controller_id; change the index and apply to
# move it. The plan shows an in-place update, never a replacement.
terraform {
  required_providers {
    snooze = { source = "snoozesoftware/snooze" }
  }
}

provider "snooze" {}

variable "host_index" {
  description = "Which of the active hosts (by id order) runs the VM."
  type        = number
  default     = 0
}

data "snooze_local_controllers" "active" {
  status = "ACTIVE"
}

resource "snooze_virtual_cluster" "mobile" {
  virtual_machines = {
    mobile1 = {
      vcpus               = 1
      memory              = 262144
      image_id            = "debian.qcow2"
      local_controller_id = data.snooze_local_controllers.active.ids[var.host_index]
    }
  }
}

output "host" {
  value = snooze_virtual_cluster.mobile.virtual_machines["mobile1"].local_controller_address
}

# Resize in place: change vcpus or memory and apply; the VM keeps running on its host with its IP.
# A VM boots at its size, and libvirt cannot grow a running VM past what it booted with
# (max_vcpus, max_memory): shrink it, or grow it back up to that. Asking for more recreates that
# VM alone (the plan warns); the other VMs are never touched.
terraform {
  required_providers {
    snooze = { source = "snoozesoftware/snooze" }
  }
}

provider "snooze" {}

variable "vcpus" {
  description = "vcpus of app1: from 1 to its max_vcpus in place."
  type        = number
  default     = 2
}

variable "memory" {
  description = "memory of app1, in KiB: up to its max_memory in place."
  type        = number
  default     = 524288
}

resource "snooze_virtual_cluster" "app" {
  virtual_machines = {
    app1 = { vcpus = var.vcpus, memory = var.memory, image_id = "debian.qcow2" }
    app2 = { vcpus = 1, memory = 262144, image_id = "debian.qcow2" }
  }
}

output "app1" {
  value = {
    for attribute in ["vcpus", "memory", "max_vcpus", "max_memory", "ip_address"] :
    attribute => snooze_virtual_cluster.app.virtual_machines["app1"][attribute]
  }
}

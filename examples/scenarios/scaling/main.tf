# Scaling: the number of workers is a variable; adding or removing workers changes the cluster
# in place, the other VMs keep running untouched.
terraform {
  required_providers {
    snooze = { source = "snoozesoftware/snooze" }
  }
}

provider "snooze" {}

variable "workers" {
  description = "How many worker VMs to run."
  type        = number
  default     = 2
}

resource "snooze_virtual_cluster" "workers" {
  virtual_machines = {
    for index in range(var.workers) : "worker${index + 1}" => {
      vcpus          = 1
      memory         = 524288
      image_id       = "debian.qcow2"
      network_demand = { rx_bytes = 1024, tx_bytes = 1024 }
    }
  }
}

output "ip_addresses" {
  value = sort([for vm in snooze_virtual_cluster.workers.virtual_machines : vm.ip_address])
}

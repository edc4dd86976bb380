# Power state: pause a VM (suspended in memory) and resume it by changing power_state; a VM asked
# to be paused starts paused. A VM paused or resumed outside Terraform shows in the next plan.
# shutdown_before_destroy asks each VM to shut down (ACPI) before it is destroyed, waiting up to
# timeouts.shutdown.
terraform {
  required_providers {
    snooze = { source = "snoozesoftware/snooze" }
  }
}

provider "snooze" {}

variable "batch_paused" {
  description = "Whether the batch VM is paused."
  type        = bool
  default     = false
}

resource "snooze_virtual_cluster" "jobs" {
  virtual_machines = {
    batch1 = {
      vcpus       = 1
      memory      = 262144
      image_id    = "debian.qcow2"
      power_state = var.batch_paused ? "paused" : "running"
    }
    web1 = { vcpus = 1, memory = 262144, image_id = "debian.qcow2" }
  }

  shutdown_before_destroy = true
  timeouts {
    shutdown = "30s"
  }
}

output "status" {
  value = { for name, vm in snooze_virtual_cluster.jobs.virtual_machines : name => vm.status }
}

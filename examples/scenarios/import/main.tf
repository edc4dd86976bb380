# Import: adopt VMs that already run on Snooze, by name. With Terraform 1.5+ an import block
# does it during apply; `terraform import snooze_virtual_cluster.adopted legacy1` does it too.
terraform {
  required_providers {
    snooze = { source = "snoozesoftware/snooze" }
  }
}

provider "snooze" {}

import {
  to = snooze_virtual_cluster.adopted
  id = "legacy1" # names separated by commas: "vm1,vm2"
}

resource "snooze_virtual_cluster" "adopted" {
  virtual_machines = {
    legacy1 = {
      vcpus    = 1
      memory   = 262144
      image_id = "debian.qcow2"
    }
  }
}

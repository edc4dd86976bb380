# Quick start: one virtual machine from the libvirt template of Snooze's documentation, and one
# from parameters. `make demo` applies this against a local snooze-emulator.
terraform {
  required_providers {
    snooze = {
      source = "snoozesoftware/snooze"
    }
  }
}

# With no bootstrap_urls, the provider reads SNOOZE_BOOTSTRAP_URLS, else uses http://127.0.0.1:5000.
provider "snooze" {}

resource "snooze_virtual_cluster" "quickstart" {
  virtual_machines = {
    debian1 = {
      libvirt_template = file("${path.module}/debian1.xml")
      network_demand   = { rx_bytes = 12800, tx_bytes = 12800 }
    }
    worker1 = {
      vcpus    = 2
      memory   = 524288
      image_id = "debian.qcow2"
    }
  }
}

output "ip_addresses" {
  description = "Each virtual machine's IP address."
  value       = { for name, vm in snooze_virtual_cluster.quickstart.virtual_machines : name => vm.ip_address }
}

output "hosts" {
  description = "The local controller running each virtual machine."
  value       = { for name, vm in snooze_virtual_cluster.quickstart.virtual_machines : name => vm.local_controller_id }
}

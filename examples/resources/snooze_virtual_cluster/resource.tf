data "snooze_local_controllers" "active" {
  status = "ACTIVE"
}

resource "snooze_virtual_cluster" "web" {
  virtual_machines = {
    # Template mode: a libvirt domain; its <name> must equal the key.
    debian1 = {
      libvirt_template = file("${path.module}/debian1.xml")
      network_demand   = { rx_bytes = 12800, tx_bytes = 12800 }
    }
    # Parameter mode: an image from Snooze's repository, with vcpus and memory (KiB).
    worker1 = {
      vcpus    = 2
      memory   = 524288
      image_id = "debian.qcow2"
      # Optional placement; changing it live-migrates the VM.
      local_controller_id = data.snooze_local_controllers.active.ids[0]
      # "running" (the default) or "paused"; changing it suspends or resumes the VM.
      power_state = "running"
    }
  }

  # Ask each VM to shut down (ACPI) before destroying it, for up to timeouts.shutdown.
  shutdown_before_destroy = true

  timeouts {
    create   = "10m"
    update   = "10m"
    delete   = "5m"
    shutdown = "1m"
  }
}

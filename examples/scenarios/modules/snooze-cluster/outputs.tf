output "id" {
  description = "The cluster's id (Snooze's task id of its first submission)."
  value       = snooze_virtual_cluster.this.id
}

output "ip_addresses" {
  description = "IP address of each VM, by name."
  value       = { for name, vm in snooze_virtual_cluster.this.virtual_machines : name => vm.ip_address }
}

output "hosts" {
  description = "Local controller running each VM, by name."
  value       = { for name, vm in snooze_virtual_cluster.this.virtual_machines : name => vm.local_controller_id }
}

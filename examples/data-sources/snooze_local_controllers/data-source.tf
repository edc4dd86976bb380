# Every host, and the active ones only.
data "snooze_local_controllers" "all" {}

data "snooze_local_controllers" "active" {
  status = "ACTIVE"
}

output "active_hosts" {
  value = data.snooze_local_controllers.active.ids
}

# Several clusters from one module, with for_each.
terraform {
  required_providers {
    snooze = { source = "snoozesoftware/snooze" }
  }
}

provider "snooze" {}

locals {
  clusters = {
    web   = { size = 2, spread = true }
    batch = { size = 1, spread = false }
  }
}

module "cluster" {
  source   = "../modules/snooze-cluster"
  for_each = local.clusters

  name   = each.key
  size   = each.value.size
  spread = each.value.spread
}

output "ip_addresses" {
  value = { for name, cluster in module.cluster : name => cluster.ip_addresses }
}

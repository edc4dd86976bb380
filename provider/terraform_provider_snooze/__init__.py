"""Terraform provider for Snooze, the hierarchical IaaS manager."""

__version__ = "0.1.0"
# Where Terraform finds the provider (`source = "snoozesoftware/snooze"`): the one place it is written.
PROVIDER_ADDRESS = "registry.terraform.io/snoozesoftware/snooze"

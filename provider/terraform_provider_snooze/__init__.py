"""Terraform provider for Snooze, the hierarchical IaaS manager."""

__version__ = "0.1.0"

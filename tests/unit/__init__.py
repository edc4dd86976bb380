"""Unit tests: the runtime, the cty type system and the Snooze client, without Terraform.

Each test folder is a package, so that conftest modules and helpers have names of their own.
"""

"""A generic Terraform plugin runtime: protocol 6 over go-plugin, in Python.

Nothing under this package knows about Snooze; providers are built on its public interfaces.
"""

"""Data source snooze_local_controllers (see the package convention in virtual_cluster/__init__.py)."""

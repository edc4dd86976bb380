"""Unit tests of the Snooze client (a package, so that its conftest does not shadow others)."""

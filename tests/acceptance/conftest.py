"""Fixtures of the acceptance tests; a module defines its own `emulator` where it needs another."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from harness.snooze import fast_emulator
from snooze_emulator import Emulator


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A Snooze emulator with fast timing, for one test."""
    with fast_emulator() as running:
        yield running

"""A fast emulator per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from harness.wire_calls import start
from snooze_emulator import Emulator


@pytest.fixture
def emu() -> Iterator[Emulator]:
    emulator = start()
    yield emulator
    emulator.stop()

"""A fast emulator per test; every emulator a test started is stopped and checked afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from harness.wire_calls import STARTED, start
from snooze_emulator import Emulator


@pytest.fixture(autouse=True)
def no_internal_errors() -> Iterator[None]:
    """A bug inside the emulator fails the test that met it, whatever the client saw."""
    STARTED.clear()
    yield
    started, STARTED[:] = list(STARTED), []
    for emulator in started:
        emulator.stop()
    for emulator in started:
        emulator.check()


@pytest.fixture
def emu() -> Iterator[Emulator]:
    emulator = start()
    yield emulator
    emulator.stop()

"""Bugs in the emulator itself, kept apart from the failures it plays on purpose.

A deliberate failure is a ServerFault (Snooze's Java code throws: HTTP 500) or a fault a test
injected. Any other exception raised while serving a request, running a timer or answering the
control API is a bug in the emulator: it is logged with its traceback, counted, and kept, so that
`Emulator.check()` (and the test fixtures that call it) fail instead of a client mistaking it for
Snooze's behaviour.
"""

from __future__ import annotations

import logging
import threading
import traceback

__all__ = ["EmulatorBug", "InternalErrors"]

log = logging.getLogger("snooze_emulator")


class EmulatorBug(AssertionError):
    """Raised by `Emulator.check()`: an unexpected exception happened inside the emulator."""


class InternalErrors:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._errors: list[str] = []

    def record(self, where: str, error: BaseException) -> None:
        """Log the exception with its traceback and keep it; call from an `except` block."""
        text = "".join(traceback.format_exception(error))
        log.error("snooze-emulator internal error in %s\n%s", where, text)
        with self._lock:
            self._errors.append(f"{where}: {text}")

    def snapshot(self) -> list[str]:
        """Every internal error so far: where it happened, then its traceback."""
        with self._lock:
            return list(self._errors)

    def check(self) -> None:
        errors = self.snapshot()
        if errors:
            raise EmulatorBug(
                f"{len(errors)} internal error(s) in the emulator (a bug, not Snooze behaviour):\n\n"
                + "\n".join(errors)
            )

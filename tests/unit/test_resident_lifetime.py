"""A forked provider lives as long as its launcher, however long the launcher stays silent."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time

import pytest
from terraform_provider_snooze.runtime import resident


def test_a_silent_launcher_does_not_stop_its_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    signals: list[int] = []
    monkeypatch.setattr(os, "kill", lambda pid, signum: signals.append(signum))
    provider_end, launcher_end = socket.socketpair()
    provider_end.settimeout(0.2)  # what the resident's start-up exchange leaves on the connection
    watch = threading.Thread(target=resident._stop_with_launcher, args=(provider_end,), daemon=True)
    watch.start()
    time.sleep(0.6)
    assert signals == [], "stopped after the start-up timeout although the launcher lives"
    launcher_end.close()
    watch.join(5)
    assert signals == [signal.SIGTERM]
    provider_end.close()

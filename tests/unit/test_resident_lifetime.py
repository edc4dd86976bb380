"""A forked provider lives as long as its launcher, however long the launcher stays silent."""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest
from terraform_provider_snooze.runtime import launcher, resident
from terraform_provider_snooze.runtime.resident import stop_residents

from unit.test_resident import warm_up


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


def at_end(fd: int) -> bool:
    readable, _, _ = select.select([fd], [], [], 10)
    return bool(readable) and os.read(fd, 1) == b""


def test_at_the_goodbye_the_launcher_is_released_while_the_provider_still_stops() -> None:
    """Terraform waits for its provider's exit and for EOF on its stderr: a warm provider gives
    both at Shutdown, not when its server has finished stopping."""
    provider_end, launcher_end = socket.socketpair()
    stdout_read, stdout_write = os.pipe()
    stderr_read, stderr_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the provider, still busy stopping long after its goodbye
        try:
            launcher_end.close()
            for fd, target in ((stdout_write, 1), (stderr_write, 2)):
                os.dup2(fd, target)
            for fd in (stdout_read, stdout_write, stderr_read, stderr_write):
                os.close(fd)
            resident._say_goodbye(provider_end)
            time.sleep(30)
        finally:
            os._exit(0)
    provider_end.close()
    for fd in (stdout_write, stderr_write):
        os.close(fd)
    try:
        launcher_end.settimeout(10)
        assert launcher_end.recv(5) == launcher.EXITED + (0).to_bytes(4, launcher.BYTE_ORDER, signed=True)
        assert at_end(stderr_read), "Terraform's stderr is let go"
        assert at_end(stdout_read)
        assert os.waitpid(pid, os.WNOHANG) == (0, 0), "while the provider is still stopping"
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        launcher_end.close()
        os.close(stdout_read)
        os.close(stderr_read)


def test_a_launch_request_cut_short_leaves_no_pipe_open_in_the_resident() -> None:
    """A launcher killed while sending its request: the descriptors it had passed are closed."""
    directory = Path(tempfile.mkdtemp(prefix="tl-", dir="/tmp"))
    try:
        warm_up(directory)
        (path,) = directory.glob("*.sock")
        pipe_read, pipe_write = os.pipe()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(10)
            connection.connect(str(path))
            assert connection.recv(1) == launcher.HELLO
            header = launcher.REQUEST_MAGIC + (1000).to_bytes(4, launcher.BYTE_ORDER)
            descriptors = b"".join(fd.to_bytes(4, launcher.BYTE_ORDER) for fd in (pipe_write,) * 4)
            connection.sendmsg([header], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, descriptors)])
            connection.sendall(b"token\0")  # and no more: the launcher is gone
        os.close(pipe_write)
        assert at_end(pipe_read), "the resident still holds the launcher's pipe"
        os.close(pipe_read)
    finally:
        stop_residents(str(directory))
        shutil.rmtree(directory, ignore_errors=True)

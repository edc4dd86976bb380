"""What the provider processes of one terraform command cost: CPU seconds and peak RSS, from /proc.

Terraform starts the provider through its launcher (the installed terraform-provider-snooze). Started warm, the launcher hands the launch
to the resident server, which forks the provider that does the work: the resident reaps it, so
its CPU time lands, exactly, in the resident's children's times (cutime + cstime). Started cold,
the provider is the launcher process itself. Every process is also sampled while it runs: its
peak RSS (VmHWM), and the CPU time of the processes whose parent is not the resident (launchers,
cold providers), as last seen before they exit. Linux only.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Usage", "Watch", "resident_pid"]

TICK = os.sysconf("SC_CLK_TCK")
SAMPLE_SECONDS = 0.02
PROVIDER = b"terraform-provider-snooze"  # in the command line of a launched provider


@dataclass
class Usage:
    cpu_seconds: float = 0.0
    peak_rss_mb: float = 0.0
    launches: int = 0  # provider processes Terraform started (a warm one is a launcher and its fork)


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from the 3rd on (the name may hold spaces)


def _own_cpu(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def _children_cpu(pid: int) -> float:
    fields = _stat(pid)
    return 0.0 if fields is None else (int(fields[13]) + int(fields[14])) / TICK  # cutime, cstime


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    """Of every thread: Terraform's Go runtime starts providers from any of its threads."""
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return found


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in _children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def _is_provider(pid: int) -> bool:
    """Not Terraform's other children (uname, ...), nor the terraform command's own processes."""
    try:
        return PROVIDER in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def resident_pid(directory: Path) -> int | None:
    """The resident server listening in `directory` (its socket path is among its arguments)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(a.startswith(os.fsencode(directory)) and a.endswith(b".sock") for a in arguments):
            return int(entry.name)
    return None


@dataclass
class Watch:
    """Samples the providers of the command `root` (a pid) until stopped."""

    root: int
    resident: int | None
    _cpu: dict[int, float] = field(default_factory=dict)
    _rss: dict[int, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _resident_start: float = 0.0

    def start(self) -> Watch:
        if self.resident is not None:
            self._resident_start = _children_cpu(self.resident)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            time.sleep(SAMPLE_SECONDS)

    def sample(self) -> None:
        forked = _children(self.resident) if self.resident is not None else []
        launched = [pid for pid in _descendants(self.root) if _is_provider(pid)]
        for pid in launched + forked:
            fields = _stat(pid)
            if fields is None:
                continue
            if pid not in forked:
                self._cpu[pid] = _own_cpu(fields)
            self._rss[pid] = max(self._rss.get(pid, 0.0), _peak_rss_mb(pid))

    def stop(self) -> Usage:
        """Once the command has exited: waits until the resident reaped its providers."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        deadline = time.monotonic() + 10
        while self.resident is not None and _children(self.resident) and time.monotonic() < deadline:
            time.sleep(0.02)
        forked = 0.0 if self.resident is None else _children_cpu(self.resident) - self._resident_start
        return Usage(
            cpu_seconds=forked + sum(self._cpu.values()),
            peak_rss_mb=max(self._rss.values(), default=0.0),
            launches=len(self._cpu),
        )

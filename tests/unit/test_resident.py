"""Warm starts: launches handed to a resident server, and every way that can fail falling back cold.

Each test has its own resident directory and stops what it started. Launches run the real
console script with the environment Terraform gives a provider.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest
from terraform_provider_snooze.runtime.resident import stop_residents

from unit.test_serve import PROVIDER, SERVING, Plugin, shutdown, terraform_environment

COLD = "Starting cold: "


@pytest.fixture
def resident_dir() -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="tr-", dir="/tmp"))
    yield directory
    pids = stop_residents(str(directory))
    wait_until(lambda: not any(alive(pid) for pid in pids))
    shutil.rmtree(directory, ignore_errors=True)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie of ours is gone for this purpose
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return False


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


class Launch(Plugin):
    def logs(self) -> list[dict[str, object]]:
        _, stderr = self.stop()
        return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]

    def shutdown(self) -> int:
        with self.channel() as channel:
            assert self.health(channel) == SERVING
            shutdown(channel)
        return self.process.wait(timeout=10)


def launch(
    resident_dir: Path, *, command: list[str] | None = None, env: dict[str, str] | None = None
) -> Launch:
    environment = terraform_environment(resident_dir)
    environment.pop("TF_PLUGIN_RESIDENT")
    environment.pop("PLUGIN_UNIX_SOCKET_DIR")  # the provider's own socket: in the temporary directory
    environment.update({"TF_LOG": "DEBUG", "TF_PLUGIN_RESIDENT_DIR": str(resident_dir), **(env or {})})
    process = subprocess.Popen(
        command or [str(PROVIDER)],
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return Launch(process, process.stdout.readline())


def cold_reasons(logs: list[dict[str, object]]) -> list[str]:
    return [str(entry["@message"])[len(COLD) :] for entry in logs if str(entry["@message"]).startswith(COLD)]


def serving_pid(logs: list[dict[str, object]]) -> int:
    (pid,) = [entry["pid"] for entry in logs if entry["@message"] == "Serving"]
    assert isinstance(pid, int)
    return pid


def resident_pids(resident_dir: Path) -> list[int]:
    pids = []
    for path in resident_dir.glob("*.sock"):
        with socket.socket(socket.AF_UNIX) as connection:
            try:
                connection.connect(str(path))
            except OSError:
                continue
            credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
        pids.append(int.from_bytes(credentials[:4], sys.byteorder))
    return pids


def warm_up(resident_dir: Path) -> int:
    """The first launch starts cold and starts the resident; returns the resident's pid."""
    first = launch(resident_dir)
    assert "no resident server was running" in cold_reasons(first.logs())[0]
    assert wait_until(lambda: len(resident_pids(resident_dir)) == 1)
    return resident_pids(resident_dir)[0]


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_a_warm_launch_is_a_fork_of_the_resident_with_its_own_process_and_certificate(
    resident_dir: Path,
) -> None:
    resident = warm_up(resident_dir)
    first, second = launch(resident_dir), launch(resident_dir)
    forks = set(_children_of(resident))
    assert first.fields[:3] == second.fields[:3] == ["1", "6", "unix"]
    assert first.fields[3] != second.fields[3] and first.fields[5] != second.fields[5]
    with first.channel() as channel:
        assert first.health(channel) == SERVING
    first_logs, second_logs = first.logs(), second.logs()
    assert cold_reasons(first_logs) == cold_reasons(second_logs) == []
    pids = {serving_pid(first_logs), serving_pid(second_logs)}
    assert len(pids) == 2 and first.process.pid not in pids
    assert pids == forks, "each provider is a fork of the resident"
    assert first.process.returncode == second.process.returncode == 0


def test_the_launcher_exits_with_the_providers_status(resident_dir: Path) -> None:
    warm_up(resident_dir)
    plugin = launch(resident_dir)
    assert plugin.shutdown() == 0
    assert cold_reasons(plugin.logs()) == []

    plugin = launch(resident_dir, env={"TF_LOG": "OFF"})
    with plugin.channel() as channel:
        assert plugin.health(channel) == SERVING
    provider = [pid for pid in _children_of(resident_pids(resident_dir)[0])]
    assert len(provider) == 1
    os.kill(provider[0], signal.SIGKILL)
    assert plugin.process.wait(timeout=10) == -signal.SIGKILL


def _children_of(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if parent_of(int(entry.name)) == pid:
                    children.append(int(entry.name))
            except (OSError, IndexError):
                continue
    return children


def test_the_provider_dies_with_its_launcher(resident_dir: Path) -> None:
    """Terraform kills the launcher on a timeout: the provider it stands for must not linger."""
    resident = warm_up(resident_dir)
    plugin = launch(resident_dir, env={"TF_LOG": "OFF"})
    with plugin.channel() as channel:
        assert plugin.health(channel) == SERVING
    (provider,) = _children_of(resident)
    plugin.process.kill()
    plugin.process.communicate()
    assert wait_until(lambda: not alive(provider)), "the provider outlived its launcher"
    assert not Path(plugin.fields[3]).parent.exists(), "it stopped cleanly, removing its socket"


def test_the_resident_is_detached_and_holds_none_of_the_launchers_pipes(resident_dir: Path) -> None:
    """Its own session, stdio on /dev/null: a pipe it held would keep Terraform, CI or pytest waiting."""
    first = launch(resident_dir)
    assert first.process.stdout is not None and first.process.stderr is not None
    pipes = {
        f"pipe:[{os.fstat(stream.fileno()).st_ino}]"
        for stream in (first.process.stdout, first.process.stderr)
    }
    assert first.shutdown() == 0
    started = time.monotonic()
    first.process.communicate(timeout=10)  # returns at EOF: nobody else holds the pipes
    assert time.monotonic() - started < 5
    assert wait_until(lambda: len(resident_pids(resident_dir)) == 1)
    (resident,) = resident_pids(resident_dir)
    assert os.getsid(resident) not in (os.getsid(0), first.process.pid), "a session of its own"
    descriptors = {os.readlink(fd) for fd in Path(f"/proc/{resident}/fd").iterdir()}
    assert not descriptors & pipes
    assert "/dev/null" in descriptors


def test_fallback_when_switched_off(resident_dir: Path) -> None:
    plugin = launch(resident_dir, env={"TF_PLUGIN_RESIDENT": "off"})
    assert plugin.fields[2] == "unix"
    assert cold_reasons(plugin.logs()) == ["the resident server is switched off (TF_PLUGIN_RESIDENT)"]
    assert list(resident_dir.iterdir()) == []


def test_fallback_when_the_resident_was_killed_then_warm_again(resident_dir: Path) -> None:
    resident = warm_up(resident_dir)
    os.kill(resident, signal.SIGKILL)
    assert wait_until(lambda: not alive(resident))
    assert list(resident_dir.glob("*.sock")), "a stale socket is left behind"
    plugin = launch(resident_dir)
    assert plugin.fields[2] == "unix"
    assert "no resident server was running" in cold_reasons(plugin.logs())[0]
    assert wait_until(lambda: len(resident_pids(resident_dir)) == 1)
    assert cold_reasons(launch(resident_dir).logs()) == []


def test_a_resident_killed_while_its_provider_runs_leaves_the_provider_and_its_status(
    resident_dir: Path,
) -> None:
    resident = warm_up(resident_dir)
    plugin = launch(resident_dir, env={"TF_LOG": "OFF"})
    os.kill(resident, signal.SIGKILL)
    assert plugin.shutdown() == 0


def test_fallback_when_the_directory_is_open_to_others(resident_dir: Path) -> None:
    resident_dir.chmod(0o755)
    plugin = launch(resident_dir)
    assert plugin.fields[2] == "unix"
    assert cold_reasons(plugin.logs()) == [
        f"resident server unavailable: {resident_dir} is open to other users (mode 755)"
    ]
    assert list(resident_dir.iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="needs a second user: run as root to switch to nobody")
def test_fallback_when_the_directory_or_the_socket_is_another_users(resident_dir: Path) -> None:
    os.chown(resident_dir, 65534, 65534)
    plugin = launch(resident_dir)
    assert "is not a directory of this user's" in cold_reasons(plugin.logs())[0]
    os.chown(resident_dir, 0, 0)

    warm_up(resident_dir)
    stop_residents(str(resident_dir))
    assert wait_until(lambda: not list(resident_dir.glob("*.sock")))
    (lock,) = resident_dir.glob("*.sock.lock")
    impostor = _listen_as_nobody(str(lock).removesuffix(".lock"))
    try:
        plugin = launch(resident_dir)
        assert plugin.fields[2] == "unix"
        assert cold_reasons(plugin.logs()) == [
            "resident server unavailable: the resident's socket belongs to uid 65534, not to this user"
        ]
    finally:
        impostor.kill()
        impostor.wait()


def _listen_as_nobody(path: str) -> subprocess.Popen[bytes]:
    script = textwrap.dedent(
        f"""
        import os, socket, sys, time
        server = socket.socket(socket.AF_UNIX)
        server.bind({path!r})
        os.setgid(65534); os.setuid(65534)
        server.listen(8)
        print("listening", flush=True)
        time.sleep(60)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert process.stdout is not None and process.stdout.readline() == b"listening\n"
    return process


def test_fallback_when_the_installed_version_changes(resident_dir: Path, tmp_path: Path) -> None:
    """A copy of the package stands for an installation that an upgrade (or an edit) changes."""
    import terraform_provider_snooze

    assert terraform_provider_snooze.__file__ is not None
    package = Path(terraform_provider_snooze.__file__).parent
    copy = tmp_path / "installed"
    shutil.copytree(package, copy / package.name, ignore=shutil.ignore_patterns("__pycache__"))
    site_packages = str(Path(grpc.__file__).parent.parent)
    command = [
        sys.executable,
        "-I",
        "-S",
        "-c",
        f"import sys; sys.path[:0] = [{str(copy)!r}, {site_packages!r}]; "
        "from terraform_provider_snooze.cli import main; sys.exit(main())",
    ]
    first = launch(resident_dir, command=command)
    assert "no resident server was running" in cold_reasons(first.logs())[0]
    assert wait_until(lambda: len(resident_pids(resident_dir)) == 1)
    (resident,) = resident_pids(resident_dir)
    assert cold_reasons(launch(resident_dir, command=command).logs()) == []

    module = copy / package.name / "runtime" / "hclog.py"
    module.write_text(module.read_text() + "\n# upgraded\n")
    changed = launch(resident_dir, command=command)
    assert changed.fields[2] == "unix"
    # Refused at the launch, or noticed by the resident's own check a moment earlier.
    (reason,) = cold_reasons(changed.logs())
    assert reason in (
        "the resident refused: the installed version changed since the resident started",
        "a resident server is starting or stopping",
    ) or reason.startswith("no resident server was running")
    assert wait_until(lambda: not alive(resident)), "the outdated resident exits"


def test_two_launches_at_once_both_start_and_one_resident_remains(resident_dir: Path) -> None:
    with ThreadPoolExecutor(4) as pool:
        launches = list(pool.map(lambda _: launch(resident_dir), range(4)))
    assert all(plugin.fields[2] == "unix" for plugin in launches)
    assert all(plugin.shutdown() == 0 for plugin in launches)
    assert wait_until(lambda: len(resident_pids(resident_dir)) == 1)
    time.sleep(0.5)  # a second resident, had one started, would be listening by now
    assert len(resident_pids(resident_dir)) == 1

    with ThreadPoolExecutor(4) as pool:
        launches = list(pool.map(lambda _: launch(resident_dir), range(4)))
    logs = [plugin.logs() for plugin in launches]
    assert [cold_reasons(entries) for entries in logs] == [[], [], [], []]
    assert len({serving_pid(entries) for entries in logs}) == 4


def test_fallback_when_the_disk_is_full(resident_dir: Path) -> None:
    script = textwrap.dedent(
        f"""
        import errno, os, sys
        mkdir = os.mkdir
        def full(path, *args, **kwargs):
            if str(path).startswith({str(resident_dir)!r}):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return mkdir(path, *args, **kwargs)
        os.mkdir = full
        from terraform_provider_snooze.cli import main
        sys.exit(main())
        """
    )
    plugin = launch(resident_dir / "new", command=[sys.executable, "-c", script])
    assert plugin.fields[2] == "unix"
    assert cold_reasons(plugin.logs()) == ["resident server unavailable: [Errno 28] No space left on device"]


def test_the_resident_exits_when_idle(resident_dir: Path) -> None:
    plugin = launch(resident_dir, env={"TF_PLUGIN_RESIDENT_IDLE": "3"})
    plugin.stop()
    assert wait_until(lambda: len(resident_pids(resident_dir)) == 1)
    (resident,) = resident_pids(resident_dir)
    assert wait_until(lambda: not alive(resident), timeout=15)
    assert not list(resident_dir.glob("*.sock")), "it removes its socket"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_retiring_resident_lets_its_providers_finish_then_exits(resident_dir: Path) -> None:
    resident = warm_up(resident_dir)
    plugin = launch(resident_dir, env={"TF_LOG": "OFF"})
    os.kill(resident, signal.SIGTERM)
    assert wait_until(lambda: not list(resident_dir.glob("*.sock"))), "it stops listening at once"
    used = cpu_seconds(resident)
    time.sleep(2)
    assert alive(resident), "it waits for the provider it forked"
    assert cpu_seconds(resident) - used < 0.05, "and waits without spinning"
    assert plugin.shutdown() == 0
    assert wait_until(lambda: not alive(resident))


def test_grpc_variables_get_a_resident_of_their_own(resident_dir: Path) -> None:
    """grpcio reads GRPC_ENABLE_FORK_SUPPORT when imported: a resident imported it under other
    settings must not serve this launch; one started under these settings does."""
    warm_up(resident_dir)
    settings = {"GRPC_ENABLE_FORK_SUPPORT": "true"}
    first = launch(resident_dir, env=settings)
    assert "no resident server was running" in cold_reasons(first.logs())[0]
    assert wait_until(lambda: len(resident_pids(resident_dir)) == 2)
    again = launch(resident_dir, env=settings)
    assert again.shutdown() == 0
    assert cold_reasons(again.logs()) == []


def test_fallback_when_the_resident_does_not_answer(resident_dir: Path) -> None:
    """A stopped (or stuck) resident costs the launch a few seconds, never the run."""
    resident = warm_up(resident_dir)
    os.kill(resident, signal.SIGSTOP)
    try:
        plugin = launch(resident_dir)
        assert plugin.fields[2] == "unix"
        assert cold_reasons(plugin.logs()) == ["resident server unavailable: timed out"]
    finally:
        os.kill(resident, signal.SIGCONT)
    # The connection it finds on waking is a launcher long gone: no provider comes of it.
    assert wait_until(lambda: _children_of(resident) == [])
    assert cold_reasons(launch(resident_dir).logs()) == []


def test_fallback_on_any_unexpected_error(resident_dir: Path) -> None:
    script = textwrap.dedent(
        """
        import sys
        from terraform_provider_snooze.runtime import launcher
        def broken(path):
            raise ValueError("unexpected")
        launcher._connect = broken
        from terraform_provider_snooze.cli import main
        sys.exit(main())
        """
    )
    plugin = launch(resident_dir, command=[sys.executable, "-c", script])
    assert plugin.fields[2] == "unix"
    assert cold_reasons(plugin.logs()) == ["resident server unavailable: ValueError: unexpected"]

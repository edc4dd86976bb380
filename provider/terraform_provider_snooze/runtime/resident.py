"""The warm start's server: a resident process that forks a fresh provider per launch.

The launcher (launcher.py) starts it, detached, the first time no resident answers. It imports
what a provider needs (`preload()` of the app module), listens on a socket only its user may use
(a 0700 directory; each client's uid checked with SO_PEERCRED), and for each launch forks a
child that takes over the launcher's stdin, stdout, stderr, working directory, arguments and
environment and runs the app's `run_launch(on_goodbye)`: its own process, certificate, state and
exit code. At Terraform's Shutdown it calls `on_goodbye`: the launcher exits then, not after the
server has stopped.

grpcio and fork: grpcio supports fork only with GRPC_ENABLE_FORK_SUPPORT and only for clients;
a process may fork freely as long as it has created no gRPC object yet (no server, channel or
credentials: each calls grpc_init, which starts grpc's threads). So the resident imports grpc
but never creates anything with it, stays single-threaded, and each child builds its own server.

It exits after IDLE_VARIABLE seconds without a launch (default 300), when the installed files
change (the next launch then starts cold and a new resident), and on SIGTERM.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import os
import select
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from types import ModuleType

from . import certificate_fork
from .launcher import BYTE_ORDER, EXITED, GO, HELLO, IDLE_VARIABLE, REFUSED, REQUEST_MAGIC, STARTED
from .tls import generate_server_certificate

__all__ = ["Installation", "main", "stop_residents"]

DEFAULT_IDLE_SECONDS = 300.0
CHECK_SECONDS = 1.0  # how often the installed files and the socket are checked while idle
KILL_AFTER_SECONDS = 5.0  # a provider whose launcher is gone gets SIGTERM, then SIGKILL
MAX_REQUEST_BYTES = 1 << 20


class Installation:
    """The installed files' identity: any change to a module or to the installed packages shows."""

    def __init__(self, package_dirs: list[str], search_path: list[str]) -> None:
        self.package_dirs = package_dirs
        self.search_path = [entry for entry in search_path if os.path.isdir(entry)]
        self.snapshot = self.current()

    def current(self) -> list[tuple[str, int, int]]:
        stamps: list[tuple[str, int, int]] = []
        for directory in self.package_dirs:
            self._walk(directory, stamps)
        for entry in self.search_path:  # a directory's mtime changes when a package comes or goes
            status = os.stat(entry)
            stamps.append((entry, status.st_mtime_ns, 0))
        return stamps

    def _walk(self, directory: str, stamps: list[tuple[str, int, int]]) -> None:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir() and entry.name != "__pycache__":
                    self._walk(entry.path, stamps)
                elif entry.name.endswith((".py", ".so")):
                    status = entry.stat()
                    stamps.append((entry.path, status.st_mtime_ns, status.st_size))

    def changed(self) -> bool:
        try:
            return self.current() != self.snapshot
        except OSError:
            return True


class Resident:
    def __init__(self, path: str, token: str, app: ModuleType, installation: Installation) -> None:
        self.path = path
        self.token = token
        self.app = app
        self.installation = installation
        self.idle_seconds = float(os.environ.get(IDLE_VARIABLE) or DEFAULT_IDLE_SECONDS)
        self.children: dict[int, socket.socket] = {}
        self.orphans: dict[int, float] = {}  # pid -> when to SIGKILL it
        self.last_activity = time.monotonic()
        self.retiring = False
        self.private_fds: list[int] = []
        # Each launch's key and certificate, made before it is forked (a few ms off its start).
        self.next_certificate = generate_server_certificate()
        self.poller = select.poll()
        self.watched: set[int] = set()
        self.listener = self._listen()
        self.wake_read, wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.private_fds += [self.wake_read, wake_write]
        signal.set_wakeup_fd(wake_write)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        signal.signal(signal.SIGTERM, self._retire_on_signal)
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    def _listen(self) -> socket.socket:
        """Binds under a temporary name, then renames: a stale socket is replaced atomically."""
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        temporary = f"{self.path}.{os.getpid()}"
        previous = os.umask(0o177)
        try:
            listener.bind(temporary)
        finally:
            os.umask(previous)
        listener.listen(64)
        os.rename(temporary, self.path)
        self.socket_inode = os.stat(self.path).st_ino
        return listener

    def serve(self) -> None:
        listening = self.listener.fileno()
        self.poller.register(listening, select.POLLIN)
        self.poller.register(self.wake_read, select.POLLIN)
        while self.listener.fileno() != -1 or self.children:
            events = self.poller.poll(CHECK_SECONDS * 1000)
            self._drain_wakeups()
            for fd, _ in events:
                if fd == listening and self.listener.fileno() != -1:
                    self._accept()
                elif fd in self.watched:
                    self._launcher_gone(fd)
            self._reap()
            self._kill_overdue_orphans()
            self._check_retirement()

    def _drain_wakeups(self) -> None:
        try:
            while os.read(self.wake_read, 512):
                pass
        except BlockingIOError:
            pass

    def _watch(self, connection: socket.socket) -> None:
        """A launcher's connection hangs up when it dies: then its provider must go too."""
        self.poller.register(connection, 0)  # hang-ups only: the provider reads this socket
        self.watched.add(connection.fileno())

    def _unwatch(self, fd: int) -> None:
        if fd in self.watched:
            self.poller.unregister(fd)
            self.watched.discard(fd)

    def _launcher_gone(self, fd: int) -> None:
        self._unwatch(fd)
        for pid, connection in list(self.children.items()):
            if connection.fileno() == fd and pid not in self.orphans:
                _signal_quietly(pid, signal.SIGTERM)
                self.orphans[pid] = time.monotonic() + KILL_AFTER_SECONDS

    def _kill_overdue_orphans(self) -> None:
        now = time.monotonic()
        for pid, deadline in list(self.orphans.items()):
            if now >= deadline:
                _signal_quietly(pid, signal.SIGKILL)
                del self.orphans[pid]

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            connection = self.children.pop(pid, None)
            self.orphans.pop(pid, None)
            if connection is not None:
                _send_quietly(connection, EXITED, os.waitstatus_to_exitcode(status))
                self._unwatch(connection.fileno())
                connection.close()
            self.last_activity = time.monotonic()

    def _check_retirement(self) -> None:
        """Retiring stops the listening at once; the providers still running finish first."""
        if self.listener.fileno() == -1:
            return
        idle = not self.children and time.monotonic() - self.last_activity > self.idle_seconds
        if self.retiring or idle or self.installation.changed() or not self._socket_is_ours():
            self.retiring = True
            if self._socket_is_ours():
                os.unlink(self.path)
            self.poller.unregister(self.listener.fileno())  # a closed descriptor would poll POLLNVAL
            self.listener.close()  # launches waiting in the backlog see a reset and start cold

    def _socket_is_ours(self) -> bool:
        try:
            return os.stat(self.path).st_ino == self.socket_inode
        except OSError:
            return False

    def _retire_on_signal(self, signum: int, frame: object) -> None:
        self.retiring = True

    def _accept(self) -> None:
        connection, _ = self.listener.accept()
        self.last_activity = time.monotonic()
        try:
            reason = self._launch(connection)
        except (OSError, ValueError) as error:
            reason = f"{type(error).__name__}: {error}"
        if reason:
            encoded = reason.encode()
            _send_quietly(connection, REFUSED, len(encoded), encoded)
            connection.close()

    def _launch(self, connection: socket.socket) -> str:
        """Forks a provider for the launch on `connection`; returns why not, if it did not."""
        connection.settimeout(5.0)
        uid = _peer_uid(connection)
        if uid != os.geteuid():
            return f"uid {uid} may not use this user's resident"
        connection.sendall(HELLO)
        descriptors, token, argv, environment = _receive_request(connection)
        try:
            if token != self.token:
                return "the launcher belongs to another installation"
            if self.installation.changed():
                self.retiring = True
                return "the installed version changed since the resident started"
            if threading.active_count() != 1:
                return "the resident runs threads, so it cannot fork safely"
            pid = os.fork()
            if pid == 0:
                certificate_fork.provide(self.next_certificate)
                self._child(connection, descriptors, argv, environment)
            self.next_certificate = generate_server_certificate()  # that one is the child's alone
        finally:
            for fd in descriptors:
                os.close(fd)
        connection.settimeout(None)
        self.children[pid] = connection
        self._watch(connection)
        _send_quietly(connection, STARTED, pid)
        return ""

    def _child(self, connection: socket.socket, fds: list[int], argv: list[str], env: dict[str, str]) -> None:
        code = 70  # EX_SOFTWARE, should anything below raise
        try:
            self.listener.close()
            _become_the_launch(self.private_fds, self.children, fds, argv, env)
            if connection.recv(1) != GO:  # the launcher went cold or away: stay silent
                os._exit(0)
            threading.Thread(target=_stop_with_launcher, args=(connection,), daemon=True).start()
            code = self.app.run_launch(lambda: _say_goodbye(connection))
            _send_quietly(connection, EXITED, code)  # unless the launcher went at the goodbye
        finally:
            os._exit(code)


def _become_the_launch(
    private_fds: list[int],
    children: dict[int, socket.socket],
    fds: list[int],
    argv: list[str],
    env: dict[str, str],
) -> None:
    """In the child: drop the resident's descriptors and handlers, take the launch's own."""
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
    for fd in private_fds:
        os.close(fd)
    for connection in children.values():
        connection.close()
    for target, fd in enumerate(fds[:3]):
        os.dup2(fd, target)
    os.fchdir(fds[3])
    for fd in fds:  # copies of what 0, 1 and 2 now are: Terraform's pipes must close with them
        os.close(fd)
    os.environ.clear()
    os.environ.update(env)
    tempfile.tempdir = None  # cached from the resident's environment, not this launch's
    sys.argv = argv


def _say_goodbye(connection: socket.socket) -> None:
    """Terraform said goodbye (Shutdown): the launcher exits now and this process lets go of
    Terraform's pipes, so that Terraform sees its provider end however long the server takes to
    stop. Terraform waits 2 s for that, then kills the launcher."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    _send_quietly(connection, EXITED, 0)


def _stop_with_launcher(connection: socket.socket) -> None:
    """The launcher never writes again: its connection ends when it exits or is killed."""
    # Blocking: the start-up timeout the resident set on the connection would end this wait, and
    # the provider with it, after that many seconds of a launcher's (normal) silence.
    connection.settimeout(None)
    try:
        while connection.recv(64):
            pass
    except OSError:
        pass
    os.kill(os.getpid(), signal.SIGTERM)


def _peer_uid(connection: socket.socket) -> int:
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    return int.from_bytes(credentials[4:8], BYTE_ORDER)


def _receive_request(connection: socket.socket) -> tuple[list[int], str, list[str], dict[str, str]]:
    header_size = len(REQUEST_MAGIC) + 4
    header, ancillary, _, _ = connection.recvmsg(header_size, socket.CMSG_SPACE(4 * 4))
    descriptors: list[int] = []
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            usable = len(data) - len(data) % 4
            descriptors += [int.from_bytes(data[i : i + 4], BYTE_ORDER) for i in range(0, usable, 4)]
    try:  # the launcher's pipes must never stay open here, however the rest goes wrong
        if len(header) != header_size or not header.startswith(REQUEST_MAGIC) or len(descriptors) != 4:
            raise ValueError("malformed launch request")
        token, argv, environment = _receive_body(
            connection, int.from_bytes(header[len(REQUEST_MAGIC) :], BYTE_ORDER)
        )
    except BaseException:
        for fd in descriptors:
            os.close(fd)
        raise
    return descriptors, token, argv, environment


def _receive_body(connection: socket.socket, size: int) -> tuple[str, list[str], dict[str, str]]:
    if size > MAX_REQUEST_BYTES:
        raise ValueError("launch request too large")
    body = b""
    while len(body) < size:
        chunk = connection.recv(size - len(body))
        if not chunk:
            raise ValueError("launch request cut short")
        body += chunk
    token, count, *rest = body.split(b"\0")
    argv = [os.fsdecode(argument) for argument in rest[: int(count)]]
    environment = dict(os.fsdecode(entry).partition("=")[::2] for entry in rest[int(count) :])
    return token.decode(), argv, environment


def _send_quietly(connection: socket.socket, tag: bytes, number: int, extra: bytes = b"") -> None:
    with contextlib.suppress(OSError):
        connection.sendall(tag + number.to_bytes(4, BYTE_ORDER, signed=True) + extra)


def _signal_quietly(pid: int, signum: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, signum)


def _load_app(app: str) -> tuple[ModuleType, list[str]]:
    module = importlib.import_module(app)
    package = sys.modules[app.partition(".")[0]]
    return module, list(getattr(package, "__path__", []))


def main(app: str, path: str, token: str) -> None:
    """Runs the resident for `app` at socket `path`; returns at once if another one holds it."""
    lock = os.open(path + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return
    module, package_dirs = _load_app(app)
    installation = Installation(package_dirs, sys.path)
    preload: Callable[[], None] = module.preload
    preload()
    resident = Resident(path, token, module, installation)
    resident.private_fds.append(lock)
    resident.serve()


def stop_residents(directory: str) -> list[int]:
    """SIGTERM to every resident listening in `directory` (the test suite's own); their pids."""
    stopped = []
    for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
        if not name.endswith(".sock"):
            continue
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            try:
                connection.connect(os.path.join(directory, name))
            except OSError:
                continue
            credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
        pid = int.from_bytes(credentials[:4], BYTE_ORDER)
        _signal_quietly(pid, signal.SIGTERM)
        stopped.append(pid)
    return stopped

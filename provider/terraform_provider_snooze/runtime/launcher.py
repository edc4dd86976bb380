"""The warm start's client: hands this launch to a resident, pre-imported server.

Terraform starts a provider several times per command, and a Python provider pays each time for
the interpreter and for importing grpc, protobuf and itself. A resident server (resident.py), one
per user and installed version, keeps those imports and forks a fresh provider per launch. This
process passes it stdin, stdout, stderr and the working directory (SCM_RIGHTS, as Python's own
forkserver does), its arguments and environment; then waits, and exits with the provider's
status. The provider dies with this process (Terraform kills it on a timeout).

`launch()` returns only when the warm start did not happen, with the reason: the caller starts
cold and logs it at DEBUG. Nothing that goes wrong here fails a Terraform run. Only modules the
interpreter has already loaded, or built-in ones, are imported: this runs first, on every launch.
"""

from __future__ import annotations

import _socket
import os
import sys

__all__ = [
    "DIRECTORY_VARIABLE",
    "IDLE_VARIABLE",
    "SWITCH_VARIABLE",
    "launch",
    "resident_directory",
    "socket_path",
]

SWITCH_VARIABLE = "TF_PLUGIN_RESIDENT"  # 0, off, false or no: always start cold
DIRECTORY_VARIABLE = "TF_PLUGIN_RESIDENT_DIR"  # where this user's residents listen
IDLE_VARIABLE = "TF_PLUGIN_RESIDENT_IDLE"  # seconds an unused resident waits before it exits

# The resident answers with a tag byte and a signed 32-bit number: STARTED and the provider's
# pid, REFUSED and the length of the reason that follows, EXITED and the provider's exit code
# (minus the signal that killed it). The launcher says GO once it will wait for that provider.
STARTED, REFUSED, EXITED, GO = b"S", b"R", b"X", b"G"
# The resident greets each connection it accepts: only then are descriptors sent, so that a
# stuck resident never holds Terraform's pipes (descriptors in flight keep them open).
HELLO = b"H"
REQUEST_MAGIC = b"TFPL1"
BYTE_ORDER = sys.byteorder
START_TIMEOUT_SECONDS = 5.0  # a resident that does not answer by then is passed over


def launch(name: str, app: str, version: str, package_dir: str) -> str:
    """Runs this launch in a fork of the resident server for `name` and exits with its status.

    `app` is the module the resident preloads and runs per launch; `version` and `package_dir`
    tell installations apart. Returns the reason when the launch must start cold instead.
    """
    if os.environ.get(SWITCH_VARIABLE, "").strip().lower() in ("0", "off", "false", "no"):
        return f"the resident server is switched off ({SWITCH_VARIABLE})"
    if not (hasattr(_socket, "AF_UNIX") and hasattr(_socket, "SO_PEERCRED") and hasattr(os, "fork")):
        return "warm starts need unix sockets, fork and SO_PEERCRED (Linux)"
    try:
        directory = resident_directory(name)
        token = installation_token(version, package_dir)
        path = socket_path(directory, name, token)
        connection = _connect(path)
        if connection is None:
            return _start_resident(directory, path, app, token, package_dir)
        try:
            return _run(connection, token)
        finally:
            connection.close()
    except OSError as error:
        return f"resident server unavailable: {error}"
    except Exception as error:  # whatever it is, a cold start still serves Terraform
        return f"resident server unavailable: {type(error).__name__}: {error}"


def installation_token(version: str, package_dir: str) -> str:
    """Two checkouts, two Pythons or two versions never share a resident; nor do two sets of
    GRPC_* variables, since grpcio reads some when imported (GRPC_ENABLE_FORK_SUPPORT)."""
    grpc_settings = sorted(f"{key}={value}" for key, value in os.environ.items() if key.startswith("GRPC_"))
    installation = [version, os.path.realpath(package_dir), os.path.realpath(sys.executable), sys.version]
    return "|".join(installation + grpc_settings)


def resident_directory(name: str) -> str:
    """This user's private directory for residents: created 0700, refused unless it is ours alone."""
    directory = os.environ.get(DIRECTORY_VARIABLE) or _default_directory(name)
    try:  # noqa: SIM105 (contextlib is not loaded yet: this runs before anything else)
        os.mkdir(directory, 0o700)
    except FileExistsError:
        pass
    status = os.lstat(directory)
    if (status.st_mode & 0o170000) != 0o040000 or status.st_uid != os.geteuid():
        raise OSError(f"{directory} is not a directory of this user's")
    if status.st_mode & 0o077:
        raise OSError(f"{directory} is open to other users (mode {status.st_mode & 0o777:o})")
    return directory


def _default_directory(name: str) -> str:
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime.startswith("/") and len(runtime) < 60:
        return f"{runtime}/terraform-provider-{name}"
    return f"/tmp/terraform-provider-{name}-{os.geteuid()}"


def socket_path(directory: str, name: str, token: str) -> str:
    import binascii

    return f"{directory}/{name}-{binascii.crc32(token.encode()):08x}.sock"


def _connect(path: str) -> _socket.socket | None:
    """A connection to the resident at `path`, checked to be this user's; None when none listens."""
    connection = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        connection.connect(path)
    except (FileNotFoundError, ConnectionRefusedError):
        connection.close()
        return None
    except OSError:
        connection.close()
        raise
    try:
        _check_peer(connection)
    except OSError:
        connection.close()
        raise
    return connection


def _check_peer(connection: _socket.socket) -> None:
    if not hasattr(_socket, "SO_PEERCRED"):
        raise OSError("this system cannot tell who owns the resident's socket")
    credentials = connection.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)
    uid = int.from_bytes(credentials[4:8], BYTE_ORDER)
    if uid != os.geteuid():
        raise OSError(f"the resident's socket belongs to uid {uid}, not to this user")


def _run(connection: _socket.socket, token: str) -> str:
    """Sends this launch; returns a reason if refused, else waits for the provider and exits."""
    directory_fd = os.open(".", getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | os.O_CLOEXEC)
    connection.settimeout(START_TIMEOUT_SECONDS)
    try:
        if _receive_exactly(connection, 1) != HELLO:
            return "the resident closed the connection without a greeting"
        _send_request(connection, token, directory_fd)
    finally:
        os.close(directory_fd)
    tag, number = _receive(connection)
    if tag == REFUSED:
        return "the resident refused: " + _receive_exactly(connection, number).decode(errors="replace")
    if tag != STARTED:
        return "the resident closed the connection before starting a provider"
    _wait_and_exit(connection, number)
    return "unreachable"


def _wait_and_exit(connection: _socket.socket, pid: int) -> None:
    """From here on a provider runs for this launch: whatever happens, this process exits."""
    code = 1
    try:
        _forward_signals(pid)
        connection.sendall(GO)
        connection.settimeout(None)  # the provider runs as long as Terraform needs it
        tag, number = _receive(connection)
        code = number if tag == EXITED else 1
        if code < 0:  # killed by a signal: die of the same one
            import _signal  # type: ignore[import-not-found]

            if -code not in (_signal.SIGKILL, _signal.SIGSTOP):
                _signal.signal(-code, _signal.SIG_DFL)
            os.kill(os.getpid(), -code)
            code = 128 - code
    finally:
        os._exit(code)


def _send_request(connection: _socket.socket, token: str, directory_fd: int) -> None:
    fields = [token.encode(), str(len(sys.argv)).encode()]
    fields += [os.fsencode(argument) for argument in sys.argv]
    fields += [key + b"=" + value for key, value in os.environb.items()]
    body = b"\0".join(fields)
    header = REQUEST_MAGIC + len(body).to_bytes(4, BYTE_ORDER)
    descriptors = b"".join(fd.to_bytes(4, BYTE_ORDER, signed=True) for fd in (0, 1, 2, directory_fd))
    connection.sendmsg([header], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, descriptors)])
    connection.sendall(body)


def _receive(connection: _socket.socket) -> tuple[bytes, int]:
    message = _receive_exactly(connection, 5)
    return message[:1], int.from_bytes(message[1:], BYTE_ORDER, signed=True)


def _receive_exactly(connection: _socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            return b""
        data += chunk
    return data


def _forward_signals(pid: int) -> None:
    """SIGINT is ignored like the provider does (Ctrl-C reaches Terraform's whole group and
    Terraform handles it); a SIGTERM or SIGHUP sent to this process reaches the provider."""
    import _signal  # `signal` would load enum

    def forward(signum: int, frame: object) -> None:
        try:  # noqa: SIM105
            os.kill(pid, signum)
        except OSError:
            pass

    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)
    for signum in (_signal.SIGTERM, _signal.SIGHUP):
        _signal.signal(signum, forward)


def _start_resident(directory: str, path: str, app: str, token: str, package_dir: str) -> str:
    """Starts the resident in the background, detached; this launch starts cold meanwhile."""
    import fcntl

    lock = os.open(path + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return "a resident server is starting or stopping"
    finally:
        os.close(lock)  # the resident takes the lock itself; two that race settle it there
    # Absolute entries only: "" (the working directory) would be "/" for the resident.
    search_path = [os.path.dirname(os.path.realpath(package_dir))]
    search_path += [entry for entry in sys.path if os.path.isabs(entry)]
    arguments = [sys.executable, "-I", "-S", "-c", _BOOT, app, path, token, *search_path]
    _spawn_detached(arguments, _resident_environment())
    return f"no resident server was running: starting one at {path}"


# The resident's interpreter skips `site` and finds modules where this one does.
_BOOT = (
    "import sys; sys.path[:] = sys.argv[4:]; "
    f"from {__name__.rpartition('.')[0]}.resident import main; main(*sys.argv[1:4])"
)


def _resident_environment() -> dict[str, str]:
    """The resident serves launches of any environment: it keeps only the basics (and the GRPC_*
    variables, part of its identity), not Terraform's."""
    kept = ("PATH", "HOME", "LANG", "TMPDIR", IDLE_VARIABLE)
    return {
        key: value for key, value in os.environ.items() if key in kept or key.startswith(("LC_", "GRPC_"))
    }


def _spawn_detached(arguments: list[str], environment: dict[str, str]) -> None:
    """Double fork into a new session, stdio on /dev/null and no other descriptor inherited: the
    resident must never hold Terraform's, a CI job's or a test runner's pipes open."""
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)
        return
    try:
        os.setsid()
        if os.fork():
            os._exit(0)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, 1 << 16)
        os.chdir("/")
        os.execve(arguments[0], arguments, environment)
    finally:
        os._exit(127)

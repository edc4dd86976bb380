"""Where the plugin listens: a unix socket in a private directory, else TCP on loopback.

The socket directory is created 0700 and the socket is 0600, so only the user running Terraform
can connect. Its parent is PLUGIN_UNIX_SOCKET_DIR when set, else the temporary directory; when
that path would not fit in a socket address (sun_path, 108 bytes), the next shorter candidate
(/tmp) is used, so unix sockets are used wherever the OS has them. Where it has none we listen
on 127.0.0.1 within PLUGIN_MIN_PORT..PLUGIN_MAX_PORT, as go-plugin does.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = ["Listener", "listen_tcp", "listen_unix", "socket_parent", "unix_sockets_available"]

BindFunction = Callable[[str], int]
"""grpc's add_(in)secure_port for an address: returns the bound port, 0 (or raises) on failure."""


@dataclass
class Listener:
    network: str  # "unix" or "tcp"
    address: str  # socket path, or host:port
    directory: str | None = None

    def close(self) -> None:
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)


def unix_sockets_available() -> bool:
    return hasattr(socket, "AF_UNIX")


# sun_path is 108 bytes with its terminating NUL (104 on macOS and the BSDs).
MAX_SOCKET_PATH = 103
SOCKET_DIRECTORY_PREFIX = "terraform-provider-"
# mkdtemp's random part and the socket's name.
_SUFFIX_LENGTH = len(SOCKET_DIRECTORY_PREFIX) + 8 + len("/plugin.sock") + 1


def socket_parent(environ: Mapping[str, str], candidates: tuple[str, ...] = ("/tmp",)) -> str:
    """The first of PLUGIN_UNIX_SOCKET_DIR, the temporary directory and `candidates` where the
    socket's path fits in a socket address."""
    preferred = [environ.get("PLUGIN_UNIX_SOCKET_DIR") or "", tempfile.gettempdir(), *candidates]
    for parent in map(os.path.abspath, filter(None, preferred)):
        if len(os.fsencode(parent)) + _SUFFIX_LENGTH <= MAX_SOCKET_PATH and os.path.isdir(parent):
            return parent
    raise OSError(f"no directory short enough for a unix socket among {preferred}")


def listen_unix(
    bind: BindFunction, environ: Mapping[str, str] | None = None, candidates: tuple[str, ...] = ("/tmp",)
) -> Listener:
    env = os.environ if environ is None else environ
    directory = tempfile.mkdtemp(prefix=SOCKET_DIRECTORY_PREFIX, dir=socket_parent(env, candidates))  # 0700
    path = os.path.join(directory, "plugin.sock")
    previous = os.umask(0o177)  # the socket is created 0600, never briefly wider
    try:
        bound = _bind(bind, f"unix:{path}")
    finally:
        os.umask(previous)
    if not bound:
        shutil.rmtree(directory, ignore_errors=True)
        raise OSError(f"cannot listen on unix socket {path}")
    os.chmod(path, 0o600)
    return Listener("unix", path, directory)


def listen_tcp(bind: BindFunction, environ: Mapping[str, str] | None = None) -> Listener:
    env = os.environ if environ is None else environ
    low = int(env.get("PLUGIN_MIN_PORT") or 10000)
    high = int(env.get("PLUGIN_MAX_PORT") or 25000)
    if low > high:
        raise OSError(f"PLUGIN_MIN_PORT ({low}) is above PLUGIN_MAX_PORT ({high})")
    for port in range(low, high + 1):
        if _bind(bind, f"127.0.0.1:{port}"):
            return Listener("tcp", f"127.0.0.1:{port}")
    raise OSError(f"no free TCP port on 127.0.0.1 between {low} and {high}")


def _bind(bind: BindFunction, address: str) -> bool:
    try:
        return bind(address) != 0
    except RuntimeError:  # recent grpcio raises instead of returning 0
        return False

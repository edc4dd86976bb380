"""Where the plugin listens: a unix socket in a private directory, else TCP on loopback.

The socket directory is created 0700 (PLUGIN_UNIX_SOCKET_DIR chooses its parent) and the socket
is 0600, so only the user running Terraform can connect. Where unix sockets are unavailable we
listen on 127.0.0.1 within PLUGIN_MIN_PORT..PLUGIN_MAX_PORT, as go-plugin does.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = ["Listener", "listen_tcp", "listen_unix", "unix_sockets_available"]

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


def listen_unix(bind: BindFunction, environ: Mapping[str, str] | None = None) -> Listener:
    env = os.environ if environ is None else environ
    parent = env.get("PLUGIN_UNIX_SOCKET_DIR") or None
    directory = tempfile.mkdtemp(prefix="terraform-provider-", dir=parent)  # mode 0700
    path = os.path.join(directory, "plugin.sock")
    if len(path.encode()) > 107:  # sun_path is 108 bytes with its terminating NUL
        shutil.rmtree(directory, ignore_errors=True)
        raise OSError(f"unix socket path too long ({len(path)} bytes): {path}")
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

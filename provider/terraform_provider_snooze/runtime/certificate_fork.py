"""A cold start's server certificate, made by a forked helper while the parent imports grpc.

Importing cryptography and generating the key take about as long as importing grpc: on a
machine with two cores, doing both at once takes a third off a cold start. The helper is forked
before grpc is imported (nothing of grpc exists yet, so forking is safe) and writes the key and
certificate to a pipe; anything amiss and the parent generates them itself.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .tls import ServerCertificate

__all__ = ["provide", "start", "take"]

_pending: tuple[int, int] | None = None  # the helper's pid and the pipe's read end
_ready: ServerCertificate | None = None  # made beforehand, for this process alone


def provide(certificate: ServerCertificate) -> None:
    """Hands this process a certificate made beforehand (the resident server makes one for each
    launch before forking it, and never gives it to another)."""
    global _ready
    _ready = certificate


def start() -> None:
    """Forks the helper, unless one runs already; call before importing grpc."""
    global _pending
    if _pending is not None or not hasattr(os, "fork"):
        return
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(read_end)
            code = _generate_into(write_end)
        finally:
            os._exit(code)
    os.close(write_end)
    _pending = (pid, read_end)


def _generate_into(fd: int) -> int:
    from .tls import generate_server_certificate

    certificate = generate_server_certificate()
    parts = (certificate.certificate_pem, certificate.private_key_pem, certificate.certificate_der)
    data = b"".join(len(part).to_bytes(4, "big") + part for part in parts)
    with os.fdopen(fd, "wb") as pipe:
        pipe.write(data)
    return 0


def take() -> ServerCertificate | None:
    """The certificate provided or made by the helper, or None (neither, or the helper failed)."""
    global _pending, _ready
    if _ready is not None:
        certificate, _ready = _ready, None
        return certificate
    if _pending is None:
        return None
    pid, read_end = _pending
    _pending = None
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    parts = []
    while len(data) >= 4:
        size = int.from_bytes(data[:4], "big")
        parts.append(data[4 : 4 + size])
        data = data[4 + size :]
    if len(parts) != 3 or not all(parts):
        return None
    from .tls import ServerCertificate

    return ServerCertificate(certificate_pem=parts[0], private_key_pem=parts[1], certificate_der=parts[2])

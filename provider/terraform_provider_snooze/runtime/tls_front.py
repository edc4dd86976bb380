"""On TCP, admit only the client holding the certificate Terraform put in PLUGIN_CLIENT_CERT.

A unix socket in a private directory keeps other users out; a loopback TCP port (the fallback
where there are no unix sockets) does not. go-plugin's client certificate is ECDSA P-521, which
in TLS 1.3 signs only with ecdsa_secp521r1_sha512; grpcio's BoringSSL does not offer that scheme,
so Terraform sends grpcio no certificate at all (grpcio fails "PEER_DID_NOT_RETURN_A_CERTIFICATE"
when one is required) and no check on a call could see one. Python's ssl module (OpenSSL) offers
it. So on TCP the port Terraform dials is this front's: OpenSSL requires the client certificate,
verifies it against PLUGIN_CLIENT_CERT and admits only that exact certificate (DER pinned), then
relays the bytes to gRPC. gRPC listens on another loopback port that admits only this front: TLS
with a client certificate generated for the front (P-256, which BoringSSL verifies).
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from . import hclog
from .tls import ServerCertificate, generate_server_certificate

__all__ = ["TlsFront"]

log = hclog.get_logger(__name__)

HANDSHAKE_TIMEOUT_SECONDS = 10.0
CHUNK = 1 << 16
MAX_BUFFERED = 4 << 20  # per direction: past this, stop reading until the other side drains


class TlsFront:
    """Listens on a loopback port; relays each admitted client to gRPC's `inner_port`."""

    def __init__(self, server_certificate: ServerCertificate, client_certificate_pem: str) -> None:
        self.server_certificate = server_certificate
        self.pinned_der = ssl.PEM_cert_to_DER_cert(client_certificate_pem.strip() + "\n")
        self.front_certificate = generate_server_certificate()  # the front's identity to gRPC
        self.outer = _context(ssl.PROTOCOL_TLS_SERVER, server_certificate, client_certificate_pem)
        self.inner = _context(
            ssl.PROTOCOL_TLS_CLIENT, self.front_certificate, server_certificate.certificate_pem.decode()
        )
        self.listener: socket.socket | None = None
        self.inner_port = 0

    def inner_credentials_arguments(self) -> tuple[list[tuple[bytes, bytes]], bytes]:
        """For grpc.ssl_server_credentials: gRPC's key pair, and the one client it admits."""
        pair = (self.server_certificate.private_key_pem, self.server_certificate.certificate_pem)
        return [pair], self.front_certificate.certificate_pem

    def bind(self, address: str) -> int:
        """Binds the front's port (a transport.BindFunction); 0 when taken."""
        host, port = address.rsplit(":", 1)
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind((host, int(port)))
        except OSError:
            listener.close()
            return 0
        listener.listen(16)
        self.listener = listener
        return int(listener.getsockname()[1])

    def start(self) -> None:
        threading.Thread(target=self._accept, name="tls-front", daemon=True).start()

    def close(self) -> None:
        if self.listener is not None:
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
            self.listener.close()

    def _accept(self) -> None:
        assert self.listener is not None
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._serve, args=(client,), name="tls-relay", daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            with self._admitted(client) as outer, self._to_grpc() as inner:
                _relay(outer, inner)
        except (OSError, ValueError) as error:
            log.debug("TLS front: connection closed", extra={"reason": str(error)})

    @contextmanager
    def _admitted(self, client: socket.socket) -> Iterator[ssl.SSLSocket]:
        client.settimeout(HANDSHAKE_TIMEOUT_SECONDS)
        outer = self.outer.wrap_socket(client, server_side=True)
        try:
            if outer.getpeercert(binary_form=True) != self.pinned_der:
                log.warning("Refused a TCP client: its certificate is not the one Terraform sent")
                raise ValueError("client certificate is not PLUGIN_CLIENT_CERT")
            yield outer
        finally:
            outer.close()

    @contextmanager
    def _to_grpc(self) -> Iterator[ssl.SSLSocket]:
        raw = socket.create_connection(("127.0.0.1", self.inner_port), timeout=HANDSHAKE_TIMEOUT_SECONDS)
        inner = self.inner.wrap_socket(raw, server_hostname="localhost")
        try:
            yield inner
        finally:
            inner.close()


def _context(protocol: int, own: ServerCertificate, trusted_pem: str) -> ssl.SSLContext:
    context = ssl.SSLContext(protocol)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cadata=trusted_pem)
    context.set_alpn_protocols(["h2"])
    with _private_files(own.certificate_pem, own.private_key_pem) as (certificate, key):
        context.load_cert_chain(certificate, key)  # ssl reads keys from files only
    return context


@contextmanager
def _private_files(*contents: bytes) -> Iterator[list[str]]:
    directory = tempfile.mkdtemp(prefix="tls-")  # 0700, removed at once
    try:
        paths = []
        for index, content in enumerate(contents):
            path = os.path.join(directory, str(index))
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
                file.write(content)
            paths.append(path)
        yield paths
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _relay(a: ssl.SSLSocket, b: ssl.SSLSocket) -> None:
    """Copies bytes both ways from one thread: an SSL object must not be used by two at once."""
    for end in (a, b):
        end.setblocking(False)
    outbox = {a: bytearray(), b: bytearray()}  # what waits to be written to each end
    other = {a: b, b: a}
    while True:
        wanted = [end for end in (a, b) if len(outbox[other[end]]) < MAX_BUFFERED]
        readable = [end for end in wanted if end.pending()]
        if not readable:
            readable, writable, _ = select.select(wanted, [end for end in (a, b) if outbox[end]], [])
            for end in writable:
                _flush(end, outbox[end])
        for end in readable:
            if not _pull(end, outbox[other[end]]):
                return
            _flush(other[end], outbox[other[end]])


def _pull(end: ssl.SSLSocket, into: bytearray) -> bool:
    """Reads what `end` has into `into`; False once it is closed."""
    try:
        data = end.recv(CHUNK)
    except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
        return True
    except (ssl.SSLZeroReturnError, ConnectionError):
        return False
    into += data
    return bool(data)


def _flush(end: ssl.SSLSocket, data: bytearray) -> None:
    while data:
        try:
            sent = end.send(bytes(data[:CHUNK]))  # a retry passes the same bytes, as OpenSSL requires
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return
        del data[:sent]

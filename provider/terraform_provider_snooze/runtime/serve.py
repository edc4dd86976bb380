"""Serving a provider the way go-plugin plugins do, so Terraform can launch, trust and stop it.

Start-up is on every `terraform plan` (several times): only what the handshake needs is
imported here (grpc, the side services' stubs, and cryptography when TLS is asked for); the
provider itself is built at its first RPC.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent import futures
from typing import TYPE_CHECKING, Any, TextIO

import grpc

from . import handshake, hclog, transport
from .lazy_service import LazyService

if TYPE_CHECKING:
    from .tls import ServerCertificate
    from .tls_front import TlsFront

__all__ = ["MAX_MESSAGE_BYTES", "WORKERS", "serve", "stop_server"]

log = hclog.get_logger(__name__)

# Terraform's own limit (grpcMaxMessageSize): large configurations and states must pass.
MAX_MESSAGE_BYTES = 256 << 20
# Terraform runs up to -parallelism (10) operations at once, plus the long-lived stdio and
# broker streams; spare threads keep StopProvider and Shutdown answerable while all are busy.
WORKERS = 32
SERVER_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    # grpc sets SO_REUSEPORT by default: two providers started at once would then share one
    # TCP port and Terraform's connections would land on either.
    ("grpc.so_reuseport", 0),
]


STOP_GRACE_SECONDS = 0.5
STOP_WAIT_SECONDS = 1.0

PLUGIN_SERVICE_NAMES = (
    "plugin.GRPCController",
    "plugin.GRPCStdio",
    "plugin.GRPCBroker",
    "grpc.health.v1.Health",
)


def serve(
    register: Callable[[grpc.Server], object],
    *,
    provider_address: str,
    debug: bool = False,
    startup_notes: Sequence[str] = (),
    on_goodbye: Callable[[], None] | None = None,
) -> int:
    """Serves until Terraform calls Shutdown (in debug mode: until Ctrl-C) or SIGTERM.

    Returns the process exit code: 1 when not started by Terraform, else 0. `startup_notes` are
    logged at DEBUG once logging is set up (e.g. why the launch started cold). `on_goodbye` is
    called once serving ends, before the server stops (a warm launch lets its launcher exit).
    """
    if not debug and not handshake.cookie_present():
        sys.stderr.write(handshake.NOT_A_PLUGIN_MESSAGE)
        return 1
    # The provider's own package, whose INFO lines stay INFO: the one `register` comes from.
    own_package = (getattr(register, "__module__", None) or "").partition(".")[0]
    hclog.configure(provider_address, own_packages=(own_package,))
    for note in startup_notes:
        log.debug("Starting cold: %s", note)
    handshake_output = _claim_stdout()
    stopped = threading.Event()
    _install_signal_handlers(stopped, debug)
    _stop_when_closed(os.dup(handshake_output.fileno()), stopped)

    protocol_version = handshake.negotiate_protocol_version()
    client_certificate = None if debug else os.environ.get("PLUGIN_CLIENT_CERT")
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="rpc"), options=SERVER_OPTIONS
    )
    registered = register(server)
    # A debugged provider outlives each terraform command that attaches to it.
    plugin_services = _plugin_services(stopped, on_shutdown=(lambda: None) if debug else stopped.set)
    server.add_generic_rpc_handlers((plugin_services,))
    certificate = _server_certificate() if client_certificate else None
    listener, front = _listen(server, certificate, client_certificate)
    certificate_field = certificate.handshake_field if certificate else ""
    try:
        server.start()
        if front:
            front.start()
        if debug:
            reattach = handshake.reattach_line(
                provider_address, protocol_version, listener.network, listener.address, os.getpid()
            )
            announcement = handshake.debug_message(reattach)
        else:
            announcement = handshake.handshake_line(
                protocol_version, listener.network, listener.address, certificate_field
            )
        code = _announce(handshake_output, announcement, stopped)
        for service in (plugin_services, registered):  # loaded while Terraform connects
            if isinstance(service, LazyService):
                service.load_in_background()
        log.debug(
            "Serving",
            extra={
                "network": listener.network,
                "address": listener.address,
                "tls": bool(client_certificate),
                "pid": os.getpid(),
            },
        )
        stopped.wait()
        log.debug("Shutting down")
        if on_goodbye is not None:
            on_goodbye()
        stop_server(server)
    finally:
        listener.close()
        if front:
            front.close()
    return code


def stop_server(server: grpc.Server) -> None:
    """Stops serving within STOP_WAIT_SECONDS, whatever grpc's shutdown still waits for.

    The grace lets the Shutdown reply reach Terraform; the side streams end with `stopped`.
    Terraform kills a provider still alive 2 s after Shutdown answered and logs that it "failed
    to exit gracefully": exiting with a call unfinished is better than that.
    """
    if not server.stop(grace=STOP_GRACE_SECONDS).wait(STOP_WAIT_SECONDS):
        log.debug("The gRPC server had not stopped after %.1f s; exiting anyway", STOP_WAIT_SECONDS)


def _announce(output: TextIO, announcement: str, stopped: threading.Event) -> int:
    """Writes the handshake line; if nobody reads stdout any more, stops at once (exit code 1)."""
    try:
        output.write(announcement)
        output.close()  # flushes; Terraform reads only the first line
    except BrokenPipeError:
        log.debug("Stdout closed before the handshake line: nobody started this provider, stopping")
        stopped.set()
        return 1
    return 0


def _plugin_services(stopped: threading.Event, on_shutdown: Callable[[], None]) -> LazyService:
    """go-plugin's side services, whose protobuf modules load after the handshake."""

    def register(server: grpc.Server) -> None:
        from .plugin_services import add_plugin_services

        add_plugin_services(server, stopped, on_shutdown)

    return LazyService(PLUGIN_SERVICE_NAMES, register)


def _claim_stdout() -> TextIO:
    """Keeps the real stdout for the handshake alone and points fd 1 and sys.stdout at stderr.

    A stray print (ours, a library's, or C code's) before or after the handshake line would
    make Terraform fail with "Unrecognized remote plugin message".
    """
    sys.stdout.flush()
    handshake_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(handshake_fd, "w", encoding="utf-8")


def _stop_when_closed(fd: int, stopped: threading.Event) -> None:
    """Stops the provider once nobody reads its stdout: Terraform died, or `| head -1` exited.

    A pipe whose readers are all gone polls POLLERR (a terminal that hangs up, POLLHUP); the
    file descriptor is ours alone, kept open for this watch.
    """

    def watch() -> None:
        poller = select.poll()
        poller.register(fd, select.POLLERR | select.POLLHUP)
        while not poller.poll():
            pass
        log.debug("Stdout closed: nobody reads this provider any more, stopping")
        stopped.set()

    threading.Thread(target=watch, name="stdout-watch", daemon=True).start()


def _server_certificate() -> ServerCertificate:
    from . import certificate_fork
    from .tls import generate_server_certificate

    return certificate_fork.take() or generate_server_certificate()


def _binder(server: grpc.Server, certificate: ServerCertificate | None) -> transport.BindFunction:
    if certificate is None:
        return lambda address: int(server.add_insecure_port(address))
    credentials = grpc.ssl_server_credentials(
        [(certificate.private_key_pem, certificate.certificate_pem)], require_client_auth=False
    )
    return lambda address: int(server.add_secure_port(address, credentials))


def _listen(
    server: grpc.Server, certificate: ServerCertificate | None, client_certificate: str | None
) -> tuple[transport.Listener, TlsFront | None]:
    """A private unix socket; else TCP, where TLS goes through a front that pins Terraform's
    certificate (tls_front.py: grpcio alone cannot check it)."""
    if transport.unix_sockets_available():
        try:
            return transport.listen_unix(_binder(server, certificate)), None
        except OSError as error:
            log.warning("Cannot listen on a unix socket (%s); using TCP on 127.0.0.1", error)
    if certificate is None or not client_certificate:
        return transport.listen_tcp(_binder(server, certificate)), None
    from .tls_front import TlsFront

    front = TlsFront(certificate, client_certificate)
    listener = transport.listen_tcp(front.bind)
    pairs, admitted = front.inner_credentials_arguments()
    credentials = grpc.ssl_server_credentials(pairs, root_certificates=admitted, require_client_auth=True)
    front.inner_port = int(server.add_secure_port("127.0.0.1:0", credentials))
    return listener, front


def _install_signal_handlers(stopped: threading.Event, debug: bool) -> None:
    def stop(signum: int, frame: Any) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    # Ctrl-C reaches Terraform's whole process group: Terraform handles it (StopProvider, then
    # Shutdown); dying here would lose what an apply in progress creates. A provider run by
    # hand in debug mode stops on Ctrl-C.
    signal.signal(signal.SIGINT, stop if debug else signal.SIG_IGN)

"""Serving a provider the way go-plugin plugins do, so Terraform can launch, trust and stop it.

Start-up is on every `terraform plan` (several times): only what the handshake needs is
imported here; the provider itself is built at its first RPC.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import Any

import grpc

from . import handshake, transport
from ._generated import (
    grpc_broker_pb2_grpc,
    grpc_controller_pb2,
    grpc_controller_pb2_grpc,
    grpc_stdio_pb2_grpc,
)

__all__ = ["MAX_MESSAGE_BYTES", "serve"]

log = logging.getLogger("terraform_provider_snooze.runtime.serve")

# Terraform's own limit (grpcMaxMessageSize): large configurations and states must pass.
MAX_MESSAGE_BYTES = 256 << 20
# Terraform runs up to -parallelism (10) operations at once, plus the long-lived stdio and
# broker streams; spare threads keep StopProvider and Shutdown answerable while all are busy.
WORKERS = 32


class _Controller(grpc_controller_pb2_grpc.GRPCControllerServicer):
    def __init__(self, shutdown: Callable[[], None]) -> None:
        self._shutdown = shutdown

    def Shutdown(self, request: Any, context: Any) -> Any:
        self._shutdown()
        return grpc_controller_pb2.Empty()


class _Stdio(grpc_stdio_pb2_grpc.GRPCStdioServicer):
    """Our output goes to stderr as log lines, so the stream stays open and empty until shutdown."""

    def __init__(self, stopped: threading.Event) -> None:
        self._stopped = stopped

    def StreamStdio(self, request: Any, context: Any) -> Iterator[Any]:
        while not self._stopped.wait(1.0) and context.is_active():
            pass
        yield from ()


class _Broker(grpc_broker_pb2_grpc.GRPCBrokerServicer):
    """Terraform starts the broker stream but never brokers connections for providers."""

    def StartStream(self, request_iterator: Iterator[Any], context: Any) -> Iterator[Any]:
        for _ in request_iterator:
            pass
        yield from ()


def _add_health(server: grpc.Server) -> None:
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc

    servicer = health.HealthServicer()
    for name in ("plugin", ""):  # go-plugin's client asks for "plugin"
        servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)


def serve(
    register: Callable[[grpc.Server], object],
    *,
    provider_address: str = "registry.terraform.io/snoozesoftware/snooze",
    debug: bool = False,
) -> int:
    """Serves until Terraform calls Shutdown (or SIGTERM); returns the exit code."""
    stopped = threading.Event()
    _install_signal_handlers(stopped, debug)
    protocol_version = handshake.negotiate_protocol_version()
    client_certificate = None if debug else os.environ.get("PLUGIN_CLIENT_CERT")
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="rpc"),
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ],
    )
    register(server)
    grpc_controller_pb2_grpc.add_GRPCControllerServicer_to_server(
        _Controller(lambda: None if debug else stopped.set()), server
    )
    grpc_stdio_pb2_grpc.add_GRPCStdioServicer_to_server(_Stdio(stopped), server)
    grpc_broker_pb2_grpc.add_GRPCBrokerServicer_to_server(_Broker(), server)
    _add_health(server)

    certificate_field = ""
    if client_certificate:
        from .tls import generate_server_certificate

        certificate = generate_server_certificate()
        credentials = grpc.ssl_server_credentials(
            [(certificate.private_key_pem, certificate.certificate_pem)], require_client_auth=False
        )
        certificate_field = certificate.handshake_field

        def bind(address: str) -> int:
            return int(server.add_secure_port(address, credentials))
    else:

        def bind(address: str) -> int:
            return int(server.add_insecure_port(address))

    listener = _listen(bind)
    try:
        server.start()
        if debug:
            _announce_debug(provider_address, protocol_version, listener)
        else:
            _write_handshake(
                handshake.handshake_line(
                    protocol_version, listener.network, listener.address, certificate_field
                )
            )
        _install_signal_handlers(stopped, debug)
        log.debug(
            "Serving",
            extra={"network": listener.network, "address": listener.address, "tls": bool(client_certificate)},
        )
        while not stopped.wait(3600):
            pass
        log.debug("Shutting down")
        # A short grace lets the Shutdown reply reach Terraform; the streams end with `stopped`.
        server.stop(grace=0.5).wait()
    finally:
        listener.close()
    return 0


def _listen(bind: transport.BindFunction) -> transport.Listener:
    if transport.unix_sockets_available():
        try:
            return transport.listen_unix(bind)
        except OSError as error:  # e.g. a socket path beyond the 107-byte limit
            log.warning("Cannot listen on a unix socket (%s); using TCP on 127.0.0.1", error)
    return transport.listen_tcp(bind)


def _write_handshake(line: str) -> None:
    """The one line Terraform reads; afterwards stdout is stderr, so no stray print can break it."""
    sys.stdout.write(line)
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr


def _announce_debug(provider_address: str, protocol_version: int, listener: transport.Listener) -> None:
    reattach = handshake.reattach_line(
        provider_address, protocol_version, listener.network, listener.address, os.getpid()
    )
    sys.stdout.write(
        "Provider started in debug mode. To attach Terraform, set TF_REATTACH_PROVIDERS in the shell\n"
        "where you run terraform (Ctrl-C here stops the provider):\n\n"
        f"\tTF_REATTACH_PROVIDERS='{reattach}'\n\n"
    )
    sys.stdout.flush()


def _install_signal_handlers(stopped: threading.Event, debug: bool) -> None:
    def stop(signum: int, frame: Any) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    # Ctrl-C reaches Terraform's whole process group: Terraform handles it (StopProvider, then
    # Shutdown); dying here would lose what an apply in progress creates. A provider run by
    # hand in debug mode stops on Ctrl-C.
    signal.signal(signal.SIGINT, stop if debug else signal.SIG_IGN)

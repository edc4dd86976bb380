"""The services every go-plugin plugin serves beside its own: controller, stdio, broker, health.

Terraform calls GRPCController.Shutdown at the end of every use of a provider and force-kills
a process still alive 2 s later; it opens the stdio and broker streams right after connecting
and keeps them until then. Our output goes to stderr as log lines and Terraform never brokers
connections for providers, so both streams stay open and silent until the server stops.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from ._generated import (
    grpc_broker_pb2_grpc,
    grpc_controller_pb2,
    grpc_controller_pb2_grpc,
    grpc_stdio_pb2_grpc,
)

__all__ = ["HEALTH_SERVICE_NAMES", "add_plugin_services"]

# go-plugin's client checks "plugin"; "" is the server as a whole.
HEALTH_SERVICE_NAMES = ("plugin", "")


class _Controller(grpc_controller_pb2_grpc.GRPCControllerServicer):
    def __init__(self, on_shutdown: Callable[[], None]) -> None:
        self._on_shutdown = on_shutdown

    def Shutdown(self, request: Any, context: Any) -> Any:
        self._on_shutdown()
        return grpc_controller_pb2.Empty()


class _Stdio(grpc_stdio_pb2_grpc.GRPCStdioServicer):
    def __init__(self, stopped: threading.Event) -> None:
        self._stopped = stopped

    def StreamStdio(self, request: Any, context: Any) -> Iterator[Any]:
        _hold_open(self._stopped, context)
        yield from ()


class _Broker(grpc_broker_pb2_grpc.GRPCBrokerServicer):
    def __init__(self, stopped: threading.Event) -> None:
        self._stopped = stopped

    def StartStream(self, request_iterator: Iterator[Any], context: Any) -> Iterator[Any]:
        # Not reading the requests: waiting on them would keep the stream (and the server's
        # graceful stop) alive until Terraform closes its side.
        _hold_open(self._stopped, context)
        yield from ()


def _hold_open(stopped: threading.Event, context: Any) -> None:
    while context.is_active() and not stopped.wait(1.0):
        pass


def _add_health(server: grpc.Server) -> None:
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc

    servicer = health.HealthServicer()
    for name in HEALTH_SERVICE_NAMES:
        servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)


def add_plugin_services(
    server: grpc.Server, stopped: threading.Event, on_shutdown: Callable[[], None]
) -> None:
    """Streams end once `stopped` is set; Shutdown calls `on_shutdown`."""
    grpc_controller_pb2_grpc.add_GRPCControllerServicer_to_server(_Controller(on_shutdown), server)
    grpc_stdio_pb2_grpc.add_GRPCStdioServicer_to_server(_Stdio(stopped), server)
    grpc_broker_pb2_grpc.add_GRPCBrokerServicer_to_server(_Broker(stopped), server)
    _add_health(server)

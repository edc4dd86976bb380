"""A gRPC service registered before its code is imported: loaded at its first call.

Terraform waits for the handshake line before it connects, and the provider service's modules
(protocol descriptors, handlers, the provider) are a large part of a cold start. Registered
lazily, they load after the handshake, in the background, while Terraform dials in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import grpc

__all__ = ["LazyService"]


class _Registrations:
    """Stands in for a grpc.Server to collect what a generated add_*_to_server function adds."""

    def __init__(self) -> None:
        self.handlers: list[grpc.GenericRpcHandler] = []

    def add_generic_rpc_handlers(self, handlers: Sequence[grpc.GenericRpcHandler]) -> None:
        self.handlers.extend(handlers)

    def add_registered_method_handlers(self, service_name: str, method_handlers: dict[str, Any]) -> None:
        """grpc's fast path for known methods; the generic handlers answer the same calls."""


class LazyService(grpc.GenericRpcHandler):  # type: ignore[misc]
    """Serves `service_names` with what `register(server)` adds, calling it at the first call."""

    def __init__(self, service_names: str | tuple[str, ...], register: Callable[[Any], object]) -> None:
        names = (service_names,) if isinstance(service_names, str) else service_names
        self._prefix = tuple(f"/{name}/" for name in names)
        self._register = register
        self._handlers: list[grpc.GenericRpcHandler] | None = None
        self._lock = threading.Lock()

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        if not handler_call_details.method.startswith(self._prefix):
            return None
        for handler in self.load():
            method_handler = handler.service(handler_call_details)
            if method_handler is not None:
                return method_handler
        return None

    def load(self) -> list[grpc.GenericRpcHandler]:
        with self._lock:
            if self._handlers is None:
                registrations = _Registrations()
                self._register(registrations)
                self._handlers = registrations.handlers
            return self._handlers

    def load_in_background(self) -> None:
        threading.Thread(target=self.load, name="load-service", daemon=True).start()

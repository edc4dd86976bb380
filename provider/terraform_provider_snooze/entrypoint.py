"""Puts the snooze provider on the plugin runtime's gRPC server."""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc

from .runtime.lazy_service import LazyService

if TYPE_CHECKING:
    from .runtime.interfaces import Provider

PROVIDER_SERVICE = "tfplugin6.Provider"


def _build_provider() -> Provider:
    from .provider import SnoozeProvider

    return SnoozeProvider()


def _register_now(server: object) -> object:
    from .runtime.server import register_provider_server

    return register_provider_server(server, _build_provider)


def register_provider(server: grpc.Server) -> LazyService:
    """The protocol's descriptors, its handlers and the provider load at the first RPC (or just
    after the handshake, in the background): the handshake does not need them."""
    service = LazyService(PROVIDER_SERVICE, _register_now)
    server.add_generic_rpc_handlers((service,))
    return service


def preload() -> None:
    """Imports what any RPC may need (the resident server calls this once for all launches)."""
    from .runtime import server  # noqa: F401
    from .runtime.lazy_resources import load_all
    from .snooze_api import client  # noqa: F401 - imported by the first ConfigureProvider

    provider = _build_provider()
    load_all(provider)
    provider.functions()

"""Puts the snooze provider on the plugin runtime's gRPC server."""

from __future__ import annotations

import grpc

from .runtime.interfaces import Provider
from .runtime.server import ProviderServer, register_provider_server


def _build_provider() -> Provider:
    # Imported at the first RPC, not at start-up: the handshake does not need it.
    from .provider import SnoozeProvider

    return SnoozeProvider()


def register_provider(server: grpc.Server) -> ProviderServer:
    return register_provider_server(server, _build_provider)

"""TCP, where the OS has no unix sockets: go-plugin's port range, and only Terraform admitted."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from unit.test_serve import SERVING, client_certificate_and_key, shutdown, start

# The provider as on a system without unix sockets.
TCP_ONLY = [
    sys.executable,
    "-c",
    "import sys; from terraform_provider_snooze.runtime import transport; "
    "transport.unix_sockets_available = lambda: False; "
    "from terraform_provider_snooze.cli import main; sys.exit(main())",
]


def test_tcp_stays_within_the_port_range(socket_dir: Path) -> None:
    low = 30000 + (os.getpid() % 100) * 100
    ranged = {"PLUGIN_MIN_PORT": str(low), "PLUGIN_MAX_PORT": str(low + 99)}
    first = start(socket_dir, command=TCP_ONLY, env=ranged)
    second = start(socket_dir, command=TCP_ONLY, env=ranged)
    try:
        for plugin in (first, second):
            _, _, network, address, _, certificate = plugin.fields
            host, port = address.rsplit(":", 1)
            assert (network, host) == ("tcp", "127.0.0.1") and low <= int(port) <= low + 99
            assert len(certificate) > 50
        assert first.fields[3] != second.fields[3], "two providers never share a port"
    finally:
        first.stop()
        second.stop()


@pytest.mark.parametrize("curve", [ec.SECP521R1(), ec.SECP256R1()], ids=["p521-like-terraform", "p256"])
def test_on_tcp_only_the_client_holding_plugin_client_cert_is_admitted(
    socket_dir: Path, curve: ec.EllipticCurve
) -> None:
    terraforms = client_certificate_and_key(curve)
    plugin = start(socket_dir, command=TCP_ONLY, env={"PLUGIN_CLIENT_CERT": terraforms[0]})
    try:
        assert plugin.fields[2] == "tcp", plugin.line
        with plugin.channel() as channel, pytest.raises(grpc.RpcError):
            plugin.health(channel)  # no certificate
        with plugin.channel(client_certificate_and_key(curve)) as channel, pytest.raises(grpc.RpcError):
            plugin.health(channel)  # a certificate, but not the one Terraform sent
        with plugin.channel(terraforms) as channel:
            assert plugin.health(channel) == SERVING
            shutdown(channel)
        assert plugin.process.wait(timeout=5) == 0
    finally:
        plugin.stop()

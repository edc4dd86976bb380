"""Where the plugin listens: a private unix socket, else a loopback TCP port of its own."""

from __future__ import annotations

import os
import random
import stat
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from terraform_provider_snooze.runtime import transport
from terraform_provider_snooze.runtime.serve import SERVER_OPTIONS


@pytest.fixture
def servers() -> Iterator[list[grpc.Server]]:
    made: list[grpc.Server] = []
    yield made
    for server in made:
        server.stop(None)


def new_server(servers: list[grpc.Server]) -> grpc.Server:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1), options=SERVER_OPTIONS)
    servers.append(server)
    return server


def test_unix_socket_is_owner_only_in_a_private_directory(
    socket_dir: Path, servers: list[grpc.Server]
) -> None:
    server = new_server(servers)
    previous = os.umask(0o022)  # a usual umask: nothing group- or world-writable, but readable
    try:
        listener = transport.listen_unix(
            server.add_insecure_port, {"PLUGIN_UNIX_SOCKET_DIR": str(socket_dir)}
        )
    finally:
        os.umask(previous)
    path = Path(listener.address)
    assert listener.network == "unix" and path.is_absolute()
    assert path.parent.parent == socket_dir
    assert stat.S_ISSOCK(path.stat().st_mode)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.umask(previous) == previous, "the process umask is restored"

    listener.close()
    assert not path.parent.exists()


def test_a_socket_directory_too_deep_for_sun_path_gives_way_to_a_short_one(
    socket_dir: Path, servers: list[grpc.Server]
) -> None:
    """A deep PLUGIN_UNIX_SOCKET_DIR or TMPDIR would once make the provider fall back to TCP."""
    deep = socket_dir / ("d" * 100)
    deep.mkdir()
    environ = {"PLUGIN_UNIX_SOCKET_DIR": str(deep)}
    listener = transport.listen_unix(new_server(servers).add_insecure_port, environ, (str(socket_dir),))
    try:
        assert listener.network == "unix"
        assert len(listener.address.encode()) <= transport.MAX_SOCKET_PATH
        assert list(deep.iterdir()) == []
        assert stat.S_IMODE(Path(listener.address).parent.stat().st_mode) == 0o700
    finally:
        listener.close()


def test_socket_parent_prefers_plugin_unix_socket_dir(socket_dir: Path) -> None:
    assert transport.socket_parent({"PLUGIN_UNIX_SOCKET_DIR": str(socket_dir)}) == str(socket_dir)


def test_no_short_directory_at_all_is_an_error_and_leaves_nothing(
    socket_dir: Path, servers: list[grpc.Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = socket_dir / ("d" * 100)
    deep.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(deep))
    with pytest.raises(OSError, match="short enough"):
        transport.listen_unix(
            new_server(servers).add_insecure_port, {"PLUGIN_UNIX_SOCKET_DIR": str(deep)}, (str(deep),)
        )
    assert list(deep.iterdir()) == []


def test_tcp_tries_the_ports_in_range_in_order() -> None:
    tried: list[str] = []

    def bind(address: str) -> int:
        tried.append(address)
        return 0 if address.endswith(":12000") else int(address.rsplit(":", 1)[1])

    listener = transport.listen_tcp(bind, {"PLUGIN_MIN_PORT": "12000", "PLUGIN_MAX_PORT": "12005"})
    assert (listener.network, listener.address) == ("tcp", "127.0.0.1:12001")
    assert tried == ["127.0.0.1:12000", "127.0.0.1:12001"]
    with pytest.raises(OSError, match="no free TCP port"):
        transport.listen_tcp(lambda address: 0, {"PLUGIN_MIN_PORT": "12000", "PLUGIN_MAX_PORT": "12001"})
    with pytest.raises(OSError, match="above"):
        transport.listen_tcp(lambda address: 1, {"PLUGIN_MIN_PORT": "12001", "PLUGIN_MAX_PORT": "12000"})


def test_tcp_defaults_to_go_plugins_range() -> None:
    tried: list[str] = []

    def bind(address: str) -> int:
        tried.append(address)
        return 1

    transport.listen_tcp(bind, {})
    assert tried == ["127.0.0.1:10000"]


def test_two_servers_never_share_a_tcp_port(servers: list[grpc.Server]) -> None:
    low = random.randrange(30000, 40000, 100)
    environ = {"PLUGIN_MIN_PORT": str(low), "PLUGIN_MAX_PORT": str(low + 99)}
    first = transport.listen_tcp(new_server(servers).add_insecure_port, environ)
    second = transport.listen_tcp(new_server(servers).add_insecure_port, environ)
    ports = [int(listener.address.rsplit(":", 1)[1]) for listener in (first, second)]
    assert first.address.startswith("127.0.0.1:") and second.address.startswith("127.0.0.1:")
    assert ports[0] != ports[1], "grpc's default SO_REUSEPORT would let both bind the same port"
    assert all(low <= port <= low + 99 for port in ports)

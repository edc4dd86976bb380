"""The plugin process as Terraform's go-plugin host sees it: handshake, TLS, sockets, shutdown."""

from __future__ import annotations

import base64
import datetime
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc
from terraform_provider_snooze.runtime import handshake, transport
from terraform_provider_snooze.runtime._generated import grpc_controller_pb2, grpc_controller_pb2_grpc

PROVIDER = Path(sys.executable).parent / "terraform-provider-snooze"


def client_certificate_pem() -> str:
    """A certificate like the one go-plugin's host sends: ECDSA P-521, CN localhost."""
    key = ec.generate_private_key(ec.SECP521R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(hours=1))
        .sign(key, hashes.SHA512())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@dataclass
class Plugin:
    process: subprocess.Popen[str]
    line: str

    @property
    def fields(self) -> list[str]:
        return self.line.rstrip("\n").split("|")

    def channel(self) -> grpc.Channel:
        _, _, network, address, _, certificate = self.fields
        target = f"unix://{address}" if network == "unix" else address
        if not certificate:
            return grpc.insecure_channel(target)
        der = base64.b64decode(certificate + "=" * (-len(certificate) % 4))
        pem = x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
        credentials = grpc.ssl_channel_credentials(root_certificates=pem)
        return grpc.secure_channel(
            target, credentials, options=[("grpc.ssl_target_name_override", "localhost")]
        )


def start(tmp_path: Path, tls: bool = True, **env: str) -> Plugin:
    environment = {
        **os.environ,
        handshake.COOKIE_KEY: handshake.COOKIE_VALUE,
        "PLUGIN_PROTOCOL_VERSIONS": "5,6",
        "PLUGIN_UNIX_SOCKET_DIR": str(tmp_path),
        **env,
    }
    if tls:
        environment["PLUGIN_CLIENT_CERT"] = client_certificate_pem()
    process = subprocess.Popen(
        [str(PROVIDER)], env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return Plugin(process, process.stdout.readline())


@pytest.fixture
def socket_dir() -> Iterator[Path]:
    """Short: a unix socket path must fit in 107 bytes, and pytest's temporary paths are long."""
    directory = Path(tempfile.mkdtemp(prefix="tp-", dir="/tmp"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def plugin(socket_dir: Path) -> Iterator[Plugin]:
    running = start(socket_dir)
    yield running
    running.process.kill()
    running.process.wait()


def test_handshake_line_and_private_socket(plugin: Plugin, socket_dir: Path) -> None:
    core, version, network, address, protocol, certificate = plugin.fields
    assert (core, version, network, protocol) == ("1", "6", "unix", "grpc")
    socket_path = Path(address)
    assert socket_path.parent.parent == socket_dir
    assert stat.S_IMODE(socket_path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(socket_path.stat().st_mode) == 0o600
    assert len(certificate) > 50 and not certificate.endswith("=")
    der = base64.b64decode(certificate + "=" * (-len(certificate) % 4))
    names = x509.load_der_x509_certificate(der).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    assert "localhost" in names.value.get_values_for_type(x509.DNSName)


def test_tls_health_and_prompt_shutdown(plugin: Plugin) -> None:
    with plugin.channel() as channel:
        health = health_pb2_grpc.HealthStub(channel)
        answer = health.Check(health_pb2.HealthCheckRequest(service="plugin"), timeout=5)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
        started = time.monotonic()
        grpc_controller_pb2_grpc.GRPCControllerStub(channel).Shutdown(grpc_controller_pb2.Empty(), timeout=5)
    assert plugin.process.wait(timeout=5) == 0
    assert time.monotonic() - started < 1.0, "Terraform waits 2 s, then kills and logs an error"
    assert not Path(plugin.fields[3]).exists(), "the socket directory is removed"


def test_plaintext_without_client_certificate(socket_dir: Path) -> None:
    plugin = start(socket_dir, tls=False)
    try:
        assert plugin.fields[5] == ""
        with plugin.channel() as channel:
            health = health_pb2_grpc.HealthStub(channel)
            assert health.Check(health_pb2.HealthCheckRequest(service="plugin"), timeout=5).status == 1
    finally:
        plugin.process.kill()
        plugin.process.wait()


def test_sigint_is_ignored_and_sigterm_stops(plugin: Plugin) -> None:
    plugin.process.send_signal(signal.SIGINT)
    time.sleep(0.3)
    assert plugin.process.poll() is None, "Ctrl-C reaches the whole process group: Terraform handles it"
    plugin.process.send_signal(signal.SIGTERM)
    assert plugin.process.wait(timeout=5) == 0


def test_without_the_magic_cookie_it_explains_and_exits_1() -> None:
    env = {k: v for k, v in os.environ.items() if k != handshake.COOKIE_KEY}
    result = subprocess.run([str(PROVIDER)], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "This is a Terraform plugin" in result.stderr and "terraform init" in result.stderr


def test_version_needs_no_cookie() -> None:
    from terraform_provider_snooze import __version__

    result = subprocess.run([str(PROVIDER), "--version"], capture_output=True, text=True, timeout=30)
    assert result.stdout.strip() == f"terraform-provider-snooze {__version__}"


def test_logs_are_hclog_json_lines_at_the_level_terraform_asks(socket_dir: Path) -> None:
    plugin = start(socket_dir, TF_LOG="INFO", TF_LOG_PROVIDER_SNOOZE="DEBUG")
    plugin.process.send_signal(signal.SIGTERM)
    _, stderr = plugin.process.communicate(timeout=10)
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert lines, "the provider logs at DEBUG when TF_LOG_PROVIDER_SNOOZE=DEBUG"
    entry = lines[0]
    assert entry["@level"] == "debug" and entry["@module"] == "provider.terraform-provider-snooze"
    datetime.datetime.strptime(entry["@timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert len(entry["@timestamp"].split(".")[1]) == 7  # six digits and the Z go-plugin expects

    quiet = start(socket_dir, TF_LOG="WARN")
    quiet.process.send_signal(signal.SIGTERM)
    _, stderr = quiet.process.communicate(timeout=10)
    assert not [line for line in stderr.splitlines() if '"@level": "debug"' in line]


def test_protocol_negotiation() -> None:
    assert handshake.negotiate_protocol_version({"PLUGIN_PROTOCOL_VERSIONS": "5,6"}) == 6
    assert handshake.negotiate_protocol_version({"PLUGIN_PROTOCOL_VERSIONS": "6"}) == 6
    # No common version: we say ours, so that Terraform reports the mismatch itself.
    assert handshake.negotiate_protocol_version({"PLUGIN_PROTOCOL_VERSIONS": "5"}) == 6


def test_tcp_fallback_stays_within_the_port_range() -> None:
    tried: list[str] = []

    def bind(address: str) -> int:
        tried.append(address)
        return 0 if address.endswith(":12000") else int(address.rsplit(":", 1)[1])

    listener = transport.listen_tcp(bind, {"PLUGIN_MIN_PORT": "12000", "PLUGIN_MAX_PORT": "12005"})
    assert (listener.network, listener.address) == ("tcp", "127.0.0.1:12001")
    assert tried == ["127.0.0.1:12000", "127.0.0.1:12001"]
    with pytest.raises(OSError, match="no free TCP port"):
        transport.listen_tcp(lambda address: 0, {"PLUGIN_MIN_PORT": "12000", "PLUGIN_MAX_PORT": "12001"})


def test_debug_mode_prints_a_reattach_line(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [str(PROVIDER), "--debug"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        text = ""
        while "TF_REATTACH_PROVIDERS=" not in text:
            text += process.stdout.readline()
        value = text.split("TF_REATTACH_PROVIDERS='", 1)[1].split("'", 1)[0]
        config = json.loads(value)["registry.terraform.io/snoozesoftware/snooze"]
        assert config["ProtocolVersion"] == 6 and config["Pid"] == process.pid
        assert config["Addr"]["Network"] == "unix" and Path(config["Addr"]["String"]).exists()
    finally:
        process.send_signal(signal.SIGINT)  # debug mode is stopped by hand
        assert process.wait(timeout=5) == 0


def test_falls_back_to_tcp_when_the_socket_path_is_too_long(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 100)
    deep.mkdir()
    plugin = start(deep)
    try:
        _, _, network, address, _, _ = plugin.fields
        assert network == "tcp" and address.startswith("127.0.0.1:")
        with plugin.channel() as channel:
            health = health_pb2_grpc.HealthStub(channel)
            assert health.Check(health_pb2.HealthCheckRequest(service="plugin"), timeout=5).status == 1
    finally:
        plugin.process.kill()
        plugin.process.wait()

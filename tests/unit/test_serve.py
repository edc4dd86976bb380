"""The plugin process as Terraform's go-plugin host sees it: handshake, TLS, sockets, shutdown, logs.

Every test runs the real console script, with the environment Terraform gives a provider.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
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
from terraform_provider_snooze.runtime._generated import (
    grpc_broker_pb2,
    grpc_broker_pb2_grpc,
    grpc_controller_pb2,
    grpc_controller_pb2_grpc,
    grpc_stdio_pb2_grpc,
)
from terraform_provider_snooze.runtime.serve import STOP_GRACE_SECONDS, STOP_WAIT_SECONDS, stop_server

PROVIDER = Path(sys.executable).parent / "terraform-provider-snooze"
COOKIE = {"TF_PLUGIN_MAGIC_COOKIE": "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"}
SERVING = health_pb2.HealthCheckResponse.SERVING
LOG_VARIABLES = ("TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_SNOOZE", "TF_LOG_CORE")


def client_certificate_pem() -> str:
    """A certificate like the one go-plugin's host sends: ECDSA P-521, CN localhost."""
    return client_certificate_and_key()[0]


def client_certificate_and_key(curve: ec.EllipticCurve | None = None) -> tuple[str, str]:
    key = ec.generate_private_key(curve or ec.SECP521R1())
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
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA512())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), key_pem.decode()


def shutdown(channel: grpc.Channel) -> None:
    """What Terraform says at the end of every use of a provider."""
    grpc_controller_pb2_grpc.GRPCControllerStub(channel).Shutdown(grpc_controller_pb2.Empty(), timeout=5)


@dataclass
class Plugin:
    process: subprocess.Popen[str]
    line: str

    @property
    def fields(self) -> list[str]:
        return self.line.rstrip("\n").split("|")

    def channel(self, client: tuple[str, str] | None = None) -> grpc.Channel:
        """Dialled as go-plugin does: pinning the advertised certificate, for the name localhost;
        presenting `client` (certificate and key) if given."""
        _, _, network, address, _, certificate = self.fields
        target = f"unix://{address}" if network == "unix" else address
        if not certificate:
            return grpc.insecure_channel(target)
        der = base64.b64decode(certificate + "=" * (-len(certificate) % 4))
        pem = x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
        client_pem, client_key = client or (None, None)
        credentials = grpc.ssl_channel_credentials(
            root_certificates=pem,
            private_key=client_key.encode() if client_key else None,
            certificate_chain=client_pem.encode() if client_pem else None,
        )
        return grpc.secure_channel(
            target, credentials, options=[("grpc.ssl_target_name_override", "localhost")]
        )

    def health(self, channel: grpc.Channel, service: str = "plugin") -> int:
        request = health_pb2.HealthCheckRequest(service=service)
        status: int = health_pb2_grpc.HealthStub(channel).Check(request, timeout=5).status
        return status

    def stop(self) -> tuple[str, str]:
        """SIGTERM, then what the process wrote after the handshake line."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        stdout, stderr = self.process.communicate(timeout=10)
        return stdout, stderr


def terraform_environment(
    socket_dir: Path, *, tls: bool = True, env: dict[str, str] | None = None
) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key not in LOG_VARIABLES}
    environment.update(COOKIE)
    environment["TF_PLUGIN_RESIDENT"] = "0"  # cold starts here; test_resident.py covers warm ones
    environment["PLUGIN_PROTOCOL_VERSIONS"] = "5,6"
    environment["PLUGIN_UNIX_SOCKET_DIR"] = str(socket_dir)
    if tls:
        environment["PLUGIN_CLIENT_CERT"] = client_certificate_pem()
    environment.update(env or {})
    return environment


def start(
    socket_dir: Path, *, tls: bool = True, command: list[str] | None = None, env: dict[str, str] | None = None
) -> Plugin:
    process = subprocess.Popen(
        command or [str(PROVIDER)],
        env=terraform_environment(socket_dir, tls=tls, env=env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return Plugin(process, process.stdout.readline())


@pytest.fixture
def plugin(socket_dir: Path) -> Iterator[Plugin]:
    running = start(socket_dir)
    yield running
    if running.process.poll() is None:
        running.process.kill()
    running.process.communicate()


def test_handshake_line_and_private_socket(plugin: Plugin, socket_dir: Path) -> None:
    core, version, network, address, protocol, certificate = plugin.fields
    assert (core, version, network, protocol) == ("1", "6", "unix", "grpc")
    socket_path = Path(address)
    assert socket_path.is_absolute() and socket_path.parent.parent == socket_dir
    assert stat.S_IMODE(socket_path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(socket_path.stat().st_mode) == 0o600
    assert len(certificate) > 50 and not certificate.endswith("=")
    der = base64.b64decode(certificate + "=" * (-len(certificate) % 4), validate=True)
    names = x509.load_der_x509_certificate(der).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    assert "localhost" in names.value.get_values_for_type(x509.DNSName)


def test_tls_without_client_auth_and_both_health_names(plugin: Plugin) -> None:
    """Our P-521 client certificate is not asked for: grpcio could not verify it."""
    with plugin.channel() as channel:
        assert plugin.health(channel, "plugin") == SERVING
        assert plugin.health(channel, "") == SERVING


def test_a_plaintext_client_cannot_talk_to_the_tls_server(plugin: Plugin) -> None:
    with grpc.insecure_channel(f"unix://{plugin.fields[3]}") as channel, pytest.raises(grpc.RpcError):
        plugin.health(channel)


def test_plaintext_without_client_certificate(socket_dir: Path) -> None:
    plugin = start(socket_dir, tls=False)
    try:
        assert plugin.fields[:3] == ["1", "6", "unix"] and plugin.fields[5] == ""
        with plugin.channel() as channel:
            assert plugin.health(channel) == SERVING
    finally:
        plugin.stop()


def test_shutdown_ends_the_process_at_once_with_terraforms_streams_open(plugin: Plugin) -> None:
    """Terraform keeps the stdio and broker streams open; it kills a provider still alive 2 s after Shutdown."""
    done = threading.Event()

    def broker_requests() -> Iterator[grpc_broker_pb2.ConnInfo]:
        yield grpc_broker_pb2.ConnInfo()
        done.wait(10)  # like Terraform, never half-closes its side first

    with plugin.channel() as channel:
        stdio = grpc_stdio_pb2_grpc.GRPCStdioStub(channel).StreamStdio(grpc_controller_pb2.Empty())
        broker = grpc_broker_pb2_grpc.GRPCBrokerStub(channel).StartStream(broker_requests())
        assert plugin.health(channel) == SERVING
        time.sleep(0.2)  # both streams are open in the server
        started = time.monotonic()
        grpc_controller_pb2_grpc.GRPCControllerStub(channel).Shutdown(grpc_controller_pb2.Empty(), timeout=5)
        assert plugin.process.wait(timeout=5) == 0
        elapsed = time.monotonic() - started
        assert list(stdio) == [], "stdio forwards nothing: our output is on stderr"
        assert list(broker) == []
        done.set()
    assert elapsed < 0.4, f"exited {elapsed:.2f} s after Shutdown"
    assert not Path(plugin.fields[3]).parent.exists(), "the socket directory is removed"


class _StuckShutdown:
    """What grpc's server.stop() returns when a call never finishes: an event nobody sets."""

    def __init__(self) -> None:
        self.timeouts: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.timeouts.append(timeout)
        return False


class _StuckServer:
    def __init__(self) -> None:
        self.graces: list[float | None] = []
        self.shutdown = _StuckShutdown()

    def stop(self, grace: float | None) -> _StuckShutdown:
        self.graces.append(grace)
        return self.shutdown


def test_a_server_that_never_finishes_stopping_is_left_in_time_for_terraform() -> None:
    """Terraform kills a provider still alive 2 s after Shutdown: the wait for grpc is bounded."""
    server = _StuckServer()
    stop_server(server)
    assert server.graces == [STOP_GRACE_SECONDS]
    assert server.shutdown.timeouts == [STOP_WAIT_SECONDS]
    assert STOP_GRACE_SECONDS <= STOP_WAIT_SECONDS < 2


def test_sigint_is_ignored_and_sigterm_stops(plugin: Plugin) -> None:
    plugin.process.send_signal(signal.SIGINT)
    time.sleep(0.3)
    assert plugin.process.poll() is None, "Ctrl-C reaches the whole process group: Terraform handles it"
    with plugin.channel() as channel:
        assert plugin.health(channel) == SERVING
    plugin.process.send_signal(signal.SIGTERM)
    assert plugin.process.wait(timeout=5) == 0
    assert not Path(plugin.fields[3]).parent.exists()


@pytest.mark.parametrize("tf_log", ["", "DEBUG"], ids=["quiet", "logging-into-the-same-pipe"])
def test_started_as_pipe_into_head_it_stops_when_head_exits(socket_dir: Path, tf_log: str) -> None:
    """`terraform-provider-snooze 2>&1 | head -1`: once nobody reads its stdout (Terraform died,
    or head exited after the first line), the provider stops by itself, cleanly."""
    environment = terraform_environment(socket_dir, env={"TF_LOG": tf_log})
    process = subprocess.Popen(
        [str(PROVIDER)],
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    head = subprocess.Popen(["head", "-1"], stdin=process.stdout, stdout=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.close()  # head is the only reader
    line, _ = head.communicate(timeout=30)
    if tf_log:  # head took a log line and left: the handshake line (likely) finds nobody to read it
        assert json.loads(line)["@level"] == "debug"
        assert process.wait(timeout=10) in (0, 1)
    else:
        assert line.startswith(b"1|6|unix|")
        assert process.wait(timeout=10) == 0
        assert not Path(line.decode().split("|")[3]).parent.exists(), "it removed its socket directory"


def test_sigterm_stops_it_while_its_stdout_is_still_read(socket_dir: Path) -> None:
    """The reader (like `| sleep`) stays: only SIGTERM can stop it, and does, at once."""
    plugin = start(socket_dir)
    time.sleep(0.3)
    assert plugin.process.poll() is None, "its reader is alive: it keeps serving"
    plugin.process.send_signal(signal.SIGTERM)
    assert plugin.process.wait(timeout=5) == 0


def test_without_the_magic_cookie_it_explains_and_exits_1() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TF_PLUGIN_MAGIC_COOKIE"}
    result = subprocess.run([str(PROVIDER)], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Terraform plugin" in result.stderr and "terraform init" in result.stderr
    wrong = subprocess.run(
        [str(PROVIDER)],
        env={**env, "TF_PLUGIN_MAGIC_COOKIE": "x"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert wrong.returncode == 1


def test_serve_itself_refuses_without_the_cookie(socket_dir: Path) -> None:
    """Any provider built on the runtime, not only this console script."""
    env = {k: v for k, v in terraform_environment(socket_dir).items() if k != "TF_PLUGIN_MAGIC_COOKIE"}
    script = "import sys; from terraform_provider_snooze.runtime.serve import serve; sys.exit(serve(lambda s: None, provider_address='registry.terraform.io/test/none'))"
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=30
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert "terraform init" in result.stderr
    assert list(socket_dir.iterdir()) == []


def test_version_needs_no_cookie() -> None:
    from terraform_provider_snooze import __version__

    env = {k: v for k, v in os.environ.items() if k != "TF_PLUGIN_MAGIC_COOKIE"}
    result = subprocess.run([str(PROVIDER), "--version"], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    assert result.stdout.strip() == f"terraform-provider-snooze {__version__}"


def test_nothing_but_the_handshake_line_reaches_stdout(socket_dir: Path) -> None:
    """Prints and C-level writes, before the line and after it, all go to stderr."""
    script = textwrap.dedent(
        """
        import os, sys
        from terraform_provider_snooze.runtime.serve import serve

        def register(server):
            print("stray print before the handshake")
            os.write(1, b"stray write before the handshake\\n")
            import threading
            threading.Timer(0.2, lambda: print("stray print after the handshake", flush=True)).start()

        sys.exit(serve(register, provider_address="registry.terraform.io/test/noisy"))
        """
    )
    plugin = start(socket_dir, command=[sys.executable, "-c", script])
    time.sleep(0.5)
    stdout, stderr = plugin.stop()
    assert plugin.fields[:3] == ["1", "6", "unix"], plugin.line
    assert stdout == ""
    assert "stray print before" in stderr and "stray write before" in stderr and "stray print after" in stderr


def test_logs_are_hclog_json_lines_at_the_level_terraform_asks(socket_dir: Path) -> None:
    plugin = start(socket_dir, env={"TF_LOG": "INFO", "TF_LOG_PROVIDER_SNOOZE": "DEBUG"})
    _, stderr = plugin.stop()
    entries = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert [entry["@message"] for entry in entries] == [
        "Starting cold: the resident server is switched off (TF_PLUGIN_RESIDENT)",
        "Serving",
        "Shutting down",
    ]
    assert entries[0]["@level"] == "debug"
    serving = entries[1]
    assert serving["@level"] == "debug" and serving["@module"] == "provider.terraform-provider-snooze"
    assert serving["network"] == "unix" and serving["tls"] is True
    timestamp = serving["@timestamp"]
    assert len(timestamp.split(".")[1]) == len("123456Z"), "go-plugin's layout has six fractional digits"
    datetime.datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.mark.parametrize(
    "env",
    [{}, {"TF_LOG": "INFO"}, {"TF_LOG": "TRACE", "TF_LOG_PROVIDER_SNOOZE": "OFF"}],
    ids=["unset", "above-debug", "provider-off"],
)
def test_no_log_lines_below_the_level(socket_dir: Path, env: dict[str, str]) -> None:
    _, stderr = start(socket_dir, env=env).stop()
    assert not [line for line in stderr.splitlines() if line.startswith("{")]


def test_a_deep_plugin_unix_socket_dir_still_gets_a_unix_socket(socket_dir: Path) -> None:
    """Too deep for sun_path, it once made the provider fall back to TCP, open to any local user."""
    deep = socket_dir / ("d" * 100)
    deep.mkdir()
    plugin = start(deep)
    try:
        assert plugin.fields[2] == "unix", plugin.line
        assert stat.S_IMODE(Path(plugin.fields[3]).parent.stat().st_mode) == 0o700
        with plugin.channel() as channel:
            assert plugin.health(channel) == SERVING
    finally:
        plugin.stop()


def read_reattach(process: subprocess.Popen[str]) -> dict[str, object]:
    assert process.stdout is not None
    text = ""
    while "TF_REATTACH_PROVIDERS=" not in text:
        line = process.stdout.readline()
        assert line, "the debug message ended without TF_REATTACH_PROVIDERS"
        text += line
    value = text.split("TF_REATTACH_PROVIDERS='", 1)[1].split("'", 1)[0]
    config: dict[str, object] = json.loads(value)["registry.terraform.io/snoozesoftware/snooze"]
    return config


def test_debug_mode_prints_a_reattach_line_and_serves_plaintext_until_ctrl_c(socket_dir: Path) -> None:
    env = {k: v for k, v in terraform_environment(socket_dir).items() if k != "TF_PLUGIN_MAGIC_COOKIE"}
    process = subprocess.Popen(
        [str(PROVIDER), "--debug"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        config = read_reattach(process)
        assert config["Protocol"] == "grpc" and config["ProtocolVersion"] == 6
        assert config["Pid"] == process.pid and config["Test"] is True
        address = config["Addr"]
        assert isinstance(address, dict) and address["Network"] == "unix"
        with grpc.insecure_channel(f"unix://{address['String']}") as channel:
            request = health_pb2.HealthCheckRequest(service="plugin")
            assert health_pb2_grpc.HealthStub(channel).Check(request, timeout=5).status == SERVING
            # Each terraform command that attaches says Shutdown when it is done.
            grpc_controller_pb2_grpc.GRPCControllerStub(channel).Shutdown(
                grpc_controller_pb2.Empty(), timeout=5
            )
        time.sleep(0.3)
        assert process.poll() is None, "a provider being debugged outlives the terraform commands"
    finally:
        process.send_signal(signal.SIGINT)  # debug mode is stopped by hand
        assert process.wait(timeout=5) == 0
    assert not Path(str(address["String"])).parent.exists()


def test_debug_mode_stops_on_sigterm(socket_dir: Path) -> None:
    process = subprocess.Popen(
        [str(PROVIDER), "--debug"],
        env=terraform_environment(socket_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        read_reattach(process)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0

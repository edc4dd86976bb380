"""The handshake as go-plugin's host reads it: cookie, version, the stdout line, reattach, certificate."""

from __future__ import annotations

import base64
import datetime
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from terraform_provider_snooze.runtime import handshake
from terraform_provider_snooze.runtime.tls import generate_server_certificate

TERRAFORM_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"


def test_the_cookie_is_terraforms() -> None:
    assert handshake.cookie_present({"TF_PLUGIN_MAGIC_COOKIE": TERRAFORM_COOKIE})
    assert not handshake.cookie_present({})
    assert not handshake.cookie_present({"TF_PLUGIN_MAGIC_COOKIE": "test_cookie_value"})
    assert not handshake.cookie_present({"PLUGIN_MAGIC_COOKIE": TERRAFORM_COOKIE})


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [
        ("5,6", 6),
        ("6,5", 6),  # Terraform builds the list from a Go map: any order
        ("6", 6),
        ("4,6,7", 6),
        (" 5, 6 ", 6),
        ("x,6", 6),  # go-plugin skips what is not a number
        # Nothing in common, or no list: we name our own and Terraform reports the mismatch.
        ("5", 6),
        ("", 6),
        (None, 6),
    ],
)
def test_protocol_negotiation(offered: str | None, chosen: int) -> None:
    environ = {} if offered is None else {"PLUGIN_PROTOCOL_VERSIONS": offered}
    assert handshake.negotiate_protocol_version(environ) == chosen


def test_handshake_line() -> None:
    assert (
        handshake.handshake_line(6, "unix", "/tmp/d/plugin.sock", "QUJD")
        == "1|6|unix|/tmp/d/plugin.sock|grpc|QUJD\n"
    )
    assert handshake.handshake_line(6, "tcp", "127.0.0.1:10000", "") == "1|6|tcp|127.0.0.1:10000|grpc|\n"


def test_reattach_line_is_terraforms_json() -> None:
    line = handshake.reattach_line("registry.terraform.io/snoozesoftware/snooze", 6, "unix", "/tmp/s", 42)
    assert json.loads(line) == {
        "registry.terraform.io/snoozesoftware/snooze": {
            "Protocol": "grpc",
            "ProtocolVersion": 6,
            "Pid": 42,
            "Test": True,
            "Addr": {"Network": "unix", "String": "/tmp/s"},
        }
    }
    assert "'" not in line, "the line is pasted inside single quotes"
    assert line in handshake.debug_message(line)


def test_server_certificate_is_what_go_plugin_verifies() -> None:
    certificate = generate_server_certificate()
    field = certificate.handshake_field
    assert len(field) > 50, "go-plugin ignores a field of 50 characters or fewer"
    assert "=" not in field and "\n" not in field and "-" not in field
    der = base64.b64decode(field + "=" * (-len(field) % 4), validate=True)
    assert der == certificate.certificate_der
    parsed = x509.load_der_x509_certificate(der)
    assert x509.load_pem_x509_certificate(certificate.certificate_pem) == parsed

    key = parsed.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    assert parsed.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "localhost"
    names = parsed.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    now = datetime.datetime.now(datetime.UTC)
    assert parsed.not_valid_before_utc <= now < parsed.not_valid_after_utc
    assert parsed.not_valid_after_utc - now <= datetime.timedelta(days=1)


def test_every_start_has_its_own_certificate() -> None:
    assert generate_server_certificate().certificate_der != generate_server_certificate().certificate_der

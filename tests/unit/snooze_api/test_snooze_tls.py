"""TLS only where a bootstrap URL asks for it: Snooze's own nodes speak plain HTTP, and loading
the CA bundle costs each provider process about 30 ms of CPU."""

from __future__ import annotations

import ssl
from typing import Any

import pytest
from terraform_provider_snooze.snooze_api import SnoozeClient


@pytest.fixture
def ca_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every load of a CA store, by any SSL context."""
    loads: list[str] = []
    original = ssl.SSLContext.load_verify_locations

    def load_verify_locations(self: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        loads.append(str(args or kwargs))
        original(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", load_verify_locations)
    return loads


def test_plain_http_bootstraps_load_no_ca_store(ca_loads: list[str]) -> None:
    with SnoozeClient(["http://10.0.0.1:5000", "http://10.0.0.2:5000"]):
        pass
    assert ca_loads == []


def test_an_https_bootstrap_is_verified_against_the_ca_bundle(ca_loads: list[str]) -> None:
    with SnoozeClient(["http://10.0.0.1:5000", "HTTPS://snooze.example:443"]):
        pass
    assert len(ca_loads) == 1


def test_without_tls_no_server_would_be_trusted() -> None:
    with SnoozeClient(["http://10.0.0.1:5000"]) as client:
        context = client._http._transport._pool._ssl_context  # type: ignore[attr-defined]
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0

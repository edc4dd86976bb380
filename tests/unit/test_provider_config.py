"""The provider block: bootstrap URLs checked and parted from their credentials, and a
configuration known only after apply never crashing configure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from terraform_provider_snooze.bootstrap_urls import (
    BootstrapAuth,
    check_bootstrap_urls,
    redact,
    without_credentials,
)
from terraform_provider_snooze.provider import SnoozeProvider
from terraform_provider_snooze.runtime import cty
from terraform_provider_snooze.runtime.cty.path import AttributePath
from terraform_provider_snooze.runtime.diagnostics import Diagnostics
from terraform_provider_snooze.runtime.interfaces import ConfigureRequest
from terraform_provider_snooze.session import SnoozeSession
from terraform_provider_snooze.snooze_api import SnoozeClient, SnoozeUnreachableError

SECRET = "s3cr3t-pw"
URLS = AttributePath.root("bootstrap_urls")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"http://user:{SECRET}@10.0.0.1:5000", "http://***@10.0.0.1:5000"),
        (f"https://{SECRET}@snooze.example/api", "https://***@snooze.example/api"),
        (f"http://a:b@c:{SECRET}@host:5000", "http://***@host:5000"),
        ("http://10.0.0.1:5000", "http://10.0.0.1:5000"),
    ],
)
def test_redact_hides_every_credential(url: str, shown: str) -> None:
    assert redact(url) == shown


# (bootstrap_urls, the diagnostic's path or None when valid, part of its detail)
URL_CASES: list[tuple[list[Any], AttributePath | None, str]] = [
    (["http://10.0.0.1:5000", "https://[::1]:5000/snooze"], None, ""),
    ([cty.UNKNOWN, "http://10.0.0.1:5000"], None, ""),
    ([], URLS, "Give at least one bootstrap URL"),
    (
        [f"ftp://user:{SECRET}@host"],
        URLS.index(0),
        'bootstrap_urls[0] = "ftp://***@host" is not an http(s) URL',
    ),
    (["http://ok:5000", "10.0.0.1:5000"], URLS.index(1), "is not an http(s) URL with a host"),
    ([f"http://user:{SECRET}@host:99999"], URLS.index(0), '"http://***@host:99999" has an invalid port'),
    (["http://host:5000/?x=1"], URLS.index(0), "has a query or a fragment"),
    (["http://host:5000#top"], URLS.index(0), "has a query or a fragment"),
    ([None], URLS.index(0), "bootstrap_urls[0] is null"),
]


@pytest.mark.parametrize(("urls", "path", "detail"), URL_CASES)
def test_bootstrap_urls_are_checked_without_showing_credentials(
    urls: list[Any], path: AttributePath | None, detail: str
) -> None:
    diagnostics = Diagnostics()
    check_bootstrap_urls(urls, URLS, diagnostics)
    if path is None:
        assert list(diagnostics) == []
        return
    (diagnostic,) = diagnostics
    assert diagnostic.path == path and detail in diagnostic.detail
    assert SECRET not in diagnostic.detail


def test_credentials_leave_the_url_and_go_to_that_host_and_port_alone() -> None:
    bare, auth = without_credentials([f"http://us%40er:{SECRET}@10.0.0.1:5000", "http://10.0.0.9:5000"])
    assert bare == ["http://10.0.0.1:5000", "http://10.0.0.9:5000"]
    assert auth is not None and SECRET not in repr(auth)
    seen: dict[str, str | None] = {}

    def snooze(request: httpx.Request) -> httpx.Response:
        seen[f"{request.url.host}:{request.url.port}"] = request.headers.get("Authorization")
        if request.url.query == b"getGroupLeaderDescription":
            leader = {
                "id": "gl",
                "listenSettings": {"controlDataAddress": {"address": "10.0.0.1", "port": 5001}},
            }
            return httpx.Response(200, json=leader)
        if request.url.port == 5000:
            return httpx.Response(204)  # the bootstrap keeps no host list: the leader is asked
        return httpx.Response(200, json={"localControllers": []})

    with SnoozeClient(bare, transport=httpx.MockTransport(snooze), auth=auth) as client:
        client.local_controllers()
    # httpx would have sent "us@er:<secret>" from the URL; the group leader (another port) gets nothing.
    assert seen == {"10.0.0.1:5000": "Basic dXNAZXI6czNjcjN0LXB3", "10.0.0.1:5001": None}


def test_a_url_without_credentials_needs_no_auth() -> None:
    assert without_credentials(["http://10.0.0.1:5000"]) == (["http://10.0.0.1:5000"], None)
    bare, auth = without_credentials(["http://@10.0.0.1:5000"])
    assert (bare, auth) == (["http://10.0.0.1:5000"], None)


def test_errors_about_an_unreachable_bootstrap_show_no_credentials() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    bare, auth = without_credentials([f"http://user:{SECRET}@10.0.0.1:5000"])
    with (
        SnoozeClient(bare, transport=httpx.MockTransport(refuse), auth=auth) as client,
        pytest.raises(SnoozeUnreachableError) as raised,
    ):
        client.group_leader()
    assert "http://10.0.0.1:5000" in str(raised.value) and SECRET not in str(raised.value)


def configure(**config: Any) -> tuple[Any, Diagnostics]:
    request = ConfigureRequest(
        config={"bootstrap_urls": None, "request_timeout": None, "poll_interval": None, **config},
        terraform_version="1.15.5",
    )
    return SnoozeProvider().configure(request), request.diagnostics


@pytest.fixture
def no_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("SNOOZE_BOOTSTRAP_URLS", raising=False)
    yield


@pytest.mark.usefixtures("no_environment")
@pytest.mark.parametrize(
    "config",
    [
        {"bootstrap_urls": cty.UNKNOWN},
        {"bootstrap_urls": ["http://10.0.0.1:5000", cty.UNKNOWN]},
        {"request_timeout": cty.UNKNOWN},
        {"poll_interval": cty.UNKNOWN, "bootstrap_urls": ["http://10.0.0.1:5000"]},
    ],
)
def test_configure_waits_for_settings_known_only_after_apply(config: dict[str, Any]) -> None:
    session, diagnostics = configure(**config)
    assert session is None and list(diagnostics) == []


@pytest.mark.usefixtures("no_environment")
def test_configure_connects_with_the_settings_and_no_credentials_in_urls() -> None:
    session, diagnostics = configure(
        bootstrap_urls=[f"http://user:{SECRET}@10.0.0.1:5000"], request_timeout="5s", poll_interval="200ms"
    )
    assert list(diagnostics) == []
    assert isinstance(session, SnoozeSession)
    assert (
        session.client._discovery.bootstrap_urls == ["http://10.0.0.1:5000"] and session.poll_interval == 0.2
    )
    session.client.close()


@pytest.mark.usefixtures("no_environment")
def test_configure_refuses_a_duration_that_slipped_past_validation() -> None:
    session, diagnostics = configure(request_timeout="99999999999h")
    assert session is None
    assert [d.summary for d in diagnostics] == ["Duration too long"]


def test_bootstrap_urls_from_the_environment_are_checked_and_redacted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SNOOZE_BOOTSTRAP_URLS", f"http://10.0.0.1:5000, ftp://user:{SECRET}@host")
    session, diagnostics = configure()
    assert session is None
    (diagnostic,) = diagnostics
    assert 'SNOOZE_BOOTSTRAP_URLS holds "ftp://***@host", which is not an http(s) URL' in diagnostic.detail
    assert SECRET not in diagnostic.detail


def test_bootstrap_auth_keeps_an_authorization_the_request_already_has() -> None:
    auth = BootstrapAuth({("http", "h", 80): "Basic xyz"})
    request = httpx.Request("GET", "http://h/bootstrap", headers={"Authorization": "Bearer t"})
    assert auth(request).headers["Authorization"] == "Bearer t"
    assert auth(httpx.Request("GET", "http://h:80/x")).headers["Authorization"] == "Basic xyz"
    assert "Authorization" not in auth(httpx.Request("GET", "https://h/x")).headers

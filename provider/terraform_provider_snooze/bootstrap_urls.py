"""Bootstrap URLs as users write them: checked, and parted from the credentials they may carry.

A URL may carry credentials for a proxy in front of Snooze (`http://user:secret@host:5000`).
They are taken out before the Snooze client sees the URL and handed to the HTTP layer alone,
which sends them to that URL's host and port only, as httpx did with them in the URL. So no
message, error or log line (httpx's own included) can show them; a message about the URL as the
user wrote it shows `***` in their place.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from .runtime import cty
from .runtime.cty.path import AttributePath
from .runtime.diagnostics import Diagnostics

if TYPE_CHECKING:
    import httpx

__all__ = ["BootstrapAuth", "check_bootstrap_urls", "redact", "url_problem", "without_credentials"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
Origin = tuple[str, str, int]


def redact(url: str) -> str:
    """`url` with any user name and password replaced by `***`."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]))


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a bootstrap URL (a phrase that follows the URL), or None when it can."""
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return 'is not an http(s) URL with a host, like "http://10.0.0.1:5000"'
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError:
        return "has an invalid port: give a number from 1 to 65535"
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return "has a query or a fragment: give the node's base URL, the provider adds the rest"
    return None


def check_bootstrap_urls(value: Any, path: AttributePath, diagnostics: Diagnostics) -> None:
    """A validator (schema.Validator) for the provider's bootstrap_urls."""
    if not value:
        diagnostics.error(
            "No bootstrap URL", 'Give at least one bootstrap URL, like "http://10.0.0.1:5000".', path
        )
    for index, url in enumerate(value):
        if url is cty.UNKNOWN:
            continue
        here = path.index(index)
        if url is None:
            diagnostics.error("Invalid bootstrap URL", f"{here} is null: give a URL or leave it out.", here)
            continue
        problem = url_problem(url)
        if problem is not None:
            diagnostics.error("Invalid bootstrap URL", f'{here} = "{redact(url)}" {problem}.', here)


def without_credentials(urls: Sequence[str]) -> tuple[list[str], BootstrapAuth | None]:
    """The URLs stripped of credentials, and what sends those credentials (None when none has any)."""
    bare, headers = [], {}
    for url in urls:
        parts = urlsplit(url)
        if "@" in parts.netloc:
            bare.append(urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2])))
            if parts.username or parts.password:
                headers[_origin(parts)] = _basic(unquote(parts.username or ""), unquote(parts.password or ""))
        else:
            bare.append(url)
    return bare, BootstrapAuth(headers) if headers else None


class BootstrapAuth:
    """An httpx auth callable: HTTP basic credentials for each bootstrap's host and port alone."""

    def __init__(self, headers: Mapping[Origin, str]) -> None:
        self._headers = dict(headers)

    def __call__(self, request: httpx.Request) -> httpx.Request:
        url = request.url
        header = self._headers.get((url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme, 0)))
        if header is not None and "Authorization" not in request.headers:
            request.headers["Authorization"] = header
        return request

    def __repr__(self) -> str:
        return f"BootstrapAuth({len(self._headers)} origin(s), credentials hidden)"


def _origin(parts: SplitResult) -> Origin:
    return (parts.scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS[parts.scheme])


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")

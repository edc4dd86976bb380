"""Request bodies read as a strict HTTP/1.1 server does (RFC 9112 section 6-7), for the Snooze ports
and the control API alike.

A framing the server cannot trust (a Content-Length that is not a non-negative decimal, several that
disagree, a chunk size that is not hexadecimal, a chunk without its CRLF, a body cut short) is a 400,
and the connection is closed after the answer: what follows cannot be told apart from the body.
A body above the limit is a 413.
"""

from __future__ import annotations

import re
from email.message import Message
from io import BufferedIOBase

__all__ = ["BodyError", "read_body"]

_DECIMAL = re.compile(rb"[0-9]+")
_HEX = re.compile(rb"[0-9A-Fa-f]+")
_LINE_LIMIT = 4096  # a chunk-size line or a trailer


class BodyError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def read_body(headers: Message, stream: BufferedIOBase, limit: int) -> bytes:
    """The request body, or BodyError(400 or 413)."""
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        return _read_chunked(stream, limit)
    length = _content_length(headers)
    if length > limit:
        raise BodyError(413, f"request body of {length} bytes, more than {limit}")
    body = stream.read(length) if length else b""
    if len(body) != length:
        raise BodyError(400, f"request body cut short: {len(body)} of {length} bytes")
    return body


def _content_length(headers: Message) -> int:
    values = {value.strip() for value in headers.get_all("Content-Length") or []}
    if not values:
        return 0
    if len(values) > 1:
        raise BodyError(400, "Content-Length given several times with different values")
    (value,) = values
    if not _DECIMAL.fullmatch(value.encode("latin-1", "replace")):
        raise BodyError(400, f"Content-Length {value[:40]!r} is not a non-negative decimal number")
    return int(value) if len(value) <= 18 else 10**18  # beyond any limit, without parsing it all


def _read_chunked(stream: BufferedIOBase, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while length := _chunk_size(stream):
        size += length
        if size > limit:
            raise BodyError(413, f"chunked request body of more than {limit} bytes")
        chunk = stream.read(length)
        if len(chunk) != length or stream.readline(_LINE_LIMIT) not in (b"\r\n", b"\n"):
            raise BodyError(400, "chunk cut short or not followed by CRLF")
        chunks.append(chunk)
    _skip_trailers(stream)
    return b"".join(chunks)


def _chunk_size(stream: BufferedIOBase) -> int:
    line = stream.readline(_LINE_LIMIT)
    digits = line.split(b";", 1)[0].strip()
    if not line.endswith(b"\n") or not _HEX.fullmatch(digits):
        raise BodyError(400, f"chunk size {digits[:40]!r} is not hexadecimal")
    return int(digits, 16) if len(digits) <= 15 else 16**15


def _skip_trailers(stream: BufferedIOBase) -> None:
    while (line := stream.readline(_LINE_LIMIT)) not in (b"\r\n", b"\n"):
        if not line.endswith(b"\n"):
            raise BodyError(400, "chunked body without its final CRLF")

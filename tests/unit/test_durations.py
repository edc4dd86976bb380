"""Durations: Go's syntax and range, and the range each attribute accepts."""

from __future__ import annotations

import pytest
from terraform_provider_snooze.provider import POLL_INTERVAL, REQUEST_TIMEOUT
from terraform_provider_snooze.runtime.cty.path import AttributePath
from terraform_provider_snooze.runtime.diagnostics import Diagnostics
from terraform_provider_snooze.runtime.durations import DurationRange, parse_duration, timeout_seconds
from terraform_provider_snooze.virtual_cluster.schema import TIMEOUT_DEFAULTS


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0", 0.0),
        ("1h30m", 5400.0),
        ("500ms", 0.5),
        ("1.5s", 1.5),
        ("-2m", -120.0),
        ("2562047h", 9223369200.0),
    ],
)
def test_parse_duration_reads_go_syntax(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text", ["", "5", "1d", "1h 30m", "abc", "99999999999h", "2562048h", "-99999999999h"]
)
def test_parse_duration_refuses_what_go_refuses(text: str) -> None:
    """Go's time.Duration ends at 2^63-1 ns (about 2562047 h): beyond is an invalid duration."""
    with pytest.raises(ValueError, match=r"time: invalid duration"):
        parse_duration(text)


# (range, value, summary or None when accepted, part of the detail)
ALLOWED = DurationRange(minimum="1s", maximum="24h", default="10m")
CASES = [
    (ALLOWED, "1s", None, ""),
    (ALLOWED, "24h", None, ""),
    (ALLOWED, "999ms", "Duration too short", 'timeouts.create is "999ms", shorter than allowed (from "1s"'),
    (ALLOWED, "0s", "Duration too short", "shorter than allowed"),
    (ALLOWED, "-5m", "Duration too short", "shorter than allowed"),
    (ALLOWED, "24h1s", "Duration too long", 'longer than allowed (from "1s" to "24h")'),
    (ALLOWED, "99999999999h", "Duration too long", 'timeouts.create is "99999999999h", longer than allowed'),
    (ALLOWED, "ten minutes", "Invalid duration", "not a duration: use a number and a unit"),
    (ALLOWED, "", "Invalid duration", 'timeouts.create is "", which is not a duration'),
]


@pytest.mark.parametrize(("allowed", "value", "summary", "detail"), CASES)
def test_a_range_refuses_what_lies_outside_it(
    allowed: DurationRange, value: str, summary: str | None, detail: str
) -> None:
    diagnostics = Diagnostics()
    path = AttributePath.root("timeouts").attr("create")
    allowed.validate(value, path, diagnostics)
    if summary is None:
        assert list(diagnostics) == []
        return
    (diagnostic,) = diagnostics
    assert (diagnostic.summary, diagnostic.path) == (summary, path)
    assert detail in diagnostic.detail


def test_every_duration_attribute_has_a_range_with_its_default_inside() -> None:
    ranges = {"request_timeout": REQUEST_TIMEOUT, "poll_interval": POLL_INTERVAL, **TIMEOUT_DEFAULTS}
    assert {name: (r.minimum, r.maximum, r.default) for name, r in ranges.items()} == {
        "request_timeout": ("1s", "10m", "30s"),
        "poll_interval": ("100ms", "30s", "1s"),
        "create": ("1s", "24h", "10m"),
        "update": ("1s", "24h", "10m"),
        "delete": ("1s", "24h", "5m"),
        "shutdown": ("1s", "1h", "1m"),
    }
    with pytest.raises(ValueError, match="outside"):
        DurationRange(minimum="1s", maximum="1m", default="2m")


def test_timeout_seconds_uses_the_configured_value_or_the_default() -> None:
    assert timeout_seconds({"timeouts": {"create": "2m"}}, "create", TIMEOUT_DEFAULTS) == 120.0
    assert timeout_seconds({"timeouts": None}, "delete", TIMEOUT_DEFAULTS) == 300.0
    assert timeout_seconds(None, "update", TIMEOUT_DEFAULTS) == 600.0

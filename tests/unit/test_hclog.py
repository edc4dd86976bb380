"""Log lines go-plugin files under their level, and the TF_LOG* variables that choose it."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Iterator

import pytest
from terraform_provider_snooze.runtime import hclog

# go-plugin parses @timestamp with the layout 2006-01-02T15:04:05.000000Z07:00.
GO_PLUGIN_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$")


@pytest.mark.parametrize(
    ("environ", "level"),
    [
        ({}, hclog.OFF),
        ({"TF_LOG": "DEBUG"}, logging.DEBUG),
        ({"TF_LOG": "debug"}, logging.DEBUG),
        ({"TF_LOG": "JSON"}, hclog.TRACE),
        ({"TF_LOG": "WARN"}, logging.WARNING),
        ({"TF_LOG": "OFF"}, hclog.OFF),
        ({"TF_LOG": "loud"}, hclog.TRACE),  # Terraform too takes an unknown word as TRACE
        ({"TF_LOG": "INFO", "TF_LOG_PROVIDER": "ERROR"}, logging.ERROR),
        ({"TF_LOG": "INFO", "TF_LOG_PROVIDER": "ERROR", "TF_LOG_PROVIDER_SNOOZE": "TRACE"}, hclog.TRACE),
        ({"TF_LOG": "TRACE", "TF_LOG_PROVIDER_SNOOZE": "OFF"}, hclog.OFF),
        ({"TF_LOG_PROVIDER_OTHER": "TRACE"}, hclog.OFF),
        ({"TF_LOG_CORE": "TRACE"}, hclog.OFF),
    ],
)
def test_most_specific_variable_wins(environ: dict[str, str], level: int) -> None:
    assert hclog.level_from_environment("snooze", environ) == level


def test_provider_type_names_the_variable() -> None:
    assert hclog.provider_type("registry.terraform.io/snoozesoftware/snooze") == "snooze"
    assert hclog.level_from_environment("my-cloud", {"TF_LOG_PROVIDER_MY_CLOUD": "INFO"}) == logging.INFO


def test_a_record_is_one_hclog_json_line() -> None:
    formatter = hclog.HclogFormatter("provider.terraform-provider-snooze")
    record = logging.makeLogRecord(
        {"name": "x", "levelno": logging.WARNING, "msg": "two\nlines %s", "args": ("here",), "vm_id": "vm-1"}
    )
    line = formatter.format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["@level"] == "warn"
    assert entry["@message"] == "two\nlines here"
    assert entry["@module"] == "provider.terraform-provider-snooze"
    assert GO_PLUGIN_TIMESTAMP.match(entry["@timestamp"]), entry["@timestamp"]
    assert entry["vm_id"] == "vm-1"


@pytest.mark.parametrize(
    ("levelno", "name"),
    [
        (hclog.TRACE, "trace"),
        (logging.DEBUG, "debug"),
        (logging.INFO, "info"),
        (25, "info"),
        (logging.WARNING, "warn"),
        (logging.ERROR, "error"),
        (logging.CRITICAL, "error"),
    ],
)
def test_levels_are_hclogs(levelno: int, name: str) -> None:
    record = logging.makeLogRecord({"levelno": levelno, "msg": "m"})
    assert json.loads(hclog.HclogFormatter("m").format(record))["@level"] == name


def test_exceptions_become_an_error_field() -> None:
    try:
        raise ValueError("bad")
    except ValueError:
        record = logging.makeLogRecord({"levelno": logging.ERROR, "msg": "failed"})
        record.exc_info = sys.exc_info()
    entry = json.loads(hclog.HclogFormatter("m").format(record))
    assert "ValueError: bad" in entry["error"]


@pytest.fixture
def restored_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restored_root_logger")
def test_configure_filters_every_logger_at_the_chosen_level(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_SNOOZE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("TF_LOG", "INFO")
    stream = io.StringIO()
    assert (
        hclog.configure("registry.terraform.io/snoozesoftware/snooze", stream, ("terraform_provider_snooze",))
        == logging.INFO
    )
    log = hclog.get_logger("terraform_provider_snooze.test")
    log.debug("hidden")
    log.info("shown", extra={"attempt": 2})
    logging.getLogger("httpx").warning("a library's")
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(e["@level"], e["@message"]) for e in entries] == [("info", "shown"), ("warn", "a library's")]
    assert entries[0]["attempt"] == 2


@pytest.mark.usefixtures("restored_root_logger")
def test_configure_writes_nothing_when_terraform_logs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_SNOOZE"):
        monkeypatch.delenv(variable, raising=False)
    stream = io.StringIO()
    hclog.configure("registry.terraform.io/snoozesoftware/snooze", stream)
    hclog.get_logger("terraform_provider_snooze").error("nobody reads this")
    assert stream.getvalue() == ""


def http_request_through_httpx() -> None:
    import httpx

    with httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200))) as client:
        client.get("http://snooze.invalid/groupmanagers")


def configured_lines(monkeypatch: pytest.MonkeyPatch, tf_log: str) -> list[tuple[str, str]]:
    for variable in ("TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_SNOOZE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("TF_LOG", tf_log)
    stream = io.StringIO()
    hclog.configure("registry.terraform.io/snoozesoftware/snooze", stream, ("terraform_provider_snooze",))
    http_request_through_httpx()
    hclog.get_logger("terraform_provider_snooze.virtual_cluster").info("Submitted 2 virtual machine(s)")
    logging.getLogger("httpcore.connection").info("a library's progress")
    logging.getLogger("httpx").warning("a library's warning")
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [(entry["@level"], entry["@message"]) for entry in entries]


@pytest.mark.usefixtures("restored_root_logger")
def test_library_chatter_such_as_httpx_requests_is_debug_not_info(monkeypatch: pytest.MonkeyPatch) -> None:
    assert configured_lines(monkeypatch, "INFO") == [
        ("info", "Submitted 2 virtual machine(s)"),
        ("warn", "a library's warning"),
    ]
    debug = configured_lines(monkeypatch, "DEBUG")
    requests = [line for line in debug if line[1].startswith("HTTP Request: GET http://snooze.invalid")]
    assert requests == [("debug", requests[0][1])], debug
    assert ("debug", "a library's progress") in debug
    assert ("info", "Submitted 2 virtual machine(s)") in debug

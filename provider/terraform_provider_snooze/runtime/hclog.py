"""Logs as hclog JSON lines on stderr, so Terraform files them under the right level.

go-plugin parses each JSON line a plugin writes to stderr (`@level`, `@message`, `@timestamp`
with exactly six fractional digits and `Z` or `±hh:mm`, other keys as fields), so TF_LOG works
with this provider as with providers written in Go. Anywhere in the project, log through the
standard library: `get_logger(__name__).debug("...", extra={"key": value})`; `serve()` calls
`configure()` once, which sends every logger's records here.

Levels follow terraform-plugin-go: TF_LOG_PROVIDER_<TYPE> (the provider type from its address,
upper case, `-` as `_`) sets the provider's level. Where terraform-plugin-go would then default to
TRACE and leave the filtering to Terraform, we fall back to the variables Terraform itself filters
with, TF_LOG_PROVIDER and then TF_LOG, and write nothing when none is set: Terraform shows exactly
the same lines, and we do not format lines it would drop. As in Terraform, `JSON` and words that
are not a level mean TRACE, `OFF` means nothing.

INFO is for the provider's own progress, one line per step a user cares about. Libraries log
there too (httpx one line per HTTP request): their INFO records are filed at DEBUG.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = [
    "OFF",
    "TRACE",
    "HclogFormatter",
    "LibraryInfoAtDebug",
    "configure",
    "get_logger",
    "level_from_environment",
    "provider_type",
]

TRACE = 5
logging.addLevelName(TRACE, "TRACE")
OFF = logging.CRITICAL + 10

_LEVELS = {
    "TRACE": TRACE,
    "JSON": TRACE,
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "ERROR": logging.ERROR,
    "OFF": OFF,
}
_HCLOG_NAMES = (
    (logging.ERROR, "error"),
    (logging.WARNING, "warn"),
    (logging.INFO, "info"),
    (logging.DEBUG, "debug"),
)
# Attributes every LogRecord has; anything else came from `extra=` and becomes a field.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


def get_logger(name: str) -> logging.Logger:
    """A standard logger; TRACE is `logger.log(TRACE, ...)`."""
    return logging.getLogger(name)


def provider_type(provider_address: str) -> str:
    """`registry.terraform.io/snoozesoftware/snooze` -> `snooze`."""
    return provider_address.rstrip("/").rsplit("/", 1)[-1]


def level_from_environment(provider_type_name: str, environ: Mapping[str, str] | None = None) -> int:
    """The most specific TF_LOG* level that is set; OFF when none is."""
    env = os.environ if environ is None else environ
    specific = "TF_LOG_PROVIDER_" + provider_type_name.upper().replace("-", "_")
    for variable in (specific, "TF_LOG_PROVIDER", "TF_LOG"):
        value = env.get(variable, "").strip().upper()
        if value:
            return _LEVELS.get(value, TRACE)
    return OFF


class HclogFormatter(logging.Formatter):
    def __init__(self, module: str) -> None:
        super().__init__()
        self.module = module

    def format(self, record: logging.LogRecord) -> str:
        timestamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        entry: dict[str, Any] = {
            "@level": _hclog_level(record.levelno),
            "@message": record.getMessage(),
            "@module": self.module,
            "@timestamp": timestamp,
            "@caller": f"{record.module}.py:{record.lineno}",
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _hclog_level(levelno: int) -> str:
    """hclog has no CRITICAL: the nearest level at or below the record's."""
    return next((name for threshold, name in _HCLOG_NAMES if levelno >= threshold), "trace")


class LibraryInfoAtDebug(logging.Filter):
    """Files INFO records of loggers outside `own_packages` at DEBUG, then applies `level`."""

    def __init__(self, own_packages: tuple[str, ...], level: int) -> None:
        super().__init__()
        self.own_packages = own_packages
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if logging.DEBUG < record.levelno < logging.WARNING and not self._own(record.name):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return record.levelno >= self.level

    def _own(self, logger_name: str) -> bool:
        return any(logger_name == p or logger_name.startswith(p + ".") for p in self.own_packages)


def configure(provider_address: str, stream: TextIO | None = None, own_packages: tuple[str, ...] = ()) -> int:
    """Sends every logger's records to stderr as hclog lines, at the level Terraform asked for.

    Returns that level. Libraries (httpx, grpc) log through the same handler, their INFO at
    DEBUG: only loggers under `own_packages` (e.g. "terraform_provider_snooze") write INFO.
    """
    name = provider_type(provider_address)
    level = level_from_environment(name)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(HclogFormatter(f"provider.terraform-provider-{name}"))
    handler.addFilter(LibraryInfoAtDebug(own_packages, level))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    return level

"""Logs as hclog JSON lines on stderr, so Terraform files them under the right level.

go-plugin parses each JSON line a plugin writes to stderr (`@level`, `@message`, `@timestamp`
with six fractional digits, other keys as fields), so TF_LOG works with this provider exactly as
with providers written in Go. The level comes from TF_LOG_PROVIDER_<NAME>, else TF_LOG_PROVIDER,
else TF_LOG, as terraform-plugin-log reads them; with none set nothing is written, as Terraform
would discard it anyway.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = ["TRACE", "HclogFormatter", "configure", "level_from_environment"]

TRACE = 5
logging.addLevelName(TRACE, "TRACE")

_LEVELS = {
    "TRACE": TRACE,
    "JSON": TRACE,
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "ERROR": logging.ERROR,
}
_HCLOG_NAMES = {
    TRACE: "trace",
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warn",
    logging.ERROR: "error",
    logging.CRITICAL: "error",
}
# Attributes every LogRecord has; anything else came from `extra=` and becomes a field.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


def level_from_environment(provider_name: str, environ: dict[str, str] | None = None) -> int | None:
    """The most specific TF_LOG* level that is set; None when logging is off."""
    env = os.environ if environ is None else environ
    for variable in (f"TF_LOG_PROVIDER_{provider_name.upper()}", "TF_LOG_PROVIDER", "TF_LOG"):
        value = env.get(variable, "").strip().upper()
        if value:
            return _LEVELS.get(value)  # OFF and unknown words mean off
    return None


class HclogFormatter(logging.Formatter):
    def __init__(self, module: str) -> None:
        super().__init__()
        self.module = module

    def format(self, record: logging.LogRecord) -> str:
        timestamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        entry: dict[str, Any] = {
            "@level": _HCLOG_NAMES.get(record.levelno, "info"),
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


def configure(provider_name: str, package: str, stream: TextIO | None = None) -> None:
    """Sends the logs of `package` (and of httpx) to stderr at the level Terraform asked for."""
    level = level_from_environment(provider_name)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(HclogFormatter(f"provider.terraform-provider-{provider_name}"))
    for name in (package, "httpx"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.propagate = False
        logger.setLevel(level if level is not None else logging.CRITICAL + 1)

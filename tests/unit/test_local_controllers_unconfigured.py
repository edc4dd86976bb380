"""A data source read before the provider is configured is a diagnostic, never a crash."""

from __future__ import annotations

import pytest
from terraform_provider_snooze.local_controllers.data_source import LocalControllersDataSource
from terraform_provider_snooze.runtime.diagnostics import DiagnosticError
from terraform_provider_snooze.runtime.interfaces import (
    Cancellation,
    DataSourceReadRequest,
    DataSourceReadResponse,
)


def test_reading_without_a_configured_provider_says_so() -> None:
    with pytest.raises(DiagnosticError, match="not configured"):
        LocalControllersDataSource().read(DataSourceReadRequest({}, Cancellation()), DataSourceReadResponse())

"""Fixtures shared by the unit tests of the plugin process."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def socket_dir() -> Iterator[Path]:
    """Short: a unix socket path must fit in 107 bytes, and pytest's temporary paths are long."""
    directory = Path(tempfile.mkdtemp(prefix="tp-", dir="/tmp"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)

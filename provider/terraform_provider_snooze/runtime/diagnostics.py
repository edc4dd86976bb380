"""Diagnostics: how a provider tells Terraform what went wrong, and where.

A diagnostic with an attribute path makes Terraform underline that attribute in the user's
configuration; one without a path covers the whole block. Handlers never raise to gRPC: every
failure ends up here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .cty.path import AttributePath

__all__ = ["Diagnostic", "DiagnosticError", "Diagnostics", "Severity"]


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    summary: str
    detail: str = ""
    path: AttributePath | None = None


class Diagnostics:
    """An ordered collection of diagnostics gathered while serving one request."""

    def __init__(self, items: Iterable[Diagnostic] = ()) -> None:
        self._items: list[Diagnostic] = list(items)

    def error(self, summary: str, detail: str = "", path: AttributePath | None = None) -> None:
        self._items.append(Diagnostic(Severity.ERROR, summary, detail, path))

    def warning(self, summary: str, detail: str = "", path: AttributePath | None = None) -> None:
        self._items.append(Diagnostic(Severity.WARNING, summary, detail, path))

    def extend(self, other: Iterable[Diagnostic]) -> None:
        self._items.extend(other)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self._items)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Diagnostics({self._items!r})"


class DiagnosticError(Exception):
    """Raised from provider code to stop an operation with error diagnostics.

    The runtime turns it into diagnostics on the response; whatever state the operation had
    already recorded is still returned, so nothing that exists remotely is lost.
    """

    def __init__(self, summary: str, detail: str = "", path: AttributePath | None = None) -> None:
        super().__init__(summary if not detail else f"{summary}: {detail}")
        self.diagnostics = Diagnostics([Diagnostic(Severity.ERROR, summary, detail, path)])

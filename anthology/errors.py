"""Turn problems with the input into one clear line each, and one exception family.

Every stage reports what is wrong as :class:`Diagnostic` values. A stage that cannot go on
raises :class:`AnthologyError` carrying *all* the diagnostics it found (mkdocs-style: collect,
then abort once). The CLI catches the family once and prints each diagnostic on its own line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """One problem at one place: ``path:line: severity code: message (hint)``."""

    path: str
    line: int
    code: str
    message: str
    hint: str = ""
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}: {self.severity} {self.code}: {self.message}{hint}"


class AnthologyError(Exception):
    """Base of every error anthology raises for bad input or an impossible request."""

    exit_code = 1

    def __init__(self, diagnostics: Iterable[Diagnostic] | Diagnostic | str):
        if isinstance(diagnostics, (Diagnostic, str)):
            diagnostics = [diagnostics]
        self.diagnostics: tuple[Diagnostic | str, ...] = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class InputError(AnthologyError):
    """The manuscript, a raw dump or an option is wrong; nothing was written."""

    exit_code = 1


class OutputError(AnthologyError):
    """An output could not be written; the previous output is untouched."""

    exit_code = 2


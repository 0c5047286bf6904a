"""Turn what the import decided into a report the editor can check in one look.

:class:`Log` collects the warnings (each with the raw dump's line number) and every line
left out of the text; :func:`format_report` lists the pieces found (title, authors, kind,
notes, source), then every guess and anomaly in the order of the dump's lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Diagnostic


@dataclass(frozen=True)
class PieceSummary:
    """One piece as the report lists it."""

    line: int
    file: str
    title: str
    authors: tuple[str, ...]
    kind: str
    notes: int
    source: str


@dataclass(frozen=True)
class ImportReport:
    """What the import found: the pieces, counts and one warning per guess or drop."""

    pieces: int
    notes_linked: int
    diagnostics: tuple[Diagnostic, ...]  # warnings, each with the raw dump's line number
    summaries: tuple[PieceSummary, ...] = ()
    notes_placed: int = 0  # of the notes linked, those whose reference the import placed


class Log:
    """Collects warnings and removed lines while the stages run; a stage's only side effect."""

    def __init__(self, path: str):
        self.path = path
        self.items: list[Diagnostic] = []
        # every line left out of the manuscript: (line, text, why), kept in volume.toml so
        # the book's note on the text can say what was removed
        self.removed: list[tuple[int, str, str]] = []

    def warn(self, line: int, code: str, message: str, hint: str = "") -> None:
        self.items.append(Diagnostic(self.path, line, code, message, hint, "warning"))

    def drop(self, line: int, text: str, why: str, code: str, message: str, hint: str = "") -> None:
        """Leave one line out of the text, and say so."""
        self.removed.append((line, text, why))
        self.warn(line, code, message, hint)

    def drop_range(self, lines: list[tuple[int, str]], why: str, code: str, hint: str = "") -> None:
        """Leave a run of lines out: each goes into [[removed]], one warning names the run."""
        if not lines:
            return
        self.removed.extend((no, text, why) for no, text in lines)
        first, last = lines[0][0], lines[-1][0]
        span = f"line {first}" if first == last else f"lines {first}–{last}"
        shown = lines[0][1] if len(lines[0][1]) <= 60 else lines[0][1][:57] + "…"
        count = f"{len(lines)} line{'s' if len(lines) != 1 else ''}"
        self.warn(first, code, f"left out {why} ({span}, {count}, from {shown!r})", hint)

    def sorted(self) -> tuple[Diagnostic, ...]:
        return tuple(sorted(self.items, key=lambda d: d.line))


def format_report(report: ImportReport) -> list[str]:
    """The lines the CLI prints: a summary, the pieces, then each warning."""
    head = f"{report.pieces} piece{'s' if report.pieces != 1 else ''} found, " \
           f"{report.notes_linked} note{'s' if report.notes_linked != 1 else ''} linked"
    if report.notes_placed:
        head += f" ({report.notes_placed} placed by guess: see import-note-placed)"
    out = [head]
    for n, p in enumerate(report.summaries, 1):
        authors = " and ".join(p.authors) if p.authors else "no author"
        notes = f"{p.notes} note{'s' if p.notes != 1 else ''}"
        source = f"; source: {p.source}" if p.source else ""
        out.append(f"  {n}. {p.title} — {authors} — {p.kind}, {notes} (line {p.line}, "
                   f"{p.file}){source}")
    out.extend(str(d) for d in report.diagnostics)
    return out

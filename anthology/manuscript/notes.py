"""Turn a piece's Markdown into a body and its endnotes, and check that they link both ways.

Notes are kept in the manuscript the way Python-Markdown and pandoc write footnotes: a
reference ``[^label]`` where the marker stood, and a definition ``[^label]: text`` (continuation
lines indented) at the end of the piece. This module separates the definitions from the body,
numbers the notes in the order they are listed, and reports every reference without a note,
note without a reference and label defined twice. It does not render anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import Diagnostic
from ..model import Note

DEFINITION = re.compile(r"^\[\^([^\]\s]+)\]:[ \t]?(.*)$")
REFERENCE = re.compile(r"(?<!\\)\[\^([^\]\s\\]+)\]")
_FENCE = re.compile(r"^(```|~~~)")


@dataclass(frozen=True)
class SplitNotes:
    body: str
    notes: tuple[Note, ...]
    diagnostics: tuple[Diagnostic, ...]


def _references(body: str, first_line: int) -> list[tuple[str, int]]:
    """Every ``[^label]`` in the body outside code, with its line number."""
    refs: list[tuple[str, int]] = []
    fenced = False
    for offset, line in enumerate(body.split("\n")):
        if _FENCE.match(line.lstrip()):
            fenced = not fenced
            continue
        if fenced or line.startswith("    "):
            continue
        line = re.sub(r"`[^`]*`", "", line)
        refs.extend((m.group(1), first_line + offset) for m in REFERENCE.finditer(line))
    return refs


def split_notes(markdown: str, path: str, first_line: int,
                extra: tuple[tuple[str, int], ...] = ()) -> SplitNotes:
    """Separate note definitions from ``markdown`` (whose first line is ``first_line``).

    A note may be referenced from the body, from another note, or from ``extra`` (the
    front matter's ``title_note``: a marker printed on the title), as (label, line)."""
    body_lines: list[str] = []
    notes: list[tuple[str, list[str], int]] = []
    diags: list[Diagnostic] = []
    current: tuple[str, list[str], int] | None = None
    lines = markdown.split("\n")
    for offset, line in enumerate(lines):
        lineno = first_line + offset
        m = DEFINITION.match(line)
        if m:
            current = (m.group(1), [m.group(2)], lineno)
            notes.append(current)
            continue
        if current is not None:
            if line.startswith(("    ", "\t")):
                current[1].append(line[4:] if line.startswith("    ") else line[1:])
                continue
            if not line.strip():
                # a blank line continues the note only if an indented line follows
                following = next((l for l in lines[offset + 1:] if l.strip()), "")
                if following.startswith(("    ", "\t")):
                    current[1].append("")
                    continue
            current = None
        body_lines.append(line)

    seen: dict[str, int] = {}
    result: list[Note] = []
    for label, text, lineno in notes:
        if label in seen:
            diags.append(Diagnostic(path, lineno, "note-duplicate",
                                    f"note [^{label}] is defined twice (first at line {seen[label]})",
                                    "give each note its own label"))
            continue
        seen[label] = lineno
        result.append(Note(number=len(result) + 1, label=label,
                           markdown="\n".join(text).strip(), line=lineno))

    body = "\n".join(body_lines).rstrip() + "\n"
    refs = _references(body, first_line) + list(extra)
    refs += [(label, note.line) for note in result for label, _ in _references(note.markdown, 0)
             if label != note.label]
    referenced = {label for label, _ in refs}
    for label, lineno in refs:
        if label not in seen:
            diags.append(Diagnostic(path, lineno, "note-undefined",
                                    f"reference [^{label}] has no note",
                                    f'add "[^{label}]: …" at the end of the piece, or remove the reference'))
    for note in result:
        if note.label not in referenced:
            diags.append(Diagnostic(path, note.line, "note-unreferenced",
                                    f"note [^{note.label}] is never referenced",
                                    f'put "[^{note.label}]" where its marker belongs, or delete the note',
                                    severity="warning"))
    return SplitNotes(body, tuple(result), tuple(diags))

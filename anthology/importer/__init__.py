"""Turn a raw text dump into an editable manuscript, with a report of every guess.

A *dump* is what one gets by copying a set of related texts (essays, a response, letters,
reviews …) into one plain-text file: from web pages, from Project Gutenberg, from an
editor's own files. :func:`import_dump` finds the volume's title and editorial note, the
pieces (title, label, byline, source line, date), their notes in any common convention,
verse, block quotations, section breaks and emphasis, leaves out what is not the authors'
text (licences, credits, web chrome), and returns the files of a manuscript (``volume.toml``
and ``pieces/NN-slug.md``). It keeps the authors' words; the only changes to the text are
TeX quotes made curly and titles and names printed in capitals written in their normal case,
each reported. All other typography happens at build time.

The stages, in order (one module each; every pattern and limit they use is named in
:mod:`.conventions`):

=================  ============================================================
``decode``         bytes → numbered lines (encoding, line ends, control characters)
``boilerplate``    lines → the authors' lines (licences, credits, web chrome out)
``blocks``         lines → blocks (paragraphs, separators) and the dump's layout
``notes``          footnote blocks lifted out; later, notes linked to references
``pieces``         blocks → volume matter, parts and pieces (with ``headers``)
``kinds``          closing source lines, signatures, kinds, supplied titles
``body``/``write`` pieces → Markdown and TOML files
``report``         what was found and every guess, with the dump's line numbers
=================  ============================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..errors import Diagnostic, InputError
from .blocks import measure, paragraphs
from .boilerplate import strip_boilerplate
from .decode import decode, read_lines
from .kinds import (apply_editorial_source, assign_kinds, fill_authors, supply_titles,
                    take_closing_lines)
from .notes import find_notes, inline_footnotes, link_notes, listed_footnotes, take_footnotes
from .pieces import find_pieces
from .conventions import NAME_SPLIT, NOT_AN_AUTHOR
from .headers import is_name
from .records import Block, Found, Front, NoteText, PieceText, VolumeText
from .report import ImportReport, Log, PieceSummary, format_report
from .write import dump_texts, manuscript_files, piece_names

__all__ = ["ImportReport", "Imported", "import_dump", "format_report"]


@dataclass(frozen=True)
class Imported:
    """The manuscript's files (relative path → bytes) and the report."""

    files: dict[str, bytes]
    report: ImportReport


def import_dump(data: bytes, path: str) -> Imported:
    """Turn the raw dump ``data`` (read from ``path``) into manuscript files.

    Raises :class:`InputError` for input that cannot be a dump; never any other exception.
    """
    log = Log(path)
    pieces, volume = import_dump_texts(data, path, log)
    files = manuscript_files(pieces, volume, log)
    return Imported(files, report_of(pieces, log.sorted()))


def import_dump_texts(data: bytes, path: str, log: Log) -> tuple[list[PieceText], VolumeText]:
    """The pieces a dump holds and what it says of its volume, every guess logged."""
    lines = read_lines(decode(data, path, log), log)
    lines, facts = strip_boilerplate(lines, log)
    blocks, footnotes = take_footnotes(paragraphs(lines), log)
    layout = measure(blocks)
    found = find_pieces(blocks, layout, log)
    if not found.pieces:
        raise InputError(Diagnostic(
            path, 0, "import-no-pieces", "no text that looks like a piece",
            "a dump needs at least one paragraph of prose, e.g. a title, 'By Author', then text"))
    _use_header_facts(found.front, facts, log)
    _place_footnotes(found, blocks, footnotes)
    for piece in found.pieces:
        take_closing_lines(piece, layout, log)
        piece.region = listed_footnotes(piece) or find_notes(piece.body, log)
        if piece.region is not None:
            piece.body = piece.body[:piece.region.start]
            take_closing_lines(piece, layout, log)
        piece.footnotes.extend(n for _bi, n in inline_footnotes(piece.body, len(piece.body)))
        piece.footnotes.sort(key=lambda n: (n.anchor if n.anchor is not None else 1 << 30))
    apply_editorial_source(found.pieces, found.front, log)
    fill_authors(found.pieces, found.front, log)
    assign_kinds(found.pieces, found.front, log)
    supply_titles(found.pieces, log)
    _report_header_changes(found, log)
    link_notes(found.pieces, log)
    return dump_texts(found, layout, log)


def report_of(pieces: list[PieceText], diagnostics: tuple[Diagnostic, ...]) -> ImportReport:
    """The report of an import: the pieces written, their notes, every guess."""
    found = summaries(pieces)
    codes = [d.code for d in diagnostics]
    notes = sum(s.notes for s in found)
    return ImportReport(len(pieces), notes - codes.count("import-note-unreferenced"),
                        diagnostics, found, codes.count("import-note-placed"))


def _place_footnotes(found: Found, blocks: list[Block], footnotes: list[tuple[int, NoteText]]) -> None:
    """Give each footnote block to the piece whose text it followed, anchored to the block of
    that piece's body before it (-1: it followed the piece's header)."""
    if not found.pieces:
        return
    index = {id(b): k for k, b in enumerate(blocks)}
    for at, note in footnotes:
        owner = found.pieces[0]
        for piece in found.pieces:
            if piece.start <= at:
                owner = piece
        anchor = -1
        for bi, block in enumerate(owner.body):
            if index.get(id(block), 1 << 30) <= at:
                anchor = bi
        owner.footnotes.append(replace(note, anchor=anchor))


def _use_header_facts(front: Front, facts: dict[str, str], log: Log) -> None:
    """What the distributor's header says of the book ("Title:", "Author:", "Editor:") fills
    in what the book's own title page does not."""
    if not front.title and facts.get("title"):
        front.title = facts["title"]
        log.warn(0, "import-title-from-header", f"the volume is called {front.title!r}, as the "
                 "distributor's header says", "set title in volume.toml if that is wrong")
    names = [n for n in NAME_SPLIT.split(facts.get("author", "")) if n.strip()
             and n.strip().lower() not in NOT_AN_AUTHOR]
    if not front.authors and not front.editors and names and all(is_name(n) for n in names):
        front.authors = tuple(names)
    editors = [n for n in NAME_SPLIT.split(facts.get("editor", "")) if n.strip()]
    if not front.editors and editors and all(is_name(n) for n in editors):
        front.editors = tuple(editors)


def _report_header_changes(found: Found, log: Log) -> None:
    for i, piece in enumerate(found.pieces):
        for no, was, now in piece.header.changed:
            if now and was.rstrip(".") != now:
                log.warn(no, "import-case-changed", f"{was!r} is written {now!r}",
                         "correct it by hand if it is wrong")
            else:
                log.drop(no, was, "a repeated title line", "import-duplicate-title",
                         f"dropped the repeated title line {was!r}")


def summaries(pieces: list[PieceText]) -> tuple[PieceSummary, ...]:
    """What the report says of each piece written."""
    names = piece_names(pieces)
    return tuple(PieceSummary(p.line, name, p.front["title"], tuple(p.authors), p.front["kind"],
                              len(re.findall(r"^\[\^[^\]]+\]:", p.markdown, re.MULTILINE)),
                              p.front.get("source", ""))
                 for p, name in zip(pieces, names))

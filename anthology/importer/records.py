"""The records the importer's stages hand each other: lines, blocks, headers, notes, pieces.

Lines and blocks are frozen (read once, never changed); a piece is filled in stage by stage
(header, then notes, then kind), so it is a plain dataclass that only the stages of one
import ever see.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Line:
    """One non-blank line of the dump."""

    no: int  # 1-based line number in the raw dump
    text: str  # stripped; TeX quotes made curly
    indent: int = 0  # leading spaces (a tab counts as several)
    blanks: int = 0  # blank lines just before it (the start of the dump counts as one)

    @property
    def gap(self) -> bool:
        return self.blanks > 0


Block = tuple[Line, ...]  # a paragraph: lines with no blank line between them
TITLE = -(1 << 20)  # the block index a piece's title stands at, for note references on it


@dataclass(frozen=True)
class Layout:
    """How the dump is laid out, measured once: what a paragraph line and an indent look like."""

    wrap: int = 0  # the width hard-wrapped paragraphs are broken at; 0 when not hard-wrapped
    indent: int = 0  # the indentation of ordinary paragraphs
    indents_quotes: bool = False  # some paragraphs stand further in: quotations are marked so


@dataclass(frozen=True)
class Book:
    """The reviewed book's block in a review's header."""

    title: str = ""
    authors: tuple[str, ...] = ()
    publisher: str = ""
    year: str = ""
    pages: str = ""
    price: str = ""
    details: str = ""


@dataclass
class Header:
    """What opens a piece: label, title, byline, source line, date …"""

    first_line: int
    label: str = ""  # "Chapter X" above a title of its own
    title: str = ""
    title_line: int = 0
    title_marks: list[tuple[str, str]] = field(default_factory=list)  # note markers printed on
    # the title: (label, as printed: "[1]", "*")
    subtitle: str = ""
    authors: tuple[str, ...] = ()
    editors: tuple[str, ...] = ()  # "EDITED BY" over a name, on a title page
    byline: str = ""  # the byline as printed, when it is not the plain "By A and B"
    source: str = ""
    date: str = ""
    publication_line: str = ""
    book: Book | None = None
    title_supplied: bool = False
    strong: bool = False  # a byline, source line, book block … says a piece begins here
    style: str = ""  # the title line's shape: label, caps, numeral, named, title
    changed: list[tuple[int, str, str]] = field(default_factory=list)  # (line, was, now)
    roles: dict[int, str] = field(default_factory=dict)  # line → what it gave: title, byline …


@dataclass(frozen=True)
class NoteText:
    """A note as the dump lists it."""

    label: str
    lines: tuple[Line, ...]  # the first line holds the text after the label
    first_text: str
    group: int = 0  # restarts of the numbering under one Notes heading
    anchor: int | None = None  # a footnote: the body block its reference is in or before
    in_body: bool = False  # a footnote item still standing in the body (text if unreferenced)
    at: tuple[int, int] | None = None  # a footnote lifted from inside a paragraph: (line, column)
    # of the place it stood, where its reference goes


@dataclass(frozen=True)
class Region:
    """A list of notes: where it starts in a piece's body and the blocks it took."""

    start: int
    blocks: tuple[Block, ...]
    notes: tuple[NoteText, ...]


@dataclass(frozen=True)
class Candidate:
    """A place in a body that could be a note reference."""

    block: int
    line: int
    start: int
    end: int
    label: str
    glued: bool  # directly after a non-space character
    syntax: str  # "paren", "bracket", "super", "symbol"


@dataclass
class Piece:
    header: Header
    body: list[Block]
    kind: str = ""
    part: int = -1  # index into the volume's parts, -1 for none
    start: int = 0  # index of the block that opens it, in the dump's blocks
    publication: str = ""
    issue: str = ""
    region: Region | None = None
    footnotes: list[NoteText] = field(default_factory=list)  # notes printed inside the body
    notes: list[NoteText] = field(default_factory=list)
    links: dict[tuple[int, int], list[tuple[int, int, str]]] = field(default_factory=dict)
    extra_blocks: list[Block] = field(default_factory=list)  # a notes list that was not notes
    signature: tuple[str, ...] = ()  # names signed at the end


@dataclass
class Front:
    """The volume's own matter before the first piece."""

    title: str = ""
    title_line: int = 0
    subtitle: str = ""
    authors: tuple[str, ...] = ()  # "by X" on the title page: every piece's author by default
    editors: tuple[str, ...] = ()
    note: tuple[Block, ...] = ()  # a bracketed editorial note


@dataclass
class Found:
    """The dump cut into its volume matter, parts and pieces."""

    front: Front
    pieces: list[Piece]
    parts: list[tuple[str, int]] = field(default_factory=list)  # (title, line)
    book_notes: Region | None = None  # a notes list after the last piece


@dataclass(frozen=True)
class PieceText:
    """A piece ready to be written: its front matter, its Markdown (body, then notes), where
    it began and came from, and the images it shows (manuscript path → bytes)."""

    front: dict
    markdown: str
    line: int
    origin: str
    images: tuple[tuple[str, bytes], ...] = ()

    @property
    def authors(self) -> list[str]:
        return list(self.front.get("authors", []))


@dataclass(frozen=True)
class VolumeText:
    """What the sources say of their volume."""

    title: str = ""
    title_line: int = 0
    subtitle: str = ""
    editors: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    editorial_note: str = ""  # Markdown
    parts: tuple[tuple[str, tuple[int, ...]], ...] = ()  # (title, indices of its pieces)
    removed: tuple[tuple[int, str, str, str], ...] = ()  # (line, text, why, source file)

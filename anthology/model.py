"""Turn what each stage hands the next into frozen dataclasses: Volume, Book, PrintOptions.

manuscript ──read──▶ Volume (pieces with Markdown bodies and parsed notes)
Volume ──render──▶ Book (one shared HTML, cut into documents)
Book ──epub──▶ EPUB bytes;  Book ──pdf──▶ PDF bytes
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PIECE_KINDS = ("essay", "response", "rejoinder", "review", "article", "letter", "preface",
               "introduction", "afterword", "other")


@dataclass(frozen=True)
class Reviewed:
    """The work a review discusses, from the review's header block."""

    title: str
    authors: tuple[str, ...] = ()
    publisher: str = ""
    year: str = ""
    pages: str = ""
    price: str = ""
    details: str = ""  # anything else the header gives, e.g. "Translated & edited by …"


@dataclass(frozen=True)
class Note:
    """One endnote of a piece, in the order the notes are listed."""

    number: int  # 1-based position among the piece's notes
    label: str  # the marker the author printed: "1", "12", "*"
    markdown: str  # the note's text, Markdown
    line: int  # line of the note's definition in its file


@dataclass(frozen=True)
class Piece:
    """One text of the volume: an essay, a response, a review …"""

    id: str  # stable, unique across the volume; used in file names and HTML ids
    path: Path  # the Markdown file it was read from
    title: str
    body: str  # Markdown, with note references as [^label] and no note definitions
    body_line: int  # line of the body's first line in ``path``
    notes: tuple[Note, ...] = ()
    title_supplied: bool = False  # the editor supplied the title; the source gives none
    subtitle: str = ""
    authors: tuple[str, ...] = ()
    byline: str = ""  # the byline as printed ("Reviewed by …"); default "By " + authors
    kind: str = "essay"
    source: str = ""  # the source line exactly as the dump gives it
    publication: str = ""
    issue: str = ""
    date: str = ""
    reviewed: Reviewed | None = None
    label: str = ""  # printed above the title: "Chapter X", "Essay I"
    title_notes: tuple[str, ...] = ()  # labels of notes whose markers the source prints on the
    # title: linked from the piece's heading only (not the contents, running heads, metadata)


@dataclass(frozen=True)
class Image:
    """A picture of the manuscript's ``images/`` that the texts show, read and checked once.

    The texts refer to it as ``images/NAME``; the writers carry it beside what they write
    (the EPUB's manifest, the PDF's URL fetcher, the HTML's ``images/`` folder)."""

    name: str  # the file's name in images/: "macdowell-arabian-melody.png"
    media_type: str  # by the file's first bytes: image/png | image/jpeg | image/gif
    data: bytes = field(repr=False)
    animated: bool = False  # a GIF of more than one frame (it may flash)

    @property
    def src(self) -> str:
        """How the shared HTML refers to it."""
        return f"images/{self.name}"


@dataclass(frozen=True)
class Part:
    title: str
    pieces: tuple[Piece, ...]


@dataclass(frozen=True)
class Contributor:
    name: str
    bio: str = ""  # Markdown


@dataclass(frozen=True)
class Removed:
    """A line of the raw dump that the import left out of the text, and why."""

    line: int
    text: str
    why: str
    source: str = ""  # the file it was left out of, when the import read several


@dataclass(frozen=True)
class IndexTerm:
    """An index entry and the spellings under which it occurs in the texts."""

    heading: str  # as the index prints it: "Trotsky, Leon"
    matches: tuple[str, ...]  # "Trotsky", "Leon Trotsky"
    kind: str = "name"  # name | work
    author: str = ""  # for a work: its author; the back matter lists each author's works


@dataclass(frozen=True)
class GlossaryEntry:
    term: str
    expansion: str


@dataclass(frozen=True)
class Volume:
    """The whole edited volume, gathered and checked before anything is written."""

    path: Path  # the manuscript folder
    title: str
    parts: tuple[Part, ...]  # a volume without parts has one Part with an empty title
    subtitle: str = ""
    editors: tuple[str, ...] = ()
    language: str = "en"
    identifier: str = ""
    date: str = ""  # ISO date of this edition; fixes every timestamp in the outputs
    publisher: str = ""
    rights: str = ""
    editorial_note: str = ""  # Markdown, kept as the source gives it
    contributors: tuple[Contributor, ...] = ()
    edition: str = ""
    removed: tuple[Removed, ...] = ()
    index: tuple[IndexTerm, ...] = ()
    glossary: tuple[GlossaryEntry, ...] = ()  # the editor's entries; the texts give the rest
    images: tuple[Image, ...] = ()  # the pictures the texts show, each once, as first shown

    @property
    def pieces(self) -> tuple[Piece, ...]:
        return tuple(p for part in self.parts for p in part.pieces)

    @property
    def authors(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for piece in self.pieces:
            for a in piece.authors:
                seen.setdefault(a, None)
        return tuple(seen)


# ---- render output: one shared HTML, cut into documents -------------------------------


@dataclass(frozen=True)
class TocEntry:
    title: str
    href: str  # "#anchor" inside the shared HTML
    children: tuple["TocEntry", ...] = ()


@dataclass(frozen=True)
class Document:
    """One EPUB content document; in the shared HTML, one top-level <section>."""

    id: str  # file stem in the EPUB ("titlepage", "piece-weissman-essay")
    title: str
    body: str  # XHTML fragment (one element); internal links are href="#anchor"
    landmark: str = ""  # epub:type for the landmarks nav, if this document is one
    landmark_title: str = ""
    linear: bool = True


@dataclass(frozen=True)
class IndexEntry:
    """An index term as rendered: its typeset heading and the ids of its occurrences."""

    heading: str
    kind: str  # "name" | "work"
    anchors: tuple[str, ...]


@dataclass(frozen=True)
class Creator:
    name: str
    role: str  # MARC relator: "aut", "edt"
    file_as: str = ""


@dataclass(frozen=True)
class Stylesheet:
    name: str  # file name, e.g. "base.css"
    text: str


@dataclass(frozen=True)
class Book:
    """What the render stage hands to the writers."""

    title: str
    language: str
    identifier: str
    modified: str  # "YYYY-MM-DDThh:mm:ssZ", fixed for reproducible builds
    documents: tuple[Document, ...]
    toc: tuple[TocEntry, ...]
    stylesheets: tuple[Stylesheet, ...]  # shared first, then the EPUB layer
    fonts: tuple[Path, ...]
    subtitle: str = ""
    creators: tuple[Creator, ...] = ()
    sources: tuple[str, ...] = ()
    description: str = ""
    publisher: str = ""
    rights: str = ""
    date: str = ""  # "YYYY-MM-DD"
    subjects: tuple[str, ...] = field(default_factory=tuple)
    # the print edition whose page numbers the pagebreak markers give (pageBreakSource);
    # empty when the documents carry no pagebreak markers
    page_source: str = ""
    # the index's terms, so the index can be made again with print page numbers
    index_terms: tuple[IndexEntry, ...] = ()
    # the pictures the documents show (``<img src="images/NAME">``), each once
    images: tuple[Image, ...] = ()


@dataclass(frozen=True)
class PrintOptions:
    """How to print the book: trim size, note placement, PDF variant, printer's marks."""

    trim: str = "a5"  # a5 | a4 | letter | 6x9in
    notes: str = "endnotes"  # endnotes | footnotes
    variant: str = ""  # "" | "pdf/a-2b" | "pdf/ua-1"
    bleed: str = ""  # e.g. "3mm"
    marks: str = ""  # "" | "crop"
    large_print: bool = False

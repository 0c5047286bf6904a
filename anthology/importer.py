"""Turn a raw text dump into an editable manuscript.

A *dump* is what one gets by copying a set of related texts (an essay, a response, a
rejoinder, reviews …) out of web pages into one plain-text file: perhaps an overall title and
a bracketed editorial note, then each piece with a title, a byline, a source line, the body,
and its notes. :func:`import_dump` recognises these parts and returns the files of a
manuscript (``volume.toml`` and ``pieces/NN-slug.md``, see MANUSCRIPT_SPEC). It guesses, but
never silently: each guess an editor should check and each line it drops is a warning that
carries the dump's own line number. It keeps the authors' words exactly; the only change to
the text is that TeX quotes (````…''`` and ```…'``) become curly, because Markdown would read
backticks as code. All other typography happens at build time.

Passes
------
0. *decode*: bytes → text. UTF-8 only (a BOM is skipped), CRLF and CR become LF. Empty,
   whitespace-only, binary (NUL bytes) and non-UTF-8 input raise :class:`InputError`.
1. *lines*: every line is stripped and remembers whether a blank line precedes it, so a
   paragraph (block) is a run of lines without a blank line between them; hard-wrapped
   paragraphs therefore work like one-line ones. Web boilerplate lines are dropped here
   (each drop is reported with its text).
2. *front matter and pieces*: the volume title and editorial note, then the piece headers,
   which cut the dump into pieces.
3. *per piece*: a trailing source line, the notes region at the end, the body blocks.
4. *links*: note references in the bodies are matched with the notes.
5. *emit*: body blocks become Markdown (headings, block quotations, lists, paragraphs), the
   header becomes TOML front matter, and the volume becomes ``volume.toml``.

Heuristics (all general; none knows a particular dump)
-------------------------------------------------------
* A *title* is a short line (≤ 20 words, ≤ 160 characters) that does not end like a sentence
  or a clause (``.``, ``,``, ``;``, ``:``), is not a byline, date, source line or note item.
* A *piece header* is an optional title followed, on the next lines, by header lines in any
  order: a repeat of the title (dropped, reported), a byline ``By X`` (``Reviewed by X``), a
  source line (``[From …]``, ``From <Publication>, <date>``, ``Originally published in …``),
  a date line (``30 July 2003``, ``Saturday, 10 December 2011``), a publication line that
  names a review (``Green Left Weekly review``), and in a review the reviewed book's block.
  It starts a piece only with at least one *strong* line (byline, source, repeated title,
  review publication line, book block); a date alone is not enough. A header without a
  title needs a byline (a lone source line usually *closes* the piece before it), and the
  piece then gets a placeholder title ("Untitled essay by X") with ``title_supplied = true``.
  A bare title followed by a paragraph is therefore a section heading, not a new piece.
  Headers are looked for only at the start of a paragraph.
* The *volume title* is the first line when it is a lone short line, no piece header starts
  there, and it is followed by a bracketed *editorial note* (kept verbatim as Markdown,
  brackets off) or by another piece's header. When the first line is itself a piece's
  title (followed by a byline, or directly by prose), it is reused as the volume title
  (reported). Prose after the editorial note without a header is an untitled first piece.
* The *date* of the volume is the latest full date (day, month, year) in the headers and
  source lines, so the same dump always gives the same bytes; no date if there is none.
* The *reviewed book* is the block after a review's header lines: a title line followed by
  lines such as ``By X``, ``Edited by X``, ``Publisher, 2001``, ``364 pages, $77 (hb)``; or a
  single line ``Author, Title (details), Publisher, 2011``. A ``By`` inside that block is the
  book's author, never the reviewer's.
* The *kind* comes from the first cue word in the title or publication line (rejoinder,
  reply/response, review) or from a book block (review); otherwise from order and authorship:
  the first piece is an essay, a later piece by someone else a response, a later piece by the
  essay's author after a response a rejoinder, anything else an article. Kinds from order
  are reported.
* *Source lines* are kept verbatim (brackets off). Publication, issue and date are filled in
  only when the line splits cleanly into ``Publication[, issue N][, date]``. A source line at
  the very end of a piece is its source when the header gave none; otherwise it stays text.
  A sentence of the editorial note saying the *first* essay/article "appeared in" a
  publication fills in the first piece's publication, issue and date (reported).
* *Notes* are the items at the end of a piece (``1. …``, ``1 …``, ``[1] …``, ``(1) …``,
  ``¹ …``, ``* …``, ``† …``), optionally under a ``Notes``/``Endnotes`` heading; without a
  heading the numbers must rise and start at 1; under a heading numbering may restart (notes
  numbered per piece but listed together; a short heading line just before a restart, like
  "Notes to chapter 2", is dropped and reported). The last piece's list is a *book-wide* list when
  matching it across the pieces that lack notes links more notes than matching it in the
  last piece alone.
* *References*: ``(n)``, ``[n]`` and superscript digits, plus ``*``/``†``/``‡`` after a word,
  punctuation or closing quote. A candidate is a reference only if a note with that label
  exists and references come in the order the notes are listed: for each note in turn, the
  first candidate glued to the preceding character (``Opposition.(1)``), or failing that a
  spaced one, that lies before the next note's first glued candidate. A later glued repeat
  of a linked label is a second reference. Years have four digits and page citations
  rarely fall exactly where the sequence expects the next note, so both stay text. A notes
  list none of whose items is referenced stays a list, where it stood.
* *Section headings*: a one-line paragraph inside a body, followed by more text, with ≤ 12
  words, starting with a capital or digit, not ending with ``.``, ``,``, ``;``, ``:``, and not
  a quotation.
* *Block quotations* (each reported): a paragraph wholly inside quotation marks (optionally
  followed by a citation such as ``(184)``), or a run of paragraphs that each open a quotation
  with only the last one closing it; a paragraph without double quotation marks whose last
  sentence is followed by a citation (``… above it all... (184)``), together with the
  paragraphs before it (at most three) back to an introducing paragraph (one whose
  last sentence ends with ``:`` or contains a verb of saying such as "wrote", "puts it",
  "describes", "titled"); and the single paragraph after an introducing paragraph that ends
  with ``:`` and has such a verb.
* *Boilerplate*: whole lines such as "Visit the … home page.", "Click here …", "Share this",
  "Printer-friendly version", "Back to top" are dropped and reported with their text.
* *Markdown safety*: backslashes, ``* _ [ ] { } ` < &`` and line-initial ``# > - + 1.``
  are escaped, so every word renders as written.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Iterable

import tomli_w

from .errors import Diagnostic, InputError
from .manuscript import NOT_XML
from .render.typography import tex_quotes

__all__ = ["ImportReport", "Imported", "import_dump", "format_report"]


# ==== public API ===========================================================================


@dataclass(frozen=True)
class ImportReport:
    """What the import found: counts for the summary line and one warning per guess or drop."""

    pieces: int
    notes_linked: int
    diagnostics: tuple[Diagnostic, ...]  # warnings, each with the raw dump's line number


@dataclass(frozen=True)
class Imported:
    """The manuscript's files (relative path → bytes) and the report."""

    files: dict[str, bytes]
    report: ImportReport


def import_dump(data: bytes, path: str) -> Imported:
    """Turn the raw dump ``data`` (read from ``path``) into manuscript files.

    Raises :class:`InputError` for input that cannot be a dump; never any other exception.
    """
    warn = _Warnings(path)
    lines = _drop_boilerplate(_lines(_decode(data, path), warn), warn)
    front = _front_matter(lines)
    pieces = _split_pieces(lines, front, warn)
    if not any(_has_prose(p) for p in pieces):
        raise InputError(Diagnostic(
            path, 0, "import-no-pieces", "no text that looks like a piece",
            "a dump needs at least one paragraph of prose, e.g. a title, 'By Author', then text"))
    for piece in pieces:
        _take_trailing_source(piece, warn)
        piece.region = _find_notes(piece.body, warn)
        if piece.region is not None:
            piece.body = piece.body[:piece.region.start]
            _take_trailing_source(piece, warn)
    _apply_editorial_source(pieces, front, warn)
    _assign_kinds(pieces, warn)
    _supply_titles(pieces, warn)
    notes_linked = _link_notes(pieces, warn)
    files = _emit(front, pieces, warn)
    report = ImportReport(len(pieces), notes_linked, warn.sorted())
    return Imported(files, report)


def format_report(report: ImportReport) -> list[str]:
    """The lines the CLI prints: a summary, then each warning as ``path:line: warning …``."""
    head = f"{report.pieces} piece{'s' if report.pieces != 1 else ''} found, " \
           f"{report.notes_linked} note{'s' if report.notes_linked != 1 else ''} linked"
    return [head, *(str(d) for d in report.diagnostics)]


# ==== internal records =====================================================================


class _Warnings:
    """Collects warnings; the report lists them in the order of the dump's lines."""

    def __init__(self, path: str):
        self.path = path
        self.items: list[Diagnostic] = []
        # every line left out of the manuscript: (line, text, why), kept in volume.toml so
        # the book's note on the text can say what was removed
        self.removed: list[tuple[int, str, str]] = []

    def drop(self, line: int, text: str, why: str, code: str, message: str, hint: str = "") -> None:
        self.removed.append((line, text, why))
        self(line, code, message, hint)

    def __call__(self, line: int, code: str, message: str, hint: str = "") -> None:
        self.items.append(Diagnostic(self.path, line, code, message, hint, "warning"))

    def sorted(self) -> tuple[Diagnostic, ...]:
        return tuple(sorted(self.items, key=lambda d: d.line))


@dataclass(frozen=True)
class _Line:
    no: int  # 1-based line number in the raw dump
    text: str  # stripped, TeX quotes curly
    gap: bool  # a blank line (or the start of the dump) precedes it


Block = tuple[_Line, ...]


@dataclass(frozen=True)
class _Book:
    title: str = ""
    authors: tuple[str, ...] = ()
    publisher: str = ""
    year: str = ""
    pages: str = ""
    price: str = ""
    details: str = ""


@dataclass
class _Header:
    first_line: int
    title: str = ""
    title_line: int = 0
    authors: tuple[str, ...] = ()
    byline: str = ""  # the byline as printed, when it is not the plain "By A and B"
    source: str = ""
    date: str = ""
    publication_line: str = ""
    book: _Book | None = None
    title_supplied: bool = False


@dataclass(frozen=True)
class _Note:
    label: str
    lines: tuple[_Line, ...]  # first line holds the text after the label
    first_text: str
    group: int  # restarts of the numbering under a Notes heading


@dataclass(frozen=True)
class _Region:
    start: int  # index of the region's first block in the piece body
    blocks: tuple[Block, ...]  # the heading (if any) and the items, for a revert
    notes: tuple[_Note, ...]


@dataclass(frozen=True)
class _Cand:
    """A place in a body that could be a note reference."""

    block: int
    line: int
    start: int
    end: int
    label: str
    glued: bool  # directly after a non-space character
    syntax: str  # "paren", "bracket", "super", "symbol"


@dataclass
class _Piece:
    header: _Header
    body: list[Block]
    kind: str = ""
    publication: str = ""
    issue: str = ""
    region: _Region | None = None
    notes: list[_Note] = field(default_factory=list)
    links: dict[tuple[int, int], list[tuple[int, int, str]]] = field(default_factory=dict)
    extra_blocks: list[Block] = field(default_factory=list)  # a reverted notes region


@dataclass(frozen=True)
class _Front:
    title: str
    title_line: int
    note: tuple[Block, ...]
    body_start: int
    first_piece_title: _Line | None = None  # a first line that titles the first piece


# ==== pass 0: decode =======================================================================


def _decode(data: bytes, path: str) -> str:
    """Bytes → text with LF line ends; anything that is not UTF-8 text is an InputError."""
    if not data.strip():
        what = "empty" if not data else "whitespace only"
        raise InputError(Diagnostic(path, 0, "import-empty", f"the dump is {what}",
                                    "give a text file with the pieces to import"))
    if b"\x00" in data:
        at = data.index(b"\x00")
        raise InputError(Diagnostic(
            path, data[:at].count(b"\n") + 1, "import-binary",
            f"the dump is binary (a NUL byte at byte offset {at})",
            "give a plain-text export, not a word-processor or PDF file"))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(Diagnostic(
            path, line, "import-encoding",
            f"the dump is not UTF-8 (byte 0x{data[exc.start]:02x} at byte offset {exc.start})",
            "save the file as UTF-8, e.g. iconv -f latin1 -t utf-8")) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(Diagnostic(path, 0, "import-empty", "the dump is whitespace only",
                                    "give a text file with the pieces to import"))
    return text


# ==== pass 1: lines and boilerplate ========================================================


def _lines(text: str, warn: "_Warnings") -> list[_Line]:
    """Non-blank lines, stripped, TeX quotes curly, each knowing if a blank line precedes it.
    Control characters, which no EPUB or PDF can hold, are dropped (and reported)."""
    out: list[_Line] = []
    gap = True
    for no, raw in enumerate(text.split("\n"), start=1):
        controls = sorted(set(NOT_XML.findall(raw)))
        if controls:
            raw = NOT_XML.sub("", raw)
            names = ", ".join(f"U+{ord(c):04X}" for c in controls)
            warn(no, "import-controls-removed",
                 f"dropped control characters ({names}): no EPUB or PDF can hold them",
                 "they are invisible; check that the line reads as it should")
        stripped = raw.strip()
        if not stripped:
            gap = True
            continue
        out.append(_Line(no, tex_quotes(stripped), gap))
        gap = False
    return out


_BOILERPLATE = [re.compile(p, re.IGNORECASE) for p in (
    r"visit (the|our) .{1,80}(home ?page|web ?site|site)\W*",
    r"click here\b.{0,100}",
    r"(share|tweet|e-?mail|print|like|save)( (this|it)( (article|page|story|post))?)?( on .{1,40})?\W*",
    r"share on (facebook|twitter|linkedin|reddit|whatsapp).{0,60}",
    r"printer[- ]friendly( version| page| format)?\W*",
    r"(back|return|go) to (the )?top( of (the )?page)?\W*",
    r"(read|see) more\W*",
    r"(log ?in|sign ?in|register) (or register )?to (post|leave) comments?\W*",
    r"(add|post|leave) (a |new )?comments?\W*",
    r"subscribe (now|today|to (our|the) (newsletter|mailing list|feed)).{0,60}",
    r"follow us on .{1,40}",
    r"(previous|next) (article|post|page|story)\b.{0,80}",
    r"skip to (main )?content\W*",
    r"(facebook|twitter|e-?mail|print|reddit|linkedin|whatsapp)"
    r"(\s*[|·•,/]\s*(facebook|twitter|e-?mail|print|reddit|linkedin|whatsapp))+\W*",
)]


def _is_boilerplate(text: str) -> bool:
    return len(text) <= 140 and any(p.fullmatch(text) for p in _BOILERPLATE)


def _drop_boilerplate(lines: list[_Line], warn: _Warnings) -> list[_Line]:
    """Drop whole lines of web boilerplate, reporting each; a gap before it moves on."""
    out: list[_Line] = []
    carry_gap = False
    for line in lines:
        if _is_boilerplate(line.text):
            warn.drop(line.no, line.text, "web boilerplate", "import-boilerplate-dropped",
                      f"dropped web boilerplate: {line.text!r}",
                      "put the line back by hand if it belongs to the text")
            carry_gap = carry_gap or line.gap
            continue
        if carry_gap and not line.gap:
            line = _Line(line.no, line.text, True)
        carry_gap = False
        out.append(line)
    return out


def _blocks(lines: Iterable[_Line]) -> list[Block]:
    """Group lines into paragraphs at the blank lines."""
    out: list[list[_Line]] = []
    for line in lines:
        if line.gap or not out:
            out.append([line])
        else:
            out[-1].append(line)
    return [tuple(b) for b in out]


# ==== line shapes ==========================================================================

_MONTHS = (r"(?:January|February|March|April|May|June|July|August|September|October|November"
           r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?")
_WEEKDAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)"
_DAY_FIRST = rf"(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m1>{_MONTHS}),?\s+(?P<y1>\d{{4}})"
_MONTH_FIRST = rf"(?P<m2>{_MONTHS})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}})"
_ISO = r"(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2})"
_MONTH_YEAR = rf"{_MONTHS}(?:\s*[-–/]\s*{_MONTHS})?,?\s+\d{{4}}"
_SEASON = r"(?:Spring|Summer|Autumn|Fall|Winter)(?:\s*[-–/]\s*(?:Spring|Summer|Autumn|Fall|Winter))?\s+\d{4}"
_DATE = rf"{_WEEKDAY}?(?:{_DAY_FIRST}|{_MONTH_FIRST}|{_ISO}|{_MONTH_YEAR}|{_SEASON})"
_DATE_LINE = re.compile(rf"{_DATE}\.?", re.IGNORECASE)
_DATE_AT_END = re.compile(rf"(?:^|,\s*|\s)(?P<date>{_DATE}|\d{{4}})$", re.IGNORECASE)
_MONTH_NUMBER = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


def _is_date_line(text: str) -> bool:
    return _DATE_LINE.fullmatch(text) is not None


def _iso_date(text: str) -> str:
    """``30 July 2003`` → ``2003-07-30``; "" unless the text is one full, valid date."""
    m = _DATE_LINE.fullmatch(text.strip())
    if not m:
        return ""
    g = m.groupdict()
    for d, mo, y in (("d1", "m1", "y1"), ("d2", "m2", "y2"), ("d3", "m3", "y3")):
        if g.get(y):
            month = g[mo]
            num = int(month) if month.isdigit() else _MONTH_NUMBER[month[:3].lower()]
            try:
                return datetime.date(int(g[y]), num, int(g[d])).isoformat()
            except ValueError:
                return ""
    return ""


_NAME_PARTICLES = {"de", "da", "di", "du", "van", "von", "der", "den", "la", "le", "del",
                   "bin", "ibn", "al", "y", "e", "dos", "das", "ten", "ter", "st."}
_BYLINE = re.compile(r"(?:(?:Reviewed|Review|Written|Text|Interview)\s+)?by\s+(?P<names>.+)",
                     re.IGNORECASE)


def _byline_names(text: str) -> tuple[str, ...] | None:
    """``By Ann Lee and Bo Ma`` → the names; None when the line is not a byline."""
    m = _BYLINE.fullmatch(text)
    if not m or len(text) > 100 or not text[0].isupper():
        return None
    names = tuple(n.strip() for n in re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*",
                                              m.group("names")) if n.strip())
    return names if names and all(_is_name(n) for n in names) else None


def _is_name(text: str) -> bool:
    words = text.split()
    if not 1 <= len(words) <= 6:
        return False
    for w in words:
        if w.lower() in _NAME_PARTICLES:
            continue
        if not (w[0].isupper() and all(c.isalpha() or c in ".'’-" for c in w)):
            return False
    return not text.endswith(".") or re.search(r"\b[A-Z]\.$", text) is not None


_SOURCE_PREFIX = re.compile(
    r"(?:From|Source:|(?:Originally|First) (?:published|appeared|printed) (?:in|by)"
    r"|Published (?:in|by)|Reprinted (?:from|with permission from|by permission of)"
    r"|This (?:article|essay|review|piece|text|interview) (?:was )?(?:first |originally )?"
    r"(?:appeared|published|appears) in)\s+", re.IGNORECASE)


def _source_text(text: str) -> str | None:
    """The source line without its brackets, or None when ``text`` is not a source line."""
    bracketed = text.startswith("[") and text.endswith("]")
    inner = text[1:-1].strip() if bracketed else text
    m = _SOURCE_PREFIX.match(inner)
    if not m or not inner[:1].isupper():
        return None
    rest = inner[m.end():]
    if not rest[:1].isupper() and rest[:1] not in "“\"‘'":
        return None
    if bracketed:
        return inner if len(inner) <= 250 else None
    if len(inner) > 160 or len(inner.split()) > 25 or not re.search(r"\d{4}", inner):
        return None
    return inner


def _parse_source(source: str) -> tuple[str, str, str]:
    """``From Against the Current, 142, September-October 2009.`` → publication, issue, date.

    All three are "" unless the whole line splits cleanly.
    """
    text = source.strip()
    m = _SOURCE_PREFIX.match(text)
    if m:
        text = text[m.end():]
    text = text.rstrip(" .")
    date = ""
    dm = _DATE_AT_END.search(text)
    if dm:
        date = dm.group("date")
        text = text[:dm.start()].rstrip(" ,")
    parts = [p.strip() for p in text.split(",")] if text else []
    if not parts or not parts[0] or not parts[0][0].isupper() or len(parts) > 2:
        return "", "", ""
    issue = ""
    if len(parts) == 2:
        im = re.fullmatch(r"(?:(?:issue|no\.?|number|nr\.?|#)\s*)?(\d+[\w/.-]*)", parts[1],
                          re.IGNORECASE)
        if not im:
            return "", "", ""
        issue = im.group(1)
    return parts[0], issue, date


_TITLE_END_BAD = (".", ",", ";", ":", "-", "–", "—")


def _is_title(text: str) -> bool:
    """A line that could be a title: short, not a sentence, not another header line."""
    words = text.split()
    if not 1 <= len(words) <= 20 or len(text) > 160:
        return False
    if not (text[0].isupper() or text[0].isdigit() or text[0] in "“\"‘'«"):
        return False
    if text.endswith(_TITLE_END_BAD) or not any(c.isalpha() for c in text):
        return False
    return not (_byline_names(text) or _is_date_line(text) or _source_text(text)
                or _note_item(text) or _is_notes_heading_text(text))


_REVIEW_WORD = re.compile(r"\breview(s|ed)?\b", re.IGNORECASE)
_KIND_CUE = re.compile(r"\b(rejoinder|reply|replies|response|responds?|answer|"
                       r"review|reviews|reviewed)\b", re.IGNORECASE)


def _is_publication_line(text: str, title: str) -> bool:
    """``Green Left Weekly review``: a short line naming a review, right after a title."""
    return (len(text.split()) <= 8 and _REVIEW_WORD.search(text) is not None
            and not text.endswith(_TITLE_END_BAD) and _norm(text) != _norm(title)
            and _byline_names(text) is None)


def _norm(text: str) -> str:
    """Compare titles ignoring case, quote style and spacing."""
    text = re.sub(r"[“”\"«»„]", '"', text)
    text = re.sub(r"[‘’'`]", "'", text)
    return " ".join(text.lower().split())


# ==== pass 2: front matter =================================================================


def _front_matter(lines: list[_Line]) -> _Front:
    """Find the volume title and the editorial note; return where the pieces begin."""
    if not lines:
        return _Front("", 0, (), 0)
    first = lines[0]
    single = len(lines) == 1 or lines[1].gap
    if not (single and _is_title(first.text)) or _header_at(lines, 0) is not None:
        return _Front("", 0, (), 0)
    i = 1
    note: list[Block] = []
    blocks_from = _blocks(lines[1:])
    for block in _bracketed_note(blocks_from):
        note.append(block)
        i += len(block)
    if not note and i < len(lines) and _header_at(lines, i) is None:
        # no editorial note and no header after it: the first line titles the first piece
        return _Front("", 0, (), 1, first)
    return _Front(first.text, first.no, tuple(note), i)


def _bracketed_note(blocks: list[Block]) -> list[Block]:
    """The leading blocks that form one bracketed note ``[…]`` (possibly several paragraphs)."""
    if not blocks or not blocks[0][0].text.startswith("["):
        return []
    if _source_text(blocks[0][0].text) is not None and len(blocks[0]) == 1:
        return []
    taken: list[Block] = []
    for block in blocks:
        taken.append(block)
        if block[-1].text.endswith("]"):
            return taken
    return []


# ==== pass 2: piece headers ================================================================


def _header_at(lines: list[_Line], i: int, untitled_source_ok: bool = False
               ) -> tuple[_Header, int, list[tuple[int, str]]] | None:
    """Parse a piece header starting at line ``i``; None unless it has a strong line.

    Without a title a header needs a byline: a lone source line usually closes the piece
    before it (``From Green Left Weekly, July 30, 2003.``). Only where a piece must begin
    anyway (``untitled_source_ok``) does a source line alone open one.
    Returns the header, the index of the first body line, and the dropped duplicate titles.
    """
    n = len(lines)
    header = _Header(first_line=lines[i].no)
    j = i
    if _is_title(lines[i].text):
        header.title, header.title_line = lines[i].text, lines[i].no
        j += 1
    strong = False
    dropped: list[tuple[int, str]] = []
    review = bool(header.title and _REVIEW_WORD.search(header.title))
    while j < n and j - i < 16:
        text = lines[j].text
        if header.title and not dropped and _norm(text) == _norm(header.title) and j == i + 1:
            dropped.append((lines[j].no, text))
        elif (names := _byline_names(text)) and not header.authors:
            header.authors = names
            if text != "By " + " and ".join(names):
                header.byline = text
        elif (source := _source_text(text)) is not None and not header.source:
            header.source = source
        elif _is_date_line(text) and not header.date:
            header.date = text
            j += 1
            continue  # a date alone is not strong
        elif header.title and not header.publication_line and _is_publication_line(text, header.title):
            header.publication_line = text
            review = True
        elif review and header.book is None and (book := _book_at(lines, j)) is not None:
            header.book, j = book
            strong = True
            continue
        else:
            break
        strong = True
        j += 1
    if not strong:
        return None
    if not header.title and not (header.authors or (untitled_source_ok and header.source)):
        return None
    return header, j, dropped


_PAGES = re.compile(r"(?P<pages>\d+\s*(?:pages|pp\.?)|(?:pp\.?|pages)\s*\d+)", re.IGNORECASE)
_PRICE = re.compile(r"(?:[$£€¥]\s?\d|\d+(?:[.,]\d\d)?\s?(?:€|dollars|euros|pounds)|\bRRP\b|\bUS\$)",
                    re.IGNORECASE)
_PUBLISHER_YEAR = re.compile(r"(?P<publisher>[^,]+?),\s*(?P<year>(?:1[5-9]|20)\d\d)\.?")
_CREDIT = re.compile(r"(?:(?:Edited|Translated|Introduced|Selected|Compiled|Illustrated)"
                     r"(?:\s*(?:&|and)\s*\w+)?|(?:With an? )?(?:Introduction|Foreword|Preface|"
                     r"Afterword) by)\b.*", re.IGNORECASE)


def _is_book_detail(text: str) -> bool:
    return bool(_byline_names(text) or _PUBLISHER_YEAR.fullmatch(text) or _PAGES.search(text)
                or _PRICE.search(text) or _CREDIT.fullmatch(text) or re.search(r"\bISBN\b", text))


def _book_at(lines: list[_Line], j: int) -> tuple[_Book, int] | None:
    """The reviewed book's block at line ``j``: several short lines, or one catalogue line."""
    first = lines[j].text
    k = j + 1
    while k < len(lines) and not lines[k].gap and _is_book_detail(lines[k].text):
        k += 1
    if k > j + 1 and len(first) <= 200:
        return _book_from_lines([ln.text for ln in lines[j:k]]), k
    if len(first) <= 300 and re.search(r",\s*(?:1[5-9]|20)\d\d\.?$", first) and first.count(",") >= 2:
        return _book_from_catalogue_line(first), j + 1
    return None


def _book_from_lines(texts: list[str]) -> _Book:
    """Title line, then ``By X`` / ``Publisher, 2001`` / ``364 pages, $77 (hb)`` / credits."""
    authors: tuple[str, ...] = ()
    publisher = year = pages = price = ""
    details: list[str] = []
    for text in texts[1:]:
        names = _byline_names(text)
        pm = _PUBLISHER_YEAR.fullmatch(text)
        if names and not authors:
            authors = names
        elif pm and not publisher:
            publisher, year = pm.group("publisher").strip(), pm.group("year")
        elif (_PAGES.search(text) or _PRICE.search(text)) and not (pages or price):
            pages, price, rest = _pages_and_price(text)
            if rest:
                details.append(rest)
        else:
            details.append(text)
    return _Book(texts[0], authors, publisher, year, pages, price, "; ".join(details))


def _pages_and_price(text: str) -> tuple[str, str, str]:
    pages = price = ""
    rest: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if _PAGES.fullmatch(part) and not pages:
            pages = part
        elif _PRICE.search(part) and not price:
            price = part
        elif part:
            rest.append(part)
    return pages, price, ", ".join(rest)


def _book_from_catalogue_line(text: str) -> _Book:
    """``Author, Title (credits), Publisher, 2011`` → the fields; unclear parts stay in title."""
    body = text.rstrip(" .")
    ym = re.search(r",\s*((?:1[5-9]|20)\d\d)$", body)
    year = ym.group(1) if ym else ""
    body = body[:ym.start()] if ym else body
    details = [d.strip() for d in re.findall(r"\(([^()]*)\)", body)]
    body = re.sub(r"\s*\([^()]*\)", "", body)
    parts = [p.strip() for p in body.split(",") if p.strip()]
    publisher = parts.pop() if len(parts) >= 2 else ""
    authors: tuple[str, ...] = ()
    if len(parts) >= 2 and _is_name(parts[0]) and ":" not in parts[0]:
        authors = (parts.pop(0),)
    by = [p for p in parts if p.lower().startswith("by ")]
    if by and not authors and (names := _byline_names(by[0][0].upper() + by[0][1:])):
        authors = names
        parts.remove(by[0])
    return _Book(", ".join(parts), authors, publisher, year, "", "", "; ".join(details))


# ==== pass 2: cutting the dump into pieces =================================================


def _split_pieces(lines: list[_Line], front: _Front, warn: _Warnings) -> list[_Piece]:
    """Walk the lines; a header at the start of a paragraph closes the piece before it and
    opens a new one. Lines before the first header form a piece without a header."""
    pieces: list[_Piece] = []
    body: list[_Line] = []
    current: _Header | None = None
    if front.first_piece_title is not None:
        t = front.first_piece_title
        current = _Header(first_line=t.no, title=t.text, title_line=t.no)
    start = i = front.body_start
    after_header = False
    while i < len(lines):
        line = lines[i]
        found = _header_at(lines, i, i == start) if line.gap or i == start else None
        if found is None:
            if after_header and not line.gap:  # the header ended inside a paragraph
                line = _Line(line.no, line.text, True)
            body.append(line)
            after_header = False
            i += 1
            continue
        header, i, dropped = found
        if current is not None or body:
            pieces.append(_Piece(current or _Header(first_line=body[0].no), _blocks(body)))
        for no, text in dropped:
            warn.drop(no, text, "a repeated title line", "import-duplicate-title",
                      f"dropped the repeated title line {text!r}")
        current, body, after_header = header, [], True
    if current is not None or body:
        pieces.append(_Piece(current or _Header(first_line=body[0].no), _blocks(body)))
    return pieces


_WORD = re.compile(r"[^\W\d_]{2,}")


def _has_prose(piece: _Piece) -> bool:
    return any(len(_WORD.findall(line.text)) >= 3 for block in piece.body for line in block)


# ==== pass 3: trailing source, editorial source =============================================


def _take_trailing_source(piece: _Piece, warn: _Warnings) -> None:
    """A source line closing the piece is its source, unless the header already gave one."""
    if not piece.body:
        return
    last = piece.body[-1]
    source = _source_text(last[-1].text)
    if source is None:
        return
    if piece.header.source:
        warn(last[-1].no, "import-source-kept", "a second source line is kept as text",
             "move it into the front matter by hand if it is a source")
        return
    piece.header.source = source
    piece.body = piece.body[:-1] + ([last[:-1]] if len(last) > 1 else [])


_EDITORIAL_FIRST = re.compile(
    r"\bfirst (?:essay|article|piece|text)\b[^.]*?\b(?:appeared|published|printed) in\s+"
    r"(?P<src>[A-Z][^.]*?\d{4})", re.IGNORECASE)


def _apply_editorial_source(pieces: list[_Piece], front: _Front, warn: _Warnings) -> None:
    """"The first essay … first appeared in X, issue 3, May 2008." gives piece 1 its source."""
    note = " ".join(line.text for block in front.note for line in block)
    m = _EDITORIAL_FIRST.search(note)
    if not pieces or not m or pieces[0].header.source:
        return
    publication, issue, date = _parse_source(m.group("src"))
    if not publication:
        return
    first = pieces[0]
    first.publication, first.issue = publication, issue
    if not first.header.date:
        first.header.date = date
    warn(front.note[0][0].no, "import-source-from-note",
         f"publication of piece 1 taken from the editorial note: {m.group('src')!r}",
         "check publication, issue and date in its front matter")


# ==== pass 3: notes region ==================================================================

_NOTE_ITEM = [
    (re.compile(r"(?P<label>\d{1,3})[.)]\s+(?P<text>\S.*)"), "number"),
    (re.compile(r"\[(?P<label>\d{1,3})\]\s*(?P<text>\S.*)"), "bracket"),
    (re.compile(r"\((?P<label>\d{1,3})\)\s*(?P<text>\S.*)"), "paren"),
    (re.compile(r"(?P<label>[⁰¹²³⁴⁵⁶⁷⁸⁹]+)\s*(?P<text>\S.*)"), "super"),
    (re.compile(r"(?P<label>\*{1,3}|†{1,2}|‡)\s*(?P<text>\S.*)"), "symbol"),
    (re.compile(r"(?P<label>\d{1,3})\s+(?P<text>[^\d\s].*)"), "bare"),
]
_SUPER = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_NOTES_HEADING = re.compile(r"(?:notes?|endnotes|footnotes|notes and references|references and notes)"
                            r"\s*:?", re.IGNORECASE)


def _note_item(text: str) -> tuple[str, str] | None:
    """``12. Ibid.`` → ("12", "Ibid."); labels of superscript digits become ASCII digits."""
    for pattern, _style in _NOTE_ITEM:
        m = pattern.fullmatch(text)
        if m:
            return m.group("label").translate(_SUPER), m.group("text")
    return None


def _is_notes_heading_text(text: str) -> bool:
    return _NOTES_HEADING.fullmatch(text) is not None


def _find_notes(body: list[Block], warn: _Warnings) -> _Region | None:
    """The notes at the end of a body: the earliest block from which everything is notes.

    Under a Notes heading the items may run on over paragraphs and restart their numbers;
    without one, only the trailing run of paragraphs that each begin with an item can be
    notes, and their numbers must rise from 1.
    """
    tail = len(body)
    while tail > 0 and _note_item(body[tail - 1][0].text) is not None:
        tail -= 1
    for s, block in enumerate(body):
        if len(block) == 1 and _is_notes_heading_text(block[0].text) and s + 1 < len(body):
            notes = _parse_items(body[s + 1:], loose=True, warn=None)
            if notes:
                _parse_items(body[s + 1:], loose=True, warn=warn)  # now report what it drops
                return _Region(s, tuple(body[s:]), notes)
        elif s >= tail:
            first = _note_item(block[0].text)
            if first is not None and (first[0] == "1" or not first[0].isdigit()):
                notes = _parse_items(body[s:], loose=False, warn=None)
                if notes and _numbers_rise_from_one(notes):
                    return _Region(s, tuple(body[s:]), notes)
    return None


def _parse_items(blocks: list[Block], loose: bool, warn: _Warnings | None) -> tuple[_Note, ...]:
    """Note items of ``blocks``; () unless every line belongs to a note.

    Strictly (no heading), each block must begin with an item. Under a Notes heading a line
    or block that does not is more text of the previous note, or, when it is a title-like
    line just before an item that restarts the numbering at 1, a group heading ("Notes to
    chapter 2"), which is dropped (reported).
    """
    flat = [(line, li) for block in blocks for li, line in enumerate(block)]
    notes: list[list] = []  # [label, lines, first_text, group]
    group = 0
    last_number = 0
    for k, (line, li) in enumerate(flat):
        item = _note_item(line.text)
        if item is None:
            if not loose and li == 0:
                return ()
            nxt = _note_item(flat[k + 1][0].text) if k + 1 < len(flat) else None
            if loose and nxt is not None and nxt[0] == "1" and _is_title(line.text):
                if warn is not None:
                    warn.drop(line.no, line.text, "a heading inside a notes list",
                              "import-notes-heading-dropped",
                              f"dropped the heading {line.text!r} inside the notes",
                              "the notes are now with the piece that refers to them")
                continue
            if not notes:
                return ()
            notes[-1][1].append(line)
            continue
        label, text = item
        if label.isdigit():
            if int(label) <= last_number:
                group += 1
            last_number = int(label)
        notes.append([label, [line], text, group])
    return tuple(_Note(lbl, tuple(lines), text, grp) for lbl, lines, text, grp in notes)


def _numbers_rise_from_one(notes: tuple[_Note, ...]) -> bool:
    numbers = [int(n.label) for n in notes if n.label.isdigit()]
    return not numbers or (numbers[0] == 1 and all(a < b for a, b in zip(numbers, numbers[1:])))


# ==== pass 4: linking references ===========================================================

_REF = re.compile(r"\((?P<paren>\d{1,3})\)|\[(?P<bracket>\d{1,3})\]|(?P<super>[⁰¹²³⁴⁵⁶⁷⁸⁹]+)"
                  r"|(?<=[\w.,;:!?”’\"')\]])(?P<symbol>\*{1,3}|†{1,2}|‡)(?![\w*†‡])")


def _candidates(body: list[Block]) -> list[_Cand]:
    """Every place in the body that has the shape of a note reference, in reading order."""
    out: list[_Cand] = []
    for bi, block in enumerate(body):
        for li, line in enumerate(block):
            for m in _REF.finditer(line.text):
                syntax = m.lastgroup or ""
                label = m.group(syntax).translate(_SUPER)
                before = line.text[m.start() - 1] if m.start() else ""
                glued = before != "" and not before.isspace() and before not in "([{"
                out.append(_Cand(bi, li, m.start(), m.end(), label, glued, syntax))
    return out


def _link_notes(pieces: list[_Piece], warn: _Warnings) -> int:
    """Match every notes region with references; return how many notes got one."""
    cands = [_candidates(p.body) for p in pieces]
    owners: list[int | None] = []
    regions = [(i, p.region) for i, p in enumerate(pieces) if p.region is not None]
    for idx, (i, region) in enumerate(regions):
        is_last = idx == len(regions) - 1 and i == len(pieces) - 1
        recipients = [i]
        if is_last:
            without = [k for k in range(i) if pieces[k].region is None]
            recipients = _choose_recipients(region.notes, cands, without + [i], i)
        result = _match(region.notes, [cands[k] for k in recipients])
        if not any(hits for _, hits in result):
            _revert_region(pieces[i])
            continue
        owners.extend(_record_links(pieces, recipients, region.notes, result, warn))
    _warn_orphan_references(pieces, cands, warn)
    return sum(1 for o in owners if o is not None)


def _choose_recipients(notes: tuple[_Note, ...], cands: list[list[_Cand]],
                       candidates: list[int], holder: int) -> list[int]:
    """Read the last list as book-wide when that links more notes than reading it as the
    last piece's own."""
    own = _count(_match(notes, [cands[holder]]))
    if own == len(notes) or len(candidates) == 1:
        return [holder]
    wide = _count(_match(notes, [cands[k] for k in candidates]))
    return candidates if wide > own else [holder]


def _count(result: list[tuple[int, list[_Cand]]]) -> int:
    return sum(1 for _, hits in result if hits)


def _match(notes: tuple[_Note, ...], pieces: list[list[_Cand]]) -> list[tuple[int, list[_Cand]]]:
    """For each note (in list order): (piece position, its references) — position -1, [] if none.

    Numbered notes are matched in sequence; a group of notes whose numbering restarts is
    matched from the next piece that has a reference to its first note.
    """
    out: list[tuple[int, list[_Cand]]] = [(-1, []) for _ in notes]
    cur_piece, cur_pos = 0, -1
    numbered = [k for k, n in enumerate(notes) if n.label.isdigit()]
    for order, k in enumerate(numbered):
        note = notes[k]
        if order and note.group != notes[numbered[order - 1]].group:
            cur_piece, cur_pos = _next_group_start(note.label, pieces, cur_piece, cur_pos)
        nxt = notes[numbered[order + 1]] if order + 1 < len(numbered) else None
        nxt_label = nxt.label if nxt is not None and nxt.group == note.group else None
        for p in range(cur_piece, len(pieces)):
            start = cur_pos + 1 if p == cur_piece else 0
            hit = _find_in_sequence(pieces[p], start, note.label, nxt_label)
            if hit is not None:
                out[k] = (p, [pieces[p][hit]])
                cur_piece, cur_pos = p, hit
                break
    _match_symbols(notes, pieces, out)
    _add_repeats(notes, pieces, out)
    return out


def _next_group_start(label: str, pieces: list[list[_Cand]], cur_piece: int,
                      cur_pos: int) -> tuple[int, int]:
    """A restarted numbering belongs to the next piece that refers to its first label."""
    def refers(p: int, after: int) -> bool:
        return any(c.label == label and c.glued and c.syntax != "symbol"
                   for c in pieces[p][after + 1:])

    for p in range(cur_piece + (1 if cur_pos >= 0 else 0), len(pieces)):
        if refers(p, -1):
            return p, -1
    if cur_piece < len(pieces) and refers(cur_piece, cur_pos):
        return cur_piece, cur_pos
    return len(pieces), -1


def _find_in_sequence(cands: list[_Cand], start: int, label: str, nxt: str | None) -> int | None:
    """The reference to note ``label``: glued first, else spaced, before the next note's."""
    numeric = [i for i in range(start, len(cands)) if cands[i].syntax != "symbol"]
    limit = len(cands)
    if nxt is not None:
        limit = next((i for i in numeric if cands[i].label == nxt and cands[i].glued), limit)
    inside = [i for i in numeric if i < limit and cands[i].label == label]
    glued = [i for i in inside if cands[i].glued]
    if glued:
        return glued[0]
    return inside[0] if inside else None


def _match_symbols(notes: tuple[_Note, ...], pieces: list[list[_Cand]],
                   out: list[tuple[int, list[_Cand]]]) -> None:
    """``*`` and ``†`` notes take the first unused glued marker with the same symbol."""
    used = {id(c) for _, hits in out for c in hits}
    for k, note in enumerate(notes):
        if note.label.isdigit():
            continue
        for p, cands in enumerate(pieces):
            hit = next((c for c in cands if c.syntax == "symbol" and c.label == note.label
                        and id(c) not in used), None)
            if hit is not None:
                out[k] = (p, [hit])
                used.add(id(hit))
                break


def _add_repeats(notes: tuple[_Note, ...], pieces: list[list[_Cand]],
                 out: list[tuple[int, list[_Cand]]]) -> None:
    """A later glued marker of an already linked label, same syntax, is a second reference."""
    used = {id(c) for _, hits in out for c in hits}
    for k, note in enumerate(notes):
        p, hits = out[k]
        if not hits or not note.label.isdigit():
            continue
        first = hits[0]
        for c in pieces[p]:
            if (id(c) not in used and c.glued and c.label == note.label and c.syntax == first.syntax
                    and (c.block, c.line, c.start) > (first.block, first.line, first.start)):
                hits.append(c)
                used.add(id(c))


def _record_links(pieces: list[_Piece], recipients: list[int], notes: tuple[_Note, ...],
                  result: list[tuple[int, list[_Cand]]], warn: _Warnings) -> list[int | None]:
    """Give each note to the piece that refers to it; an unreferenced note stays with the
    piece of the note before it (reported)."""
    owners: list[int | None] = []
    last_owner = recipients[0]
    for note, (p, hits) in zip(notes, result):
        owner = recipients[p] if hits else last_owner
        taken = {n.label for n in pieces[owner].notes}
        if note.label in taken:  # a second note of that label in the piece: its own label
            label = next(f"{note.label}-{n}" for n in range(2, len(taken) + 3)
                         if f"{note.label}-{n}" not in taken)
            warn(note.lines[0].no, "import-note-relabelled",
                 f"a second note {note.label!r} in the same piece is called {label!r}",
                 "check which reference it belongs to: [^" + label + "]")
            note = replace(note, label=label)
        if hits:
            for c in hits:
                pieces[owner].links.setdefault((c.block, c.line), []).append((c.start, c.end, note.label))
            owners.append(owner)
        else:
            owners.append(None)
            warn(note.lines[0].no, "import-note-unreferenced",
                 f"note {note.label!r} has no reference in the text",
                 "add [^" + note.label + "] where it belongs, or delete the note")
        pieces[owner].notes.append(note)
        last_owner = owner
    return owners


def _revert_region(piece: _Piece) -> None:
    """A list nobody refers to is not notes: it goes back into the body as it was."""
    assert piece.region is not None
    piece.extra_blocks = list(piece.region.blocks)
    piece.region = None


def _warn_orphan_references(pieces: list[_Piece], cands: list[list[_Cand]], warn: _Warnings) -> None:
    """Report marks that can only be note references but match no note: superscript digits,
    glued ``[n]``, daggers, and a glued ``(n)`` just past a piece's last note."""
    for piece, pc in zip(pieces, cands):
        linked = {(b, ln, start) for (b, ln), spans in piece.links.items() for start, _, _ in spans}
        numbers = [int(n.label) for n in piece.notes if n.label.isdigit()]
        top = max(numbers, default=0)
        for c in pc:
            if (c.block, c.line, c.start) in linked:
                continue
            orphan = (c.syntax == "super" or (c.syntax == "bracket" and c.glued)
                      or (c.syntax == "symbol" and c.label[0] in "†‡")
                      or (c.syntax == "paren" and c.glued and numbers and top < int(c.label) <= top + 2))
            if orphan:
                line = piece.body[c.block][c.line]
                warn(line.no, "import-reference-without-note",
                     f"{line.text[c.start:c.end]!r} looks like a note reference but no note matches",
                     "add the note, or leave it if it is not a reference")


# ==== kinds, titles ==========================================================================


def _assign_kinds(pieces: list[_Piece], warn: _Warnings) -> None:
    """Kind from a cue word in the title or publication line, else from order and authors."""
    essay_authors: tuple[str, ...] = ()
    seen_response = False
    for i, piece in enumerate(pieces):
        h = piece.header
        cue = _KIND_CUE.search(f"{h.title} {h.publication_line}")
        word = cue.group(1).lower() if cue else ""
        guessed = False
        if word == "rejoinder":
            kind = "rejoinder"
        elif word.startswith(("repl", "respon", "answer")):
            kind = "rejoinder" if seen_response and set(h.authors) & set(essay_authors) else "response"
        elif word.startswith("review") or h.book is not None:
            kind = "review"
        else:
            guessed = True
            if i == 0:
                kind = "essay"
            elif essay_authors and h.authors and not set(h.authors) & set(essay_authors):
                kind = "response" if not seen_response else "article"
            elif essay_authors and set(h.authors) & set(essay_authors) and seen_response:
                kind = "rejoinder"
            else:
                kind = "article"
        if i == 0 and kind == "essay":
            essay_authors = h.authors
        seen_response = seen_response or kind == "response"
        piece.kind = kind
        if guessed:
            warn(h.title_line or h.first_line, "import-kind-guessed",
                 f"piece {i + 1} taken to be {'an' if kind[0] in 'aeiou' else 'a'} {kind} "
                 "from its place in the dump", "set kind in its front matter if that is wrong")


def _supply_titles(pieces: list[_Piece], warn: _Warnings) -> None:
    """A piece without a title gets a placeholder the editor must replace."""
    for i, piece in enumerate(pieces):
        h = piece.header
        if h.title:
            continue
        by = f" by {_join_names(h.authors)}" if h.authors else ""
        h.title = f"Untitled {piece.kind}{by}"
        h.title_supplied = True
        warn(h.first_line, "import-title-supplied",
             f"piece {i + 1} has no title; called it {h.title!r}",
             "supply the title in its front matter (title_supplied = true marks it)")


def _join_names(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# ==== pass 5: Markdown ======================================================================

_OPEN_Q = "“\"«„"
_CLOSE_Q = "”\"»"
_CITATION = re.compile(r"\s*\((?P<cite>[^()]{1,80})\)\s*[.,;]?$")
_SAYING = re.compile(
    r"\b(wr[io]te|writes|written|says?|said|states?|stated|statement|declared?s?|puts it|put it|"
    r"passage|following|as follows|titled|entitled|observe[sd]?|notes|noted|remark(s|ed)?|"
    r"argue[sd]?|asserts?|asserted|explain(s|ed)?|describe[sd]?|reflects|recall(s|ed)?|"
    r"conclude[sd]?|insist(s|ed)?|tells|told|ask(s|ed)|continue[sd]|adds|added|quoted?|"
    r"words|reads|in full)\b", re.IGNORECASE)


def _citation(text: str) -> re.Match[str] | None:
    """A short closing parenthetical with a page or year: ``(184)``, ``(Serge, Memoirs, 107)``."""
    m = _CITATION.search(text)
    if not m:
        return None
    cite = m.group("cite")
    if not re.search(r"\d|\bibid\b", cite, re.IGNORECASE) or len(cite.split()) > 12:
        return None
    return m


def _quote_shape(text: str) -> str:
    """"whole": opens at the start and closes exactly at the end (citation aside);
    "open": opens at the start and never closes; "" otherwise."""
    m = _citation(text)
    core = (text[:m.start()] if m else text).rstrip().rstrip(".,;")
    if len(core) < 2 or core[0] not in _OPEN_Q:
        return ""
    stack: list[str] = []
    for i, ch in enumerate(core):
        if ch == '"':
            if stack and stack[-1] == '"':
                stack.pop()
            else:
                stack.append('"')
        elif ch in "“«„":
            stack.append(ch)
        elif ch in "”»":
            if stack and stack[-1] != '"':
                stack.pop()
        else:
            continue
        if not stack:
            return "whole" if i == len(core) - 1 else ""
    return "open"


def _has_double_quotes(text: str) -> bool:
    return any(ch in _OPEN_Q or ch in _CLOSE_Q for ch in text)


def _last_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?”])\s+(?=[A-Z“])", text)[-1]


def _introduces(text: str) -> bool:
    """Does this paragraph introduce a quotation: ends with ':' or its last sentence says so."""
    return text.endswith(":") or _SAYING.search(_last_sentence(text)) is not None


def _quote_ranges(texts: list[str | None]) -> list[tuple[int, int, str]]:
    """Block quotations among paragraphs (None = not a plain paragraph): (first, last, why)."""
    out: list[tuple[int, int, str]] = []
    i = 0
    n = len(texts)
    while i < n:
        t = texts[i]
        if t is None:
            i += 1
            continue
        shape = _quote_shape(t)
        if shape == "whole":
            out.append((i, i, "a paragraph wholly in quotation marks"))
            i += 1
            continue
        if shape == "open":
            j = i + 1
            while j < n and texts[j] is not None and _quote_shape(texts[j]) == "open":
                j += 1
            if j < n and texts[j] is not None and _quote_shape(texts[j]) == "whole":
                out.append((i, j, "paragraphs opening quotation marks, the last one closing them"))
                i = j + 1
                continue
        cite = _citation(t)
        if cite and re.search(r"[.!?…]\s*$", t[:cite.start()]) and not _has_double_quotes(t[:cite.start()]):
            first = _quoted_run_start(texts, i)
            if first is not None:
                out.append((first, i, "a passage ending with a citation after an introduction"))
                i += 1
                continue
        prev = texts[i - 1] if i else None
        if (prev is not None and prev.endswith(":") and _SAYING.search(_last_sentence(prev))
                and not _has_double_quotes(t) and (not out or out[-1][1] != i - 1)):
            out.append((i, i, "the paragraph after an introduction ending with ':'"))
        i += 1
    return out


def _quoted_run_start(texts: list[str | None], end: int) -> int | None:
    """Walk back (≤ 3 paragraphs) from a cited passage to the paragraph that introduces it."""
    for k in range(end - 1, max(end - 4, -1), -1):
        t = texts[k]
        if t is None:
            return None
        if _introduces(t):
            return k + 1
        if _has_double_quotes(t):
            return None
    return None


_ORDERED = re.compile(r"(\d{1,3})\.\s+\S")
_BULLET = re.compile(r"[-*+•]\s+\S")


def _list_kind(block: Block) -> str:
    """"ordered"/"bullet" when every line (or every item's first line) is a list item."""
    if _ORDERED.match(block[0].text):
        return "ordered"
    if all(_BULLET.match(line.text) for line in block):
        return "bullet"
    return ""


def _is_heading(text: str) -> bool:
    words = text.split()
    return (1 <= len(words) <= 12 and len(text) <= 90
            and (text[0].isupper() or text[0].isdigit())
            and not text.endswith((".", ",", ";", ":", "…"))
            and any(c.isalpha() for c in text)
            and not _quote_shape(text) and not _note_item(text) and not _is_date_line(text)
            and _byline_names(text) is None and _citation(text) is None)


def _body_markdown(piece: _Piece, warn: _Warnings) -> str:
    """Classify the body's blocks and write them as Markdown."""
    blocks = piece.body + piece.extra_blocks
    kinds: list[str] = []
    for bi, block in enumerate(blocks):
        if _list_kind(block):
            kinds.append("list")
        elif len(block) == 1 and bi + 1 < len(blocks) and _is_heading(block[0].text):
            kinds.append("heading")
        else:
            kinds.append("para")
    texts = [_plain_text(block, bi, piece.links) if k == "para" else None
             for bi, (block, k) in enumerate(zip(blocks, kinds))]
    quoted: set[int] = set()
    for first, last, why in _quote_ranges(texts):
        quoted.update(range(first, last + 1))
        warn(blocks[first][0].no, "import-blockquote-guessed",
             f"set as a block quotation: {why}", "remove the '> ' marks if it is not a quotation")
    out: list[str] = []
    for bi, (block, kind) in enumerate(zip(blocks, kinds)):
        links = [piece.links.get((bi, li), []) for li in range(len(block))]
        lines = [_inline(ln.text, lk) for ln, lk in zip(block, links)]
        if kind == "heading":
            out.append("## " + lines[0].replace("#", "\\#"))
        elif kind == "list":
            out.append(_list_markdown(block, links))
        elif bi in quoted:
            quote = "\n".join("> " + _safe_start(t) for t in lines)
            if bi - 1 in quoted and out:
                out[-1] += "\n>\n" + quote
            else:
                out.append(quote)
        else:
            out.append("\n".join(_safe_start(t) for t in lines))
    return "\n\n".join(out)


def _plain_text(block: Block, bi: int, links: dict[tuple[int, int], list[tuple[int, int, str]]]) -> str:
    """The paragraph's text with its linked note markers cut out, for shape tests."""
    out = []
    for li, line in enumerate(block):
        text = line.text
        for start, end, _ in sorted(links.get((bi, li), []), reverse=True):
            text = text[:start] + text[end:]
        out.append(text)
    return " ".join(out)


def _list_markdown(block: Block, links: list[list[tuple[int, int, str]]]) -> str:
    """Keep a list a list: items as written, other lines as indented continuations."""
    out: list[str] = []
    for line, lk in zip(block, links):
        ordered = _ORDERED.match(line.text)
        bullet = _BULLET.match(line.text)
        if ordered:
            out.append(f"{ordered.group(1)}. " + _safe_start(_inline(line.text, lk, ordered.end() - 1)))
        elif bullet:
            out.append("- " + _safe_start(_inline(line.text, lk, bullet.end() - 1)))
        else:
            out.append("    " + _safe_start(_inline(line.text, lk)))
    return "\n".join(out)


_INLINE_ESCAPE = re.compile(r"([\\*_\[\]{}`])")
_ENTITY = re.compile(r"&(?=#?\w+;)")


def _inline(text: str, links: list[tuple[int, int, str]], offset: int = 0) -> str:
    """Escape ``text[offset:]`` for Markdown, putting ``[^label]`` where linked markers stood."""
    out: list[str] = []
    pos = offset
    for start, end, label in sorted(links):
        if start < offset:
            continue
        out.append(_escape(text[pos:start]))
        out.append(f"[^{label}]")
        pos = end
    out.append(_escape(text[pos:]))
    return "".join(out)


def _escape(text: str) -> str:
    text = _INLINE_ESCAPE.sub(r"\\\1", text)
    text = _ENTITY.sub("&amp;", text)
    return text.replace("<", "&lt;")


def _safe_start(text: str) -> str:
    """Escape what Markdown would read as block syntax at the start of a line."""
    if re.match(r"[#>+\-]", text):
        return "\\" + text
    m = re.match(r"(\d+)([.)])(\s|$)", text)
    if m:
        return f"{m.group(1)}\\{m.group(2)}{text[m.end(2):]}"
    if re.fullmatch(r"=+\s*", text):
        return "&#61;" + text[1:]
    return text


# ==== pass 5: files ==========================================================================


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words)[:40].strip("-")


def _piece_slugs(pieces: list[_Piece]) -> list[str]:
    """Surname of the first author (with the kind when a surname repeats), else the title."""
    bases = []
    for p in pieces:
        if p.header.authors:
            bases.append(_slug(p.header.authors[0].split()[-1]))
        else:
            stop = {"a", "an", "the", "of", "on", "and"}
            words = [w for w in re.findall(r"[a-z0-9]+", _slug(p.header.title).replace("-", " "))
                     if w not in stop and len(w) > 1]  # "Serge's" → serge, not serge-s
            bases.append("-".join(words[:4]))
    out = []
    for i, (base, p) in enumerate(zip(bases, pieces)):
        if p.header.authors and bases.count(base) > 1:
            base = f"{base}-{p.kind}"
        out.append(f"{i + 1:02d}-{base or 'piece'}")
    return out


def _front_matter_toml(piece: _Piece) -> str:
    h = piece.header
    publication, issue, date = _parse_source(h.source) if h.source else ("", "", "")
    if h.publication_line:
        # the header's own line, verbatim ("Green Left Weekly review"): no word is dropped
        publication = h.publication_line
    doc: dict = {
        "title": h.title,
        "title_supplied": h.title_supplied,
        "subtitle": "",
        "authors": list(h.authors),
        **({"byline": h.byline} if h.byline else {}),
        "kind": piece.kind,
        "source": h.source,
        "publication": publication or piece.publication,
        "issue": issue or piece.issue,
        "date": h.date or date,
    }
    if h.book is not None:
        b = h.book
        doc["reviewed"] = {"title": b.title, "authors": list(b.authors), "publisher": b.publisher,
                           "year": b.year, "pages": b.pages, "price": b.price, "details": b.details}
    return tomli_w.dumps(doc, multiline_strings=False)


def _notes_markdown(piece: _Piece) -> str:
    out = []
    for note in piece.notes:
        first = f"[^{note.label}]: " + _inline(note.first_text, [])
        rest: list[str] = []
        for line in note.lines[1:]:
            if line.gap:
                rest.append("")
            rest.append("    " + _safe_start(_inline(line.text, [])))
        out.append("\n".join([first, *rest]))
    return "\n\n".join(out)


def _emit(front: _Front, pieces: list[_Piece], warn: _Warnings) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    names = [f"pieces/{slug}.md" for slug in _piece_slugs(pieces)]
    for name, piece in zip(names, pieces):
        front_matter = "+++\n" + _front_matter_toml(piece) + "+++\n"
        parts = [_body_markdown(piece, warn), _notes_markdown(piece)]
        text = front_matter + "\n" + "\n\n".join(p for p in parts if p) + "\n"
        files[name] = text.encode("utf-8")
    files["volume.toml"] = _volume_toml(front, pieces, names, warn).encode("utf-8")
    return files


def _volume_toml(front: _Front, pieces: list[_Piece], names: list[str], warn: _Warnings) -> str:
    title = front.title
    if not title:
        title = next((p.header.title for p in pieces if not p.header.title_supplied), "")
        title = title or "Untitled volume"
        warn(pieces[0].header.first_line if pieces else 0, "import-volume-title-guessed",
             f"the dump has no title of its own; the volume is called {title!r}",
             "set title in volume.toml")
    doc: dict = {"title": title, "language": "en"}
    dates = [d for p in pieces for d in (_iso_date(p.header.date),
                                         _iso_date(_parse_source(p.header.source)[2])) if d]
    if dates:
        doc["date"] = max(dates)
    if front.note:
        doc["editorial_note"] = _editorial_markdown(front.note)
    doc["pieces"] = names
    if warn.removed:
        doc["removed"] = [{"line": no, "text": text, "why": why}
                          for no, text, why in sorted(warn.removed)]
    return tomli_w.dumps(doc, multiline_strings=True)


def _editorial_markdown(note: tuple[Block, ...]) -> str:
    """The bracketed note without its brackets, as Markdown paragraphs."""
    paragraphs = [[ln.text for ln in block] for block in note]
    paragraphs[0][0] = paragraphs[0][0][1:].lstrip()
    paragraphs[-1][-1] = paragraphs[-1][-1][:-1].rstrip()
    return "\n\n".join("\n".join(_safe_start(_escape(t)) for t in p if t) for p in paragraphs)

"""Turn the shared HTML book into a print-ready PDF.

The PDF is set from the very HTML the EPUB is made from (``shared_html``): ``base.css``, then
the print layer ``styles/print.css``, then a few ``@page`` rules written here for the trim
size, bleed, crop marks and large print. The print HTML differs from the shared HTML only by
what paper needs: running-head strings and bookmark labels as data attributes, page numbers
in the contents, and, in footnote mode, each note's text moved to its first call (one note
source, two renderings). Nothing is fetched from the network or the system: the fonts come
from the package's styles folder and any other URL is refused.

:func:`print_edition` also returns the page map of the very layout it draws (where each
page begins, in the shared HTML's ids and words: see ``pagemap.py``). So the map can name
the shared HTML's places, the print HTML marks where it departs from the shared HTML:
``data-shared="added"`` on text only print has, ``data-shared="moved"`` on a footnote (an
endnote elsewhere in the shared HTML), ``data-shared-tag`` on an element whose tag print
changed.
"""

from __future__ import annotations

import copy
import logging
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import lxml.html
from lxml import etree

from .. import dates
from ..errors import Diagnostic, InputError, OutputError
from ..model import Book, PrintOptions
from .pagemap import SHARED, SHARED_TAG, PageMap, assemble, layout_key
from ..render import shared_html
from ..resources import styles_dir

if TYPE_CHECKING:
    from .layout import Pool
    from ..timings import Timings

log = logging.getLogger(__name__)

__all__ = ["PrintOptions", "PrintEdition", "TRIMS", "write_pdf", "print_edition", "print_html",
           "edition_name", "layout_key"]

FONT_FAMILY = "Anthology Charis"  # a private name, so a system "Charis SIL" is never used
NOTE_MODES = ("endnotes", "footnotes")
VARIANTS = ("", "pdf/a-2b", "pdf/ua-1")
MARKS = ("", "crop")
_LENGTH = re.compile(r"^(0|\d+(\.\d+)?(mm|cm|in|pt|pc|px|q))$")


@dataclass(frozen=True)
class _Trim:
    """A page size and the type and margins that suit it."""

    width: str
    height: str
    size: float  # body type, pt
    leading: float  # line height, as a multiple of the type size
    top: str  # the running head sits in the top margin
    bottom: str  # the dropped folio sits in the bottom margin
    inner: str  # the gutter
    outer: str


# Margins keep a measure of about 60-70 characters; the gutter is the larger side margin.
TRIMS: dict[str, _Trim] = {
    "a5": _Trim("148mm", "210mm", 10.5, 1.38, "19mm", "21mm", "20mm", "16mm"),
    "6x9in": _Trim("6in", "9in", 11, 1.38, "20mm", "22mm", "21mm", "16mm"),
    "a4": _Trim("210mm", "297mm", 12, 1.4, "26mm", "30mm", "36mm", "28mm"),
    "letter": _Trim("8.5in", "11in", 12, 1.4, "24mm", "28mm", "36mm", "28mm"),
}
# Large print: the same book on a larger leaf, with type near 16 pt and more leading.
LARGE_PRINT: dict[str, _Trim] = {
    "a4": _Trim("210mm", "297mm", 16, 1.5, "24mm", "26mm", "24mm", "18mm"),
    "letter": _Trim("8.5in", "11in", 16, 1.5, "22mm", "24mm", "24mm", "18mm"),
}

# How the page-list's source names each trim (the EPUB's pageBreakSource).
TRIM_NAMES = {"a5": "A5 (148 × 210 mm)", "6x9in": "6 × 9 in (152 × 229 mm)",
              "a4": "A4 (210 × 297 mm)", "letter": "US Letter (8.5 × 11 in)"}

# Glyphs Charis SIL lacks, and what print sets instead (a fallback font would be embedded).
_PRINT_SUBSTITUTES = {"\u21a9\ufe0e": "\u2191", "\u21a9": "\u2191"}
_LOOSE_BLOCKS = 12  # about a page of paragraphs after a call
_FOOTNOTE_BLOCKS = ("p", "li", "blockquote", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6")
_BLOCK_TAGS = {"p", "div", "blockquote", "ol", "ul", "li", "dl", "dt", "dd", "pre", "table",
               "h1", "h2", "h3", "h4", "h5", "h6", "section", "header", "figure", "hr"}


@dataclass(frozen=True)
class PrintEdition:
    """The PDF and the page map of the one layout it was drawn from."""

    pdf: bytes
    pages: PageMap
    anchors: dict[str, str]  # the page label of every index anchor ("ix-…"), for the index
    labels: dict[str, str] = field(default_factory=dict)  # every anchor's page label


def write_pdf(book: Book, options: PrintOptions,
              progress: Callable[[str], None] | None = None, jobs: int = 0) -> bytes:
    """Lay out the book and return the PDF's bytes; the same book gives the same bytes."""
    return print_edition(book, options, progress=progress, jobs=jobs).pdf


def print_edition(book: Book, options: PrintOptions, key: str = "",
                  progress: Callable[[str], None] | None = None, jobs: int = 0,
                  pool: "Pool | None" = None, timings: "Timings | None" = None,
                  on_map: Callable[[PageMap, dict[str, str]], None] | None = None,
                  ) -> PrintEdition:
    """Lay out the book once; return the PDF's bytes and the page map of that same layout.

    The book is cut into chunks at recto breaks and each chunk is laid out once, in ``jobs``
    worker processes (0: :func:`layout.default_jobs`; or those of ``pool``), the contents and the
    index last, with the page numbers the others gave (see ``layout.py``). ``key`` is stored in the map (see
    :func:`layout_key`, the default), so a later EPUB-only build can tell whether the map
    still fits. ``on_map(page_map, index_pages)`` is called as soon as every chunk is laid
    out, while the last ones may still be drawing. The bytes do not depend on ``jobs``.
    """
    from . import layout

    _check(book, options)
    step = progress or (lambda message: None)
    started = time.perf_counter()
    root, calls = _print_tree(book, options)
    key = key or layout_key(book, options)
    cut = _Cut(root, calls)
    edition = edition_name(book, options)
    if timings is not None:
        timings.add("pdf: print HTML", time.perf_counter() - started)

    def make_html(i: int, labels: dict[str, str]) -> str:
        chunk = cut.chunks[i]
        if chunk.kind == "front":
            return cut.html(cut.sections[i], contents_pages=labels)
        ix = {k: v for k, v in labels.items() if k.startswith("ix-")}
        return cut.html(_index_sections(book, options, ix) + cut.sections[i][1:])

    def mapped(labels, starts, end, anchor_labels):
        if on_map is not None:
            on_map(assemble(edition, key, labels, starts, end), _index_pages(anchor_labels))

    own = pool is None
    pool = pool or layout.Pool(jobs or layout.default_jobs(), _styles_fetcher)
    step(f"laying out {len(cut.chunks)} chunks, {pool.jobs} at a time")
    try:
        laid = layout.run(cut.chunks, pool, base_url=_base_url(), blank_html=cut.html([]),
                          make_html=make_html, metadata=_metadata(book),
                          epoch=str(dates.epoch(book.modified)), styles=cut.styles,
                          variant=options.variant or None,
                          on_map=mapped)
    except RuntimeError as exc:
        raise OutputError(Diagnostic("PDF", 0, "pdf-layout", f"the layout failed: {exc}",
                                     "this is a bug, please report it")) from None
    finally:
        if own:
            pool.close()
    step(f"drew and joined {len(laid.labels)} pages")
    for note, call, page in laid.stray_footnotes:
        log.warning("footnote %s is set on page %s, its call on page %s", note, page, call)
    if timings is not None:
        for name, seconds in laid.seconds.items():
            timings.add(f"pdf: {name}", seconds)
    pages = assemble(edition, key, laid.labels, laid.starts, laid.end)
    return PrintEdition(laid.pdf, pages, _index_pages(laid.anchor_labels), laid.anchor_labels)


def _index_pages(anchor_labels: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in anchor_labels.items() if k.startswith("ix-")}


def edition_name(book: Book, options: PrintOptions) -> str:
    """The print edition as the EPUB's page-list names its source: title, trim, notes."""
    trim = ("letter" if options.trim == "letter" else "a4") if options.large_print else options.trim
    name = f"{book.title}, print edition, " + ("large print, " if options.large_print else "")
    name += TRIM_NAMES.get(trim, trim)
    return name + (", with footnotes" if options.notes == "footnotes" else "")


def _base_url() -> str:
    return styles_dir().as_uri() + "/"


def print_html(book: Book, options: PrintOptions, labels: dict[str, str] | None = None) -> str:
    """The shared HTML with the print layers and the few changes paper needs.

    With ``labels`` (every anchor's page label: :attr:`PrintEdition.labels`), the whole book
    as laid out: the contents and the index with their page numbers, in one page, as one
    WeasyPrint document would lay it out (the tests compare that with the chunked layout).
    """
    root, calls = _print_tree(book, options)
    if labels is None:
        return lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")
    cut = _Cut(root, calls)
    elements = []
    for chunk, sections in zip(cut.chunks, cut.sections):
        if chunk.kind == "index":
            sections = _index_sections(book, options, _index_pages(labels)) + sections[1:]
        elements.extend(sections)
    styles = "".join(f"<style>{text}</style>\n" for text in cut.styles)
    return cut.html(elements, contents_pages=labels).replace("</head>", styles + "</head>", 1)


def warm_up_job(options: PrintOptions):
    """The print stylesheets, for the layout workers to parse (and load their fonts) while
    the book is still being read and rendered. Made without the book, so it guesses that the
    book has parts (a wrong guess costs only the parsing of the last, small stylesheet)."""
    from .layout import Job
    from ..resources import fonts_dir

    fonts = tuple(sorted(fonts_dir().glob("*.ttf")))
    base = "\n" + (styles_dir() / "base.css").read_text("utf-8") + "\n"  # as shared_html has it
    return Job(-2, "", _base_url(), 0, styles=(base, *_print_styles(fonts, options, True)))


def _print_tree(book: Book, options: PrintOptions, warn: bool = True):
    """The print HTML as a tree, and each footnote's first call (note id → call id)."""
    root = lxml.html.document_fromstring(shared_html(book, layers=("base.css",)))
    body = root.find("body")
    head = root.find("head")
    has_parts = any("part" in _classes(el) for el in body)
    for css in _print_styles(book.fonts, options, has_parts):
        etree.SubElement(head, "style").text = css
    _mark_sections(body, book)
    _contents(body)
    for el in body.iter("a", "span"):
        if "noteref" in _classes(el) and not _text(el).isdigit():
            el.set("class", el.get("class") + " noteref-symbol")
        elif "note-number" in _classes(el) and el.tail:
            el.tail = el.tail.lstrip()  # the number's own box sets the gap (print.css)
    calls = _footnotes(body) if options.notes == "footnotes" else {}
    _substitute_glyphs(body)
    if warn:
        _warn_missing_glyphs(body, book.fonts)
    return root, calls


def _print_styles(fonts, options: PrintOptions, has_parts: bool) -> tuple[str, ...]:
    """The print layers after base.css, as the print HTML's <style> elements hold them."""
    return tuple("\n" + css + "\n" for css in (
        _fonts_css(fonts), (styles_dir() / "print.css").read_text("utf-8"),
        page_css(options, has_parts)))


def page_css(options: PrintOptions, has_parts: bool = True) -> str:
    """The generated print layer: page size, margins, type size, printer's marks."""
    trim = _trim(options)
    head_size = round(trim.size * 0.82, 2)
    lines = [
        "@page {",
        f"  size: {trim.width} {trim.height};",
        f"  margin: {trim.top} {trim.outer} {trim.bottom} {trim.inner};",
    ]
    if options.bleed:
        lines.append(f"  bleed: {options.bleed.strip().lower()};")
    if options.marks:
        lines.append(f"  marks: {options.marks};")
    for box in ("top-left", "top-center", "top-right"):
        align = box.split("-")[1]
        lines.append(f"  @{box} {{ font-family: \"{FONT_FAMILY}\"; font-size: {head_size}pt; "
                     f"vertical-align: bottom; padding-bottom: {round(trim.size * 1.1, 2)}pt; "
                     f"text-align: {align}; }}")
    for box in ("bottom-left", "bottom-center", "bottom-right"):
        lines.append(f"  @{box} {{ font-family: \"{FONT_FAMILY}\"; font-size: {head_size}pt; "
                     f"vertical-align: top; padding-top: {round(trim.size * 1.2, 2)}pt; }}")
    lines.append("}")
    # mirror margins: the gutter is on the right of a verso, on the left of a recto
    lines.append(f"@page :left {{ margin-left: {trim.outer}; margin-right: {trim.inner}; }}")
    lines.append(f"@page :right {{ margin-left: {trim.inner}; margin-right: {trim.outer}; }}")
    lines.append(f"html {{ font-size: {trim.size}pt; line-height: {trim.leading}; }}")
    # Folios restart at 1 on the first page of the main matter. The reset is in the page
    # context, never in content CSS, where it would make every target-counter() print 0.
    lines.append("@page part-first { counter-set: page 1; }")
    lines.append("@page piece-first:nth(1 of piece-first) { counter-set: page 1; }")
    if not has_parts:
        lines.append(".piece-title { bookmark-level: 1; }")
    return "\n".join(lines)


# ---- checking the options -------------------------------------------------------------------


def _trim(options: PrintOptions) -> _Trim:
    if options.large_print:
        return LARGE_PRINT["letter" if options.trim == "letter" else "a4"]
    return TRIMS[options.trim]


def _check(book: Book, options: PrintOptions) -> None:
    problems = []

    def bad(option: str, message: str, hint: str) -> None:
        problems.append(Diagnostic(option, 0, "print-option", message, hint))

    if options.trim not in TRIMS:
        bad("--trim", f"unknown trim size {options.trim!r}", "choose " + _choices(TRIMS))
    if options.notes not in NOTE_MODES:
        bad("--notes", f"unknown note placement {options.notes!r}",
            "choose " + _choices(NOTE_MODES))
    if options.variant not in VARIANTS:
        bad("--pdf-variant", f"unsupported PDF variant {options.variant!r}",
            "choose " + _choices([v for v in VARIANTS if v]))
    if options.bleed and not _LENGTH.match(options.bleed.strip().lower()):
        bad("--bleed", f"not a length: {options.bleed!r}", "write it like 3mm or 0.125in")
    if options.marks not in MARKS:
        bad("--marks", f"unknown printer's marks {options.marks!r}", "use crop, or leave it out")
    for font in book.fonts:
        if not Path(font).is_file():
            bad(str(font), "font file missing", "reinstall anthology; the fonts ship with it")
        elif not _inside(Path(font), styles_dir()):
            bad(str(font), "font outside the package's styles folder",
                "fonts are read from styles/fonts only")
    if problems:
        raise InputError(problems)


def _choices(values) -> str:
    values = list(values)
    return ", ".join(values[:-1]) + " or " + values[-1]


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


# ---- fonts and fetching -------------------------------------------------------------------


_FACES = {"Regular": ("normal", 400), "Italic": ("italic", 400), "Bold": ("normal", 700),
          "BoldItalic": ("italic", 700)}


def _fonts_css(fonts: tuple[Path, ...]) -> str:
    rules = []
    for font in fonts:
        face = Path(font).stem.rsplit("-", 1)[-1]
        style, weight = _FACES.get(face, ("normal", 400))
        rules.append(f'@font-face {{ font-family: "{FONT_FAMILY}"; font-style: {style}; '
                     f'font-weight: {weight}; src: url("{Path(font).resolve().as_uri()}"); }}')
    return "\n".join(rules)


def _styles_fetcher():
    """A URL fetcher that serves files inside the styles folder and refuses everything else."""
    from .layout import folder_fetcher

    return folder_fetcher(styles_dir())


# ---- the print HTML ---------------------------------------------------------------------------


def _add_class(el, name: str) -> None:
    if name not in _classes(el):
        el.set("class", " ".join([*(el.get("class") or "").split(), name]))


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def _text(el) -> str:
    return re.sub(r"\s+", " ", el.text_content() if el is not None else "").strip()


def _short(title: str, limit: int = 56) -> str:
    """A running-head form of a title: whole if it fits, else without its leading segments
    ("GLW review: Victor Serge: against …" → "Victor Serge: against …"), else cut short."""
    segments = re.split(r":\s+", title.strip())
    for i in range(len(segments)):
        short = ": ".join(segments[i:])
        if len(short) <= limit:
            return short[:1].upper() + short[1:]
    return title[:limit].rsplit(" ", 1)[0].rstrip(",;:—–-") + "…"


def _mark_sections(body, book: Book) -> None:
    """Running-head strings, bookmark labels and the start of the main matter."""
    started = False
    for section in body:
        classes = _classes(section)
        if not started and classes & {"part", "piece"}:
            _add_class(section, "mainmatter-start")
            started = True
        if "part" in classes:
            title = section.find(".//*[@class='part-title']")
            if title is not None:
                number = title.find(".//*[@class='part-number']")
                label = _text(title)
                if number is not None:  # "Part One The exchange" → "Part One: The exchange"
                    label = f"{_text(number)}: {label[len(_text(number)):].strip()}"
                title.set("data-bookmark", label)
        elif "piece" in classes:
            title = section.find(".//*[@class='piece-title']")
            title_text = _text(title)
            if title is not None:
                title.set("data-bookmark", title_text)
            byline = section.find(".//*[@class='byline']")
            author = re.sub(r"^by\s+", "", _text(byline), flags=re.I)
            section.set("data-verso", author or book.title)
            section.set("data-recto", _short(title_text))
        elif "backmatter" in classes:
            heading = section.find(".//h2")
            section.set("data-verso", book.title)
            section.set("data-recto", _text(heading))


def _contents(body) -> None:
    """Bylines out of the links, so leader and page number follow the title; part numbers in."""
    numbers = {}
    for section in body:
        if "part" in _classes(section):
            number = section.find(".//*[@class='part-number']")
            if number is not None:
                numbers[section.get("id")] = _text(number)
    for a in body.iterfind(".//nav[@id='contents']//a"):
        number = numbers.get((a.get("href") or "").lstrip("#"))
        if number:
            span = etree.Element("span", {"class": "contents-part-number", SHARED: "added"})
            span.text, a.text = number, None
            a.insert(0, span)
        byline = a.find("span[@class='contents-byline']")
        if byline is None:
            continue
        prev = byline.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "").rstrip() or None
        else:
            a.text = (a.text or "").rstrip() or None
        byline.tail = None
        a.remove(byline)
        a.addnext(byline)


def _footnotes(body) -> dict[str, str]:
    """Move each note's text to its first call as a footnote; later calls link to it.

    Return each footnote's id with the id of the call it is anchored at."""
    notes = {li.get("id"): li for li in body.iter("li") if "endnote" in _classes(li)}
    placed: dict[str, str] = {}
    for a in list(body.iter("a")):
        if "noteref" not in _classes(a):
            continue
        note_id = (a.get("href") or "").lstrip("#")
        li = notes.get(note_id)
        if li is None or note_id in placed:
            continue
        placed[note_id] = a.get("id")
        footnote = etree.Element("span", {"class": "footnote", "id": note_id,
                                          "role": "doc-footnote", SHARED: "moved",
                                          SHARED_TAG: li.tag})
        footnote.text = (li.text or "").strip() or None
        for child in li:
            block = _inline_blocks(child)
            if block.tail and not block.tail.strip():
                block.tail = None  # no stray line between the note's paragraphs
            footnote.append(block)
        footnote.tail, a.tail = a.tail, None
        a.addnext(footnote)
        li.getparent().remove(li)
    for section in list(body.iter("section")):
        if "endnotes" in _classes(section) and section.find(".//li") is None:
            section.getparent().remove(section)
    return placed


def _inline_blocks(el):
    """A copy of a note's element with every block turned into a span (it sits inside a <p>)."""
    el = copy.deepcopy(el)
    for node in el.iter():
        if isinstance(node.tag, str) and node.tag in _BLOCK_TAGS:
            node.set("class", " ".join([f"note-{'para' if node.tag == 'p' else node.tag}",
                                        *_classes(node)]))
            node.set(SHARED_TAG, node.tag)
            node.tag = "span"
    return el


def _substitute_glyphs(body) -> None:
    for node in body.iter():
        for attr in ("text", "tail"):
            value = getattr(node, attr)
            if value and any(k in value for k in _PRINT_SUBSTITUTES):
                for old, new in _PRINT_SUBSTITUTES.items():
                    value = value.replace(old, new)
                setattr(node, attr, value)


@lru_cache(maxsize=4)
def _cmap(fonts: tuple[Path, ...]) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # a WeasyPrint dependency

    covered: set[int] | None = None
    for font in fonts:
        codes = set(TTFont(str(font), lazy=True).getBestCmap())
        covered = codes if covered is None else covered & codes
    return frozenset(covered or ())


def _warn_missing_glyphs(body, fonts: tuple[Path, ...]) -> None:
    """Log characters the book's fonts lack: they would be set in a system fallback font."""
    if not fonts:
        return
    covered = _cmap(tuple(fonts))
    text = "".join(body.itertext())
    missing = sorted({c for c in text if ord(c) not in covered and not c.isspace()})
    if missing:
        log.warning("the print fonts lack %s; a fallback font will be embedded for them",
                    ", ".join(f"U+{ord(c):04X} {c}" for c in missing))


# ---- metadata --------------------------------------------------------------------------------


def _metadata(book: Book) -> dict:
    """The PDF's document information, as WeasyPrint's DocumentMetadata fields."""
    authors = [c.name for c in book.creators if c.role == "aut"]
    editors = [c.name for c in book.creators if c.role == "edt"]
    return {"title": book.title, "authors": authors or editors,
            "description": book.subtitle or book.description or None,
            "keywords": list(book.subjects), "generator": "anthology",
            "created": book.modified, "modified": book.modified, "lang": book.language}


# ---- cutting the print HTML into chunks ------------------------------------------------------

# Main-matter words a chunk aims at (cuts fall between sections), and at most so many chunks:
# small enough to share out between workers, few enough that each chunk's fixed costs (its
# own font subsets in the PDF, a document's styles) stay small. Fixed, never the number of
# workers: the PDF must not depend on the machine.
CHUNK_WORDS = 3000
MAX_CHUNKS = 16


class _Cut:
    """The print HTML cut into chunks: the chunks, their top-level elements, and the page
    around them (the head, the body's attributes) to wrap any of them in."""

    def __init__(self, root, calls: dict[str, str]):
        body = root.find("body")
        elements = list(body)
        for el in elements:
            body.remove(el)
        # the stylesheets go beside the chunks, parsed once a process (layout._render)
        styles = [el for el in root.find("head") if el.tag == "style"]
        self.styles = tuple(el.text or "" for el in styles)
        for el in styles:
            el.getparent().remove(el)
        page = lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")
        for el in styles:
            root.find("head").append(el)
        for el in elements:
            body.append(el)
        self.before, self.after = page.rsplit("</body>", 1)
        self.after = "</body>" + self.after
        groups = _groups(elements)
        self.sections: list[list] = [els for _, els in groups]
        from .layout import Chunk

        self.chunks = []
        for kind, els in groups:
            ids = frozenset(i for el in els for i in el.xpath(".//@id | ./@id"))
            ready = kind == "main"
            self.chunks.append(Chunk(
                kind=kind, html=self.html(els) if ready else None,
                calls=tuple(sorted((n, c) for n, c in calls.items() if n in ids)), ids=ids,
                has_index_anchors=any(i.startswith("ix-") for i in ids),
                first_id=els[0].get("id") or "" if els else ""))

    def html(self, elements: list, contents_pages: dict[str, str] | None = None) -> str:
        if contents_pages is not None:
            for el in elements:
                for a in el.xpath("descendant-or-self::nav[@id='contents']//a"):
                    target = (a.get("href") or "").lstrip("#")
                    if target in contents_pages:
                        a.set("data-page", contents_pages[target])
        return self.before + "".join(lxml.html.tostring(el, encoding="unicode")
                                     for el in elements) + self.after


def _groups(elements: list) -> list[tuple[str, list]]:
    """Front matter, main-matter chunks of about CHUNK_WORDS words, and the index."""
    start = next((n for n, el in enumerate(elements) if "mainmatter-start" in _classes(el)),
                 None)
    if start is None:  # no parts or pieces: one chunk, numbered as main matter
        return [("main", elements)]
    end = next((n for n, el in enumerate(elements) if el.get("id") == "index"), len(elements))
    main = elements[start:end]
    words = [len(el.text_content().split()) for el in main]
    total = sum(words)
    count = max(1, min(len(main), MAX_CHUNKS, round(total / CHUNK_WORDS)))
    cuts, running, k = [], 0, 1
    for n, w in enumerate(words[:-1], 1):
        running += w
        # cut after section n when it brings the running total nearest to k shares
        if k < count and abs(running - k * total / count) <= abs(running + words[n]
                                                                   - k * total / count):
            cuts.append(n)
            k += 1
    bounds = [0, *cuts, len(main)]
    groups = [("front", elements[:start])] if start else []
    groups += [("main", main[a:b]) for a, b in zip(bounds, bounds[1:])]
    if end < len(elements):
        groups.append(("index", elements[end:]))
    return groups


def keep_footnotes_with_calls(root, call_ids: list[str]) -> bool:
    """Remedies, mildest first, for a footnote pushed off its call's page (print.css).

    WeasyPrint moves a placed footnote to the next page when a later line will not fit and
    orphans or widows forbid breaking before it. So first allow single lines (orphans and
    widows 1) in the call's paragraph and the few after it; then end the page after the
    call's paragraph; then begin that paragraph on a new page. Return False when every call
    has had all three.
    """
    changed = False
    for call_id in call_ids:
        block = root.get_element_by_id(call_id, None)
        while block is not None and block.tag not in _FOOTNOTE_BLOCKS:
            block = block.getparent()
        if block is None:
            continue
        classes = set((block.get("class") or "").split())
        if "footnote-loose" not in classes:
            following = [block, *[el for el in block.itersiblings() if isinstance(el.tag, str)]]
            for el in following[:_LOOSE_BLOCKS]:
                _add_class(el, "footnote-loose")
            changed = True
            continue
        for remedy in ("footnote-keep-after", "footnote-keep-before"):
            if remedy not in classes:
                _add_class(block, remedy)
                changed = True
                break
    return changed


def _index_sections(book: Book, options: PrintOptions, index_pages: dict[str, str]) -> list:
    """The index as print sets it, now that its page numbers are known."""
    from dataclasses import replace

    from ..render import with_index_pages

    paged = with_index_pages(book, index_pages)
    index = [d for d in paged.documents if d.id == "index"]
    root, _ = _print_tree(replace(paged, documents=tuple(index)), options, warn=False)
    return list(root.find("body"))

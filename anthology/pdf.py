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
import hashlib
import logging
import mimetypes
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Callable
from urllib.request import url2pathname

import lxml.html
from lxml import etree

from . import __version__
from .errors import Diagnostic, InputError
from .model import Book
from .pagemap import FORMAT as PAGEMAP_FORMAT
from .pagemap import SHARED, SHARED_TAG, PageMap, page_map
from .render import shared_html
from .resources import styles_dir

log = logging.getLogger(__name__)

__all__ = ["PrintOptions", "PrintEdition", "TRIMS", "write_pdf", "print_edition", "print_html",
           "edition_name", "layout_key"]

FONT_FAMILY = "Anthology Charis"  # a private name, so a system "Charis SIL" is never used
NOTE_MODES = ("endnotes", "footnotes")
VARIANTS = ("", "pdf/a-2b", "pdf/ua-1")
MARKS = ("", "crop")
_LENGTH = re.compile(r"^(0|\d+(\.\d+)?(mm|cm|in|pt|pc|px|q))$")


@dataclass(frozen=True)
class PrintOptions:
    """How to print the book: trim size, note placement, PDF variant, printer's marks."""

    trim: str = "a5"  # a5 | a4 | letter | 6x9in
    notes: str = "endnotes"  # endnotes | footnotes
    variant: str = ""  # "" | "pdf/a-2b" | "pdf/ua-1"
    bleed: str = ""  # e.g. "3mm"
    marks: str = ""  # "" | "crop"
    large_print: bool = False


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
_BLOCK_TAGS = {"p", "div", "blockquote", "ol", "ul", "li", "dl", "dt", "dd", "pre", "table",
               "h1", "h2", "h3", "h4", "h5", "h6", "section", "header", "figure", "hr"}


@dataclass(frozen=True)
class PrintEdition:
    """The PDF and the page map of the one layout it was drawn from."""

    pdf: bytes
    pages: PageMap
    anchors: dict[str, str]  # the page label of every index anchor ("ix-…"), for the index


def write_pdf(book: Book, options: PrintOptions,
              progress: Callable[[str], None] | None = None) -> bytes:
    """Lay out the book and return the PDF's bytes; the same book gives the same bytes."""
    _check(book, options)
    step = progress or (lambda message: None)
    return _draw(_lay_out(book, options, step), book, options, step)


def print_edition(book: Book, options: PrintOptions, key: str = "",
                  progress: Callable[[str], None] | None = None) -> PrintEdition:
    """Lay out the book once; return the PDF's bytes and the page map of that same layout.

    ``key`` is stored in the map (see :func:`layout_key`, the default), so a later EPUB-only
    build can tell whether the map still fits. The PDF is byte for byte :func:`write_pdf`'s.
    """
    _check(book, options)
    step = progress or (lambda message: None)
    document = _lay_out(book, options, step)
    started = time.perf_counter()
    pages = page_map(document, edition_name(book, options), key or layout_key(book, options))
    labels = [start.label for start in pages.pages]
    anchors = {name: labels[i] for i, page in enumerate(document.pages)
               for name in page.anchors if name.startswith("ix-")}
    log.info("mapped %d pages in %.2f s", len(pages.pages), time.perf_counter() - started)
    return PrintEdition(_draw(document, book, options, step), pages, anchors)


def edition_name(book: Book, options: PrintOptions) -> str:
    """The print edition as the EPUB's page-list names its source: title, trim, notes."""
    trim = ("letter" if options.trim == "letter" else "a4") if options.large_print else options.trim
    name = f"{book.title}, print edition, " + ("large print, " if options.large_print else "")
    name += TRIM_NAMES.get(trim, trim)
    return name + (", with footnotes" if options.notes == "footnotes" else "")


def layout_key(book: Book, options: PrintOptions) -> str:
    """A hash of everything the print layout depends on, computed without laying out.

    The print HTML (text, styles, trim, notes, bleed, marks: all of it is in there), the
    fonts' bytes, WeasyPrint's version (major versions change layout), anthology's version
    and the page map's format. Two builds with the same key have the same pages, so an
    EPUB-only build may reuse the page map of the last print build when the keys agree.
    The PDF variant is left out: it changes the file, not the pages. ``book`` is the Book
    as rendered, before ``insert_pagebreaks``.
    """
    root, _ = _print_tree(book, options, warn=False)
    html = lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")
    html = html.replace(styles_dir().resolve().as_uri(), "styles:")  # not where it is installed
    digest = hashlib.sha256()
    for part in (f"anthology {__version__}", f"weasyprint {package_version('weasyprint')}",
                 f"page map {PAGEMAP_FORMAT}", html):
        digest.update(part.encode("utf-8") + b"\0")
    for font in book.fonts:
        digest.update(Path(font).name.encode("utf-8") + b"\0" + Path(font).read_bytes())
    return "sha256:" + digest.hexdigest()


def _lay_out(book: Book, options: PrintOptions, step: Callable[[str], None]):
    """The final layout: laid out once, again only to keep footnotes with their calls."""
    root, calls = _print_tree(book, options)
    step("laying out")
    log.info("laying out the pages")
    document = _layout(root)
    # WeasyPrint 70 sometimes moves a footnote placed on a page to the next one to make room
    # for later text, whatever footnote-policy says: loosen the pages around its call and lay
    # out again (rarely needed: once for the Serge volume, never in endnote mode).
    for _ in range(_FOOTNOTE_PASSES):
        strays = _stray_footnotes(document, calls)
        if not strays or not _keep_footnotes_with_calls(root, [calls[n] for n in strays]):
            break
        step("laying out again")
        log.info("laying out again: %d footnotes fell off their call's page", len(strays))
        document = _layout(root)
    for note_id, (call, note) in sorted(_stray_footnotes(document, calls).items()):
        log.warning("footnote %s is set on page %d, its call on page %d", note_id, note, call)
    return document


def _draw(document, book: Book, options: PrintOptions, step: Callable[[str], None]) -> bytes:
    step(f"drawing {len(document.pages)} pages")
    log.info("drawing %d pages", len(document.pages))
    _set_metadata(document.metadata, book)
    with _source_date_epoch(book.modified):
        return document.write_pdf(pdf_variant=options.variant or None, pdf_identifier=True,
                                  uncompressed_pdf=False)


_FOOTNOTE_BLOCKS = ("p", "li", "blockquote", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6")
_FOOTNOTE_PASSES = 4
_LOOSE_BLOCKS = 12  # about a page of paragraphs after a call


def _layout(root):
    from weasyprint import HTML  # imported late: `check`, `--html` and EPUB builds skip it
    from weasyprint.text.fonts import FontConfiguration

    html = lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")
    return HTML(string=html, base_url=styles_dir().as_uri() + "/",
                url_fetcher=_styles_fetcher()).render(font_config=FontConfiguration())


def _stray_footnotes(document, calls: dict[str, str]) -> dict[str, tuple[int, int]]:
    """Footnotes not on their first call's page: note id → (call's page, note's page)."""
    if not calls:
        return {}
    page_of: dict[str, int] = {}
    for number, page in enumerate(document.pages, 1):
        for name in page.anchors:
            page_of.setdefault(name, number)
    return {note: (page_of[call], page_of[note]) for note, call in calls.items()
            if note in page_of and call in page_of and page_of[note] != page_of[call]}


def _keep_footnotes_with_calls(root, call_ids: list[str]) -> bool:
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
        classes = _classes(block)
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


def _add_class(el, name: str) -> None:
    if name not in _classes(el):
        el.set("class", " ".join([*(el.get("class") or "").split(), name]))


@contextmanager
def _source_date_epoch(modified: str):
    """Fix the clock fontTools reads while subsetting the fonts, then restore it.

    Without HarfBuzz-Subset, WeasyPrint subsets with fontTools, which stamps each embedded
    font's ``head.modified`` with the time of the build unless SOURCE_DATE_EPOCH is set. The
    book's own date is used, so the same book gives the same bytes; the environment is
    process-wide, so concurrent print builds in threads of one process are not supported.
    """
    try:
        stamp = datetime.fromisoformat(modified.replace("Z", "+00:00"))
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=timezone.utc)
        epoch = str(int(stamp.timestamp()))
    except ValueError:  # render always writes an ISO stamp; keep builds reproducible anyway
        epoch = "315532800"
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = epoch
    try:
        yield
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def print_html(book: Book, options: PrintOptions) -> str:
    """The shared HTML with the print layers and the few changes paper needs."""
    root, _ = _print_tree(book, options)
    return lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")


def _print_tree(book: Book, options: PrintOptions, warn: bool = True):
    """The print HTML as a tree, and each footnote's first call (note id → call id)."""
    root = lxml.html.document_fromstring(shared_html(book, layers=("base.css",)))
    body = root.find("body")
    head = root.find("head")
    has_parts = any("part" in _classes(el) for el in body)
    for css in (_fonts_css(book.fonts), (styles_dir() / "print.css").read_text("utf-8"),
                page_css(options, has_parts)):
        style = etree.SubElement(head, "style")
        style.text = "\n" + css + "\n"
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
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = styles_dir().resolve()

    class StylesFetcher(URLFetcher):
        def fetch(self, url, headers=None):  # noqa: D401 (WeasyPrint's API)
            if not url.startswith("file:"):
                raise ValueError(f"refused {url}: print builds fetch nothing from the network")
            path = Path(url2pathname(url.split("?")[0].split("#")[0][len("file:"):]))
            if not _inside(path, root) or not path.is_file():
                raise ValueError(f"refused {url}: only files in {root} are read")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    return StylesFetcher(allowed_protocols=("file",))


# ---- the print HTML ---------------------------------------------------------------------------


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


def _set_metadata(metadata, book: Book) -> None:
    authors = [c.name for c in book.creators if c.role == "aut"]
    editors = [c.name for c in book.creators if c.role == "edt"]
    metadata.title = book.title
    metadata.authors = authors or editors
    metadata.description = book.subtitle or book.description or None
    metadata.keywords = list(book.subjects)
    metadata.generator = "anthology"
    metadata.created = book.modified
    metadata.modified = book.modified
    metadata.lang = book.language

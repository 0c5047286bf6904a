"""Turn the shared HTML into the print HTML, cut into chunks that are laid out on their own.

The print HTML differs from the shared HTML only by what paper needs: the print layers
(``options.py``), running-head strings and bookmark labels as data attributes, page numbers
in the contents, and, in footnote mode, each note's text moved to its first call (one note
source, two renderings). It is cut before every part, piece and back-matter section, where
the book turns to a recto (see ``layout.py``).

So the page map (``pagemap.py``) can name the shared HTML's places, the print HTML marks
where it departs from the shared HTML: ``data-shared="added"`` on text only print has,
``data-shared="moved"`` on a footnote (an endnote elsewhere in the shared HTML),
``data-shared-tag`` on an element whose tag print changed.
"""

from __future__ import annotations

import copy
import logging
import re
from functools import lru_cache
from pathlib import Path

import lxml.html
from lxml import etree

from ..model import Book, PrintOptions
from ..render import shared_html
from ..xhtml import add_class, class_names
from .options import print_styles
from .pagemap import SHARED, SHARED_TAG

log = logging.getLogger(__name__)

# Glyphs Charis SIL lacks, and what print sets instead (a fallback font would be embedded).
_PRINT_SUBSTITUTES = {"\u21a9\ufe0e": "\u2191", "\u21a9": "\u2191"}
_LOOSE_BLOCKS = 12  # about a page of paragraphs after a call
_FOOTNOTE_BLOCKS = ("p", "li", "blockquote", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6")
_BLOCK_TAGS = {"p", "div", "blockquote", "ol", "ul", "li", "dl", "dt", "dd", "pre", "table",
               "h1", "h2", "h3", "h4", "h5", "h6", "section", "header", "figure", "hr"}


def print_html(book: Book, options: PrintOptions, labels: dict[str, str] | None = None) -> str:
    """The shared HTML with the print layers and the few changes paper needs.

    With ``labels`` (every anchor's page label: :attr:`PrintEdition.labels`), the whole book
    as laid out: the contents and the index with their page numbers, in one page, as one
    WeasyPrint document would lay it out (the tests compare that with the chunked layout).
    """
    root, calls = print_tree(book, options)
    if labels is None:
        return lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")
    cut = Cut(root, calls)
    elements = []
    for chunk, sections in zip(cut.chunks, cut.sections):
        if chunk.kind == "index":
            sections = index_sections(book, options, index_pages(labels)) + sections[1:]
        elements.extend(sections)
    styles = "".join(f"<style>{text}</style>\n" for text in cut.styles)
    return cut.html(elements, contents_pages=labels).replace("</head>", styles + "</head>", 1)


def index_pages(labels: dict[str, str]) -> dict[str, str]:
    """The labels of the index's anchors (``ix-…``) among ``labels``."""
    return {k: v for k, v in labels.items() if k.startswith("ix-")}


def print_tree(book: Book, options: PrintOptions, warn: bool = True):
    """The print HTML as a tree, and each footnote's first call (note id → call id)."""
    root = lxml.html.document_fromstring(shared_html(book, layers=("base.css",)))
    body = root.find("body")
    head = root.find("head")
    has_parts = any("part" in class_names(el) for el in body)
    for css in print_styles(book.fonts, options, has_parts):
        etree.SubElement(head, "style").text = css
    _mark_sections(body, book)
    _contents(body)
    for el in body.iter("a", "span"):
        if "noteref" in class_names(el) and not any(c.isalnum() for c in _text(el)):
            el.set("class", el.get("class") + " noteref-symbol")
        elif "note-number" in class_names(el) and el.tail:
            el.tail = el.tail.lstrip()  # the number's own box sets the gap (print.css)
    calls = _footnotes(body) if options.notes == "footnotes" else {}
    _substitute_glyphs(body)
    if warn:
        _warn_missing_glyphs(body, book.fonts)
    return root, calls

# ---- the print HTML ---------------------------------------------------------------------------


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
        classes = class_names(section)
        if not started and classes & {"part", "piece"}:
            add_class(section, "mainmatter-start")
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
        if "part" in class_names(section):
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
    notes = {li.get("id"): li for li in body.iter("li") if "endnote" in class_names(li)}
    placed: dict[str, str] = {}
    for a in list(body.iter("a")):
        if "noteref" not in class_names(a):
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
        if "endnotes" in class_names(section) and section.find(".//li") is None:
            section.getparent().remove(section)
    return placed


def _inline_blocks(el):
    """A copy of a note's element with every block turned into a span (it sits inside a <p>)."""
    el = copy.deepcopy(el)
    for node in el.iter():
        if isinstance(node.tag, str) and node.tag in _BLOCK_TAGS:
            node.set("class", " ".join([f"note-{'para' if node.tag == 'p' else node.tag}",
                                        *class_names(node)]))
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

# ---- cutting the print HTML into chunks ------------------------------------------------------

# Main-matter words a chunk aims at (cuts fall between sections), and at most about so many
# chunks: small enough to share out between workers, and for an edit to lay out little again
# (incremental builds); few enough that each chunk's fixed costs (its own font subsets in the
# PDF, a document's styles) stay small. At 64 rather than 16, the 10x volume's full build took
# the same time within the noise, its PDF grew from 3.0 to 3.5 MB, and a rebuild after one
# word fell from 5.3 to 2.9 s (measured). Fixed, never the number of workers: the PDF must not
# depend on the machine.
CHUNK_WORDS = 3000
MAX_CHUNKS = 64


class Cut:
    """The print HTML cut into chunks: the chunks, their top-level elements, and the page
    around them (the head, the body's attributes) to wrap any of them in."""

    def __init__(self, root, calls: dict[str, str]):
        body = root.find("body")
        elements = list(body)
        for el in elements:
            body.remove(el)
        # the stylesheets go beside the chunks, parsed once a process (weasy.render)
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
    """Front matter, main-matter chunks of about CHUNK_WORDS words or more, and the index.

    A chunk ends after the section that brings it to the chunk's size, counted from its own
    first section only: an edit moves no cut unless it changes which section brings its own
    chunk to that size (then the cuts after it may move too), so the next build finds the
    other chunks as they were (``reuse.py``); cuts at shares of the whole book's length
    moved with every word. The size doubles until the main matter makes at most about
    MAX_CHUNKS chunks: it changes only when the book's length crosses a power of two.
    """
    start = next((n for n, el in enumerate(elements) if "mainmatter-start" in class_names(el)),
                 None)
    if start is None:  # no parts or pieces: one chunk, numbered as main matter
        return [("main", elements)]
    end = next((n for n, el in enumerate(elements) if el.get("id") == "index"), len(elements))
    main = elements[start:end]
    words = [len(el.text_content().split()) for el in main]
    size = CHUNK_WORDS
    while sum(words) > size * MAX_CHUNKS:
        size *= 2
    cuts, running = [], 0
    for n, w in enumerate(words[:-1], 1):
        running += w
        if running >= size:
            cuts.append(n)
            running = 0
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
                add_class(el, "footnote-loose")
            changed = True
            continue
        for remedy in ("footnote-keep-after", "footnote-keep-before"):
            if remedy not in classes:
                add_class(block, remedy)
                changed = True
                break
    return changed


def index_sections(book: Book, options: PrintOptions, index_pages: dict[str, str]) -> list:
    """The index as print sets it, now that its page numbers are known."""
    from dataclasses import replace

    from ..render import with_index_pages

    paged = with_index_pages(book, index_pages)
    index = [d for d in paged.documents if d.id == "index"]
    root, _ = print_tree(replace(paged, documents=tuple(index)), options, warn=False)
    return list(root.find("body"))

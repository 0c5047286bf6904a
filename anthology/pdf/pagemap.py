"""Turn a laid-out print edition into a page map, and a page map into EPUB page breaks.

The PDF and the EPUB are made from one shared HTML, so a print page can be named in the
shared HTML's own terms: the id of an element and the index of a word in that element's
text. :func:`page_starts` reads both from WeasyPrint's laid-out pages (the box tree: each page's
first visible word, in the text box that holds it, and the element that box was made from),
and :func:`insert_pagebreaks` puts an invisible ``doc-pagebreak`` marker before that word in
the EPUB's documents. The map is plain data (:meth:`PageMap.to_json`), so an EPUB-only build
can reuse the map of the last print layout instead of laying the book out again.

Words. A word is a run of letters, digits and combining marks (``\\w`` after NFKC, in practice)
that no block boundary (``<p>``, ``<li>``, a heading …) interrupts; both sides count words the
same way, in the text content of the anchor element in document order.

What the print HTML changes. The print HTML is the shared HTML plus a few print layers, and
``html.py`` says where it departs from the shared HTML with two attributes:

``data-shared="added"``
    text that only print has (a part number in the contents): it counts for no anchor.
``data-shared="moved"``
    an element the shared HTML has elsewhere (a footnote, which is an endnote in the shared
    HTML): its text counts for the element itself and its descendants, never for the
    elements it now sits in.
``data-shared-tag="li"``
    the element's tag in the shared HTML, where print changed it (a footnote's paragraphs
    are spans), so block boundaries fall in the same places on both sides.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Callable, Iterator

from lxml import etree

from ..errors import Diagnostic, OutputError
from ..model import Book
from ..names import roman
from ..xhtml import EPUB_TYPE, XHTML_NS, local_name, parse_fragment

log = logging.getLogger(__name__)

__all__ = ["PageStart", "PageMap", "page_starts", "page_labels", "format_label",
           "assemble", "insert_pagebreaks", "layout_key", "FORMAT"]

FORMAT = 1  # the page map's JSON format; a file of another format is never reused

SHARED = "data-shared"  # "added" | "moved": see the module docstring
SHARED_TAG = "data-shared-tag"

# Elements whose start and end end a word: a word never runs from one block into the next,
# even where the markup has no white space between them.
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hgroup", "hr", "html", "li", "main", "nav", "ol", "p", "pre",
    "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"})
# A marker may not sit inside these: it goes just before the outermost one instead.
_KEEP_WHOLE = frozenset({"a", "h1", "h2", "h3", "h4", "h5", "h6"})
# Elements serialised as one tag in HTML; every other empty element keeps its end tag, so the
# marked documents parse the same as HTML (for the shared HTML) and as XHTML (for the EPUB).
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})
_SEPARATOR = "\n"  # stands for a block boundary in the text of an element
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class PageStart:
    """Where one print page begins, in the shared HTML's terms."""

    label: str  # what the page is called: its folio ("iii", "17"), printed or not
    anchor: str  # id of the nearest element with an id around the page's first word
    word: int  # index (0-based) of that word among the words of the anchor's text


@dataclass(frozen=True)
class PageMap:
    """Every page of one print edition, in order."""

    edition: str  # names the print edition, trim included (the EPUB's pageBreakSource)
    pages: tuple[PageStart, ...]
    key: str  # the caller's hash of what the layout was made from

    def to_json(self) -> str:
        """The map as JSON: the same map always gives the same text."""
        data = {"format": FORMAT, "edition": self.edition, "key": self.key,
                "pages": [{"label": p.label, "anchor": p.anchor, "word": p.word}
                          for p in self.pages]}
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "PageMap":
        """Read :meth:`to_json`'s text; ValueError if it is not a page map of this format."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a page map of format {FORMAT}")
        edition, key, pages = data.get("edition"), data.get("key"), data.get("pages")
        if not isinstance(edition, str) or not isinstance(key, str) or not isinstance(pages, list):
            raise ValueError("a page map needs an edition, a key and a list of pages")
        starts = []
        for n, page in enumerate(pages, 1):
            if not (isinstance(page, dict) and isinstance(page.get("label"), str)
                    and isinstance(page.get("anchor"), str) and type(page.get("word")) is int
                    and page["word"] >= 0 and page["label"] and page["anchor"]):
                raise ValueError(f"page {n} of the map is not a label, an anchor and a word")
            starts.append(PageStart(page["label"], page["anchor"], page["word"]))
        return cls(edition, tuple(starts), key)


# ---- words ----------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _is_word(char: str) -> bool:
    return char == "_" or unicodedata.category(char)[0] in "LNM"


def _word_starts(text: str) -> list[int]:
    """Positions in ``text`` where a word begins."""
    starts, inside = [], False
    for i, char in enumerate(text):
        word = _is_word(char)
        if word and not inside:
            starts.append(i)
        inside = word
    return starts


def _words_before(text: str, position: int) -> int:
    """How many words begin before ``position`` (a word cut by it counts: it began before)."""
    count, inside = 0, False
    for char in text[:position]:
        word = _is_word(char)
        if word and not inside:
            count += 1
        inside = word
    return count


def _text_pieces(top: Any, skip: Callable[[Any], bool] = lambda el: False
                 ) -> Iterator[tuple[Any, str, str]]:
    """The text of ``top`` in document order, as (node, "text" | "tail", text) pieces, with
    ``(None, "", "\\n")`` at every block boundary. Works on ElementTree and lxml trees alike;
    subtrees for which ``skip`` is true are left out, their tails kept."""

    def walk(el: Any) -> Iterator[tuple[Any, str, str]]:
        tag = local_name(el.get(SHARED_TAG) or el.tag)
        block = el is not top and tag in BLOCK_TAGS
        if block:
            yield None, "", _SEPARATOR
        if el.text:
            yield el, "text", el.text
        for child in el:
            if local_name(child.tag) is not None and not skip(child):
                yield from walk(child)
            if child.tail:
                yield child, "tail", child.tail
        if block:
            yield None, "", _SEPARATOR

    yield from walk(top)


# ---- from the laid-out pages to a page map ------------------------------------------------


def page_labels(document: Any, with_style: bool = False):
    """What each page of a laid-out WeasyPrint document is called.

    A page that prints its folio is called by it. Any other page (a title page, a part page,
    a blank verso) is called by the value of the CSS ``page`` counter on it, in the counter
    style of the folios printed in the same run of pages, the run beginning where the page
    context resets or sets the counter (roman in the front matter, arabic from the first
    part): what a reader counting pages from the nearest folio would call it.
    """
    from . import weasy

    values, printed, runs = [], [], []
    value, run = 0, 0
    for n, page in enumerate(document.pages):
        touched = False
        for step, number in weasy.page_counter_steps(page):
            if step == "increment":
                value += number
            else:
                value, touched = number, True
        if touched and n:
            run += 1
        values.append(value)
        runs.append(run)
        printed.append(_printed_folio(weasy.margin_texts(page), value))
    # each run's counter style: of the nearest folio printed before the page, else after it
    first_style: dict[int, str] = {}
    for n in range(len(values) - 1, -1, -1):
        if printed[n]:
            first_style[runs[n]] = printed[n][1]
    labels, style = [], ""
    for n, value in enumerate(values):
        if n == 0 or runs[n] != runs[n - 1]:
            style = first_style.get(runs[n], "decimal")
        if printed[n]:
            label, style = printed[n]
            labels.append(label)
        else:
            labels.append(format_label(value, style))
    if with_style:  # and the counter style of the last run, to name a page added after it
        return labels, style or "decimal"
    return labels


def format_label(value: int, style: str) -> str:
    """What a page with counter value ``value`` is called in counter style ``style``
    (``decimal``, ``lower-roman`` or ``upper-roman``; roman outside 1-3999 is decimal)."""
    if style == "decimal":
        return str(value)
    return roman(value).upper() if style == "upper-roman" else roman(value)


_COUNTER_STYLES = ("decimal", "lower-roman", "upper-roman")


def _printed_folio(margins: list[str], value: int) -> tuple[str, str] | None:
    """The folio a page prints in its margins, with its counter style, if it prints one."""
    forms = {format_label(value, style): style for style in reversed(_COUNTER_STYLES)}
    for text in margins:
        if text in forms:
            return text, forms[text]
    return None


class _Source:
    """The text of one element of the print HTML, as the shared HTML has it, and how far the
    laid-out text boxes have used it up."""

    def __init__(self, element: Any):
        self.text = "".join(text for _, _, text in _text_pieces(
            element, skip=lambda el: el.get(SHARED) is not None))
        # the letters and digits only, case-folded: the key the text boxes are matched on
        # (a box may add a hyphen, drop spaces, or change case with text-transform)
        text = self.text
        where = [i for i, char in enumerate(text) if _is_word(char)]
        folded = [text[i].casefold() for i in where]
        if any(len(f) != 1 for f in folded):  # ß → ss: each folded letter keeps its place
            where = [i for i, f in zip(where, folded) for _ in f]
        self.key = "".join(folded)
        self.where = where
        self.cursor = 0

    def take(self, box_key: str) -> int | None:
        """Match a text box's key at the cursor (or, failing that, further on); return the
        position in :attr:`text` of its first character, or None if it is not there."""
        if not box_key:
            return None
        if self.key.startswith(box_key, self.cursor):
            start = self.cursor
        else:
            start = self.key.find(box_key, self.cursor)
            if start < 0:
                return None
        self.cursor = start + len(box_key)
        return self.where[start]


def _box_key(text: str) -> str:
    return "".join(char.casefold() for char in text if _is_word(char))


class _Mapper:
    """Walks the text boxes of every page in order and keeps each anchor's place."""

    def __init__(self, root_element: Any):
        self.parent = {child: el for el in root_element.iter() for child in el}
        self.sources: dict[int, _Source] = {}
        self.chains: dict[int, tuple] = {}

    def chain(self, element: Any) -> tuple:
        """The elements with an id around ``element``, nearest first, up to (and including)
        the first one that print added or moved."""
        found = self.chains.get(id(element))
        if found is None:
            out, el = [], element
            while el is not None:
                if el.get("id"):
                    out.append(el)
                if el.get(SHARED) is not None:
                    break
                el = self.parent.get(el)
            found = self.chains[id(element)] = tuple(out)
        return found

    def source(self, element: Any) -> _Source:
        found = self.sources.get(id(element))
        if found is None:
            found = self.sources[id(element)] = _Source(element)
        return found


def page_starts(document: Any) -> tuple[list[tuple[str, int] | None], tuple[str, int] | None]:
    """Where each page of a laid-out WeasyPrint ``Document`` begins: (anchor id, word index),
    or None for a page with no text; and the place just after its last word.

    Each page begins at its first visible word (in the main flow; in the footnote area only
    when the main flow has none: then the marker goes into that note, which the EPUB has
    among the endnotes, out of the reading order of the other markers). A word that
    hyphenation splits across two pages belongs to the page where it starts, so the next
    page begins at the word after it.
    """
    pages = document.pages
    if not pages:
        return [], None
    from . import weasy

    mapper = _Mapper(weasy.root_element(document))
    starts: list[tuple[str, int] | None] = []
    last: tuple[Any, _Source] | None = None
    unmatched = 0
    for page in pages:
        start = None
        for element, text, visible in weasy.text_boxes(page):
            chain = mapper.chain(element)
            if not chain:
                continue  # text print added: no anchor counts it
            box_key = _box_key(text)
            first = None
            for n, element in enumerate(chain):
                source = mapper.source(element)
                position = source.take(box_key)
                if n == 0:
                    first = position
            if first is None:
                if box_key:
                    unmatched += 1
                continue
            last = chain[0], mapper.source(chain[0])
            if start is None and visible:
                anchor = chain[0]
                start = (anchor.get("id"), _words_before(mapper.source(anchor).text, first))
        starts.append(start)
    if unmatched:  # the layout has text its element's HTML lacks: a marker may be misplaced
        log.warning("%d text boxes of the layout were not found in the print HTML; "
                    "page breaks near them may be misplaced", unmatched)
    end = (last[0].get("id"), len(_word_starts(last[1].text))) if last is not None else None
    return starts, end


def assemble(edition: str, key: str, labels: list[str],
             starts: list[tuple[str, int] | None], end: tuple[str, int] | None) -> PageMap:
    """A page map from each page's label and start; pages without text take the next start."""
    if end is None:
        raise OutputError(Diagnostic("page map", 0, "pagemap-no-text",
                                     "the print edition has no text to map",
                                     "this is a bug, please report it"))
    starts = list(starts)
    following = end
    for n in range(len(starts) - 1, -1, -1):
        if starts[n] is None:
            starts[n] = following
        following = starts[n]
    return PageMap(edition, tuple(PageStart(label, anchor, word)
                                  for label, (anchor, word) in zip(labels, starts)), key)


# ---- whether a stored page map fits --------------------------------------------------------


def layout_key(book: Book, options: Any) -> str:
    """A hash of everything the print layout depends on, computed without laying out, and
    without the print modules (an EPUB-only build computes it to reuse a stored map).

    The print HTML is made from the shared HTML (the book's text), the print options, the
    styles and fonts, by anthology's code, and laid out by WeasyPrint: the key hashes the
    shared HTML, the options, anthology's own files (code, templates, styles, fonts: any
    change to them), WeasyPrint's version and the page map's format. Two builds with the
    same key have the same pages. The PDF variant is left out: it changes the file, not the
    pages. ``book`` is the Book as rendered, before ``insert_pagebreaks``. The pictures the
    book shows are hashed by their bytes: a picture of another size moves the pages.
    """
    from dataclasses import asdict

    from .. import __version__
    from ..cache import library_versions, package_digest
    from ..render import shared_html

    fields = dict(sorted(asdict(options).items()))
    fields.pop("variant", None)
    digest = hashlib.sha256()
    for part in (f"anthology {__version__} {package_digest()}",
                 f"weasyprint {library_versions(['weasyprint'])}", f"page map {FORMAT}",
                 json.dumps(fields, sort_keys=True), shared_html(book, layers=("base.css",)),
                 *(f"image {image.name} {hashlib.sha256(image.data).hexdigest()}"
                   for image in book.images)):
        digest.update(part.encode("utf-8") + b"\0")
    return "sha256:" + digest.hexdigest()


# ---- from a page map to EPUB page breaks --------------------------------------------------


def _serialise(wrapper: etree._Element) -> str:
    for el in wrapper.iter():
        if isinstance(el.tag, str) and el.text is None and len(el) == 0 \
                and local_name(el.tag) not in _VOID:
            el.text = ""  # <a id="x"></a>, never <a id="x"/>, which HTML reads as an open tag
    text = etree.tostring(wrapper, encoding="unicode", method="xml")
    return text[text.index(">") + 1:text.rindex("</")]


def _marker(label: str, ident: str) -> etree._Element:
    span = etree.Element(f"{{{XHTML_NS}}}span")
    span.set("id", ident)
    span.set(EPUB_TYPE, "pagebreak")
    span.set("role", "doc-pagebreak")
    span.set("aria-label", label)
    span.text = ""
    return span


def _place(anchor: etree._Element, word: int, marker: etree._Element) -> bool:
    """Put ``marker`` just before word ``word`` of ``anchor`` (after its last word if ``word``
    is their number); never inside a link or a heading, but just before it. False if the
    anchor has fewer words."""
    pieces, offset, text = [], 0, []
    for node, attr, piece in _text_pieces(anchor):
        pieces.append((node, attr, offset, piece))
        text.append(piece)
        offset += len(piece)
    starts = _word_starts("".join(text))
    if word > len(starts):
        return False
    if word == len(starts):  # after the last word: at the end of the anchor's content
        whole = _outermost_kept(anchor)
        if whole is None:
            anchor.append(marker)
        else:
            parent = whole.getparent()
            parent.insert(parent.index(whole) + 1, marker)
            marker.tail, whole.tail = whole.tail, None
        return True
    position = starts[word]
    node, attr, begin, piece = next(p for p in pieces if p[0] is not None
                                    and p[2] <= position < p[2] + len(p[3]))
    whole = _outermost_kept(node if attr == "text" else node.getparent())
    if whole is not None:
        parent = whole.getparent()
        parent.insert(parent.index(whole), marker)
        return True
    cut = position - begin
    if attr == "text":
        node.text, marker.tail = piece[:cut], piece[cut:]
        node.insert(0, marker)
    else:
        node.tail, marker.tail = piece[:cut], piece[cut:]
        parent = node.getparent()
        parent.insert(parent.index(node) + 1, marker)
    return True


def _outermost_kept(el: etree._Element) -> etree._Element | None:
    """The outermost link or heading that is or holds ``el``, below the document's one
    top-level element (a marker must stay inside it)."""
    found = None
    while el.getparent() is not None and el.getparent().getparent() is not None:
        if local_name(el.tag) in _KEEP_WHOLE:
            found = el
        el = el.getparent()
    return found


def insert_pagebreaks(book: Book, pages: PageMap) -> Book:
    """A new Book whose documents carry a page break marker where each print page begins:
    ``<span id="page-17" epub:type="pagebreak" role="doc-pagebreak" aria-label="17"/>``,
    and whose ``page_source`` names the print edition. Markers of consecutive pages that begin
    at the same place (blank pages) stand together, in page order.

    Raises OutputError if the map does not fit the book (an anchor it names is missing, or
    has fewer words): a map is only good for the layout it was made from.
    """
    if book.page_source:
        raise ValueError("the book already carries page break markers")
    trees = [parse_fragment(doc.body) for doc in book.documents]
    where: dict[str, tuple[int, etree._Element]] = {}
    for n, tree in enumerate(trees):
        for el in tree.iter():
            if isinstance(el.tag, str) and el.get("id"):
                where.setdefault(el.get("id"), (n, el))
    used = set(where)
    marked: set[int] = set()
    problems = []
    for start in pages.pages:
        found = where.get(start.anchor)
        ident = _unique(f"page-{_ID_UNSAFE.sub('-', start.label).strip('-') or 'x'}", used)
        if found is None or not _place(found[1], start.word, _marker(start.label, ident)):
            problems.append(Diagnostic(
                "page map", 0, "pagemap-stale",
                f"page {start.label} begins at word {start.word} of #{start.anchor}, "
                "which the book does not have",
                "the map belongs to another layout; build the PDF again to make a new one"))
            continue
        used.add(ident)
        marked.add(found[0])
    if problems:
        raise OutputError(problems)
    documents = tuple(replace(doc, body=_serialise(trees[n])) if n in marked else doc
                      for n, doc in enumerate(book.documents))
    return replace(book, documents=documents, page_source=pages.edition)


def _unique(ident: str, used: set[str]) -> str:
    if ident not in used:
        return ident
    n = 2
    while f"{ident}-{n}" in used:
        n += 1
    return f"{ident}-{n}"

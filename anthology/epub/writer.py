"""Turn the shared HTML book into an EPUB 3 file.

Like Sphinx's EPUB builder this re-renders nothing: the render stage has already written every
document. The writer is a flat list of named steps (see :func:`write_epub`):

1. ``parse_documents``: parse each document's one-element body as XHTML.
2. ``map_ids``: which document holds which id (ids are unique across the book).
3. ``fix_links``: ``href="#anchor"`` becomes ``other.xhtml#anchor`` (or stays ``#anchor``);
   ``fix_images``: ``src="images/NAME"`` becomes ``../images/manuscript/NAME``.
4. ``build_content``: one XHTML5 file per document under ``text/``; ``build_images``: the
   pictures the documents show, each once.
5. ``build_cover``: a typographic PNG and ``text/cover.xhtml``, first in the spine.
6. ``build_navigation_doc``: ``nav.xhtml`` with the toc and landmarks navs and, when the
   documents carry page break markers (``pagemap.insert_pagebreaks``), the page-list.
7. ``build_package``: metadata, manifest and spine, as an ebooklib ``EpubBook``.
8. ``package_files``: ebooklib's writer writes the package document and every file, through
   its public API; two things in its package document are put right.
9. ``container.finish``: the container, with fixed dates, order and permissions, so the same
   Book always gives the same bytes (``container.py``).

Everything that cannot be packaged (a link to an id no document has, a duplicate id, a body that
is not one well-formed element) is collected and raised once as :class:`OutputError`: such a
Book is a bug in the render stage, and no EPUB is written.

Layout inside the container (``EPUB/`` is ebooklib's folder name)::

    EPUB/content.opf  EPUB/nav.xhtml
    EPUB/text/*.xhtml  EPUB/styles/*.css  EPUB/fonts/*.ttf (+ OFL.txt)  EPUB/images/cover.png
    EPUB/images/manuscript/NAME (the manuscript's images/: no name of it can clash with the cover)
"""

from __future__ import annotations

import io
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence
from urllib.parse import unquote
from xml.sax.saxutils import quoteattr

from ebooklib import epub as ebooklib_epub
from lxml import etree

from ..errors import Diagnostic, OutputError
from ..model import Book, Document, TocEntry
from ..xhtml import EPUB_NS, EPUB_TYPE, XHTML_NS, XML_LANG, parse_fragment
from . import container
from .container import FONT_SUFFIXES
from .cover import cover_png

__all__ = ["write_epub"]


ROOT = "EPUB"  # ebooklib's FOLDER_NAME; the OPF and the nav document sit here
TEXT, STYLES, FONTS, IMAGES = "text", "styles", "fonts", "images"
NAV_FILE = "nav.xhtml"
COVER_DOC = "cover"  # text/cover.xhtml; a Document may not use this id
COVER_IMAGE = f"{IMAGES}/cover.png"
PICTURES = f"{IMAGES}/manuscript"  # the manuscript's images/, beside the cover, not among it
LICENCE = "OFL.txt"  # the fonts' licence, when it sits beside them

FONT_TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2"}
# XML NCName (ASCII subset): manifest ids and file stems. Keeps names safe in URLs too.
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_MODIFIED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_IDREF_ATTRS = ("aria-labelledby", "aria-describedby")
_IDS = etree.XPath("descendant-or-self::*/@id", smart_strings=False)
_LINKING = etree.XPath("descendant-or-self::*[@href or @aria-labelledby or @aria-describedby]")


A11Y_SUMMARY = (
    "Reflowable text with a table of contents, landmarks and a logical reading order. "
    "Endnotes are linked to their references in both directions. The cover is an image of "
    "the title and authors, given as its alternative text. No hazards."
)
# what the summary says, after the cover, when the text shows pictures (see build_metadata)
A11Y_PICTURES = "The text shows {count} {pictures}, each with alternative text."
A11Y_PICTURES_UNDESCRIBED = ("The text shows {count} {pictures}; {missing} without alternative "
                             "text, so a reader who cannot see {them} may miss what {they}.")
A11Y_ANIMATED = ("An animated image may flash; whether it flashes dangerously has not been "
                 "checked.")
# added to the summary when the documents carry page break markers
A11Y_PAGES = ("Page break markers and a page list give the page numbers of the print edition "
              "({source}).")


@dataclass(frozen=True)
class _Parsed:
    doc: Document
    body: etree._Element  # the document's one top-level element, in the XHTML namespace

    @property
    def file(self) -> str:
        return f"{self.doc.id}.xhtml"


@dataclass(frozen=True)
class _File:
    """One file of the EPUB: its path under EPUB/, media type and bytes."""

    path: str
    media_type: str
    data: bytes
    linear: bool = True
    uid: str = ""  # the manifest id, when the file name cannot be it

    @property
    def id(self) -> str:  # manifest id: the file name, as Standard Ebooks does
        return self.uid or self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class _Pictures:
    """What the accessibility metadata says of the pictures the documents show."""

    count: int = 0
    undescribed: int = 0  # shown without alt text (at least once)
    animated: bool = False


def write_epub(book: Book) -> bytes:
    """Package ``book`` as an EPUB 3 file and return its bytes (same Book, same bytes).

    The start of the container (``mimetype`` and the deflated fonts, see ``container.py``) is
    made and the cover drawn in two worker threads while this one builds the documents (zlib
    lets go of the GIL while it deflates). Each file is made on its own, so the threads
    change when the work is done, never the bytes.
    """
    modified = _parse_modified(book)
    _check_names(book)
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="epub")
    try:
        cover = pool.submit(build_cover, book)  # first: part of it is Python, and waits for the GIL
        fonts = read_fonts(book)
        started = pool.submit(container.start, {f"{ROOT}/{f.path}": f.data for f in fonts
                                                if f.path.endswith(FONT_SUFFIXES)}, modified)
        parsed = parse_documents(book)
        where = map_ids(parsed)
        fix_links(parsed, where)
        pictures = fix_images(book, parsed)
        content = build_content(book, parsed)
        images = build_images(book)
        nav = build_navigation_doc(book, parsed, where)
        cover_image, cover_page = cover.result()
        package = build_package(book, content, cover_image, cover_page, nav, fonts, images,
                                pictures)
        files = package_files(package, modified)
        return container.finish(started.result(), files, modified,
                                stored={f"{ROOT}/{f.path}" for f in images})
    finally:
        pool.shutdown(cancel_futures=True)


# ---- 0. what the Book must satisfy before anything is packaged -------------------------------


def _problem(path: str, code: str, message: str) -> Diagnostic:
    return Diagnostic(path, 0, code, message,
                      "the render stage made an inconsistent Book; this is a bug, please report it")


def _raise(problems: list[Diagnostic]) -> None:
    if problems:
        raise OutputError(problems)


def _parse_modified(book: Book) -> datetime:
    if not _MODIFIED.match(book.modified):
        _raise([_problem("content.opf", "epub-bad-modified",
                         f"modified must be YYYY-MM-DDThh:mm:ssZ, not {book.modified!r}")])
    return datetime.strptime(book.modified, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def _check_names(book: Book) -> None:
    problems = []
    if not book.identifier.strip():
        problems.append(_problem("content.opf", "epub-no-identifier", "the book has no identifier"))
    if not book.language.strip():
        problems.append(_problem("content.opf", "epub-no-language", "the book has no language"))
    # manifest ids are file names, so text/nav.xhtml would clash with the nav document's id
    names: dict[str, str] = {COVER_DOC: "the cover page", "nav": "the navigation document"}
    for doc in book.documents:
        if not _NAME.match(doc.id):
            problems.append(_problem(f"{TEXT}/{doc.id}.xhtml", "epub-bad-name",
                                     f"document id {doc.id!r} cannot be a file name"))
        elif doc.id in names:
            problems.append(_problem(f"{TEXT}/{doc.id}.xhtml", "epub-duplicate-document",
                                     f"document id {doc.id!r} is already used by {names[doc.id]}"))
        names.setdefault(doc.id, f"document {doc.id!r}")
    files = [s.name for s in book.stylesheets] + [f.name for f in book.fonts]
    for name in dict.fromkeys(files):
        if not _NAME.match(name) or files.count(name) > 1:
            problems.append(_problem(name, "epub-bad-name",
                                     f"{name!r} is not a unique, plain file name"))
    for sheet in book.stylesheets:
        if not sheet.name.endswith(".css"):
            problems.append(_problem(sheet.name, "epub-bad-name", "a stylesheet's name ends in .css"))
    for font in book.fonts:
        if font.suffix.lower() not in FONT_TYPES:
            problems.append(_problem(str(font), "epub-bad-font", "not a TTF, OTF or WOFF font"))
    _raise(problems)


# ---- 1-3. split, map ids, fix links ------------------------------------------------------------


def parse_documents(book: Book) -> list[_Parsed]:
    """Parse each body (one XHTML element, ``epub:`` prefix allowed) into an lxml element."""
    parsed, problems = [], []
    for doc in book.documents:
        path = f"{TEXT}/{doc.id}.xhtml"
        try:
            root = parse_fragment(doc.body)
        except etree.XMLSyntaxError as exc:
            problems.append(_problem(path, "epub-bad-xhtml", f"the body is not well-formed: {exc}"))
            continue
        elements = [c for c in root if isinstance(c.tag, str)]
        stray = (root.text or "").strip() or any((c.tail or "").strip() for c in root)
        if len(elements) != 1 or stray:
            problems.append(_problem(path, "epub-bad-xhtml",
                                     f"the body must be one element, not {len(elements)}"
                                     + (" and loose text" if stray else "")))
            continue
        parsed.append(_Parsed(doc, elements[0]))
    _raise(problems)
    return parsed


def map_ids(parsed: list[_Parsed]) -> dict[str, str]:
    """Return id → file name of the document that holds it; a duplicate id is a bug."""
    where: dict[str, str] = {}
    problems = []
    for p in parsed:
        for el in p.body.iter():
            anchor = el.get("id") if isinstance(el.tag, str) else None
            if anchor is None:
                continue
            if anchor in where:
                problems.append(_problem(f"{TEXT}/{p.file}", "epub-duplicate-id",
                                         f"id {anchor!r} is also in {TEXT}/{where[anchor]}"))
            else:
                where[anchor] = p.file
    _raise(problems)
    return where


def fix_links(parsed: list[_Parsed], where: dict[str, str]) -> None:
    """Point every ``href="#anchor"`` at the document holding the anchor, in place."""
    problems = []
    for p in parsed:
        path = f"{TEXT}/{p.file}"
        local = {anchor for anchor in _IDS(p.body) if anchor}
        for el in _LINKING(p.body):  # only the elements that link, in document order
            href = el.get("href")
            if href is not None:
                if _SCHEME.match(href):
                    pass  # http:, mailto: …: leave alone
                elif href.startswith("#") and len(href) > 1:
                    target = where.get(unquote(href[1:]))
                    if target is None:
                        problems.append(_problem(path, "epub-broken-link",
                                                 f"link to {href}, but no document has that id"))
                    elif target != p.file:
                        el.set("href", target + href)
                else:
                    problems.append(_problem(path, "epub-broken-link",
                                             f"link {href!r} is neither #anchor nor an absolute URL"))
            for attr in _IDREF_ATTRS:
                for ref in (el.get(attr) or "").split():
                    if ref not in local:
                        problems.append(_problem(path, "epub-broken-link",
                                                 f"{attr} names {ref!r}, not an id in this document"))
    _raise(problems)


_IMGS = etree.XPath("descendant-or-self::x:img", namespaces={"x": XHTML_NS})


def fix_images(book: Book, parsed: list[_Parsed]) -> _Pictures:
    """Point every ``src="images/NAME"`` at the picture's place in the EPUB, in place; a
    picture that is not among ``book.images`` is a bug. Returns what the documents show."""
    names = {image.name for image in book.images}
    problems = []
    undescribed: set[str] = set()
    for p in parsed:
        for img in _IMGS(p.body):
            src = img.get("src") or ""
            name = src.removeprefix(f"{IMAGES}/")
            if not src.startswith(f"{IMAGES}/") or name not in names:
                problems.append(_problem(f"{TEXT}/{p.file}", "epub-broken-image",
                                         f"image {src!r} is not one of the book's images"))
                continue
            img.set("src", f"../{PICTURES}/{name}")
            if not (img.get("alt") or "").strip():
                undescribed.add(name)
    _raise(problems)
    return _Pictures(len(names), len(undescribed), any(i.animated for i in book.images))


def _href(where: dict[str, str], href: str, path: str, problems: list[Diagnostic]) -> str:
    """A nav href (from ``nav.xhtml``) for a ``#anchor`` of the shared HTML."""
    target = where.get(unquote(href[1:])) if href.startswith("#") else None
    if target is None:
        problems.append(_problem(path, "epub-broken-link", f"toc entry links to {href!r}, "
                                 "which no document holds"))
        return href
    return f"{TEXT}/{target}{href}"


# ---- 4-5. content documents and the cover -------------------------------------------------------


def _xhtml(book: Book, title: str, css_dir: str, body: list[etree._Element],
           body_class: str = "") -> bytes:
    """A complete XHTML5 content document around ``body``; stylesheets linked, nothing inline."""
    html = etree.Element(f"{{{XHTML_NS}}}html", nsmap={None: XHTML_NS, "epub": EPUB_NS})
    html.set("lang", book.language)
    html.set(XML_LANG, book.language)
    html.text = "\n"
    head = etree.SubElement(html, f"{{{XHTML_NS}}}head")
    head.text = "\n"
    head.tail = "\n"
    title_el = etree.SubElement(head, f"{{{XHTML_NS}}}title")
    title_el.text = title or book.title
    title_el.tail = "\n"
    for sheet in book.stylesheets:
        link = etree.SubElement(head, f"{{{XHTML_NS}}}link", rel="stylesheet", type="text/css",
                                href=f"{css_dir}{STYLES}/{sheet.name}")
        link.tail = "\n"
    body_el = etree.SubElement(html, f"{{{XHTML_NS}}}body")
    if body_class:
        body_el.set("class", body_class)
    body_el.text = "\n"
    body_el.tail = "\n"
    for el in body:
        el.tail = "\n"
        body_el.append(el)
    # keep xmlns:epub on <html> even where nothing uses it; drop re-declarations lower down
    etree.cleanup_namespaces(html, keep_ns_prefixes=["epub"])
    text = etree.tostring(html, encoding="unicode", doctype="<!DOCTYPE html>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text + "\n").encode("utf-8")


def build_content(book: Book, parsed: list[_Parsed]) -> list[_File]:
    """One XHTML file per document, in the order of ``book.documents``."""
    return [_File(f"{TEXT}/{p.file}", "application/xhtml+xml",
                  _xhtml(book, p.doc.title, "../", [p.body]), p.doc.linear)
            for p in parsed]


def build_images(book: Book) -> list[_File]:
    """The pictures the documents show, by name (manifest id ``image-NAME``: a file name may
    begin with a digit, an XML id may not)."""
    return [_File(f"{PICTURES}/{image.name}", image.media_type, image.data,
                  uid=f"image-{image.name}")
            for image in sorted(book.images, key=lambda image: image.name)]


def _cover_names(book: Book) -> tuple[str, ...]:
    """Who the cover names: the authors; for a volume with none, its editors."""
    for role in ("aut", "edt"):
        names = tuple(dict.fromkeys(c.name for c in book.creators if c.role == role))
        if names:
            return names
    return ()


def _cover_alt(book: Book) -> str:
    title = f"{book.title}: {book.subtitle}" if book.subtitle else book.title
    names = _cover_names(book)
    return f"{title}. {', '.join(names)}" if names else title


def _font_dir(book: Book) -> Path:
    for font in book.fonts:
        if font.name == "CharisSIL-Regular.ttf":
            return font.parent
    _raise([_problem("images/cover.png", "epub-no-cover-font",
                     "the cover needs the Charis SIL fonts, and book.fonts has none")])
    raise AssertionError  # unreachable


def build_cover(book: Book) -> tuple[_File, _File]:
    """The cover image and its page: the image alone, with the title and authors as alt."""
    png = cover_png(book.title, book.subtitle, _cover_names(book), _font_dir(book))
    img = etree.Element(f"{{{XHTML_NS}}}img", src=f"../{COVER_IMAGE}", alt=_cover_alt(book))
    # epub:type cover pairs with DPUB-ARIA doc-cover, which belongs on the image itself
    img.set(EPUB_TYPE, "cover")
    img.set("role", "doc-cover")
    page = _xhtml(book, book.title, "../", [img], body_class="cover")
    return (_File(COVER_IMAGE, "image/png", png),
            _File(f"{TEXT}/{COVER_DOC}.xhtml", "application/xhtml+xml", page))


# ---- 6. navigation document ---------------------------------------------------------------------


def _nav_list(parent: etree._Element, entries: tuple[TocEntry, ...], where: dict[str, str],
              problems: list[Diagnostic]) -> None:
    ol = etree.SubElement(parent, f"{{{XHTML_NS}}}ol")
    for entry in entries:
        li = etree.SubElement(ol, f"{{{XHTML_NS}}}li")
        a = etree.SubElement(li, f"{{{XHTML_NS}}}a", href=_href(where, entry.href, NAV_FILE, problems))
        a.text = entry.title
        if entry.children:
            _nav_list(li, entry.children, where, problems)


def build_navigation_doc(book: Book, parsed: list[_Parsed], where: dict[str, str]) -> _File:
    """``nav.xhtml``: the toc nav from ``book.toc``, the landmarks nav from the documents, and
    the page-list when the documents carry page break markers (:func:`build_page_list`).

    It is not in the spine: the render stage's own contents page (landmark ``toc``) is the
    one readers page through; this file is what the reading system's menus use.
    """
    problems: list[Diagnostic] = []
    contents = next((p.doc for p in parsed if p.doc.landmark == "toc"), None)
    heading = contents.title if contents else "Contents"

    toc = etree.Element(f"{{{XHTML_NS}}}nav", id="toc", role="doc-toc")
    toc.set(EPUB_TYPE, "toc")
    h = etree.SubElement(toc, f"{{{XHTML_NS}}}h2")
    h.text = heading
    _nav_list(toc, book.toc, where, problems)

    landmarks = etree.Element(f"{{{XHTML_NS}}}nav", id="landmarks", hidden="hidden")
    landmarks.set(EPUB_TYPE, "landmarks")
    h = etree.SubElement(landmarks, f"{{{XHTML_NS}}}h2")
    h.text = "Landmarks"
    ol = etree.SubElement(landmarks, f"{{{XHTML_NS}}}ol")
    marks = [("cover", f"{TEXT}/{COVER_DOC}.xhtml", "Cover")]
    marks += [(p.doc.landmark, f"{TEXT}/{p.file}", p.doc.landmark_title or p.doc.title)
              for p in parsed if p.doc.landmark]
    seen: set[str] = set()
    for kind, href, label in marks:
        if kind in seen or len(kind.split()) != 1:
            problems.append(_problem(href, "epub-bad-landmark",
                                     f"landmark {kind!r} is not one type, or is used twice"))
        seen.add(kind)
        li = etree.SubElement(ol, f"{{{XHTML_NS}}}li")
        a = etree.SubElement(li, f"{{{XHTML_NS}}}a", href=href)
        a.set(EPUB_TYPE, kind)
        a.text = label
    if "bodymatter" not in seen:
        problems.append(_problem(NAV_FILE, "epub-no-bodymatter",
                                 "no document has the landmark 'bodymatter' (where reading starts)"))

    navs = [toc, landmarks]
    page_list = build_page_list(book, parsed, problems)
    if page_list is not None:
        navs.append(page_list)
    _raise(problems)
    data = _xhtml(book, heading, "", navs)
    return _File(NAV_FILE, "application/xhtml+xml", data)


def _pagebreaks(parsed: list[_Parsed]) -> list[tuple[_Parsed, etree._Element]]:
    """Every page break marker, in reading order."""
    return [(p, el) for p in parsed for el in p.body.iter()
            if isinstance(el.tag, str) and "pagebreak" in (el.get(EPUB_TYPE) or "").split()]


def build_page_list(book: Book, parsed: list[_Parsed],
                    problems: list[Diagnostic]) -> etree._Element | None:
    """The page-list nav: one link per page break marker, in reading order, labelled with the
    marker's ``aria-label``; None when the documents carry no markers.

    Built here, never by ebooklib (``epub3_pages``): every marker must have an id, the role
    ``doc-pagebreak`` and a label, and ``book.page_source`` must name the print edition the
    numbers come from (``pageBreakSource``).
    """
    breaks = _pagebreaks(parsed)
    if not breaks:
        if book.page_source:
            problems.append(_problem(NAV_FILE, "epub-page-source-without-pages",
                                     "page_source names a print edition, but no document has "
                                     "page break markers"))
        return None
    if not book.page_source.strip():
        problems.append(_problem(NAV_FILE, "epub-pages-without-source",
                                 "the documents carry page break markers, but page_source does "
                                 "not name the print edition they come from"))
    nav = etree.Element(f"{{{XHTML_NS}}}nav", id="page-list", role="doc-pagelist", hidden="")
    nav.set(EPUB_TYPE, "page-list")
    h = etree.SubElement(nav, f"{{{XHTML_NS}}}h2")
    h.text = "Pages"
    ol = etree.SubElement(nav, f"{{{XHTML_NS}}}ol")
    for p, el in breaks:
        label = (el.get("aria-label") or "").strip()
        if not el.get("id") or not label or "doc-pagebreak" not in (el.get("role") or "").split():
            problems.append(_problem(f"{TEXT}/{p.file}", "epub-bad-pagebreak",
                                     f"page break {el.get('id') or label!r} needs an id, "
                                     "role=\"doc-pagebreak\" and an aria-label"))
            continue
        li = etree.SubElement(ol, f"{{{XHTML_NS}}}li")
        a = etree.SubElement(li, f"{{{XHTML_NS}}}a", href=f"{TEXT}/{p.file}#{el.get('id')}")
        a.text = label
    return nav


# ---- 7. package document, via ebooklib -----------------------------------------------------------


A11Y_CERTIFIER = "anthology (automated checks: EPUBCheck and Ace by DAISY)"


def _meta(package: ebooklib_epub.EpubBook, prop: str, value: str, **attrs: str) -> None:
    """A ``<meta property=…>`` element; ``refines="#id"`` etc. go in ``attrs``."""
    package.add_metadata(None, "meta", value, {"property": prop, **attrs})


def _item(f: _File) -> ebooklib_epub.EpubItem:
    # Plain EpubItems are written byte for byte; ebooklib's EpubHtml would re-parse our XHTML
    # with an HTML parser and rebuild <head>, which is exactly what this module must not do.
    return ebooklib_epub.EpubItem(uid=f.id, file_name=f.path, media_type=f.media_type,
                                  content=f.data)


def build_metadata(package: ebooklib_epub.EpubBook, book: Book,
                   pictures: _Pictures = _Pictures()) -> None:
    """Dublin Core, refinements and schema.org accessibility metadata."""
    package.IDENTIFIER_ID = "uid"
    package.set_identifier(book.identifier)  # replaces ebooklib's random uuid4
    package.title = book.title
    package.language = book.language
    package.add_metadata("DC", "title", book.title, {"id": "title"})
    if book.subtitle:
        _meta(package, "title-type", "main", refines="#title")
        package.add_metadata("DC", "title", book.subtitle, {"id": "subtitle"})
        _meta(package, "title-type", "subtitle", refines="#subtitle")
    for n, creator in enumerate(book.creators, 1):
        cid = f"creator-{n}"
        package.add_metadata("DC", "creator", creator.name, {"id": cid})
        _meta(package, "role", creator.role, refines=f"#{cid}", scheme="marc:relators")
        if creator.file_as:
            _meta(package, "file-as", creator.file_as, refines=f"#{cid}")
    package.add_metadata("DC", "language", book.language)
    if book.date:
        package.add_metadata("DC", "date", book.date)
    for source in book.sources:
        package.add_metadata("DC", "source", source)
    for key in ("description", "publisher", "rights"):
        if getattr(book, key):
            package.add_metadata("DC", key, getattr(book, key))
    for subject in book.subjects:
        package.add_metadata("DC", "subject", subject)
    # dcterms:modified comes from the writer's "mtime" option (see write_epub); ebooklib
    # would otherwise write the current time.

    # schema.org accessibility metadata (a reserved prefix in EPUB 3: no declaration needed).
    # Without pictures in the text, the cover is the only image, and its alt text says all
    # it shows: the access mode is textual alone (as Benetech's GCA reads covers) and
    # textual is sufficient. Pictures make the book visual too; text alone suffices only
    # when every picture has alt text, and only then is alternativeText a feature.
    described = pictures.undescribed == 0
    if pictures.count:
        _meta(package, "schema:accessMode", "textual")
        _meta(package, "schema:accessMode", "visual")
        _meta(package, "schema:accessModeSufficient", "textual,visual")
        if described:
            _meta(package, "schema:accessModeSufficient", "textual")
    else:
        _meta(package, "schema:accessMode", "textual")
        _meta(package, "schema:accessModeSufficient", "textual")
    features = ["structuralNavigation", "tableOfContents", "readingOrder"]
    if described:
        features.append("alternativeText")
    summary = A11Y_SUMMARY
    if pictures.count:  # what the pictures are, then the hazards
        one, missing = pictures.count == 1, pictures.undescribed
        said = (A11Y_PICTURES if described else A11Y_PICTURES_UNDESCRIBED).format(
            count=pictures.count, pictures="picture" if one else "pictures",
            missing=f"{missing} is" if missing == 1 else f"{missing} are",
            them="it" if missing == 1 else "them",
            they="it shows" if missing == 1 else "they show")
        hazards = A11Y_ANIMATED if pictures.animated else "No hazards."
        summary = summary.replace(" No hazards.", f" {said} {hazards}")
    if book.page_source:
        # the page-list and its markers (build_page_list): the print edition they follow is
        # named by pageBreakSource (EPUB 3.3 + Page Source Identification; it replaces
        # dc:source + source-of, and EPUBCheck 5 and Ace 1.4 accept it alone).
        # pageBreakMarkers is the current name of printPageNumbers; both, for older readers.
        features += ["pageBreakMarkers", "printPageNumbers", "pageNavigation"]
        summary += " " + A11Y_PAGES.format(source=book.page_source)
        _meta(package, "pageBreakSource", book.page_source)
    for feature in features:
        _meta(package, "schema:accessibilityFeature", feature)
    if pictures.animated:  # an animated GIF may flash; nothing here moves or sounds
        for hazard in ("unknownFlashingHazard", "noMotionSimulationHazard", "noSoundHazard"):
            _meta(package, "schema:accessibilityHazard", hazard)
    else:
        _meta(package, "schema:accessibilityHazard", "none")
    _meta(package, "schema:accessibilitySummary", summary, **{XML_LANG: "en"})
    # the claim the test suite checks on every build: EPUBCheck and Ace by DAISY, no
    # violation. A picture without alt text fails WCAG's first criterion (1.1.1, non-text
    # content): the book then claims nothing (the reader has warned the editor).
    if described:
        _meta(package, "dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.2 Level AA")
        _meta(package, "a11y:certifiedBy", A11Y_CERTIFIER)


def read_fonts(book: Book) -> list[_File]:
    """The fonts under ``fonts/``, and their licence when it sits beside them."""
    files = [_File(f"{FONTS}/{font.name}", FONT_TYPES[font.suffix.lower()], font.read_bytes())
             for font in book.fonts]
    # The fonts' licence travels with them. Nothing links to it; EPUBCheck notes that only at
    # usage level (OPF-097), which is neither an error nor a warning.
    for licence in sorted({font.parent / LICENCE for font in book.fonts}):
        if licence.is_file():
            files.append(_File(f"{FONTS}/{LICENCE}", "text/plain", licence.read_bytes()))
            break
    return files


def build_package(book: Book, content: list[_File], cover_image: _File, cover_page: _File,
                  nav: _File, fonts: list[_File], images: Sequence[_File] = (),
                  pictures: _Pictures = _Pictures()) -> ebooklib_epub.EpubBook:
    """The ebooklib book: metadata, every file as a manifest item, the spine."""
    package = ebooklib_epub.EpubBook()
    build_metadata(package, book, pictures)

    cover = ebooklib_epub.EpubCover(uid=cover_image.id, file_name=cover_image.path)
    cover.media_type = cover_image.media_type
    cover.content = cover_image.data
    package.add_item(cover)  # written with properties="cover-image"
    # EPUB 2 style pointer; older Kindle and Kobo software still look for it
    package.add_metadata(None, "meta", "", {"name": "cover", "content": cover_image.id})

    nav_item = _item(nav)
    nav_item.properties = ["nav"]
    package.add_item(nav_item)

    for sheet in book.stylesheets:
        package.add_item(_item(_File(f"{STYLES}/{sheet.name}", "text/css",
                                     sheet.text.encode("utf-8"))))
    for font in fonts:  # listed in the manifest; their bytes are the container's already
        package.add_item(_item(replace(font, data=b"")) if font.path.endswith(FONT_SUFFIXES)
                         else _item(font))
    for image in images:
        package.add_item(_item(image))

    spine = []
    for f in [cover_page, *content]:
        item = _item(f)
        item.is_linear = f.linear
        package.add_item(item)
        spine.append(item)
    package.spine = spine
    return package


# ---- 8. the package document, written by ebooklib ---------------------------------------------


def package_files(package: ebooklib_epub.EpubBook, modified: datetime) -> dict[str, bytes]:
    """Every file of the EPUB but ``mimetype`` and the fonts (path in the zip → bytes), as
    ebooklib writes them for ``package``: its writer writes an EPUB (into memory,
    undeflated), whose files are read back with ``zipfile``; the container is written once,
    by ``container.py``, which has the fonts already.

    Two things in ebooklib 0.20's package document are put right (:func:`_put_right`).
    """
    # epub3_pages off: ebooklib would build a bogus page-list from every element with an
    # epub:type and an id (see DESIGN.md). Our nav is our own file, but keep the switch off.
    # mtime: ebooklib writes dcterms:modified from it, or else from datetime.now().
    written = io.BytesIO()
    writer = ebooklib_epub.EpubWriter(written, package, {
        "epub3_pages": False, "mtime": modified, "compresslevel": 0})
    writer.process()
    writer.write()  # unlike ebooklib.epub.write_epub, lets every error through
    with zipfile.ZipFile(written) as epub:
        files = {name: epub.read(name) for name in epub.namelist()
                 if name != "mimetype" and not name.endswith(FONT_SUFFIXES)}
    opf = f"{ROOT}/content.opf"
    ncx = any(isinstance(item, ebooklib_epub.EpubNcx) for item in package.get_items())
    files[opf] = _put_right(files[opf], package.language, ncx)
    return files


def _put_right(opf: bytes, language: str, ncx: bool) -> bytes:
    """ebooklib 0.20's package document, with ``<spine toc="ncx">`` gone when there is no
    NCX (EPUB 3 needs none, and a ``toc`` naming no manifest item is an EPUBCheck error,
    OPF-049) and the book's ``xml:lang`` on ``<package>`` (Ace, epub-lang).

    Edited as text, each edit where it must be and once, so every other byte stays as
    ebooklib wrote it (parsed and written again, its empty elements would change form);
    another ebooklib that writes either start tag differently is refused, not guessed at."""
    lang = quoteattr(language).encode("utf-8")
    edited, found = re.subn(rb"(<package [^>]*)>", lambda m: m.group(1) + b" xml:lang=" + lang +
                            b">", opf, count=1)
    if not ncx and found:
        edited, found = re.subn(rb'<spine toc="ncx"([ >])', rb"<spine\1", edited, count=1)
    if not found:
        raise OutputError(_problem("content.opf", "epub-package-document",
                                   "ebooklib wrote a package document anthology does not know "
                                   "(its <package> or <spine> start tag)"))
    return edited

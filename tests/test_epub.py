"""The EPUB writer: a small synthetic Book, packaged and checked by the real EPUBCheck."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from validators import assert_epubcheck_clean
from lxml import etree

from anthology.epub.cover import cover_png
from anthology.epub import write_epub
from anthology.epub.container import FONT_LEVEL, TEXT_LEVEL
from anthology.errors import OutputError
from anthology.model import Book, Creator, Document, Stylesheet, TocEntry

ROOT = Path(__file__).resolve().parent.parent
STYLES = ROOT / "styles"
FONTS = STYLES / "fonts"
NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


# ---- the synthetic book -------------------------------------------------------------------------


def _piece(pid: str, title: str, text: str) -> Document:
    # The render stage's endnote markup, less role="doc-endnote" on the <li>: DPUB-ARIA 1.1
    # deprecates that role and EPUBCheck 5 warns on it (RSC-017), so the render stage drops it.
    body = (
        f'<section id="piece-{pid}" epub:type="chapter" role="doc-chapter" '
        f'aria-labelledby="{pid}-title">'
        f'<h2 id="{pid}-title">{title}</h2>'
        f"<p>{text}"
        f'<a href="#{pid}-note-1" id="{pid}-noteref-1" epub:type="noteref" role="doc-noteref">1</a>'
        "</p>"
        f'<section id="{pid}-endnotes" epub:type="endnotes" role="doc-endnotes">'
        "<h2>Notes</h2><ol>"
        f'<li id="{pid}-note-1" epub:type="endnote"><p>Text. '
        f'<a href="#{pid}-noteref-1" epub:type="backlink" role="doc-backlink">↩︎</a></p></li>'
        "</ol></section></section>"
    )
    return Document(id=f"piece-{pid}", title=title, body=body)


def make_book(**changes) -> Book:
    titlepage = Document(
        id="titlepage", title="Serge & Co", landmark="titlepage", landmark_title="Title page",
        body='<section id="titlepage" epub:type="titlepage"><h1>Serge &amp; Co</h1>'
             "<p>A debate</p></section>")
    contents = Document(
        id="contents", title="Contents", landmark="toc", landmark_title="Contents",
        body='<nav id="contents" epub:type="toc" role="doc-toc" aria-labelledby="contents-title">'
             '<h2 id="contents-title">Contents</h2><ol>'
             '<li><a href="#part-1">Part One</a><ol>'
             '<li><a href="#piece-p1">The essay</a></li>'
             '<li><a href="#piece-p2">The reply</a></li></ol></li></ol></nav>')
    part = Document(
        id="part-1", title="Part One", landmark="bodymatter", landmark_title="Start of the text",
        body='<section id="part-1" epub:type="part" role="doc-part" aria-labelledby="part-1-title">'
             '<h2 id="part-1-title">Part One</h2></section>')
    p1 = _piece("p1", "The essay", "An essay, see the reply (<a href=\"#p2-title\">below</a>).")
    p2 = _piece("p2", "The reply", "A reply to <a href=\"#piece-p1\">the essay</a>; and "
                "<a href=\"https://example.org/\">elsewhere</a>.")
    book = Book(
        title="Serge & Co",
        subtitle="A debate in two pieces",
        language="en",
        identifier="urn:uuid:0b5e2c0e-6f5d-4d2a-9a43-3f1f2b0c1a77",
        modified="2026-11-25T00:00:00Z",
        documents=(titlepage, contents, part, p1, p2),
        toc=(TocEntry("Part One", "#part-1", (
            TocEntry("The essay", "#piece-p1", (TocEntry("Notes", "#p1-endnotes"),)),
            TocEntry("The reply", "#piece-p2"),
        )),),
        stylesheets=(
            Stylesheet("base.css", "p { margin: 0; text-indent: 1.2em; }\n"),
            Stylesheet("epub.css", (STYLES / "epub.css").read_text(encoding="utf-8")),
        ),
        fonts=tuple(sorted(FONTS.glob("*.ttf"))),
        creators=(Creator("Susan Weissman", "aut", "Weissman, Susan"),
                  Creator("Ernie Haberkern", "aut", "Haberkern, Ernie"),
                  Creator("Jane Editor", "edt", "Editor, Jane")),
        sources=("From Against the Current, 142, September-October 2009.",),
        description="Two pieces and their notes.",
        publisher="Test Press",
        rights="Reprinted by permission.",
        date="2026-11-25",
        subjects=("Serge, Victor, 1890-1947",),
    )
    return replace(book, **changes)


@pytest.fixture(scope="module")
def book() -> Book:
    return make_book()


@pytest.fixture(scope="module")
def epub_bytes(book: Book) -> bytes:
    return write_epub(book)


@pytest.fixture(scope="module")
def epub_zip(epub_bytes: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(epub_bytes))


def _xml(zf: zipfile.ZipFile, name: str) -> etree._Element:
    return etree.fromstring(zf.read(name))


def _opf_path(zf: zipfile.ZipFile) -> str:
    container = _xml(zf, "META-INF/container.xml")
    return container.xpath("//c:rootfile/@full-path", namespaces=NS)[0]


@pytest.fixture(scope="module")
def opf(epub_zip: zipfile.ZipFile) -> etree._Element:
    return _xml(epub_zip, _opf_path(epub_zip))


def _manifest(zf: zipfile.ZipFile, opf: etree._Element) -> dict[str, etree._Element]:
    base = posixpath.dirname(_opf_path(zf))
    return {posixpath.join(base, item.get("href")): item
            for item in opf.xpath("//opf:manifest/opf:item", namespaces=NS)}


def _nav(zf: zipfile.ZipFile, opf: etree._Element) -> tuple[str, etree._Element]:
    for path, item in _manifest(zf, opf).items():
        if "nav" in (item.get("properties") or "").split():
            return path, _xml(zf, path)
    raise AssertionError("no nav document in the manifest")


# ---- EPUBCheck: the real checker, never skipped ------------------------------------------------


@pytest.mark.slow
@pytest.mark.external
def test_epubcheck_reports_no_errors_and_no_warnings(epub_bytes: bytes, tmp_path: Path) -> None:
    path = tmp_path / "book.epub"
    path.write_bytes(epub_bytes)
    assert_epubcheck_clean(path)


# ---- the container ------------------------------------------------------------------------------


def test_two_writes_are_byte_identical(book: Book, epub_bytes: bytes) -> None:
    assert write_epub(book) == epub_bytes
    assert write_epub(make_book()) == epub_bytes  # an equal Book, not the same object


def test_mimetype_is_first_and_stored(epub_bytes: bytes, epub_zip: zipfile.ZipFile) -> None:
    first = epub_zip.infolist()[0]
    assert first.filename == "mimetype"
    assert first.compress_type == zipfile.ZIP_STORED
    assert first.extra == b""
    assert epub_zip.read("mimetype") == b"application/epub+zip"
    # OCF: the bytes at offset 30 spell the media type, so `file` and readers can sniff it
    assert epub_bytes[30:38] == b"mimetype"
    assert epub_bytes[38:58] == b"application/epub+zip"


def test_entries_carry_the_books_date_and_fixed_permissions(epub_zip: zipfile.ZipFile) -> None:
    names = [i.filename for i in epub_zip.infolist()]
    fonts = [n for n in names if n.endswith(".ttf")]
    assert fonts and names[1:1 + len(fonts)] == sorted(fonts)  # the container's start
    rest = names[1 + len(fonts):]
    assert rest[0] == "META-INF/container.xml" and rest[1:] == sorted(rest[1:])
    for info in epub_zip.infolist():
        assert info.date_time == (2026, 11, 25, 0, 0, 0)
        assert info.external_attr >> 16 == 0o100644
        if info.filename != "mimetype":
            assert info.compress_type == zipfile.ZIP_DEFLATED


def test_a_different_modified_date_changes_only_what_it_should(book: Book) -> None:
    other = zipfile.ZipFile(io.BytesIO(write_epub(replace(book, modified="2027-01-02T03:04:05Z"))))
    assert other.infolist()[0].date_time == (2027, 1, 2, 3, 4, 4)  # zip time has 2 s steps
    opf = _xml(other, _opf_path(other))
    assert opf.xpath("//opf:meta[@property='dcterms:modified']/text()", namespaces=NS) == \
        ["2027-01-02T03:04:05Z"]


def test_the_zip_is_what_zipfile_writes_for_the_same_entries(epub_bytes: bytes,
                                                               epub_zip: zipfile.ZipFile) -> None:
    # the fonts are deflated first (in another thread) and the rest appended later: zipfile
    # writing the same entries, dates, modes and levels at one go gives the same bytes
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as reference:
        for info in epub_zip.infolist():
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.create_system, copy.external_attr = 3, 0o100644 << 16
            copy.compress_type = info.compress_type
            level = FONT_LEVEL if info.filename.endswith(".ttf") else TEXT_LEVEL
            reference.writestr(copy, epub_zip.read(info), compresslevel=level)
    assert out.getvalue() == epub_bytes
    assert epub_zip.testzip() is None


def test_fonts_cost_little_more_space_at_their_faster_level(epub_zip: zipfile.ZipFile) -> None:
    # FONT_LEVEL trades a little size for half the time of level 9; keep the trade small
    for font in sorted(FONTS.glob("*.ttf")):
        info = epub_zip.getinfo(f"EPUB/fonts/{font.name}")
        best = len(zlib.compress(font.read_bytes(), 9))
        assert info.compress_size < best * 1.01, font.name


# ---- content documents and links ------------------------------------------------------------


def test_one_content_document_per_document_with_lang_title_and_css(
        book: Book, epub_zip: zipfile.ZipFile, opf: etree._Element) -> None:
    manifest = _manifest(epub_zip, opf)
    for doc in book.documents:
        path = f"EPUB/text/{doc.id}.xhtml"
        assert path in manifest and manifest[path].get("media-type") == "application/xhtml+xml"
        raw = epub_zip.read(path)
        assert raw.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>')
        root = etree.fromstring(raw)
        assert root.nsmap.get("epub") == NS["epub"]
        assert root.get("lang") == root.get(XML_LANG) == "en"
        assert root.xpath("string(x:head/x:title)", namespaces=NS) == doc.title
        assert root.xpath("x:head/x:link/@href", namespaces=NS) == \
            ["../styles/base.css", "../styles/epub.css"]
        assert len(root.xpath("x:body/*", namespaces=NS)) == 1


def test_no_inline_style_and_no_script_anywhere(epub_zip: zipfile.ZipFile) -> None:
    for name in epub_zip.namelist():
        if name.endswith(".xhtml"):
            root = _xml(epub_zip, name)
            assert not root.xpath("//x:style | //x:script | //*[@style]", namespaces=NS), name


def test_every_internal_link_resolves(epub_zip: zipfile.ZipFile, opf: etree._Element) -> None:
    ids: dict[str, set[str]] = {}
    docs = [n for n in epub_zip.namelist() if n.endswith(".xhtml")]
    for name in docs:
        ids[name] = {el.get("id") for el in _xml(epub_zip, name).iter() if el.get("id")}
    checked = 0
    for name in docs:
        for el in _xml(epub_zip, name).xpath("//*[@href] | //*[@src]"):
            ref = el.get("href") or el.get("src")
            parts = urlsplit(ref)
            if parts.scheme:
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name),
                                                       unquote(parts.path))) \
                if parts.path else name
            assert target in epub_zip.namelist(), f"{name}: {ref} points at no file"
            if parts.fragment:
                assert unquote(parts.fragment) in ids[target], f"{name}: {ref} has no target"
            checked += 1
    assert checked > 20
    for path in _manifest(epub_zip, opf):
        assert path in epub_zip.namelist()


def test_links_across_documents_are_rewritten_and_local_ones_kept(
        epub_zip: zipfile.ZipFile) -> None:
    p1 = _xml(epub_zip, "EPUB/text/piece-p1.xhtml")
    p2 = _xml(epub_zip, "EPUB/text/piece-p2.xhtml")
    contents = _xml(epub_zip, "EPUB/text/contents.xhtml")
    hrefs = lambda root: root.xpath("//x:a/@href", namespaces=NS)  # noqa: E731
    assert "piece-p2.xhtml#p2-title" in hrefs(p1)
    assert "#p1-note-1" in hrefs(p1) and "#p1-noteref-1" in hrefs(p1)
    assert "piece-p1.xhtml#piece-p1" in hrefs(p2)
    assert "https://example.org/" in hrefs(p2)
    assert hrefs(contents) == ["part-1.xhtml#part-1", "piece-p1.xhtml#piece-p1",
                               "piece-p2.xhtml#piece-p2"]


def test_endnote_markup_passes_through_untouched(epub_zip: zipfile.ZipFile) -> None:
    p1 = _xml(epub_zip, "EPUB/text/piece-p1.xhtml")
    ref = p1.xpath("//x:a[@id='p1-noteref-1']", namespaces=NS)[0]
    assert (ref.get(EPUB_TYPE), ref.get("role")) == ("noteref", "doc-noteref")
    note = p1.xpath("//x:li[@id='p1-note-1']", namespaces=NS)[0]
    assert (note.get(EPUB_TYPE), note.get("role")) == ("endnote", None)
    back = note.xpath(".//x:a", namespaces=NS)[0]
    assert (back.get(EPUB_TYPE), back.get("role"), back.get("href")) == \
        ("backlink", "doc-backlink", "#p1-noteref-1")
    section = p1.xpath("x:body/x:section", namespaces=NS)[0]
    assert section.get("aria-labelledby") == "p1-title"


@pytest.mark.parametrize("body, code", [
    ('<section id="x"><a href="#nowhere">?</a></section>', "epub-broken-link"),
    ('<section id="x"><a href="other.html#x">?</a></section>', "epub-broken-link"),
    ('<section id="x" aria-labelledby="p1-title"><h2>?</h2></section>', "epub-broken-link"),
    ('<section id="p1-title"><h2>?</h2></section>', "epub-duplicate-id"),
    ('<section id="x"><p>unclosed</section>', "epub-bad-xhtml"),
    ('<section id="x"/><section id="y"/>', "epub-bad-xhtml"),
])
def test_an_inconsistent_book_is_refused(book: Book, body: str, code: str) -> None:
    extra = Document(id="extra", title="Extra", body=body)
    with pytest.raises(OutputError) as info:
        write_epub(replace(book, documents=book.documents + (extra,)))
    assert code in str(info.value)


def test_a_toc_entry_to_a_missing_id_is_refused(book: Book) -> None:
    with pytest.raises(OutputError, match="epub-broken-link"):
        write_epub(replace(book, toc=book.toc + (TocEntry("Lost", "#lost"),)))


@pytest.mark.parametrize("doc_id", ["cover", "nav", "titlepage"])
def test_a_document_may_not_take_a_name_already_used(book: Book, doc_id: str) -> None:
    clash = Document(id=doc_id, title="Clash", body='<section id="clash"/>')
    with pytest.raises(OutputError, match="epub-duplicate-document"):
        write_epub(replace(book, documents=(clash,) + book.documents))


# ---- navigation -----------------------------------------------------------------------------


def test_nav_has_toc_and_landmarks_and_no_page_list(epub_zip: zipfile.ZipFile,
                                                     opf: etree._Element) -> None:
    path, nav = _nav(epub_zip, opf)
    kinds = [n.get(EPUB_TYPE) for n in nav.xpath("//x:nav", namespaces=NS)]
    assert kinds == ["toc", "landmarks"]
    assert "page-list" not in epub_zip.read(path).decode()
    toc = nav.xpath("//x:nav[@epub:type='toc']", namespaces=NS)[0]
    top = toc.xpath("x:ol/x:li", namespaces=NS)
    assert [li.xpath("string(x:a)", namespaces=NS) for li in top] == ["Part One"]
    assert top[0].xpath("x:ol/x:li/x:a/@href", namespaces=NS) == \
        ["text/piece-p1.xhtml#piece-p1", "text/piece-p2.xhtml#piece-p2"]
    assert toc.xpath(".//x:li/x:ol/x:li/x:ol/x:li/x:a/@href", namespaces=NS) == \
        ["text/piece-p1.xhtml#p1-endnotes"]
    marks = {a.get(EPUB_TYPE): a.get("href")
             for a in nav.xpath("//x:nav[@epub:type='landmarks']//x:a", namespaces=NS)}
    assert marks == {"cover": "text/cover.xhtml", "titlepage": "text/titlepage.xhtml",
                     "toc": "text/contents.xhtml", "bodymatter": "text/part-1.xhtml"}


def _marker(label: str) -> str:
    return (f'<span id="page-{label}" epub:type="pagebreak" role="doc-pagebreak" '
            f'aria-label="{label}"></span>')


def _paged(book: Book, source: str = "Serge & Co, print edition, A5 (148 × 210 mm)") -> Book:
    """The book with page break markers, as pagemap.insert_pagebreaks leaves them."""
    docs = []
    for doc in book.documents:
        body = doc.body
        if doc.id == "titlepage":
            body = body.replace("<h1>", _marker("i") + _marker("ii") + "<h1>")
        elif doc.id == "piece-p1":
            body = body.replace("<p>An essay, ", "<p>An " + _marker("1") + "essay, ")
        elif doc.id == "piece-p2":
            body = body.replace("A reply", _marker("2") + "A reply")
        docs.append(replace(doc, body=body))
    return replace(book, documents=tuple(docs), page_source=source)


@pytest.fixture(scope="module")
def paged_bytes(book: Book) -> bytes:
    return write_epub(_paged(book))


@pytest.mark.slow
@pytest.mark.external
def test_page_breaks_give_a_page_list_in_reading_order(paged_bytes: bytes, tmp_path: Path) -> None:
    zf = zipfile.ZipFile(io.BytesIO(paged_bytes))
    opf_el = _xml(zf, _opf_path(zf))
    _, nav = _nav(zf, opf_el)
    assert [n.get(EPUB_TYPE) for n in nav.xpath("//x:nav", namespaces=NS)] == \
        ["toc", "landmarks", "page-list"]
    pages = nav.xpath("//x:nav[@epub:type='page-list']", namespaces=NS)[0]
    assert pages.get("role") == "doc-pagelist" and pages.get("hidden") is not None
    links = [(a.text, a.get("href")) for a in pages.xpath("x:ol/x:li/x:a", namespaces=NS)]
    assert links == [("i", "text/titlepage.xhtml#page-i"), ("ii", "text/titlepage.xhtml#page-ii"),
                     ("1", "text/piece-p1.xhtml#page-1"), ("2", "text/piece-p2.xhtml#page-2")]
    marker = _xml(zf, "EPUB/text/piece-p1.xhtml").xpath("//*[@id='page-1']")[0]
    assert marker.get(EPUB_TYPE) == "pagebreak" and marker.get("role") == "doc-pagebreak"
    assert marker.get("aria-label") == "1" and not marker.text and len(marker) == 0
    path = tmp_path / "paged.epub"
    path.write_bytes(paged_bytes)
    assert_epubcheck_clean(path)


def test_page_breaks_name_their_print_edition_in_the_metadata(paged_bytes: bytes,
                                                             book: Book) -> None:
    zf = zipfile.ZipFile(io.BytesIO(paged_bytes))
    opf_el = _xml(zf, _opf_path(zf))

    def values(prop: str) -> list[str]:
        return opf_el.xpath(f"//opf:meta[@property='{prop}']/text()", namespaces=NS)

    assert values("pageBreakSource") == ["Serge & Co, print edition, A5 (148 × 210 mm)"]
    assert {"pageBreakMarkers", "printPageNumbers", "pageNavigation"} <= \
        set(values("schema:accessibilityFeature"))
    assert "print edition" in values("schema:accessibilitySummary")[0]
    # dc:source still names where the pieces first appeared, and nothing else
    assert opf_el.xpath("//dc:source/text()", namespaces=NS) == list(book.sources)


def test_page_breaks_and_their_source_go_together(book: Book) -> None:
    with pytest.raises(OutputError, match="epub-pages-without-source"):
        write_epub(_paged(book, source=""))
    with pytest.raises(OutputError, match="epub-page-source-without-pages"):
        write_epub(replace(book, page_source="Serge & Co, print edition"))
    unlabelled = _paged(book)
    docs = tuple(replace(d, body=d.body.replace(' aria-label="1"', ""))
                 for d in unlabelled.documents)
    with pytest.raises(OutputError, match="epub-bad-pagebreak"):
        write_epub(replace(unlabelled, documents=docs))


def test_nav_is_outside_the_spine_and_there_is_no_ncx(epub_zip: zipfile.ZipFile,
                                                      opf: etree._Element) -> None:
    spine = opf.xpath("//opf:spine", namespaces=NS)[0]
    assert spine.get("toc") is None
    ids = spine.xpath("opf:itemref/@idref", namespaces=NS)
    assert "nav.xhtml" not in ids
    assert not [n for n in epub_zip.namelist() if n.endswith(".ncx")]


def test_a_book_without_bodymatter_is_refused(book: Book) -> None:
    docs = tuple(replace(d, landmark="") if d.landmark == "bodymatter" else d
                 for d in book.documents)
    with pytest.raises(OutputError, match="epub-no-bodymatter"):
        write_epub(replace(book, documents=docs))


# ---- package metadata -----------------------------------------------------------------------


def test_metadata(book: Book, opf: etree._Element) -> None:
    def text(xpath: str) -> list[str]:
        return opf.xpath(xpath, namespaces=NS)

    assert opf.get("unique-identifier") == "uid"
    assert text("//dc:identifier[@id='uid']/text()") == [book.identifier]
    assert text("//dc:title/text()") == ["Serge & Co", "A debate in two pieces"]
    assert text("//opf:meta[@refines='#title'][@property='title-type']/text()") == ["main"]
    assert text("//opf:meta[@refines='#subtitle'][@property='title-type']/text()") == ["subtitle"]
    creators = opf.xpath("//dc:creator", namespaces=NS)
    assert [c.text for c in creators] == ["Susan Weissman", "Ernie Haberkern", "Jane Editor"]
    for creator, role, file_as in zip(creators, ["aut", "aut", "edt"],
                                      ["Weissman, Susan", "Haberkern, Ernie", "Editor, Jane"]):
        ref = "#" + creator.get("id")
        role_meta = opf.xpath(f"//opf:meta[@refines='{ref}'][@property='role']", namespaces=NS)
        assert [(m.text, m.get("scheme")) for m in role_meta] == [(role, "marc:relators")]
        assert text(f"//opf:meta[@refines='{ref}'][@property='file-as']/text()") == [file_as]
    assert text("//dc:language/text()") == ["en"]
    assert text("//opf:meta[@property='dcterms:modified']/text()") == ["2026-11-25T00:00:00Z"]
    assert text("//dc:date/text()") == ["2026-11-25"]
    assert text("//dc:source/text()") == list(book.sources)
    assert text("//dc:description/text()") == [book.description]
    assert text("//dc:publisher/text()") == [book.publisher]
    assert text("//dc:rights/text()") == [book.rights]
    assert text("//dc:subject/text()") == list(book.subjects)


def test_accessibility_metadata(opf: etree._Element) -> None:
    def values(prop: str) -> list[str]:
        return opf.xpath(f"//opf:meta[@property='{prop}']/text()", namespaces=NS)

    assert values("schema:accessMode") == ["textual"]
    assert values("schema:accessModeSufficient") == ["textual"]
    assert sorted(values("schema:accessibilityFeature")) == [
        "alternativeText", "readingOrder", "structuralNavigation", "tableOfContents"]
    assert values("schema:accessibilityHazard") == ["none"]
    assert values("schema:accessibilitySummary")[0].strip()


def test_nothing_of_ebooklibs_own_leaks_in(epub_bytes: bytes, epub_zip: zipfile.ZipFile) -> None:
    opf_text = epub_zip.read(_opf_path(epub_zip)).decode()
    assert "2026-11-25T00:00:00Z" in opf_text
    assert "urn:uuid:" in opf_text and opf_text.count("<dc:identifier") == 1
    assert "<guide" not in opf_text
    assert 'id="chapter_' not in opf_text and "static_" not in opf_text


# ---- fonts and styles -----------------------------------------------------------------------


def test_fonts_are_embedded_with_their_media_type(book: Book, epub_zip: zipfile.ZipFile,
                                                  opf: etree._Element) -> None:
    manifest = _manifest(epub_zip, opf)
    assert len(book.fonts) == 4
    for font in book.fonts:
        path = f"EPUB/fonts/{font.name}"
        assert manifest[path].get("media-type") == "font/ttf"
        assert epub_zip.read(path) == font.read_bytes()
    css = epub_zip.read("EPUB/styles/epub.css").decode()
    for font in book.fonts:
        assert f'url("../fonts/{font.name}")' in css
    licence = manifest["EPUB/fonts/OFL.txt"]
    assert licence.get("media-type") == "text/plain"
    assert epub_zip.read("EPUB/fonts/OFL.txt") == (FONTS / "OFL.txt").read_bytes()


def test_epub_css_has_no_pixel_sizes_and_no_colours() -> None:
    css = re.sub(r"/\*.*?\*/", "", (STYLES / "epub.css").read_text(encoding="utf-8"), flags=re.S)
    assert not re.search(r"\d\s*px", css)
    assert not re.search(r"#[0-9a-fA-F]{3}|rgb|hsl|(?<![-\w])color\s*:", css)
    assert "-epub-hyphens: auto" in css and "hyphens: auto" in css


# ---- the cover --------------------------------------------------------------------------------


def test_cover_image_and_page(book: Book, epub_zip: zipfile.ZipFile, opf: etree._Element) -> None:
    manifest = _manifest(epub_zip, opf)
    covers = [p for p, item in manifest.items() if item.get("properties") == "cover-image"]
    assert covers == ["EPUB/images/cover.png"]
    assert epub_zip.read(covers[0]).startswith(b"\x89PNG\r\n\x1a\n")
    first = opf.xpath("//opf:spine/opf:itemref", namespaces=NS)[0]
    assert first.get("idref") == "cover.xhtml" and first.get("linear") is None
    page = _xml(epub_zip, "EPUB/text/cover.xhtml")
    img = page.xpath("//x:img", namespaces=NS)[0]
    assert img.get("src") == "../images/cover.png"
    assert (img.get(EPUB_TYPE), img.get("role")) == ("cover", "doc-cover")
    alt = img.get("alt")
    assert book.title in alt and book.subtitle in alt
    assert "Susan Weissman" in alt and "Ernie Haberkern" in alt


def _png_chunks(data: bytes) -> list[bytes]:
    chunks, pos = [], 8
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        chunks.append(data[pos + 4:pos + 8])
        pos += 12 + length
    return chunks


def test_cover_png_is_deterministic_greyscale_and_without_metadata() -> None:
    args = ("Victor Serge", "The Course Is Set on Hope", ("Susan Weissman", "Ernie Haberkern"),
            FONTS)
    png = cover_png(*args)
    assert png == cover_png(*args)
    assert png != cover_png("Victor Serge", "", args[2], FONTS)
    assert _png_chunks(png)[0] == b"IHDR" and set(_png_chunks(png)) <= {b"IHDR", b"IDAT", b"IEND"}
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (1600, 2560)
    assert png[25] == 0  # colour type 0: greyscale


def test_cover_png_fits_long_titles_and_many_authors() -> None:
    """Everything shrinks together until it fits: the ink stays inside the margins, and the
    authors' lines still stand at the foot."""
    from PIL import Image

    png = cover_png("A Very Long Title " * 8, "And an even longer subtitle " * 4,
                    tuple(f"Author Number{n}" for n in range(12)), FONTS, size=(800, 1280))
    image = Image.open(io.BytesIO(png))
    assert image.size == (800, 1280) and image.mode == "L"
    ink = image.point(lambda grey: 255 if grey < 128 else 0)  # the dark pixels
    left, top, right, bottom = ink.getbbox()
    assert left > 0.05 * 800 and right < 0.95 * 800, (left, right)  # nothing cut at a side
    assert top > 0.1 * 1280 and bottom < 0.95 * 1280, (top, bottom)
    foot = ink.crop((0, int(0.75 * 1280), 800, int(0.95 * 1280)))
    assert foot.getbbox() is not None  # the authors are there


def test_cover_png_is_drawn_again_when_a_font_changes(tmp_path: Path) -> None:
    # a process keeps the covers it drew; the font files are part of what a cover is made of
    import os
    import shutil

    for font in FONTS.glob("CharisSIL-*.ttf"):
        shutil.copy(font, tmp_path / font.name)
    args = ("Victor Serge", "The Course Is Set on Hope", ("Susan Weissman",), tmp_path)
    first = cover_png(*args)
    assert cover_png(*args) == first
    bold = tmp_path / "CharisSIL-Bold.ttf"
    shutil.copy(FONTS / "CharisSIL-Regular.ttf", bold)  # the title now set in the regular
    os.utime(bold, ns=(1_000_000_000, 1_000_000_000))
    assert cover_png(*args) != first


def test_covers_kept_between_runs_are_checked(tmp_path, monkeypatch) -> None:
    """A drawn cover is kept in the user cache, read back without Pillow, and drawn again
    when the kept file is damaged or anything it is made of changes."""
    import os
    import subprocess
    import sys

    from anthology.epub.cover import _cover_png

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    args = ("Victor Serge", "The Course Is Set on Hope", ("Susan Weissman",),
            tuple(str(FONTS / f"CharisSIL-{face}.ttf") for face in ("Bold", "Italic", "Regular")),
            (), (400, 640))
    drawn = _cover_png.__wrapped__(*args)
    (kept,) = (tmp_path / "anthology" / "covers").iterdir()
    script = (f"import sys; from anthology.epub.cover import _cover_png; "
              f"png = _cover_png.__wrapped__(*{args!r}); "
              f"print('PIL' in sys.modules, png == {drawn!r})")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, env={**os.environ, "XDG_CACHE_HOME": str(tmp_path)},
                         cwd=tmp_path).stdout.split()
    assert out == ["False", "True"]  # read back, Pillow never imported
    kept.write_bytes(kept.read_bytes()[:-40] + b"damaged" + kept.read_bytes()[-33:])
    assert _cover_png.__wrapped__(*args) == drawn  # not trusted: drawn again
    assert _cover_png.__wrapped__("Another title", *args[1:]) != drawn
    assert len(list(kept.parent.iterdir())) == 2


def test_the_container_start_kept_between_runs_is_checked(tmp_path, monkeypatch) -> None:
    """The start of the container (mimetype and the deflated fonts) kept in the user cache
    saves time, never decides bytes: a damaged or foreign one is made again."""
    from datetime import datetime, timezone

    from anthology.epub import container

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    fonts = {"EPUB/fonts/A.ttf": b"not really a font, but bytes all the same " * 500,
             "EPUB/fonts/B.ttf": b"another " * 900}
    when = datetime(2026, 11, 25, tzinfo=timezone.utc)
    key = (tuple(sorted(fonts.items())), container.date_time(when))
    fresh = container._start.__wrapped__(*key)  # made and kept
    (kept,) = (tmp_path / "anthology" / "epub").iterdir()
    assert kept.read_bytes() == fresh
    with zipfile.ZipFile(io.BytesIO(fresh)) as made:
        assert made.namelist() == ["mimetype", *sorted(fonts)]
        assert all(made.read(name) == data for name, data in fonts.items())
    assert container._start.__wrapped__(*key) == fresh  # read back
    flipped = fresh[:200] + bytes([fresh[200] ^ 1]) + fresh[201:]  # inside a font's stream
    for damage in (b"damaged", fresh[:-40] + b"x" * 40, flipped):
        kept.write_bytes(damage)
        assert container._start.__wrapped__(*key) == fresh  # not trusted: made again
    other = dict(fonts, **{"EPUB/fonts/B.ttf": b"changed " * 900})
    assert container.start(other, when) != fresh
    assert len(list(kept.parent.iterdir())) == 2


# ---- pictures: each one shown packed once, beside the cover, the metadata saying so ----------

PICTURES = ROOT / "tests" / "fixtures" / "manuscripts" / "pictures" / "images"


def _image(name: str, source: str, media_type: str, animated: bool = False):
    from anthology.model import Image

    return Image(name, media_type, (PICTURES / source).read_bytes(), animated)


def pictured_book(alt: str = "A song in staff notation", **changes) -> Book:
    """The synthetic book with pictures in its second piece: a figure whose file is named
    cover.png (it must not clash with the cover), a JPEG inline, a GIF named with a digit
    first (no XML id may begin so)."""
    book = make_book()
    figure = (f'<figure><img src="images/cover.png" alt="{alt}"/>'
              "<figcaption>A song</figcaption></figure>"
              '<p>A swatch <img src="images/vellum.jpg" alt="a swatch of vellum" title="t"/> and '
              '<img src="images/1-fleuron.gif" alt="a fleuron"/>.</p>')
    docs = tuple(replace(d, body=d.body.replace("</h2><p>", "</h2>" + figure + "<p>", 1))
                 if d.id == "piece-p2" else d for d in book.documents)
    images = (_image("cover.png", "macdowell-pons-de-capdeuil.png", "image/png"),
              _image("vellum.jpg", "vellum.jpg", "image/jpeg"),
              _image("1-fleuron.gif", "fleuron.gif", "image/gif"))
    return replace(book, documents=docs, images=images, **changes)


@pytest.fixture(scope="module")
def pictured() -> tuple[zipfile.ZipFile, etree._Element, bytes]:
    data = write_epub(pictured_book())
    zf = zipfile.ZipFile(io.BytesIO(data))
    return zf, _xml(zf, _opf_path(zf)), data


def test_each_picture_is_a_manifest_item_with_its_media_type(pictured) -> None:
    zf, opf, _ = pictured
    manifest = _manifest(zf, opf)
    wanted = {"EPUB/images/manuscript/cover.png": ("image-cover.png", "image/png"),
              "EPUB/images/manuscript/vellum.jpg": ("image-vellum.jpg", "image/jpeg"),
              "EPUB/images/manuscript/1-fleuron.gif": ("image-1-fleuron.gif", "image/gif")}
    for path, (item_id, media_type) in wanted.items():
        assert (manifest[path].get("id"), manifest[path].get("media-type")) == (item_id, media_type)
        assert manifest[path].get("properties") is None
        assert zf.read(path) == (PICTURES / {"cover.png": "macdowell-pons-de-capdeuil.png",
                                             "vellum.jpg": "vellum.jpg",
                                             "1-fleuron.gif": "fleuron.gif"}[
                                                 path.rsplit("/", 1)[1]]).read_bytes()
        assert zf.getinfo(path).compress_type == zipfile.ZIP_STORED  # compressed already
    # the drawn cover is still the cover, and the only cover-image
    assert manifest["EPUB/images/cover.png"].get("properties") == "cover-image"
    assert zf.read("EPUB/images/cover.png") != zf.read("EPUB/images/manuscript/cover.png")


def test_every_src_resolves_to_its_picture(pictured) -> None:
    zf, opf, _ = pictured
    names = set(zf.namelist())
    page = _xml(zf, "EPUB/text/piece-p2.xhtml")
    srcs = [img.get("src") for img in page.xpath("//x:img", namespaces=NS)]
    assert srcs == ["../images/manuscript/cover.png", "../images/manuscript/vellum.jpg",
                    "../images/manuscript/1-fleuron.gif"]
    for src in srcs:
        assert posixpath.normpath(posixpath.join("EPUB/text", src)) in names
    figure = page.xpath("//x:figure", namespaces=NS)[0]
    assert [local.tag.rsplit("}", 1)[1] for local in figure] == ["img", "figcaption"]


def test_only_the_pictures_a_book_has_are_packed(epub_zip: zipfile.ZipFile) -> None:
    assert not [n for n in epub_zip.namelist() if n.startswith("EPUB/images/manuscript/")]


def test_a_picture_not_in_the_book_is_refused() -> None:
    book = pictured_book()
    with pytest.raises(OutputError) as info:
        write_epub(replace(book, images=book.images[1:]))
    assert [d.code for d in info.value.diagnostics] == ["epub-broken-image"]
    assert "'images/cover.png'" in info.value.diagnostics[0].message


def test_two_writes_with_pictures_are_byte_identical(pictured) -> None:
    assert write_epub(pictured_book()) == pictured[2]


def _a11y(opf: etree._Element, prop: str) -> list[str]:
    return opf.xpath(f"//opf:meta[@property='{prop}']/text()", namespaces=NS)


def test_pictures_make_the_book_visual_and_text_still_suffices(pictured) -> None:
    _, opf, _ = pictured
    assert _a11y(opf, "schema:accessMode") == ["textual", "visual"]
    assert _a11y(opf, "schema:accessModeSufficient") == ["textual,visual", "textual"]
    assert "alternativeText" in _a11y(opf, "schema:accessibilityFeature")
    assert _a11y(opf, "schema:accessibilityHazard") == ["none"]
    summary = _a11y(opf, "schema:accessibilitySummary")[0]
    assert "The text shows 3 pictures, each with alternative text. No hazards." in summary
    assert _a11y(opf, "dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]


def test_a_picture_without_alt_text_takes_back_the_claims() -> None:
    zf = zipfile.ZipFile(io.BytesIO(write_epub(pictured_book(alt=""))))
    opf = _xml(zf, _opf_path(zf))
    assert _a11y(opf, "schema:accessMode") == ["textual", "visual"]
    assert _a11y(opf, "schema:accessModeSufficient") == ["textual,visual"]
    assert "alternativeText" not in _a11y(opf, "schema:accessibilityFeature")
    summary = _a11y(opf, "schema:accessibilitySummary")[0]
    assert ("The text shows 3 pictures; 1 is without alternative text, so a reader who cannot "
            "see it may miss what it shows.") in summary
    # WCAG 1.1.1 (non-text content) fails: no conformance is claimed, nor certified
    assert _a11y(opf, "dcterms:conformsTo") == [] and _a11y(opf, "a11y:certifiedBy") == []


def test_an_animated_picture_is_a_possible_flashing_hazard() -> None:
    book = pictured_book()
    book = replace(book, images=(*book.images[:2], replace(book.images[2], animated=True)))
    zf = zipfile.ZipFile(io.BytesIO(write_epub(book)))
    opf = _xml(zf, _opf_path(zf))
    assert _a11y(opf, "schema:accessibilityHazard") == [
        "unknownFlashingHazard", "noMotionSimulationHazard", "noSoundHazard"]
    summary = _a11y(opf, "schema:accessibilitySummary")[0]
    assert "No hazards" not in summary and "may flash" in summary


@pytest.mark.slow
@pytest.mark.external
def test_epubcheck_passes_a_book_with_pictures(pictured, tmp_path: Path) -> None:
    path = tmp_path / "pictures.epub"
    path.write_bytes(pictured[2])
    assert_epubcheck_clean(path)

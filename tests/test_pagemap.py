"""The page map: print pages found in the EPUB, checked against the PDF's own text.

A manuscript is read, rendered, laid out once as a print edition (PDF + page map), the map
is turned into page break markers, and the EPUB is written. Then, as a reader with both
editions would check it: the page-list has one entry for every page of the PDF, named by its
folio, and the words that follow each marker in the EPUB are on that page of the PDF (pypdf
reads each page's text). Run on the mini fixture and on the Serge volume, in endnote and in
footnote mode (footnote mode moves note bodies to their calls, so the map must still name
the shared HTML's places).
"""

from __future__ import annotations

import dataclasses
import io
import re
import unicodedata
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from anthology.epub import write_epub
from anthology.errors import OutputError
from anthology.manuscript import read_manuscript
from anthology.model import Book, Document
from anthology.pdf.pagemap import (PageMap, PageStart, assemble, insert_pagebreaks, page_labels,
                                   page_starts)
from anthology.pdf import PrintOptions, edition_name, layout_key, print_edition
from anthology.render import render, with_index_pages
from validators import assert_epubcheck_clean

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "manuscripts" / "mini"
SERGE = ROOT / "seeds" / "serge"
NS = {"opf": "http://www.idpf.org/2007/opf", "x": "http://www.w3.org/1999/xhtml",
      "epub": "http://www.idpf.org/2007/ops",
      "c": "urn:oasis:names:tc:opendocument:xmlns:container"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
FOLIO = re.compile(r"^(\d+|[ivxlcdm]+)$")
ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii",
         "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx"]
WORDS_CHECKED = 3


# ---- reading both editions ----------------------------------------------------------------


def words(text: str) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())


def squeeze(text: str) -> str:
    """Letters and digits only, case-folded: a PDF's hyphenation (U+2010 at a line end),
    spacing and small capitals (which come out of a PDF as capitals) all drop out."""
    return "".join(words(text))


@dataclasses.dataclass(frozen=True)
class PdfPage:
    body: str  # the text between the head and foot bands
    bands: str  # the running head and folio bands (top and bottom 8.5 % of the page)

    @property
    def folios(self) -> list[str]:
        return [w for w in words(self.bands) if FOLIO.match(w)]


def pdf_pages(data: bytes) -> list[PdfPage]:
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        height = float(page.mediabox.height)
        low, high = 0.085 * height, 0.915 * height
        body: list[str] = []
        bands: list[str] = []

        def visit(text, cm, tm, font, size) -> None:
            y = tm[5] * cm[3] + cm[5]
            (body if low < y < high else bands).append(text)

        page.extract_text(visitor_text=visit)
        pages.append(PdfPage("".join(body), " ".join(bands)))
    return pages


def epub_stream(data: bytes) -> list[tuple[str, str]]:
    """The EPUB's spine in reading order as ("page", label) and ("word", word) items."""
    out: list[tuple[str, str]] = []

    def walk(el: etree._Element) -> None:
        if "pagebreak" in (el.get(EPUB_TYPE) or "").split():
            out.append(("page", el.get("aria-label")))
        out.extend(("word", w) for w in words(el.text or ""))
        for child in el:
            if isinstance(child.tag, str):
                walk(child)
            out.extend(("word", w) for w in words(child.tail or ""))

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for href in spine(z):
            walk(etree.fromstring(z.read("EPUB/" + href)).find("x:body", NS))
    return out


def spine(z: zipfile.ZipFile) -> list[str]:
    opf = etree.fromstring(z.read("EPUB/content.opf"))
    items = {i.get("id"): i.get("href") for i in opf.iterfind(".//opf:manifest/opf:item", NS)}
    return [items[r.get("idref")] for r in opf.iterfind(".//opf:spine/opf:itemref", NS)]


def page_list(data: bytes) -> list[tuple[str, str]]:
    """(label, href) of every page-list entry, in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        nav = etree.fromstring(z.read("EPUB/nav.xhtml"))
    return [(a.text, a.get("href"))
            for a in nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)]


def around_markers(stream: list[tuple[str, str]]) -> dict[str, tuple[str, list[str]]]:
    """Each marker's label → (the last word before it, the words after it up to the next
    marker, at most a few)."""
    found: dict[str, tuple[str, list[str]]] = {}
    last = ""
    for n, (kind, value) in enumerate(stream):
        if kind == "word":
            last = value
            continue
        after = []
        for kind2, value2 in stream[n + 1:]:
            if kind2 == "page" or len(after) == WORDS_CHECKED:
                break
            after.append(value2)
        found[value] = last, after
    return found


def begins_page(before: str, after: list[str], page: str) -> bool:
    """Whether a page's (squeezed) text begins with the words ``after``, or with the end of
    the word ``before`` and then those words: a word hyphenation split across the page
    break belongs to the page where it starts, and the marker comes after it.

    A note call is raised by relative position, which WeasyPrint draws after the rest of
    the page, so pypdf reads it out of place: the words may also match without the note
    call numbers, which must then be somewhere on the page.
    """
    for phrase in ("".join(after), "".join(w for w in after if not w.isdigit())):
        at = page.find(phrase) if phrase else -1
        if at == 0 or at > 0 and before.endswith(page[:at]):
            return all(w in page for w in after)
    return False


# ---- building both editions ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Built:
    book: Book
    pages: PageMap
    pdf: bytes
    epub: bytes


def build(manuscript: Path, options: PrintOptions) -> Built:
    book = render(read_manuscript(manuscript).volume)
    edition = print_edition(book, options)
    book = with_index_pages(book, edition.anchors)  # as the build does: the print index
    epub = write_epub(insert_pagebreaks(book, edition.pages))
    return Built(book, edition.pages, edition.pdf, epub)


FOOTNOTES = PrintOptions(notes="footnotes")
CASES = {"mini": (MINI, PrintOptions()), "mini-footnotes": (MINI, FOOTNOTES),
         "serge": (SERGE, PrintOptions()), "serge-footnotes": (SERGE, FOOTNOTES)}


@pytest.fixture(scope="module", params=sorted(CASES))
def built(request: pytest.FixtureRequest) -> Built:
    return build(*CASES[request.param])


# ---- the page-list against the PDF ----------------------------------------------------------


def test_the_page_list_has_every_pdf_page_in_order_named_by_its_folio(built: Built) -> None:
    pdf = pdf_pages(built.pdf)
    entries = page_list(built.epub)
    labels = [label for label, _ in entries]
    assert len(entries) == len(pdf) == len(built.pages.pages)
    assert labels == [p.label for p in built.pages.pages]
    assert len(set(labels)) == len(labels)
    # markers stand in reading order, one per entry, and every entry targets its marker
    stream = epub_stream(built.epub)
    assert [v for k, v in stream if k == "page"] == labels
    assert all(href.endswith(f"#page-{label}") for label, href in entries)
    # every folio the PDF prints is the entry's label
    printed = [n for n, page in enumerate(pdf) if page.folios]
    assert len(printed) >= len(pdf) / 3
    for n in printed:
        assert labels[n] in pdf[n].folios, f"page {n + 1} prints {pdf[n].folios}, not {labels[n]}"
    # unprinted pages are counted as the folios around them count: i, ii, … then 1, 2, …
    first_arabic = next(n for n, label in enumerate(labels) if label.isdigit())
    assert labels[:first_arabic] == ROMAN[:first_arabic]
    assert labels[first_arabic:] == [str(n) for n in range(1, len(labels) - first_arabic + 1)]


def test_each_pdf_page_begins_with_the_words_after_its_marker(built: Built) -> None:
    pdf = pdf_pages(built.pdf)
    around = around_markers(epub_stream(built.epub))
    failures, checked = [], 0
    for n, start in enumerate(built.pages.pages):
        (before, after), page = around[start.label], squeeze(pdf[n].body)
        if not after:  # only a page without text has no words of its own
            if page:
                failures.append(f"page {start.label}: no words follow the marker, the PDF "
                                f"page reads {pdf[n].body[:60]!r}")
            continue
        checked += 1
        if not begins_page(before, after, page):
            failures.append(f"page {start.label}: the marker is followed by "
                            f"{' '.join(after)!r}; the page begins {pdf[n].body[:80]!r}")
    assert not failures, "\n".join(failures)
    assert checked > len(pdf) / 2


def test_pages_without_text_sit_with_the_next_page(built: Built) -> None:
    pdf = pdf_pages(built.pdf)
    pages = built.pages.pages
    blank = [n for n, page in enumerate(pdf) if not squeeze(page.body)]
    assert blank  # recto openings leave blank versos in both volumes
    for n in blank:
        if n + 1 < len(pages):
            assert (pages[n].anchor, pages[n].word) == (pages[n + 1].anchor, pages[n + 1].word)


@pytest.mark.external
def test_the_epub_with_page_breaks_passes_epubcheck(built: Built, tmp_path: Path) -> None:
    path = tmp_path / "marked.epub"
    path.write_bytes(built.epub)
    assert_epubcheck_clean(path)


def test_the_package_names_the_print_edition(built: Built) -> None:
    with zipfile.ZipFile(io.BytesIO(built.epub)) as z:
        opf = etree.fromstring(z.read("EPUB/content.opf"))
    source = opf.xpath("//opf:meta[@property='pageBreakSource']/text()", namespaces=NS)
    assert source == [built.pages.edition]
    assert "148 × 210 mm" in built.pages.edition and built.book.title in built.pages.edition
    features = opf.xpath("//opf:meta[@property='schema:accessibilityFeature']/text()",
                         namespaces=NS)
    assert {"pageBreakMarkers", "printPageNumbers", "pageNavigation"} <= set(features)
    # dc:source keeps naming the pieces' first publications, never the print edition
    assert built.pages.edition not in opf.xpath("//*[local-name()='source']/text()")


# ---- the map as data ----------------------------------------------------------------------


def test_the_map_survives_json(built: Built) -> None:
    text = built.pages.to_json()
    again = PageMap.from_json(text)
    assert again == built.pages
    assert again.to_json() == text
    assert insert_pagebreaks(built.book, again) == insert_pagebreaks(built.book, built.pages)


@pytest.mark.parametrize("text", ["", "[]", '{"format": 99}', '{"format": 1, "edition": "e"}',
                                  '{"format": 1, "edition": "e", "key": "k", '
                                  '"pages": [{"label": "1", "anchor": "a", "word": -1}]}'])
def test_what_is_not_a_page_map_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        PageMap.from_json(text)


def test_the_same_book_gives_the_same_map_pdf_and_epub() -> None:
    first, second = build(MINI, PrintOptions()), build(MINI, PrintOptions())
    assert first.pages.to_json() == second.pages.to_json()
    assert first.epub == second.epub and first.pdf == second.pdf
    # and the PDF does not depend on how many workers laid it out
    assert print_edition(first.book, PrintOptions(), jobs=1).pdf == first.pdf


def test_the_key_follows_what_the_layout_depends_on() -> None:
    book = render(read_manuscript(MINI).volume)
    key = layout_key(book, PrintOptions())
    assert key == layout_key(book, PrintOptions()) and key.startswith("sha256:")
    assert key == layout_key(book, PrintOptions(variant="pdf/a-2b"))  # same pages
    for options in (PrintOptions(trim="a4"), PrintOptions(notes="footnotes"),
                    PrintOptions(large_print=True)):
        assert layout_key(book, options) != key
    doc = book.documents[-1]
    changed = dataclasses.replace(doc, body=doc.body.replace("teaches", "taught"))
    assert layout_key(dataclasses.replace(book, documents=(*book.documents[:-1], changed)),
                      PrintOptions()) != key
    assert print_edition(book, PrintOptions()).pages.key == key
    assert print_edition(book, PrintOptions(), key="mine").pages.key == "mine"


def test_the_edition_names_its_trim_and_notes() -> None:
    book = render(read_manuscript(MINI).volume)
    assert edition_name(book, PrintOptions()) == f"{book.title}, print edition, A5 (148 × 210 mm)"
    assert edition_name(book, PrintOptions(trim="letter", notes="footnotes")).endswith(
        "US Letter (8.5 × 11 in), with footnotes")
    assert "large print, A4" in edition_name(book, PrintOptions(large_print=True))


# ---- where a word that hyphenation splits across pages belongs ----------------------------


SPLIT_HTML = """<!DOCTYPE html><html lang="en"><head><style>
@page { size: 50mm 14mm; margin: 3mm 4mm; }
html { font-size: 10pt; line-height: 12pt; }
p { hyphens: auto; orphans: 1; widows: 1; margin: 0; text-align: justify; }
</style></head><body><section id="s"><p id="p">incomprehensibilities
extraordinarily characteristically institutionalisation uncharacteristically
internationalisation representationally</p></section></body></html>"""


def test_a_word_split_across_pages_belongs_to_the_page_where_it_starts() -> None:
    from weasyprint import HTML

    document = HTML(string=SPLIT_HTML).render()
    starts, end = page_starts(document)
    pages = assemble("test", "k", page_labels(document), starts, end).pages
    texts = [squeeze(page.extract_text())
             for page in PdfReader(io.BytesIO(document.write_pdf())).pages]
    source = words(SPLIT_HTML[SPLIT_HTML.index('id="p">') + 7:SPLIT_HTML.index("</p>")])
    assert "".join(texts) == "".join(source)  # pypdf reads back every letter, in order
    # where each page's text begins, and where each word begins, in the squeezed text
    page_at = [sum(map(len, texts[:n])) for n in range(len(texts))]
    word_at = [sum(map(len, source[:k])) for k in range(len(source))] + [len("".join(source))]
    assert len(pages) == len(texts) > 3
    assert any(at not in word_at for at in page_at), "no word split across pages: too wide"
    for n, start in enumerate(pages):
        assert start.anchor == "p"
        # the marker's word is the first word that begins on the page (or, on a page that
        # holds only the end of a word, the first that begins after it)
        assert page_at[n] <= word_at[start.word]
        assert start.word == 0 or word_at[start.word - 1] < page_at[n]


# ---- markers in the EPUB's documents ----------------------------------------------------------


def _book(body: str) -> Book:
    real = render(read_manuscript(MINI).volume)
    return dataclasses.replace(real, documents=(Document(id="d", title="D", body=body),))


BODY = ('<section id="s" epub:type="chapter"><h2 id="h">A heading here</h2>'
        '<p id="p">One two <a href="#h">three four</a> five<br/>six.</p>'
        '<p id="q">Seven <em>eight</em>nine.</p><p id="e"></p></section>')


@pytest.mark.parametrize("anchor,word,expected", [
    ("p", 0, '<p id="p">{M}One two'),
    ("p", 1, "One {M}two"),
    ("p", 2, 'two {M}<a href="#h">three'),  # never inside a link: just before it
    ("p", 3, 'two {M}<a href="#h">three'),
    ("p", 5, "<br/>{M}six"),  # a block boundary (<br>) ends a word
    ("p", 6, "six.{M}</p>"),  # after the last word: at the end of the anchor
    ("s", 1, '{M}<h2 id="h">A heading'),  # never inside a heading: just before it
    ("s", 3, '<p id="p">{M}One'),
    ("q", 1, "Seven <em>{M}eight</em>"),
    ("q", 2, "nine.{M}</p>"),  # "eight" and "nine" are one word: no space between them
])
def test_a_marker_goes_before_its_word(anchor: str, word: int, expected: str) -> None:
    book = _book(BODY)
    marked = insert_pagebreaks(book, PageMap("ed", (PageStart("7", anchor, word),), "k"))
    marker = ('<span id="page-7" epub:type="pagebreak" role="doc-pagebreak" '
              'aria-label="7"></span>')
    assert expected.format(M=marker) in marked.documents[0].body
    assert marked.page_source == "ed"
    assert '<p id="e"></p>' in marked.documents[0].body  # no <p/>: HTML reads that as open


def test_markers_at_one_place_keep_page_order_and_unique_ids() -> None:
    book = _book(BODY)
    pages = PageMap("ed", (PageStart("ii", "p", 0), PageStart("iii", "p", 0),
                           PageStart("page", "q", 0)), "k")
    body = insert_pagebreaks(book, pages).documents[0].body
    assert body.index('id="page-ii"') < body.index('id="page-iii"') < body.index("One two")
    ids = re.findall(r'id="(page-[^"]*)"', body)
    assert len(ids) == len(set(ids)) == 3


def test_a_map_that_does_not_fit_the_book_is_refused() -> None:
    book = _book(BODY)
    with pytest.raises(OutputError, match="pagemap-stale"):
        insert_pagebreaks(book, PageMap("ed", (PageStart("1", "nowhere", 0),), "k"))
    with pytest.raises(OutputError, match="pagemap-stale"):
        insert_pagebreaks(book, PageMap("ed", (PageStart("1", "p", 99),), "k"))
    with pytest.raises(OutputError, match="pagemap-stale"):
        insert_pagebreaks(book, PageMap("ed", (PageStart("1", "q", 3),), "k"))

"""The chunked layout (layout.py): one layout per page, the same pages as one document."""

from __future__ import annotations

import io
import re
from pathlib import Path

import lxml.html
import pytest
from pypdf import PdfReader

from anthology.layout import keep_footnotes_with_calls
from anthology.manuscript import read_manuscript
from anthology.pdf import PrintOptions, _Cut, _print_tree, _styles_fetcher, print_edition, print_html
from anthology.render import render
from anthology.resources import styles_dir

SERGE = Path(__file__).resolve().parent.parent / "seeds" / "serge"


def placed_text(data: bytes) -> list[list[tuple[str, float, float]]]:
    """Every page's text runs with where they start (case-folded: which case a small-capital
    glyph maps back to is the font subset's choice, and each chunk has its own subset)."""
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        runs: list[tuple[str, float, float]] = []

        def visit(text, cm, tm, *_):
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                runs.append((text.casefold(), round(x, 2), round(y, 2)))

        page.extract_text(visitor_text=visit)
        pages.append(runs)
    return pages


@pytest.fixture(scope="module")
def serge_book():
    return render(read_manuscript(SERGE).volume)


def test_the_chunks_are_the_book_in_order_cut_before_recto_sections(serge_book) -> None:
    root, calls = _print_tree(serge_book, PrintOptions())
    ids = [el.get("id") for el in root.find("body")]
    cut = _Cut(root, calls)
    assert [el.get("id") for sections in cut.sections for el in sections] == ids
    kinds = [c.kind for c in cut.chunks]
    assert kinds[0] == "front" and kinds[-1] == "index" and kinds.count("main") >= 2
    for chunk, sections in zip(cut.chunks[1:], cut.sections[1:]):
        classes = set(sections[0].get("class").split())
        assert classes & {"part", "piece", "backmatter"}, classes  # print.css: recto breaks
        assert chunk.first_id == sections[0].get("id")


def test_chunked_pages_are_the_pages_of_one_whole_layout(serge_book) -> None:
    """The book laid out in chunks by two worker processes, and the same print HTML laid
    out as one WeasyPrint document in this process: every page's text at the same place."""
    from weasyprint import HTML

    options = PrintOptions()
    edition = print_edition(serge_book, options, jobs=2)
    whole = print_html(serge_book, options, labels=edition.labels)
    reference = HTML(string=whole, base_url=styles_dir().as_uri() + "/",
                     url_fetcher=_styles_fetcher()).write_pdf()
    chunked, single = placed_text(edition.pdf), placed_text(reference)
    assert len(chunked) == len(single) == len(edition.pages.pages)
    different = [n for n, (a, b) in enumerate(zip(chunked, single), 1) if a != b]
    assert not different, f"pages {different} differ from the one-document layout"
    # and the page numbers the contents and the index print are the folios of their pages
    contents = " ".join(t for t, _, _ in chunked[4])
    assert re.search(r"index[ .]+\xa0?" + edition.labels["index"], contents)


def test_the_pdf_is_the_same_bytes_whatever_the_number_of_workers(mini) -> None:
    book = render(read_manuscript(mini).volume)
    one = print_edition(book, PrintOptions(), jobs=1)
    two = print_edition(book, PrintOptions(), jobs=2)
    assert one.pdf == two.pdf
    assert one.pages == two.pages and one.labels == two.labels


def test_links_destinations_and_outline_cross_the_cuts(serge_book) -> None:
    edition = print_edition(serge_book, PrintOptions(), jobs=2)
    reader = PdfReader(io.BytesIO(edition.pdf))
    names = reader.named_destinations
    targets = [annot.get_object()["/Dest"] for page in reader.pages
               for annot in page.get("/Annots") or [] if "/Dest" in annot.get_object()]
    assert targets and all(t in names for t in targets)  # every link lands somewhere
    index_links = [t for t in targets if t.startswith("ix-")]
    assert len(index_links) >= len(edition.anchors) // 2  # the index links across chunks
    top = [item for item in reader.outline if not isinstance(item, list)]
    assert [t.title for t in top][:1] and all(t.title.startswith("Part") for t in top)


def test_footnote_remedies_escalate_then_stop() -> None:
    root = lxml.html.document_fromstring(
        '<html><body><section><p>a<a id="c1" class="noteref">1</a></p><p>b</p><p>c</p>'
        "</section></body></html>")
    first, second, third = root.iter("p")
    assert keep_footnotes_with_calls(root, ["c1"])
    assert all("footnote-loose" in p.get("class") for p in (first, second, third))
    assert keep_footnotes_with_calls(root, ["c1"])
    assert "footnote-keep-after" in first.get("class")
    assert keep_footnotes_with_calls(root, ["c1"])
    assert "footnote-keep-before" in first.get("class")
    assert not keep_footnotes_with_calls(root, ["c1"])  # nothing left to try

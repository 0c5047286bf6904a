"""The print PDF, checked the way a printer and a reader would: with pypdf and poppler.

poppler-utils (pdftotext, pdffonts, pdftoppm) is required: without it these tests fail, they
never skip (``.ci/run`` installs it).
"""

from __future__ import annotations

import dataclasses
import io
import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from anthology.errors import InputError
from anthology.manuscript import read_manuscript
from anthology.model import Book
from anthology.pdf import PrintOptions, print_edition, print_html
from anthology.render import render

MM = 72 / 25.4
A5 = (148 * MM, 210 * MM)
A4 = (210 * MM, 297 * MM)
FOLIO = re.compile(r"^(\d+|[ivxlc]+)$")


# ---- helpers ------------------------------------------------------------------------------


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} not found: install poppler-utils (apt-get install poppler-utils)"
    return path


def page_texts(data: bytes) -> list[str]:
    """The text of every page, as pdftotext reads it (one string per page)."""
    text = subprocess.run([_tool("pdftotext"), "-layout", "-", "-"], input=data,
                          capture_output=True, check=True).stdout.decode("utf-8")
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def lines(text: str) -> list[str]:
    return [re.sub(r"\s+", " ", ln).strip() for ln in text.splitlines() if ln.strip()]


def squeezed(text: str) -> list[str]:
    """Lines without spaces, lower case: letter-spaced small capitals read "n o t es"."""
    return [re.sub(r"\s+", "", ln).lower() for ln in text.splitlines() if ln.strip()]


def fonts(data: bytes, tmp_path: Path) -> list[list[str]]:
    pdf = tmp_path / "fonts.pdf"
    pdf.write_bytes(data)
    out = subprocess.run([_tool("pdffonts"), str(pdf)], capture_output=True, check=True,
                         text=True).stdout.splitlines()
    return [row.split() for row in out[2:] if row.strip()]


def outline(data: bytes) -> list[tuple[int, str, int]]:
    """(depth, title, 1-based page) for every bookmark, in order."""
    reader = PdfReader(io.BytesIO(data))
    found: list[tuple[int, str, int]] = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return found


def links(data: bytes) -> list[tuple[int, str, int, float, float]]:
    """(page, target name, target page, link y, target y) for every internal link."""
    reader = PdfReader(io.BytesIO(data))
    names = {name: (reader.get_destination_page_number(dest) + 1, float(dest.top or 0))
             for name, dest in reader.named_destinations.items()}
    found = []
    for number, page in enumerate(reader.pages, 1):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            dest = annot.get("/Dest")
            if annot.get("/Subtype") != "/Link" or dest is None:
                continue
            name = str(dest).lstrip("/")
            rect = [float(v) for v in annot["/Rect"]]
            assert abs(rect[3] - rect[1]) > 1, f"link to {name} on page {number} is 0 pt high"
            target_page, target_y = names[name]
            found.append((number, name, target_page, max(rect[1], rect[3]), target_y))
    return found


def build(manuscript: Path, **options) -> tuple[Book, bytes]:
    book = render(read_manuscript(manuscript).volume)
    return book, print_edition(book, PrintOptions(**options)).pdf


# ---- a longer manuscript: pieces that run over many pages, notes on every page ----------------

WORDS = ("the revolutionary writer kept his correspondence through years of exile and "
         "disillusionment while historians argued about memory defeat and the meaning of "
         "solidarity under surveillance in Petrograd Moscow Paris and Mexico City; every "
         "comrade remembered differently what the opposition had promised").split()
LETTERS = "abcdefgh"


def _paragraph(seed: int, length: int) -> str:
    words = [WORDS[(seed * 7 + i * 11) % len(WORDS)] for i in range(length)]
    return (" ".join(words)).capitalize() + "."


def _write_long_manuscript(root: Path) -> Path:
    (root / "pieces").mkdir(parents=True)
    body = []
    for n in range(40):
        text = _paragraph(n, 70)
        if n % 5 == 2:  # a note call after an unmistakable word: mark<a…h>
            k = n // 5
            text += f" As shown in mark{LETTERS[k]}.[^{k + 1}]"
        body.append(text)
    notes = "\n".join(f"[^{k + 1}]: Commentary nt{LETTERS[k]}z on this passage." for k in range(8))
    (root / "pieces" / "01-long.md").write_text(
        '+++\ntitle = "The long essay: a study"\nauthors = ["Vera Long"]\n+++\n\n'
        + "\n\n".join(body) + "\n\n" + notes + "\n", encoding="utf-8")
    (root / "pieces" / "02-short.md").write_text(
        '+++\ntitle = "A short reply"\nauthors = ["Sam Short"]\nkind = "response"\n+++\n\n'
        + _paragraph(99, 40) + "\n", encoding="utf-8")
    (root / "pieces" / "03-middle.md").write_text(
        '+++\ntitle = "Middle distance"\nauthors = ["Mia Middle"]\n+++\n\n'
        + "\n\n".join(_paragraph(200 + n, 60) for n in range(12)) + "\n", encoding="utf-8")
    (root / "volume.toml").write_text(
        'title = "Long Nights"\nsubtitle = "Three texts"\neditors = ["Ed Itor"]\n'
        'language = "en"\ndate = "2025-06-01"\n'
        'pieces = ["pieces/01-long.md", "pieces/02-short.md", "pieces/03-middle.md"]\n',
        encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def mini_pdf() -> tuple[Book, bytes]:
    return build(Path(__file__).parent / "fixtures" / "manuscripts" / "mini")


@pytest.fixture(scope="module")
def long_manuscript(tmp_path_factory) -> Path:
    return _write_long_manuscript(tmp_path_factory.mktemp("long"))


@pytest.fixture(scope="module")
def long_pdf(long_manuscript: Path) -> tuple[Book, bytes]:
    return build(long_manuscript)


@pytest.fixture(scope="module")
def long_footnotes_pdf(long_manuscript: Path) -> tuple[Book, bytes]:
    return build(long_manuscript, notes="footnotes")


def _starts(data: bytes) -> dict[str, int]:
    """Piece or part title → the 1-based page its bookmark points to."""
    return {title: page for _, title, page in outline(data)}


# ---- page size, fonts, outline -----------------------------------------------------------


@pytest.mark.slow
def test_default_trim_is_a5_on_every_page(mini_pdf) -> None:
    reader = PdfReader(io.BytesIO(mini_pdf[1]))
    for page in reader.pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx(A5, abs=0.1)


@pytest.mark.slow
@pytest.mark.external
def test_every_font_is_embedded_charis_and_nothing_else(mini_pdf, long_footnotes_pdf,
                                                        tmp_path: Path) -> None:
    for _, data in (mini_pdf, long_footnotes_pdf):
        rows = fonts(data, tmp_path)
        assert rows, "pdffonts lists no fonts"
        for row in rows:
            assert "Charis" in row[0], f"a fallback font was embedded: {row}"
            emb = row[-5]  # name type encoding emb sub uni object ID → emb is 5th from the end
            assert emb == "yes", f"font not embedded: {row}"


@pytest.mark.slow
def test_outline_lists_exactly_the_parts_and_pieces(mini_pdf) -> None:
    assert [(depth, title) for depth, title, _ in outline(mini_pdf[1])] == [
        (0, "Part One: The exchange"),
        (1, "On lamps"),
        (1, "A reply"),
        (0, "Part Two: Reviews"),
        (1, "Lamps, reviewed"),
    ]


@pytest.mark.slow
def test_without_parts_the_pieces_are_top_level_bookmarks(long_pdf) -> None:
    assert [(depth, title) for depth, title, _ in outline(long_pdf[1])] == [
        (0, "The long essay: a study"), (0, "A short reply"), (0, "Middle distance")]


# ---- recto openings, folios, heads, blank pages ----------------------------------------------


@pytest.mark.external
@pytest.mark.parametrize("which", ["mini_pdf", "long_pdf", "long_footnotes_pdf"])
def test_every_part_and_piece_opens_on_a_recto_with_its_title(which, request) -> None:
    _, data = request.getfixturevalue(which)
    texts = page_texts(data)
    for _, title, page in outline(data):
        assert page % 2 == 1, f"{title!r} opens on page {page}, a verso"
        words = title.split(": ", 1)[-1]
        assert words in " ".join(lines(texts[page - 1])), f"{title!r} is not on page {page}"


def _contents_numbers(texts: list[str]) -> dict[str, int]:
    page = next(t for t in texts if "contents" in squeezed(t))
    numbers = {}
    for line in lines(page):
        m = re.match(r"^(.*?)\s*(?:\.\s*)+\s*(\d+)$", line)
        if m:
            numbers[m.group(1).strip()] = int(m.group(2))
    return numbers


@pytest.mark.external
@pytest.mark.parametrize("which", ["mini_pdf", "long_pdf"])
def test_contents_page_numbers_are_the_folios_where_pieces_begin(which, request) -> None:
    book, data = request.getfixturevalue(which)
    texts = page_texts(data)
    numbers = _contents_numbers(texts)
    starts = _starts(data)
    pieces = [title for depth, title, _ in outline(data) if not title.startswith("Part ")]
    # the contents also lists front and back matter, which the outline leaves out
    assert set(pieces) <= set(numbers)
    numbers = {title: numbers[title] for title in pieces}
    for title, folio in numbers.items():
        opening = lines(texts[starts[title] - 1])
        # the opening page carries no running head, only its folio, dropped to the foot
        assert opening[-1] == str(folio), f"{title!r}: contents {folio}, page {opening[-1]}"
    # arabic folios count from 1 at the first page of the main matter
    first_main = min(starts.values())
    for title, folio in numbers.items():
        assert folio == starts[title] - first_main + 1


@pytest.mark.slow
@pytest.mark.external
def test_front_matter_has_roman_folios_and_no_heads(mini_pdf) -> None:
    texts = page_texts(mini_pdf[1])
    contents = next(i for i, t in enumerate(texts) if "contents" in squeezed(t))
    assert lines(texts[contents])[-1] == "v"
    assert lines(texts[0])[-1] != "i", "the title page carries no folio"


@pytest.mark.slow
@pytest.mark.external
def test_running_heads_author_on_verso_title_on_recto(long_pdf) -> None:
    _, data = long_pdf
    texts = page_texts(data)
    start = _starts(data)["The long essay: a study"]
    verso, recto = lines(texts[start]), lines(texts[start + 1])  # pages start+1, start+2
    assert re.fullmatch(r"\d+ vera long", verso[0].lower()), verso[0]
    assert re.fullmatch(r"the long essay: a study \d+", recto[0].lower()), recto[0]
    assert verso[0].split()[0] == str(start + 1 - min(_starts(data).values()) + 1)


@pytest.mark.external
@pytest.mark.parametrize("which", ["mini_pdf", "long_pdf", "long_footnotes_pdf"])
def test_no_page_carries_only_a_head_or_folio(which, request) -> None:
    book, data = request.getfixturevalue(which)
    texts = page_texts(data)
    heads = {book.title.lower()} | {c.name.lower() for c in book.creators}
    heads |= {t.lower().split(": ")[0] for _, t, _ in outline(data)} | {"contributors"}
    blank = 0
    for number, text in enumerate(texts, 1):
        if number == 1 and text.strip().lower() == book.title.lower():
            continue  # the half-title: the book's title alone on the first page
        rest = [ln for ln in lines(text)
                if not FOLIO.match(ln) and ln.lower() not in heads
                and not re.fullmatch(r"\d+ .+|.+ \d+", ln)]
        if not rest:
            assert not text.strip(), f"page {number} has a head or folio but no text: {text!r}"
            blank += 1
    assert blank > 0, "recto openings should have left blank versos"


@pytest.mark.slow
@pytest.mark.external
def test_blank_pages_are_white(mini_pdf, tmp_path: Path) -> None:
    texts = page_texts(mini_pdf[1])
    blank = [n for n, t in enumerate(texts, 1) if not t.strip()]
    assert blank
    pdf = tmp_path / "mini.pdf"
    pdf.write_bytes(mini_pdf[1])
    for n in blank[:3]:
        subprocess.run([_tool("pdftoppm"), "-r", "30", "-gray", "-f", str(n), "-l", str(n),
                        str(pdf), str(tmp_path / "page")], check=True)
        image = next(tmp_path.glob("page*.pgm"))
        assert set(image.read_bytes().split(b"\n", 3)[3]) == {255}, f"page {n} is not white"
        image.unlink()


# ---- notes and links -------------------------------------------------------------------------


@pytest.mark.slow
def test_note_references_and_backlinks_are_working_links(mini_pdf) -> None:
    found = links(mini_pdf[1])
    refs = [link for link in found if re.fullmatch(r"first-note-\d", link[1])]
    backs = [link for link in found if link[1].startswith("first-noteref-")]
    assert len(refs) == 4  # three notes, note 1 called twice
    assert {name for _, name, *_ in backs} == {"first-noteref-1", "first-noteref-1-2",
                                               "first-noteref-2", "first-noteref-3"}
    for page, _, target, y, target_y in refs:
        assert target == page and target_y < y  # down to the notes after the text
    for page, _, target, y, target_y in backs:
        assert target == page and target_y > y  # back up to the call


@pytest.mark.slow
def test_contents_entries_link_to_the_pieces(mini_pdf) -> None:
    starts = _starts(mini_pdf[1])
    by_name = {name: target for _, name, target, *_ in links(mini_pdf[1])}
    assert by_name["piece-first"] == starts["On lamps"]
    assert by_name["piece-review"] == starts["Lamps, reviewed"]


@pytest.mark.slow
@pytest.mark.external
def test_endnotes_follow_each_piece(long_pdf) -> None:
    texts = page_texts(long_pdf[1])
    start = _starts(long_pdf[1])["The long essay: a study"]
    end = _starts(long_pdf[1])["A short reply"]
    heading = [n for n, t in enumerate(texts, 1) if "notes" in squeezed(t)]
    assert len(heading) == 1 and start < heading[0] < end
    for k in LETTERS:
        assert [n for n, t in enumerate(texts, 1) if f"nt{k}z" in t][0] >= heading[0]


@pytest.mark.slow
@pytest.mark.external
def test_footnotes_sit_on_the_page_of_their_call(long_footnotes_pdf) -> None:
    texts = page_texts(long_footnotes_pdf[1])
    assert not any("notes" in squeezed(t) for t in texts), "no endnotes section in this mode"
    for k in LETTERS:
        call = [n for n, t in enumerate(texts, 1) if f"mark{k}" in t]
        note = [n for n, t in enumerate(texts, 1) if f"nt{k}z" in t]
        assert len(call) == 1 and call == note, f"note {k}: call on {call}, text on {note}"
    found = links(long_footnotes_pdf[1])
    assert len([lk for lk in found if re.fullmatch(r"long-note-\d", lk[1])]) == 8
    assert len([lk for lk in found if lk[1].startswith("long-noteref-")]) == 8
    for page, name, target, *_ in found:
        if re.fullmatch(r"long-note(ref)?-\d", name):
            assert target == page


@pytest.mark.slow
@pytest.mark.external
def test_footnote_mode_keeps_later_calls_of_a_note_linked(mini) -> None:
    _, data = build(mini, notes="footnotes")
    found = links(data)
    calls = [lk for lk in found if lk[1] == "first-note-1"]
    assert len(calls) == 2  # both calls of note 1 point at its one footnote
    assert "The first note" in "".join(page_texts(data))


@pytest.mark.slow
@pytest.mark.external
def test_text_is_hyphenated(long_pdf) -> None:
    text = "\n".join(page_texts(long_pdf[1]))
    assert re.search(r"[a-z][\u2010-]\n", text), "no word is hyphenated at a line end"


# ---- metadata, reproducibility, options ---------------------------------------------------------


@pytest.mark.slow
def test_metadata(mini_pdf) -> None:
    book, data = mini_pdf
    info = PdfReader(io.BytesIO(data)).metadata
    assert info["/Title"] == "Small Hours"
    assert info["/Author"] == "Ana Ruiz, Ben Ode"
    assert info["/Subject"] == "Two essays and a reply"
    assert info["/Creator"] == "anthology"
    assert info["/CreationDate"] == info["/ModDate"] == "D:20260115000000Z"


@pytest.mark.slow
def test_two_builds_are_byte_identical(mini, mini_pdf) -> None:
    assert build(mini)[1] == mini_pdf[1]


@pytest.mark.slow
def test_two_footnote_builds_are_byte_identical(long_manuscript, long_footnotes_pdf) -> None:
    assert build(long_manuscript, notes="footnotes")[1] == long_footnotes_pdf[1]


@pytest.mark.slow
@pytest.mark.parametrize("options, size", [
    ({"trim": "a4"}, A4),
    ({"trim": "letter"}, (612, 792)),
    ({"trim": "6x9in"}, (432, 648)),
    ({"large_print": True}, A4),
])
def test_trim_options_change_the_page_size(mini, options, size) -> None:
    _, data = build(mini, **options)
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(size, abs=0.1)


def test_large_print_sets_larger_type(mini) -> None:
    book = render(read_manuscript(mini).volume)
    assert "font-size: 16pt" in print_html(book, PrintOptions(large_print=True))
    assert "font-size: 10.5pt" in print_html(book, PrintOptions())


@pytest.mark.slow
def test_bleed_and_crop_marks_enlarge_the_media_box_around_the_trim(mini) -> None:
    _, data = build(mini, bleed="3mm", marks="crop")
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert float(page.trimbox.width) == pytest.approx(A5[0], abs=0.1)
    assert float(page.mediabox.width) == pytest.approx(A5[0] + 6 * MM, abs=0.1)


@pytest.mark.slow
def test_pdf_variants(mini) -> None:
    _, pdfa = build(mini, variant="pdf/a-2b")
    reader = PdfReader(io.BytesIO(pdfa))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="2"' in xmp or b"<pdfaid:part>2<" in xmp
    assert "/OutputIntents" in reader.trailer["/Root"]
    _, pdfua = build(mini, variant="pdf/ua-1")
    assert "/StructTreeRoot" in PdfReader(io.BytesIO(pdfua)).trailer["/Root"]


def test_bad_options_are_all_reported_at_once(mini) -> None:
    book = render(read_manuscript(mini).volume)
    with pytest.raises(InputError) as caught:
        print_edition(book, PrintOptions(trim="b5", notes="sidenotes", variant="pdf/x-4",
                                     bleed="lots", marks="cross")).pdf
    text = str(caught.value)
    for option in ("--trim", "--notes", "--pdf-variant", "--bleed", "--marks"):
        assert option in text


@pytest.mark.slow
def test_progress_reports_the_chunks_and_the_pages(mini) -> None:
    from anthology.pdf.html import Cut, print_tree

    book = render(read_manuscript(mini).volume)
    steps: list[str] = []
    edition = print_edition(book, PrintOptions(), jobs=2, progress=steps.append)
    chunks = Cut(*print_tree(book, PrintOptions())).chunks
    assert len(chunks) > 1
    assert steps == [f"laying out {len(chunks)} chunks, 2 at a time",
                     f"drew and joined {len(edition.pages.pages)} pages"]


# ---- the print HTML ---------------------------------------------------------------------------


def test_print_html_is_the_shared_html_plus_print_layers(mini) -> None:
    book = render(read_manuscript(mini).volume)
    html = print_html(book, PrintOptions())
    assert '<html xmlns="http://www.w3.org/1999/xhtml"' in html and 'lang="en"' in html
    assert "@font-face" in html and "break-before: recto" in html
    assert "\u21a9" not in html  # Charis has no ↩: print sets ↑ for the extra backlinks
    assert "Ana Ruiz teaches history." in html


def test_print_html_marks_where_it_departs_from_the_shared_html(mini) -> None:
    """What the page map needs to name the shared HTML's places (see pdf/pagemap.py)."""
    import lxml.html

    book = render(read_manuscript(mini).volume)
    root = lxml.html.document_fromstring(print_html(book, PrintOptions(notes="footnotes")))
    added = root.xpath("//*[@data-shared='added']")
    assert added and all("contents-part-number" in el.get("class") for el in added)
    moved = root.xpath("//*[@data-shared='moved']")
    assert moved and all(el.get("class") == "footnote" and el.get("data-shared-tag") == "li"
                         and el.get("id") for el in moved)
    assert {el.get("data-shared-tag") for el in root.xpath("//*[@class and @data-shared-tag]")
            if "note-para" in el.get("class")} == {"p"}
    shared_ids = set(re.findall(r'\sid="([^"]+)"', "".join(d.body for d in book.documents)))
    assert {el.get("id") for el in moved} <= shared_ids  # a footnote keeps its endnote's id


def test_fonts_are_read_only_from_the_styles_folder(mini, tmp_path: Path) -> None:
    from anthology.pdf.options import styles_fetcher
    from anthology.resources import styles_dir

    fetch = styles_fetcher()
    font = sorted((styles_dir() / "fonts").glob("*.ttf"))[0]
    assert fetch(font.as_uri()).read()[:4] in (b"\x00\x01\x00\x00", b"true")
    outside = tmp_path / "x.css"
    outside.write_text("p {}")
    for url in ("https://example.com/font.ttf", outside.as_uri(),
                (styles_dir() / ".." / ".." / "etc" / "passwd").as_uri()):
        with pytest.raises(ValueError):
            fetch(url)
    book = render(read_manuscript(mini).volume)
    with pytest.raises(InputError):
        print_edition(dataclasses.replace(book, fonts=(outside,)), PrintOptions()).pdf


def test_glyphs_the_fonts_lack_are_reported(mini, caplog) -> None:
    book = render(read_manuscript(mini).volume)
    doc = book.documents[-1]
    odd = dataclasses.replace(doc, body=doc.body.replace("teaches history", "teaches \u4e2d"))
    book = dataclasses.replace(book, documents=(*book.documents[:-1], odd))
    with caplog.at_level(logging.WARNING, logger="anthology.pdf.html"):
        print_html(book, PrintOptions())
    assert "U+4E2D" in caplog.text


# ---- the real volume ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def serge_pdfs() -> tuple[Book, bytes, bytes]:
    book = render(read_manuscript(Path(__file__).parent.parent / "seeds" / "serge").volume)
    return (book, print_edition(book, PrintOptions()).pdf,
            print_edition(book, PrintOptions(notes="footnotes")).pdf)


@pytest.mark.slow
@pytest.mark.external
def test_the_serge_volume_in_both_note_modes(serge_pdfs, tmp_path: Path) -> None:
    book, endnotes, footnotes = serge_pdfs
    n_notes = sum(doc.body.count('epub:type="endnote"') for doc in book.documents)
    assert n_notes > 0
    for data in (endnotes, footnotes):
        rows = fonts(data, tmp_path)
        assert rows and all("Charis" in r[0] and r[-5] == "yes" for r in rows), rows
        marks = outline(data)
        assert [t for d, t, _ in marks if d == 0] == [f"Part {w}: {p.title}" for w, p in zip(
            ("One", "Two", "Three"), [d for d in book.documents if d.id.startswith("part-")])]
        assert len([1 for d, _, _ in marks if d == 1]) == len(
            [d for d in book.documents if d.id.startswith("piece-")])
        assert all(page % 2 == 1 for _, _, page in marks)
        calls = [lk for lk in links(data) if re.fullmatch(r".+-note-\d+", lk[1])]
        assert len({lk[1] for lk in calls}) == n_notes  # every note is called, and linked
        if data is footnotes:
            first = {}
            for page, name, target, *_ in calls:  # later calls of a note link back to it
                first.setdefault(name, (page, target))
            for name, (page, target) in first.items():
                assert target == page, f"{name}: called on page {page}, set on page {target}"


@pytest.mark.slow
@pytest.mark.external
def test_the_serge_contents_agree_with_the_opening_folios(serge_pdfs) -> None:
    _, data, _ = serge_pdfs
    texts = page_texts(data)
    contents = next(t for t in texts if "contents" in squeezed(t))
    listed = {int(m.group(1)) for ln in lines(contents) if (m := re.search(r"\s(\d+)$", ln))}
    openings = {int(lines(texts[page - 1])[-1]) for d, _, page in outline(data) if d == 1}
    assert openings <= listed  # the contents lists the back matter too


def test_a_letter_note_call_is_raised_like_a_figure_a_symbol_is_not(tmp_path: Path) -> None:
    ms = tmp_path / "ms"
    (ms / "pieces").mkdir(parents=True)
    (ms / "volume.toml").write_text('title = "V"\npieces = ["pieces/01-a.md"]\n')
    (ms / "pieces" / "01-a.md").write_text('+++\ntitle = "A"\n+++\n\nOne.[^A] Two.[^*] Three.[^1]\n\n'
                                           "[^A]: a\n\n[^*]: b\n\n[^1]: c\n")
    html = print_html(render(read_manuscript(ms).volume), PrintOptions())
    calls = re.findall(r'<a [^>]*class="noteref( noteref-symbol)?"[^>]*>([^<]+)</a>', html)
    assert sorted(calls) == [("", "1"), ("", "A"), (" noteref-symbol", "*")]


# ---- pictures: from the bytes the reader checked, and nothing else ------------------------

PICTURES = Path(__file__).parent / "fixtures" / "manuscripts" / "pictures"


def images_on_pages(data: bytes, tmp_path: Path) -> list[tuple[int, int, int, str]]:
    """(page, width, height, encoding) of every picture drawn, as pdfimages lists them."""
    pdf = tmp_path / "images.pdf"
    pdf.write_bytes(data)
    out = subprocess.run([_tool("pdfimages"), "-list", str(pdf)], capture_output=True,
                         check=True, text=True).stdout.splitlines()[2:]
    return [(int(row.split()[0]), int(row.split()[3]), int(row.split()[4]), row.split()[8])
            for row in out if row.strip()]


@pytest.fixture(scope="module")
def pictures_pdf() -> tuple[Book, bytes]:
    return build(PICTURES)


@pytest.mark.slow
@pytest.mark.external
def test_every_picture_is_drawn_on_its_page_with_its_caption(pictures_pdf, tmp_path) -> None:
    book, data = pictures_pdf
    texts = page_texts(data)
    drawn = images_on_pages(data, tmp_path)
    # the figure and the inline fleuron; the note's swatch; the second piece's swatch
    assert [(w, h, enc) for _, w, h, enc in drawn] == [
        (531, 165, "image"), (24, 16, "image"), (160, 90, "jpeg"), (160, 90, "jpeg")]
    figure_page = drawn[0][0]
    assert "A song of Pons de Capdeuil, as a modern edition sets it" in texts[figure_page - 1]
    assert "The troubadours" in texts[figure_page - 1]
    assert "On vellum" in texts[drawn[3][0] - 1]


@pytest.mark.slow
def test_pictures_give_the_same_pdf_from_any_number_of_workers(pictures_pdf) -> None:
    book, data = pictures_pdf
    assert print_edition(book, PrintOptions(), jobs=1).pdf == data
    assert print_edition(book, PrintOptions(), jobs=2).pdf == data


@pytest.mark.slow
def test_pictures_in_one_document_too(pictures_pdf, monkeypatch, caplog) -> None:
    """Laid out as one document (another WeasyPrint), the pictures are served all the same."""
    from anthology.pdf import weasy

    book, data = pictures_pdf
    monkeypatch.setattr(weasy, "TESTED", "0.0")
    with caplog.at_level(logging.WARNING):
        whole = print_edition(book, PrintOptions()).pdf
    assert not [r for r in caplog.records if r.name.startswith("weasyprint")]
    assert PdfReader(io.BytesIO(whole)).pages[8].images  # the figure's page


@pytest.mark.slow
def test_weasyprint_fetches_every_picture_without_a_complaint(pictures_pdf, caplog) -> None:
    book, _ = pictures_pdf
    with caplog.at_level(logging.WARNING):
        print_edition(book, PrintOptions(), jobs=1)
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")]


def test_the_fetcher_serves_the_books_pictures_from_memory_and_nothing_else(
        tmp_path: Path) -> None:
    from anthology.pdf.options import base_url, styles_fetcher

    fetch = styles_fetcher().serving({"images/a.png": (b"\x89PNG checked", "image/png")})
    served = fetch(base_url() + "images/a.png")
    assert served.read() == b"\x89PNG checked" and served.content_type == "image/png"
    picture = tmp_path / "images" / "b.png"
    picture.parent.mkdir()
    picture.write_bytes(b"\x89PNG unchecked")
    for url in (base_url() + "images/b.png", picture.as_uri(), "https://example.org/a.png",
                base_url() + "images/../../../images/a.png",
                "data:image/png;base64,iVBORw0KGgo="):
        with pytest.raises(ValueError):
            fetch(url)
    with pytest.raises(ValueError):  # the styles' own fetcher serves no picture at all
        styles_fetcher()(base_url() + "images/a.png")


def test_print_html_shows_the_pictures_as_the_shared_html_does() -> None:
    book = render(read_manuscript(PICTURES).volume)
    html = print_html(book, PrintOptions())
    assert html.count('src="images/') == 4
    assert '<figcaption>A song of Pons de Capdeuil, as a modern edition sets it</figcaption>' in html
    assert re.search(r"figure img \{ max-height: \d+mm; \}", html)


def test_a_changed_picture_changes_the_layout_key() -> None:
    from anthology.pdf.pagemap import layout_key

    book = render(read_manuscript(PICTURES).volume)
    key = layout_key(book, PrintOptions())
    changed = dataclasses.replace(book.images[0], data=book.images[0].data + b"\0")
    assert layout_key(dataclasses.replace(book, images=(changed, *book.images[1:])),
                      PrintOptions()) != key
    assert layout_key(book, PrintOptions()) == key

"""Saddle-stitch imposition: the order of pages on the sheets, and the imposed PDF."""

from __future__ import annotations

import io
import math
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from anthology.pdf.booklet import SHEETS, booklet_order, impose
from anthology.manuscript import read_manuscript
from anthology.pdf import PrintOptions, print_edition
from anthology.render import render

MM = 72 / 25.4


def test_eight_pages() -> None:
    assert booklet_order(8) == [(8, 1), (2, 7), (6, 3), (4, 5)]


def test_small_books() -> None:
    assert booklet_order(0) == []
    assert booklet_order(1) == [(None, 1), (None, None)]
    assert booklet_order(4) == [(4, 1), (2, 3)]
    assert booklet_order(5) == [(None, 1), (2, None), (None, 3), (4, 5)]
    with pytest.raises(ValueError):
        booklet_order(-1)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 51, 100])
def test_every_page_once_on_two_sides_per_sheet(n: int) -> None:
    sides = booklet_order(n)
    padded = math.ceil(n / 4) * 4
    assert len(sides) == 2 * math.ceil(n / 4) == padded // 2
    pages = [p for side in sides for p in side if p is not None]
    assert sorted(pages) == list(range(1, n + 1))
    assert sum(p is None for side in sides for p in side) == padded - n
    # the two pages facing each other on a sheet side add up to padded + 1
    # the two pages facing each other on a sheet side add up to padded + 1, and a blank
    # only ever stands for a page after the last one
    for left, right in sides:
        if left is not None and right is not None:
            assert left + right == padded + 1
        for slot, other in ((left, right), (right, left)):
            if slot is None and other is not None:
                assert padded + 1 - other > n


@pytest.mark.parametrize("n", [4, 8, 12, 13, 28])
def test_folded_sheets_read_in_order(n: int) -> None:
    """Stack the sheets, fold them: reading the booklet page by page gives 1, 2, 3 …"""
    sides = booklet_order(n)
    sheets = [(sides[i], sides[i + 1]) for i in range(0, len(sides), 2)]
    # after folding, sheet k gives its front's right, back's left, back's right, front's left
    # in the first half and the mirror in the second half of the booklet
    first_half, second_half = [], []
    for front, back in sheets:
        first_half += [front[1], back[0]]
        second_half = [back[1], front[0]] + second_half
    order = first_half + second_half
    padded = math.ceil(n / 4) * 4
    assert order == [p if p <= n else None for p in range(1, padded + 1)]


# ---- the imposed PDF ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def book_pdf() -> bytes:
    mini = Path(__file__).parent / "fixtures" / "manuscripts" / "mini"
    return print_edition(render(read_manuscript(mini).volume), PrintOptions()).pdf


@pytest.mark.slow
def test_impose_gives_two_sides_per_four_pages_on_landscape_a4(book_pdf: bytes) -> None:
    n = len(PdfReader(io.BytesIO(book_pdf)).pages)
    imposed = PdfReader(io.BytesIO(impose(book_pdf)))
    assert len(imposed.pages) == 2 * math.ceil(n / 4)
    for page in imposed.pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert (w, h) == pytest.approx((297 * MM, 210 * MM), abs=0.1)


@pytest.mark.slow
def test_impose_is_deterministic(book_pdf: bytes) -> None:
    assert impose(book_pdf) == impose(book_pdf)


@pytest.mark.slow
@pytest.mark.external
def test_impose_keeps_the_text_and_fonts(book_pdf: bytes, tmp_path: Path) -> None:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext not found: install poppler-utils"
    imposed = impose(book_pdf)
    n = len(PdfReader(io.BytesIO(book_pdf)).pages)
    first = subprocess.run([tool, "-f", "1", "-l", "1", "-", "-"], input=imposed,
                           capture_output=True, check=True).stdout.decode()
    # sheet 1, front: the last (padded) page on the left, the title page on the right
    assert "Small Hours" in first
    order = booklet_order(n)
    left, right = order[0]
    assert right == 1
    pdf = tmp_path / "booklet.pdf"
    pdf.write_bytes(imposed)
    rows = subprocess.run([shutil.which("pdffonts"), str(pdf)], capture_output=True,
                          check=True, text=True).stdout.splitlines()[2:]
    assert rows and all("Charis" in r and r.split()[-5] == "yes" for r in rows)


@pytest.mark.slow
def test_a5_on_a4_is_placed_at_its_own_size(book_pdf: bytes) -> None:
    imposed = PdfReader(io.BytesIO(impose(book_pdf)))
    content = imposed.pages[0].get_contents().get_data().decode()
    assert content.startswith("q 1 0 0 1 ")  # scale 1: A5 is exactly half an A4 sheet


@pytest.mark.slow
def test_other_trims_are_scaled_to_fit_half_a_sheet() -> None:
    mini = Path(__file__).parent / "fixtures" / "manuscripts" / "mini"
    pdf = print_edition(render(read_manuscript(mini).volume), PrintOptions(trim="6x9in")).pdf
    imposed = PdfReader(io.BytesIO(impose(pdf, "letter")))
    assert float(imposed.pages[0].mediabox.width) == SHEETS["letter"][0]
    scale = float(imposed.pages[0].get_contents().get_data().decode().split()[1])
    assert scale == pytest.approx(min(396 / 432, 612 / 648), abs=1e-3)


@pytest.mark.slow
def test_unknown_sheet_is_refused(book_pdf: bytes) -> None:
    with pytest.raises(ValueError):
        impose(book_pdf, "b4")

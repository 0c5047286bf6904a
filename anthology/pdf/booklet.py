"""Turn a book's PDF into a booklet imposed for saddle-stitch printing.

Two book pages sit side by side on each side of a landscape sheet; printed double-sided
(flip on the short edge), the stack of sheets folded once in the middle and stapled on the
fold reads in order. An A5 book on A4 sheets is placed at its own size; any other trim is
scaled to fit half a sheet, keeping its proportions, with the pages meeting at the fold.
Each book page is drawn from a form XObject clipped to its trim box, so bleed and printer's
marks never spill onto the facing page, and links (useless on paper) are left out.
"""

from __future__ import annotations

import io
from decimal import Decimal

__all__ = ["SHEETS", "booklet_order", "impose"]

# Landscape sheet sizes in PDF points (width, height).
SHEETS: dict[str, tuple[float, float]] = {
    "a4": (841.8898, 595.2756),
    "a3": (1190.5512, 841.8898),
    "letter": (792.0, 612.0),
    "tabloid": (1224.0, 792.0),
}

Slot = tuple[int | None, int | None]


def booklet_order(n_pages: int) -> list[Slot]:
    """Pages per sheet side, (left, right), 1-based; None is a blank page.

    The book is padded with blanks to a multiple of four. Sides come in the order they are
    printed: sheet 1 front, sheet 1 back, sheet 2 front … For 8 pages:
    ``[(8, 1), (2, 7), (6, 3), (4, 5)]``.
    """
    if n_pages < 0:
        raise ValueError(f"a book cannot have {n_pages} pages")
    total = -(-n_pages // 4) * 4

    def page(number: int) -> int | None:
        return number if number <= n_pages else None

    sides: list[Slot] = []
    for k in range(total // 2):
        low, high = k + 1, total - k
        # the front of each sheet has the high page on the left; the back, the low one
        sides.append((page(high), page(low)) if k % 2 == 0 else (page(low), page(high)))
    return sides


def impose(pdf: bytes, sheet: str = "a4") -> bytes:
    """Impose a PDF as a saddle-stitch booklet on landscape sheets; deterministic bytes."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject

    if sheet not in SHEETS:
        raise ValueError(f"unknown sheet size {sheet!r}; choose one of {', '.join(SHEETS)}")
    sheet_w, sheet_h = SHEETS[sheet]
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    forms = []
    for page in reader.pages:
        box = page.trimbox  # the trim box defaults to the crop box, then the media box
        x0, y0 = float(box.left), float(box.bottom)
        width, height = float(box.width), float(box.height)
        contents = page.get_contents()  # None for an empty page; never test its truth
        form = StreamObject()
        form.set_data(contents.get_data() if contents is not None else b"")
        form.update({
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(_numbers(x0, y0, x0 + width, y0 + height)),
            # cloned once per source object, so resources shared by pages stay shared
            NameObject("/Resources"): (page.raw_get("/Resources").clone(writer)
                                       if "/Resources" in page else DictionaryObject()),
        })
        if "/Group" in page:  # the page's transparency group, if it has one
            form[NameObject("/Group")] = page["/Group"].clone(writer)
        # pypdf has no public call for adding a free-standing stream object
        forms.append((writer._add_object(form.flate_encode()), x0, y0, width, height))

    half = sheet_w / 2
    for n, (left, right) in enumerate(booklet_order(len(forms))):
        side = writer.add_blank_page(sheet_w, sheet_h)
        xobjects = DictionaryObject()
        ops = []
        for slot, number in (("left", left), ("right", right)):
            if number is None:
                continue
            ref, x0, y0, width, height = forms[number - 1]
            scale = min(half / width, sheet_h / height)  # A5 on A4: exactly 1
            drawn_w, drawn_h = width * scale, height * scale
            # the pages meet at the fold: the left page's right edge, the right page's left
            x = half - drawn_w if slot == "left" else half
            y = (sheet_h - drawn_h) / 2
            name = f"/P{number}"
            xobjects[NameObject(name)] = ref
            ops.append(f"q {_fmt(scale)} 0 0 {_fmt(scale)} {_fmt(x - x0 * scale)} "
                       f"{_fmt(y - y0 * scale)} cm {name} Do Q")
        content = StreamObject()
        content.set_data(("\n".join(ops) + "\n").encode("ascii"))
        side[NameObject("/Contents")] = writer._add_object(content.flate_encode())
        side[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/XObject"): xobjects})

    if reader.metadata:
        writer.add_metadata({k: v for k, v in reader.metadata.items()
                             if k in ("/Title", "/Author", "/Subject", "/Keywords",
                                      "/Creator", "/CreationDate", "/ModDate")})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _fmt(value: float) -> str:
    """A PDF number with no exponent and no trailing zeros, the same on every machine."""
    text = f"{Decimal(str(round(value, 4))):f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def _numbers(*values: float):
    from pypdf.generic import FloatObject

    return [FloatObject(_fmt(v)) for v in values]

"""Turn the chunks' PDFs into one PDF: the pages in order, and what spans the chunks.

Each chunk is drawn to a PDF of its own (``layout.py``); pypdf puts their pages together
with a blank verso where the book needs one, and writes what no chunk could: one tree of
named destinations, the links between chunks, one outline, the metadata, and a file
identifier derived from the content, so the same chunks give the same bytes.
"""

from __future__ import annotations

import hashlib
import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .layout import Laid


def read_pdf(pdf: bytes):
    """A chunk's PDF parsed whole, every object resolved: done (in a thread) while the
    workers are still busy, it leaves the join only the copying (a third of its time)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    for number in range(1, int(reader.trailer["/Size"])):
        reader.get_object(number)
    return reader


def join(laid: list[Laid], pdfs: dict[int, bytes], blank: bytes, blanks: list[bool],
         readers: dict[int, Any] | None = None) -> bytes:
    """One PDF from the chunks' PDFs: their pages in order with blank versos between, one
    tree of named destinations, the links between chunks WeasyPrint could not resolve on its
    own, one outline, the metadata and a file identifier derived from the content.
    ``readers`` may hold chunks' PDFs already parsed (:func:`read_pdf`)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (ArrayObject, ByteStringObject, DictionaryObject, FloatObject,
                               NameObject, NumberObject, TextStringObject)

    writer = PdfWriter()
    parsed = readers or {}
    readers = [parsed.get(i) or PdfReader(io.BytesIO(pdfs[i]))
               for i in range(len(laid))]
    blank_page = PdfReader(io.BytesIO(blank)).pages[0]
    first: list[int] = []
    for i, reader in enumerate(readers):
        first.append(len(writer.pages))
        for page in reader.pages:
            writer.add_page(page)
        if blanks[i]:
            writer.add_page(blank_page)
    refs = [page.indirect_reference for page in writer.pages]

    def number(value: float) -> FloatObject:
        return FloatObject(round(value, 4))

    # named destinations: every anchor, the first of each name
    dests: dict[str, tuple[int, float, float]] = {}
    for i in range(len(laid)):
        for page, names in enumerate(laid[i].anchors):
            for name, x, y in names:
                dests.setdefault(name, (first[i] + page, x, y))
    tree = ArrayObject()
    for name in sorted(dests):
        page, x, y = dests[name]
        tree.append(TextStringObject(name))
        tree.append(ArrayObject([refs[page], NameObject("/XYZ"), number(x), number(y),
                                 NumberObject(0)]))
    if tree:
        writer._root_object[NameObject("/Names")] = DictionaryObject({
            NameObject("/Dests"): DictionaryObject({NameObject("/Names"): tree})})
    # every internal link (the chunks were drawn without them, see lay_out)
    for i in range(len(laid)):
        for page, links in enumerate(laid[i].links):
            added = [(target, rect) for target, rect in links if target in dests]
            if not added:
                continue
            pdf_page = writer.pages[first[i] + page]
            annots = pdf_page.get("/Annots")
            annots = annots.get_object() if annots is not None else ArrayObject()
            for target, (x1, y1, x2, y2) in added:
                annot = DictionaryObject({
                    NameObject("/Type"): NameObject("/Annot"),
                    NameObject("/Subtype"): NameObject("/Link"),
                    NameObject("/Rect"): ArrayObject([number(x1), number(y1), number(x2),
                                                      number(y2)]),
                    NameObject("/BS"): DictionaryObject({NameObject("/W"): NumberObject(0)}),
                    NameObject("/Dest"): TextStringObject(target)})
                annots.append(writer._add_object(annot))
            pdf_page[NameObject("/Annots")] = annots
    # the outline, nested as WeasyPrint nests bookmark levels
    _outline(writer, [(first[i] + page, mark) for i in range(len(laid))
                      for page, marks in enumerate(laid[i].bookmarks) for mark in marks])
    info = readers[0].metadata or {}
    writer.add_metadata({k: v for k, v in info.items()})
    lang = readers[0].trailer["/Root"].get("/Lang")
    if lang is not None:
        writer._root_object[NameObject("/Lang")] = TextStringObject(str(lang))
    digest = hashlib.md5(b"".join(pdfs[i] for i in range(len(laid))) + blank,
                         usedforsecurity=False).hexdigest().encode("ascii")
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _outline(writer, marks: list[tuple[int, tuple[int, str, float, float, str]]]) -> None:
    """The PDF outline of the chunks' bookmarks ((page, (level, label, x, y, state)) in the
    book's order), nested as WeasyPrint nests them when it draws one document.

    The nesting (a bookmark level skipped, as ``h1`` then ``h3``, nests one level deeper,
    not two) follows ``make_page_bookmark_tree`` in WeasyPrint 70's ``anchors.py``:
    WeasyPrint is Copyright (c) 2011-2021, Simon Sapin and contributors, under the BSD
    3-Clause licence (SPDX: BSD-3-Clause)."""
    from pypdf.generic import Fit

    skipped: list[int] = []
    parents: list[Any] = [None]
    previous = 0
    for page, (level, label, x, y, state) in marks:
        if level > previous:
            skipped.append(level - previous - 1)
        else:
            temp = level
            while temp < previous:
                temp += 1 + skipped.pop()
            if temp > previous:
                skipped.append(temp - previous - 1)
        previous = level
        depth = level - sum(skipped)
        item = writer.add_outline_item(
            title=label, page_number=page, parent=parents[depth - 1],
            fit=Fit.xyz(round(x, 4), round(y, 4), 0), is_open=state != "closed")
        del parents[depth:]
        parents.append(item)

"""Turn WeasyPrint into what the print edition needs of it: every use of its internals is here.

WeasyPrint's API lays out a document and draws it. The chunked layout (``layout.py``) needs
three things more, which only WeasyPrint's internals give, and each is written here:

* a chunk's pages and their anchors as soon as it is paginated, before its margin boxes are
  made (WeasyPrint's ``context.page_maker``), so that the chunks before it can be counted;
* the page counter in the margins shifted by those pages (a hook on
  ``weasyprint.layout.make_margin_boxes``);
* for speed, columns filled in turn laid out once a page (a hook on
  ``weasyprint.layout.block.columns_layout``, see :func:`_columns_laid_out_once`).

The page map (``pagemap.py``) reads the laid-out boxes of each page (``page._page_box``):
:func:`text_boxes`, :func:`margin_texts`, :func:`page_counter_steps`.

**The version gate.** The hooks were written for, and tested with, WeasyPrint
:data:`TESTED`, and internals change between versions without notice. With any other
version installed, :func:`fast_path_off` says so and why, and the print edition is laid out
as one document in one process through WeasyPrint's API (``edition.py``); the hooks refuse
to be installed (:func:`install_hooks`).

Parts of this module follow WeasyPrint's own code, as noted where they do; WeasyPrint is
Copyright (c) 2011-2021, Simon Sapin and contributors, under the BSD 3-Clause licence
(SPDX: BSD-3-Clause).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
from typing import Any, Callable, Iterator

log = logging.getLogger(__name__)

TESTED = "70.0"  # the WeasyPrint version the hooks below were written and tested for


def installed_version() -> str:
    """The installed WeasyPrint's version, read without importing it."""
    from ..cache import library_versions

    return library_versions(["weasyprint"])["weasyprint"]


def fast_path_off() -> str:
    """Why the chunked parallel layout cannot run, in a few words; "" when it can."""
    version = installed_version()
    if version == TESTED:
        return ""
    return (f"WeasyPrint {version} is installed, and the chunked layout uses internals of "
            f"WeasyPrint {TESTED} only")


def import_weasyprint() -> None:
    """Import WeasyPrint, without the library search that costs it a third of a second.

    WeasyPrint loads Pango, HarfBuzz and the rest by trying several names for each, for
    every platform. On Linux the first names miss, and for each miss cffi asks
    ``ctypes.util.find_library``, which runs ldconfig and the C compiler: twenty-odd
    processes, while the sonames further down each list load directly. So during the import
    a miss is just a miss; if the import fails all the same, it is tried again with the
    search (and fails, if it must, with WeasyPrint's own message)."""
    import sys

    if "weasyprint" in sys.modules:
        return
    if not sys.platform.startswith("linux"):
        import weasyprint  # noqa: F401
        return
    import ctypes.util

    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        import weasyprint  # noqa: F401
        return
    except OSError:
        log.debug("WeasyPrint's libraries did not load by their sonames; searching for them")
    finally:
        ctypes.util.find_library = search
    import weasyprint  # noqa: F401,F811


def folder_fetcher(root, files=None):
    """A WeasyPrint URL fetcher that serves the files inside ``root`` and refuses the rest:
    a print build reads nothing from the network, nor from anywhere else on the disk.

    ``files`` (a path relative to ``root`` → its bytes and media type) are served from
    memory, before any file of that name: the book's pictures, which the print HTML (whose
    base is ``root``, the styles folder) shows as ``images/NAME``, as the manuscript's
    reader read and checked them. :meth:`serving` gives the same fetcher with other files."""
    import mimetypes
    from pathlib import Path
    from urllib.request import url2pathname

    import_weasyprint()
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = Path(root).resolve()

    class FolderFetcher(URLFetcher):
        def __init__(self, files) -> None:
            super().__init__(allowed_protocols=("file",))
            self.files = dict(files or {})

        def serving(self, files):
            """This fetcher, serving ``files`` (as :func:`folder_fetcher` says) instead."""
            return FolderFetcher(files)

        def fetch(self, url, headers=None):  # noqa: D401 (WeasyPrint's API)
            if not url.startswith("file:"):
                raise ValueError(f"refused {url}: print builds fetch nothing from the network")
            path = Path(url2pathname(url.split("?")[0].split("#")[0][len("file:"):]))
            try:
                inside = path.resolve().relative_to(root).as_posix()
            except ValueError:
                path = None
            else:
                if inside in self.files:
                    data, mime = self.files[inside]
                    return URLFetcherResponse(url, data, {"Content-Type": mime})
            if path is None or not path.is_file():
                raise ValueError(f"refused {url}: only files in {root} are read")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    return FolderFetcher(files)


# ---- the hooks of the chunked layout ------------------------------------------------------

_local = threading.local()  # the chunk a thread lays out: its pagination hook
_originals: dict[str, Any] = {}  # WeasyPrint's own functions, while the hooks are in


def install_hooks() -> None:
    """Put the chunked layout's hooks into WeasyPrint (once a process). RuntimeError on any
    WeasyPrint but :data:`TESTED`: the callers check :func:`fast_path_off` first."""
    import_weasyprint()
    import weasyprint
    import weasyprint.layout as wl
    from weasyprint.layout import block

    if _originals:
        return
    if weasyprint.__version__ != TESTED:
        raise RuntimeError(f"the chunked layout's hooks are written for WeasyPrint {TESTED}, "
                           f"not {weasyprint.__version__}")
    _originals["make_margin_boxes"] = wl.make_margin_boxes
    _originals["columns_layout"] = block.columns_layout
    wl.make_margin_boxes = _margin_boxes_shifted(wl.make_margin_boxes)
    block.columns_layout = _columns_laid_out_once(block.columns_layout)


@contextlib.contextmanager
def unpatched() -> Iterator[None]:
    """WeasyPrint exactly as released while the block runs, the hooks put back after it:
    for a reference layout, and for the one-document layout of a forced fallback."""
    if not _originals:  # never hooked (any WeasyPrint but TESTED): touch no internal
        yield
        return
    import weasyprint.layout as wl
    from weasyprint.layout import block

    hooked = (wl.make_margin_boxes, block.columns_layout)
    wl.make_margin_boxes = _originals["make_margin_boxes"]
    block.columns_layout = _originals["columns_layout"]
    try:
        yield
    finally:
        wl.make_margin_boxes, block.columns_layout = hooked


@contextlib.contextmanager
def paginating(hook: Callable[[list[list[str]]], int]) -> Iterator[None]:
    """While the block lays out a chunk in this thread, call ``hook`` with each page's
    anchors (ids) once the chunk is paginated, before its margin boxes are made; ``hook``
    answers how much to add to the page counter in the margins (it may raise, to stop the
    layout)."""
    _local.on_paginated = hook
    try:
        yield
    finally:
        _local.on_paginated = None


def _margin_boxes_shifted(original):
    """``make_margin_boxes``, with the ``page`` counter of its state shifted by what the
    pagination hook answers. (The state is WeasyPrint 70's ``(quote_depth, counter_values,
    counter_scopes, ...)`` tuple, as ``weasyprint/layout/page.py`` passes it.)"""

    def make_margin_boxes(context, page, state):
        shift = getattr(context, "anthology_shift", None)
        if shift is None:
            hook = getattr(_local, "on_paginated", None)
            shift = context.anthology_shift = hook(_paginated_anchors(context)) if hook else 0
        if shift:
            quote_depth, values, scopes, groups = state
            pages = values.get("page") or [0]
            values = {**values, "page": [*pages[:-1], pages[-1] + shift]}
            state = (quote_depth, values, scopes, groups)
        return original(context, page, state)

    return make_margin_boxes


def _paginated_anchors(context) -> list[list[str]]:
    """Each page's anchors (ids), from WeasyPrint's own bookkeeping of page-based counters
    (the last item of ``context.page_maker`` is the state after the last page)."""
    count = len(context.page_maker) - 1
    return [list(item[-1].get("anchors", ())) for item in context.page_maker[:count]]


def _columns_laid_out_once(original):
    """Lay out columns filled in turn (``column-fill: auto``, the index's) once a page.

    For every page of a multi-column box WeasyPrint 70 first lays out each column as a
    trial, to see whether the content fits or must be balanced, then lays them all out
    again for real. Columns filled in turn are never balanced: the trial can only decide
    "the columns take the full height", which the real layout then does anyway. So when
    nothing in the box could make the trial matter (footnotes, which shorten the page;
    floats and out-of-flow boxes; a block spanning the columns; a set height), the trial's
    first column is answered "nothing fits" -- the answer that sends WeasyPrint straight to
    the full-height layout -- and the trial is skipped. The index lays out in half the time;
    its pages are the same (tested against WeasyPrint unchanged)."""
    from weasyprint.layout import block

    def columns_layout(context, box, *args):
        if not _fills_in_turn(box):
            return original(context, box, *args)
        real = block.block_box_layout
        answered = False

        def first_column_of_the_trial(*layout_args, **keywords):
            nonlocal answered
            if answered:
                return real(*layout_args, **keywords)
            answered = True
            block.block_box_layout = real  # nested blocks lay out as usual
            return None, None, {"break": "any", "page": None}, [], False, None

        block.block_box_layout = first_column_of_the_trial  # column.py imports it per call
        try:
            return original(context, box, *args)
        finally:
            block.block_box_layout = real

    return columns_layout


def _fills_in_turn(box) -> bool:
    """Whether a multi-column box's trial layout cannot change its real one (see above)."""
    known = getattr(box, "anthology_fills_in_turn", None)
    if known is None:
        style = box.style
        known = (style["column_fill"] == "auto" and style["height"] == "auto"
                 and not any(child.style["column_span"] == "all" for child in box.children)
                 and not any(b.footnote is not None or b.style["float"] != "none"
                             or b.style["position"] not in ("static", "relative")
                             for b in box.descendants() if b is not box))
        box.anthology_fills_in_turn = known
    return known


# ---- laying out and drawing, through the API ------------------------------------------------

_font_config = None
_parsed: dict[tuple[str, str], Any] = {}


@atexit.register
def _forget_fonts() -> None:
    """Let the font configuration go before the interpreter shuts down: its ``__del__``
    needs modules that are gone by then."""
    global _font_config
    _parsed.clear()
    _font_config = None


def parse_styles(styles: tuple[str, ...], base_url: str, fetcher) -> list:
    """The stylesheets, parsed (and their fonts loaded) once a process."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    global _font_config
    if _font_config is None:
        _font_config = FontConfiguration()
    sheets = []
    for text in styles:
        sheet = _parsed.get((base_url, text))
        if sheet is None:
            sheet = _parsed[(base_url, text)] = CSS(
                string=text, base_url=base_url, url_fetcher=fetcher, font_config=_font_config)
        sheets.append(sheet)
    return sheets


def render(html: str, base_url: str, fetcher, styles: tuple[str, ...] = ()):
    """Lay out ``html``. Its stylesheets may come as text beside it (``styles``), parsed
    (and their fonts loaded) once a process rather than once a chunk: as inline ``<style>``
    they cost a quarter of a second a chunk. They are then user stylesheets rather than the
    author's; a chunk has no author styles, so nothing cascades differently (the tests
    compare)."""
    import_weasyprint()
    from weasyprint import HTML

    sheets = parse_styles(styles, base_url, fetcher)
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
        stylesheets=sheets, font_config=_font_config)


def draw(document, metadata: dict[str, Any], epoch: str, variant: str | None = None) -> bytes:
    """The PDF of a laid-out document, its clock fixed so the same pages give the same bytes
    (fontTools stamps each font subset with ``SOURCE_DATE_EPOCH``, else the time)."""
    meta = document.metadata
    for name, value in metadata.items():
        setattr(meta, name, value)
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = epoch
    try:
        return document.write_pdf(pdf_variant=variant, pdf_identifier=True,
                                  uncompressed_pdf=False)
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


# ---- reading the laid-out boxes (the page map) --------------------------------------------

_GENERATED = ("::before", "::after", "::marker", "::footnote-call", "::footnote-marker")


def root_element(document) -> Any:
    """The root element of the HTML a laid-out document was made from."""
    return document.pages[0]._page_box.children[0].element


def page_boxes(page) -> Iterator[Any]:
    """Every box of a laid-out page, the page's own box first."""
    return page._page_box.descendants()


def page_counter_steps(page) -> list[tuple[str, int]]:
    """What the page's context does to the ``page`` counter, in the order WeasyPrint does it
    (as ``weasyprint/layout/page.py`` does: reset, then set, then increment):
    ``("reset" | "set" | "increment", number)``."""
    style = page._page_box.style
    steps = []
    for prop in ("counter_reset", "counter_set", "counter_increment"):
        for name, number in style[prop] or ():
            if name == "page":
                steps.append((prop.removeprefix("counter_"), number))
    return steps


def margin_texts(page) -> list[str]:
    """The text of each margin box of the page (running heads, folios), stripped."""
    from weasyprint.formatting_structure import boxes

    return ["".join(b.text for b in margin.descendants()
                    if isinstance(b, boxes.TextBox)).strip()
            for margin in page._page_box.children if isinstance(margin, boxes.MarginBox)]


def text_boxes(page) -> Iterator[tuple[Any, str, bool]]:
    """The page's text made from the document's text, in order, as (element, text,
    visible): the main flow first, then the footnote area; never the margins, nor text
    generated by CSS (``::before``, ``::after``, list markers, leaders, target counters)."""
    from weasyprint.formatting_structure import boxes

    for child in page._page_box.children:
        if isinstance(child, boxes.MarginBox):
            continue
        for box in child.descendants():
            if (isinstance(box, boxes.TextBox) and box.element is not None
                    and not (box.element_tag or "").endswith(_GENERATED)):
                yield box.element, box.text, box.style["visibility"] == "visible"

"""Turn a Book into its print edition: the PDF and the page map of the one layout it is drawn from.

The book is laid out once. With the WeasyPrint version the chunked layout is written for
(see ``weasy.py``), it is cut into chunks laid out side by side in the layout workers
(``layout.py``, ``workers.py``); with any other, it is laid out as one WeasyPrint document in
this process, through WeasyPrint's API only, and one warning says so and why.

A :class:`Printing` is a print edition under way, a future of sorts: its page map is known as
soon as every page is laid out (:meth:`Printing.page_map`), while the workers still draw the
last chunks, and its PDF once every page is drawn and joined (:meth:`Printing.result`). The
build asks for the one, packages the EPUB, then asks for the other.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Generator

from .. import dates
from ..errors import Diagnostic, OutputError
from ..model import Book, PrintOptions
from . import weasy
from .html import Cut, index_pages, index_sections, keep_footnotes_with_calls, print_tree
from .layout import FOOTNOTE_PASSES, Joined, LaidOut, NeedsHtml, schedule, stray_pages
from .options import base_url, check_options, edition_name, print_styles, styles_fetcher
from .pagemap import PageMap, assemble, layout_key, page_labels, page_starts

if TYPE_CHECKING:
    from ..cache import ChunkCache
    from ..timings import Timings
    from .layout import Job
    from .workers import Pool

log = logging.getLogger(__name__)

# What the chunked layout writes into data-page, from the other chunks' pages, the
# one-document layout prints with target-counter() (print.css's contents)
BY_DATA_PAGE, BY_TARGET = "attr(data-page)", "target-counter(attr(href), page)"


@dataclass(frozen=True)
class PrintEdition:
    """The PDF and the page map of the one layout it was drawn from."""

    pdf: bytes
    pages: PageMap
    anchors: dict[str, str]  # the page label of every index anchor ("ix-…"), for the index
    labels: dict[str, str] = field(default_factory=dict)  # every anchor's page label


def print_edition(book: Book, options: PrintOptions, key: str = "", jobs: int = 0,
                  progress: Callable[[str], None] | None = None,
                  kept: "ChunkCache | None" = None) -> PrintEdition:
    """Lay out the book once; return the PDF and the page map of that same layout, with
    ``jobs`` layout workers of its own (0: :func:`workers.default_jobs`). The bytes do not
    depend on ``jobs``. See :class:`Printing` for ``key`` and ``kept``."""
    from .workers import Pool, default_jobs

    pool = None if weasy.fast_path_off() else Pool(jobs or default_jobs(), styles_fetcher)
    try:
        printing = Printing(book, options, pool, key=key, progress=progress, kept=kept)
        return printing.result()
    finally:
        if pool is not None:
            pool.close()


class Printing:
    """A print edition under way, laid out by ``workers`` (None: as one document).

    ``key`` is stored in the page map (default :func:`pagemap.layout_key`), so that a later
    EPUB-only build can tell whether the map still fits. The layout advances only while
    :meth:`page_map` or :meth:`result` is asked for; the workers lay out and draw in their
    own processes meanwhile. ``kept``: the chunks an earlier build laid out and drew, to
    take where they are the same (``reuse.py``); this layout's chunks are added to it.
    """

    def __init__(self, book: Book, options: PrintOptions, workers: "Pool | None", *,
                 key: str = "", progress: Callable[[str], None] | None = None,
                 timings: "Timings | None" = None, kept: "ChunkCache | None" = None):
        check_options(book, options)
        self.book, self.options = book, options
        self._step = progress or (lambda message: None)
        self._timings = timings
        started = time.perf_counter()
        root, calls = print_tree(book, options)
        self.key = key or layout_key(book, options)
        self.edition = edition_name(book, options)
        metadata, epoch = _metadata(book), str(dates.epoch(book.modified))
        variant = options.variant or None
        off = weasy.fast_path_off()
        if off or workers is None:
            if off:
                log.warning("the chunked print layout is off: %s; the book is laid out as one "
                            "document in one process, which takes longer", off)
            self._cut = None
            self._schedule = _one_document(book, options, root, calls, metadata, epoch,
                                           variant)
            self._step("laying out the book as one document")
        else:
            from .reuse import Reuse

            self._cut = Cut(root, calls)
            self._schedule = schedule(self._cut.chunks, workers, base_url=base_url(),
                                      blank_html=self._cut.html([]), metadata=metadata,
                                      epoch=epoch, styles=self._cut.styles, variant=variant,
                                      images=book.images, reuse=Reuse(kept))
            self._step(f"laying out {len(self._cut.chunks)} chunks, {workers.jobs} at a time")
        self._time("pdf: print HTML", time.perf_counter() - started)
        self._laid: LaidOut | None = None
        self._joined: Joined | None = None

    def page_map(self) -> tuple[PageMap, dict[str, str]]:
        """The page map and the index anchors' page labels, once every page is laid out
        (the last ones may still be drawing)."""
        if self._laid is None:
            self._advance(until_laid=True)
        laid = self._laid
        assert laid is not None
        return (assemble(self.edition, self.key, laid.labels, laid.starts, laid.end),
                index_pages(laid.anchor_labels))

    def result(self) -> PrintEdition:
        """The print edition, once every page is drawn and joined."""
        if self._joined is None:
            self._advance(until_laid=False)
        joined = self._joined
        assert joined is not None
        pages = assemble(self.edition, self.key, joined.labels, joined.starts, joined.end)
        return PrintEdition(joined.pdf, pages, index_pages(joined.anchor_labels),
                            joined.anchor_labels)

    def close(self) -> None:
        """Stop here (the build failed or is done): the schedule lets its threads go."""
        self._schedule.close()

    def _advance(self, until_laid: bool) -> None:
        reply = None
        try:
            while True:
                event = self._schedule.send(reply)
                reply = None
                if isinstance(event, NeedsHtml):
                    reply = self._chunk_html(event.chunk, event.labels)
                elif isinstance(event, LaidOut):
                    self._laid = event
                    if until_laid:
                        return
        except StopIteration as done:
            self._finish(done.value)
        except RuntimeError as exc:  # a worker failed or went away
            if exc.__cause__ is not None:
                log.info("%s", exc.__cause__)  # the worker's traceback: shown with -v
            raise OutputError(Diagnostic("PDF", 0, "pdf-layout", f"the layout failed: {exc}",
                                         "this is a bug, please report it")) from exc

    def _chunk_html(self, i: int, labels: dict[str, str]) -> str:
        """The HTML of a chunk that prints page numbers, now that ``labels`` has them."""
        cut = self._cut
        assert cut is not None
        if cut.chunks[i].kind == "front":
            return cut.html(cut.sections[i], contents_pages=labels)
        index = index_sections(self.book, self.options, index_pages(labels))
        return cut.html(index + cut.sections[i][1:])

    def _finish(self, joined: Joined) -> None:
        self._joined = joined
        self._step(f"drew and joined {len(joined.labels)} pages")
        for note, call, page in joined.stray_footnotes:
            log.warning("footnote %s is set on page %s, its call on page %s", note, page, call)
        for name, seconds in joined.seconds.items():
            self._time(f"pdf: {name}", seconds)

    def _time(self, name: str, seconds: float) -> None:
        if self._timings is not None:
            self._timings.add(name, seconds)


def _one_document(book: Book, options: PrintOptions, root, calls: dict[str, str],
                  metadata: dict[str, Any], epoch: str,
                  variant: str | None) -> Generator[LaidOut, None, Joined]:
    """The print edition as one WeasyPrint document, laid out in this process through its
    API, with WeasyPrint as released (no hook): the chunked layout's protocol, so that a
    :class:`Printing` drives either (see ``layout.schedule``).

    The contents' page numbers come from ``target-counter()``. The index prints one number
    a page, in page order, which no counter can say: it is made from the anchors' pages of a
    first layout, and the book laid out again with it (the index comes last, so nothing
    before it moves). Footnotes pushed off their call's page get the chunked layout's
    remedies, a layout each.
    """
    import lxml.html

    started = time.perf_counter()
    for style in root.find("head").iter("style"):
        style.text = (style.text or "").replace(BY_DATA_PAGE, BY_TARGET)
    fetcher = styles_fetcher().serving({image.src: (image.data, image.media_type)
                                        for image in book.images})

    def lay_out():
        for attempt in range(FOOTNOTE_PASSES + 1):
            html = lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")
            document = weasy.render(html, base_url(), fetcher)
            strays = stray_pages(document, calls)
            if (not strays or attempt == FOOTNOTE_PASSES
                    or not keep_footnotes_with_calls(root, [calls[n] for n, _, _ in strays])):
                return document, strays
            log.info("laying out the book again: %d footnotes fell off their call's page",
                     len(strays))
        raise AssertionError("unreachable")

    with weasy.unpatched():
        document, strays = lay_out()
        labels = page_labels(document)
        anchors = _anchor_labels(document, labels)
        index = root.find("body").find("*[@id='index']")
        if index is not None and book.index_terms:
            body = index.getparent()
            at = body.index(index)
            body.remove(index)
            for n, element in enumerate(index_sections(book, options, index_pages(anchors))):
                body.insert(at + n, element)
            document, strays = lay_out()
            labels = page_labels(document)
            anchors = _anchor_labels(document, labels)
    starts, end = page_starts(document)
    seconds = {"layout (one document)": time.perf_counter() - started}
    yield LaidOut(labels, starts, end, anchors)
    started = time.perf_counter()
    pdf = weasy.draw(document, metadata, epoch, variant)
    seconds["draw"] = time.perf_counter() - started
    strays_named = [(note, labels[call - 1], labels[page - 1]) for note, call, page in strays]
    return Joined(pdf, labels, starts, end, anchors, seconds, strays_named)


def _anchor_labels(document, labels: list[str]) -> dict[str, str]:
    """Every anchor's page label, where it first occurs."""
    out: dict[str, str] = {}
    for page, label in zip(document.pages, labels):
        for name in page.anchors:
            out.setdefault(name, label)
    return out


def warm_up_job(options: PrintOptions) -> "Job":
    """The print stylesheets, for the layout workers to parse (and load their fonts) while
    the book is still being read and rendered. Made without the book, so it guesses that the
    book has parts (a wrong guess costs only the parsing of the last, small stylesheet)."""
    from ..resources import fonts_dir, styles_dir
    from .layout import Job

    fonts = tuple(sorted(fonts_dir().glob("*.ttf")))
    base = "\n" + (styles_dir() / "base.css").read_text("utf-8") + "\n"  # as shared_html has it
    return Job(-2, "", base_url(), 0, styles=(base, *print_styles(fonts, options, True)))


def _metadata(book: Book) -> dict:
    """The PDF's document information, as WeasyPrint's DocumentMetadata fields."""
    authors = [c.name for c in book.creators if c.role == "aut"]
    editors = [c.name for c in book.creators if c.role == "edt"]
    return {"title": book.title, "authors": authors or editors,
            "description": book.subtitle or book.description or None,
            "keywords": list(book.subjects), "generator": "anthology",
            "created": book.modified, "modified": book.modified, "lang": book.language}

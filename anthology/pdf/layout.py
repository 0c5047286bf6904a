"""Turn the print HTML's chunks into laid-out, drawn pages: each page laid out once, side by side.

Every part, piece and back-matter section of the print edition begins on a recto, so the
book can be cut there into chunks that WeasyPrint lays out on their own and still gives
the very pages a layout of the whole book gives. Only three things cross a cut, and each
is handled here:

* **Folios.** A chunk's folios depend on how many pages come before it. Pagination does
  not: WeasyPrint draws the margin boxes (running heads, folios) after it has paginated the
  whole chunk. So each chunk reports its page count as soon as it is paginated, and its
  margin boxes wait for the count of the chunks before it (a hook, see ``weasy.py``).
  Chunks paginate side by side; only the folios wait, and while a chunk waits its worker
  lays out the next one.
* **Page numbers in the text.** The contents and the index print page numbers of other
  chunks. They are laid out last, from the labels the other chunks reported: the contents
  (front matter, roman folios of its own) when the main matter is paginated, the index
  when every chunk holding an index anchor is.
* **Blank versos.** A chunk ending on a recto is followed by a blank verso, as the whole
  book's layout would have it.

Each chunk is drawn to its own PDF by its worker (``workers.py``), and ``join.py`` puts the
pages together. The chunks and the joined file do not depend on how many workers ran, so
the PDF is the same bytes on one core or eight. PDF/A and PDF/UA files are laid out the same
way but drawn as one WeasyPrint document (their tagging must cover the whole file), in one
process.

:func:`schedule` is a generator its caller drives (``edition.py``): it asks for the HTML of
the contents and the index when their page numbers are known, and says when every page is
laid out, so the EPUB can be packaged while the last chunks are drawn.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Generator

from ..dates import DEFAULT_EPOCH
from ..model import Image
from . import weasy
from .join import join, read_pdf

if TYPE_CHECKING:
    from .reuse import Reuse
    from .workers import Pool

log = logging.getLogger(__name__)

SCALE = 0.75  # PDF points per CSS pixel
FOOTNOTE_PASSES = 4


# ---- what a worker is asked and what it answers (plain, picklable data) -----------------


@dataclass(frozen=True)
class Job:
    """Lay out and draw one chunk."""

    chunk: int
    html: str
    base_url: str
    shift: int | None  # added to the page counter in the margins; None: ask once paginated
    calls: tuple[tuple[str, str], ...] = ()  # footnote id → its call's id (footnote mode)
    metadata: dict[str, Any] = field(default_factory=dict)
    epoch: str = str(DEFAULT_EPOCH)  # SOURCE_DATE_EPOCH while drawing (fonts' stamps)
    own_numbers: bool = False  # labels from the chunk's own counters (the front matter)
    styles: tuple[str, ...] = ()  # the print stylesheets, parsed once a process
    images: tuple[Image, ...] = ()  # the pictures the chunk shows (``src="images/NAME"``)


@dataclass(frozen=True)
class Laid:
    """A chunk laid out: everything about its pages but the drawing."""

    chunk: int
    pages: int
    labels: tuple[str, ...]  # own_numbers chunks only: what each page is called
    style: str  # own_numbers chunks only: the counter style of the last run of pages
    starts: tuple[tuple[str, int] | None, ...]  # page map: each page's first word
    end: tuple[str, int] | None  # after the chunk's last word
    anchors: tuple[tuple[tuple[str, float, float], ...], ...]  # per page, PDF points
    links: tuple[tuple[tuple[str, tuple[float, float, float, float]], ...], ...]
    bookmarks: tuple[tuple[tuple[int, str, float, float, str], ...], ...]
    seconds: float = 0.0
    stray_footnotes: tuple[tuple[str, int, int], ...] = ()
    # each page's anchors as pagination reported them (what the folios of later chunks and
    # the labels of the contents and the index are counted from)
    paginated: tuple[tuple[str, ...], ...] = ()


# ---- inside the process that runs WeasyPrint --------------------------------------------


class _Relayout(Exception):
    """Raised from the pagination hook: lay the chunk out again (a footnote strayed)."""

    def __init__(self, strays: list[str]):
        super().__init__(strays)
        self.strays = strays


def lay_out(job: Job, report: Callable[[int, list[list[str]]], int], fetcher,
            laid: Callable[[Laid], None] | None = None, keep_document: bool = False):
    """Lay out one chunk (once, again only to keep footnotes with their calls), tell
    ``report`` its page count and anchors when it is paginated (it answers the shift of
    the folios), then draw it. Return the PDF's bytes, or the Document if asked."""
    weasy.install_hooks()
    started = time.perf_counter()
    if job.images:  # served from memory, as the reader checked them: nothing else is read
        fetcher = fetcher.serving({image.src: (image.data, image.media_type)
                                   for image in job.images})
    # WeasyPrint builds millions of small objects and frees few until the chunk is done:
    # the cycle collector's passes over them cost a tenth of the layout and free nothing.
    # (A worker may lay out a chunk while another waits for its folios: the collector
    # comes back when the last of them is done.)
    with _collector_paused():
        return _lay_out(job, report, fetcher, laid, keep_document, started)


_pauses = [0, False]  # layouts under way; whether the collector ran before the first


@contextlib.contextmanager
def _collector_paused():
    if _pauses[0] == 0:
        _pauses[1] = gc.isenabled()
        gc.disable()
    _pauses[0] += 1
    try:
        yield
    finally:
        _pauses[0] -= 1
        if _pauses[0] == 0 and _pauses[1]:
            gc.enable()


def _lay_out(job, report, fetcher, laid, keep_document, started):
    from .pagemap import page_labels, page_starts

    html, tree = job.html, None
    calls = dict(job.calls)
    paginated: list[list[str]] = []
    for attempt in range(FOOTNOTE_PASSES + 1):
        def on_paginated(anchors, attempt=attempt):
            if calls and attempt < FOOTNOTE_PASSES:
                strays = sorted(_strays(anchors, calls))
                if strays:
                    raise _Relayout(strays)
            paginated[:] = anchors
            return report(len(anchors), anchors)

        try:
            with weasy.paginating(on_paginated):
                document = weasy.render(html, job.base_url, fetcher, job.styles)
            break
        except _Relayout as again:
            import lxml.html

            from .html import keep_footnotes_with_calls

            if tree is None:
                tree = lxml.html.document_fromstring(html)
            if not keep_footnotes_with_calls(tree, [calls[n] for n in again.strays]):
                calls = {}  # nothing more to try: take the next layout as it comes
            log.info("laying out chunk %d again: %d footnotes fell off their call's page",
                     job.chunk, len(again.strays))
            html = lxml.html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>")
    pages = document.pages
    anchors, links, bookmarks = [], [], []
    seen: set[str] = set()
    for page in pages:
        height = page.height
        names = []
        for name, (x, y, *_rest) in page.anchors.items():
            if name not in seen:
                seen.add(name)
                names.append((name, x * SCALE, (height - y) * SCALE))
        anchors.append(tuple(names))
        links.append(tuple(
            (target, (x1 * SCALE, (height - y1) * SCALE, x2 * SCALE, (height - y2) * SCALE))
            for kind, target, (x1, y1, x2, y2), _box in page.links if kind == "internal"))
        bookmarks.append(tuple((level, label, x * SCALE, (height - y) * SCALE, state)
                               for level, label, (x, y), state in page.bookmarks))
    starts, end = page_starts(document)
    labels, style = (page_labels(document, with_style=True) if job.own_numbers else ((), ""))
    strays = stray_pages(document, dict(job.calls))
    result = Laid(job.chunk, len(pages), tuple(labels), style, tuple(starts), end,
                  tuple(anchors), tuple(links), tuple(bookmarks),
                  time.perf_counter() - started, tuple(strays),
                  tuple(tuple(names) for names in paginated))
    if laid is not None:
        laid(result)
    if keep_document:
        return result, document
    # the joined file gets every anchor, internal link and bookmark from ``result`` (join):
    # drawn here they would only be dropped again, and cost the join time to read
    for page in pages:
        page.anchors = {}
        page.links = [link for link in page.links if link[0] != "internal"]
        page.bookmarks = []
    return result, weasy.draw(document, job.metadata, job.epoch)


def _strays(anchors: list[list[str]], calls: dict[str, str]) -> list[str]:
    page_of: dict[str, int] = {}
    for number, names in enumerate(anchors):
        for name in names:
            page_of.setdefault(name, number)
    return [note for note, call in calls.items()
            if note in page_of and call in page_of and page_of[note] != page_of[call]]


def stray_pages(document, calls: dict[str, str]) -> list[tuple[str, int, int]]:
    """Footnotes left off their call's page: (note id, call's page, note's page), 1-based."""
    if not calls:
        return []
    page_of: dict[str, int] = {}
    for number, page in enumerate(document.pages, 1):
        for name in page.anchors:
            page_of.setdefault(name, number)
    return [(note, page_of[call], page_of[note]) for note, call in sorted(calls.items())
            if note in page_of and call in page_of and page_of[note] != page_of[call]]


# ---- the schedule: which chunk when, and what each page is called ----------------------


@dataclass
class Chunk:
    """One chunk of the book, in the book's order."""

    kind: str  # "front" (roman folios of its own) | "main" (continuing folios) | "index"
    html: str | None  # None until its page numbers are known (front, index)
    calls: tuple[tuple[str, str], ...] = ()
    ids: frozenset[str] = frozenset()
    has_index_anchors: bool = False
    first_id: str = ""  # the id of its first element, named by its first page's label


@dataclass
class Joined:
    """The joined result: the PDF, each page's label and first word, every anchor's label."""

    pdf: bytes
    labels: list[str]
    starts: list[tuple[str, int] | None]  # None: a page without text (see pagemap.assemble)
    end: tuple[str, int] | None
    anchor_labels: dict[str, str]
    seconds: dict[str, float]
    stray_footnotes: list[tuple[str, str, str]]


class WorkerError(RuntimeError):
    """A layout worker failed: what went wrong, in a line; the worker's traceback is its
    cause (:class:`RemoteTraceback`)."""


class RemoteTraceback(Exception):
    """A traceback from another process, as text (the cause of a :class:`WorkerError`)."""

    def __str__(self) -> str:
        return "the layout worker's traceback:\n" + str(self.args[0]).rstrip()


@dataclass(frozen=True)
class NeedsHtml:
    """What :func:`schedule` yields when a chunk whose text prints page numbers (the
    contents, the index) can be made, ``labels`` (anchor → page label) holding them: send
    it the chunk's HTML."""

    chunk: int
    labels: dict[str, str]


@dataclass(frozen=True)
class LaidOut:
    """What :func:`schedule` yields once every chunk is laid out, while the last ones may
    still be drawing: each page's label and first word, and every anchor's label."""

    labels: list[str]
    starts: list[tuple[str, int] | None]
    end: tuple[str, int] | None
    anchor_labels: dict[str, str]


Schedule = Generator["NeedsHtml | LaidOut", "str | None", Joined]


def schedule(chunks: list[Chunk], pool: Pool, *, base_url: str, blank_html: str,
             metadata: dict[str, Any], epoch: str, styles: tuple[str, ...] = (),
             variant: str | None = None, images: tuple[Image, ...] = (),
             reuse: Reuse | None = None) -> Schedule:
    """Lay out every chunk once and join them: a generator, driven by its caller.

    It yields :class:`NeedsHtml` when a chunk waiting for page numbers can be made (the
    caller sends back its HTML), and :class:`LaidOut` once, as soon as every chunk is laid
    out (the caller may package the EPUB then, while the workers still draw); it returns
    the :class:`Joined` result. With one job, or for PDF/A and PDF/UA (drawn as one
    document), every chunk is laid out in this process. Each chunk's job carries the
    ``images`` its HTML shows, and only those.

    ``reuse`` holds the chunks kept from earlier builds (``reuse.py``): a chunk found there
    with the same key and shift is taken as it is, not laid out; one found with another
    shift says its page count at once, and is laid out again only to draw its folios.
    PDF/A and PDF/UA chunks are never kept (they are drawn as one document).
    """
    plan = _Plan(chunks, styles, images)
    started = time.perf_counter()
    keep = variant is not None
    if reuse is None or keep:
        from .reuse import Reuse

        reuse = Reuse(None)
    pdfs: dict[int, Any] = {}
    readers: dict[int, Any] = {}  # chunk PDFs parsed while the workers were still busy
    if pool.jobs == 1 or keep:
        fetcher = pool.fetcher_factory()
        while len(plan.dispatched) < len(chunks):
            i = next(i for i in plan.order if i not in plan.dispatched and plan.ready(i))
            html = chunks[i].html
            if html is None:
                html = yield NeedsHtml(i, dict(plan.labels))
            job = plan.job(i, html, base_url, metadata, epoch)
            key, shift = reuse.key(job), job.shift
            hit = reuse.drawn(key, shift, i) if shift is not None else None
            if hit is not None:
                result, pdfs[i] = hit
                plan.paginated(i, result.pages, [list(n) for n in result.paginated])
            else:
                def report(n, anchors, i=i):
                    plan.paginated(i, n, anchors)
                    return plan.shift(i)

                result, pdfs[i] = lay_out(job, report, fetcher, keep_document=keep)
                reuse.keep(key, plan.shift(i), result, pdfs[i])
            if plan.laid_out(result):
                yield plan.laid_out_event()
        blank_job = Job(-1, blank_html, base_url, 0, (), metadata, epoch, styles=styles)
        hit = reuse.drawn(reuse.key(blank_job), 0, -1)
        if hit is not None:
            blank = hit[1]
        else:
            blank = _blank(blank_job, fetcher, keep)
            reuse.keep(reuse.key(blank_job), 0, None, blank)
    else:
        blank = yield from _run_parallel(plan, pool, pdfs, readers, base_url, blank_html,
                                         metadata, epoch, reuse)
    if reuse.on:
        log.info("reused %d of %d chunks laid out and drawn by an earlier build",
                 reuse.reused, len(chunks))
    seconds = {"layout (wall)": time.perf_counter() - started,
               "layout (all chunks)": sum(r.seconds for r in plan.laid.values())}
    started = time.perf_counter()
    labels, starts, end, blanks = plan.page_map()
    if keep:
        pdf = _draw_documents(plan, pdfs, blank, blanks, metadata, epoch, variant)
    else:
        pdf = join([plan.laid[i] for i in range(len(chunks))], pdfs, blank, blanks, readers)
    seconds["join"] = time.perf_counter() - started
    strays = [(note, labels[plan.first_page(r.chunk) + call - 1],
               labels[plan.first_page(r.chunk) + page - 1])
              for r in plan.laid.values() for note, call, page in r.stray_footnotes]
    return Joined(pdf, labels, starts, end, plan.anchor_labels(labels), seconds, strays)


def _run_parallel(plan: "_Plan", pool: Pool, pdfs: dict[int, Any], readers: dict[int, Any],
                  base_url: str, blank_html: str, metadata: dict[str, Any],
                  epoch: str, reuse: Reuse) -> Schedule:
    """Hand the chunks to the workers as they become ready; meanwhile parse the PDFs they
    send back, in a thread, so that a worker that is done gets its next job at once."""
    from concurrent.futures import ThreadPoolExecutor

    reading: dict[int, Any] = {}
    with ThreadPoolExecutor(1, thread_name_prefix="anthology-read") as reader:
        blank = yield from _dispatch(
            plan, pool, pdfs, base_url, blank_html, metadata, epoch,
            lambda i: reading.setdefault(i, reader.submit(read_pdf, pdfs[i])), reuse)
        readers.update((i, future.result()) for i, future in reading.items())
    return blank


def _dispatch(plan: "_Plan", pool: Pool, pdfs: dict[int, Any], base_url: str,
              blank_html: str, metadata: dict[str, Any], epoch: str,
              read: Callable[[int], Any], reuse: Reuse) -> Schedule:
    from multiprocessing.connection import wait

    workers = [conn for conn in pool.conns if conn not in pool.waiting]
    running: dict[Any, set[int]] = {}  # worker → the chunks it has and has not sent back
    waiting: set[int] = set()  # chunks paginated whose folios wait for earlier chunks
    asks: dict[int, Any] = {}  # chunk → the worker waiting for its folios' shift
    blank: bytes | None = None
    blank_sent = False
    blank_job = Job(-1, blank_html, base_url, 0, (), metadata, epoch, styles=plan.styles)
    htmls: dict[int, str] = {}  # chunks' HTML asked for before a worker took them
    keys: dict[int, str] = {}  # chunk → its key among the kept chunks
    held: set[int] = set()  # kept chunks waiting for their shift: no worker takes them
    if reuse.on:
        for i, chunk in enumerate(plan.chunks):  # the page counts of the kept chunks
            if chunk.html is not None:
                keys[i] = reuse.key(plan.describe(i, chunk.html, base_url, metadata, epoch))
                kept = reuse.layout(keys[i], i)
                if kept is not None:
                    plan.paginated(i, kept.pages, [list(n) for n in kept.paginated])
                    held.add(i)

    def free() -> list:
        """Workers with no chunk at work (every chunk they hold waits for its folios) and
        fewer than two chunks: a worker holds at most two laid-out chunks at once."""
        return [conn for conn in workers
                if len(running.get(conn, ())) < 2 and running.get(conn, set()) <= waiting]

    def send(conn, i: int, job: Job) -> None:
        conn.send(("job", job))
        running.setdefault(conn, set()).add(i)

    while blank is None or len(pdfs) < len(plan.chunks):
        if reuse.on:
            # kept chunks are taken as soon as their shift is known; a kept chunk drawn
            # with another shift goes to a worker then, with its shift
            for i in plan.order:
                if i in plan.dispatched or not (plan.chunks[i].kind == "main" or plan.ready(i)):
                    continue
                if i not in keys:
                    html = plan.chunks[i].html
                    if html is None:
                        html = htmls[i] = yield NeedsHtml(i, dict(plan.labels))
                    keys[i] = reuse.key(plan.describe(i, html, base_url, metadata, epoch))
                shift = plan.shift(i)
                if shift is None:
                    continue
                hit = reuse.drawn(keys[i], shift, i)
                held.discard(i)
                if hit is None:
                    continue
                laid, pdfs[i] = hit
                plan.dispatched.add(i)
                plan.asked[i] = False
                plan.paginated(i, laid.pages, [list(n) for n in laid.paginated])
                if plan.laid_out(laid):
                    yield plan.laid_out_event()
                read(i)
            if not blank_sent and len(plan.dispatched) == len(plan.chunks):
                hit = reuse.drawn(reuse.key(blank_job), 0, -1)
                if hit is not None:
                    blank, blank_sent = hit[1], True
            if blank is not None and len(pdfs) == len(plan.chunks):
                break
        for conn in free():
            i = plan.next_for(bool(running.get(conn)), len(workers), held)
            if i is not None:
                html = htmls.get(i) or plan.chunks[i].html
                if html is None:
                    html = yield NeedsHtml(i, dict(plan.labels))
                job = plan.job(i, html, base_url, metadata, epoch)
                keys[i] = reuse.key(job)
                send(conn, i, job)
        idle = free()
        if idle and not blank_sent and len(plan.dispatched) == len(plan.chunks):
            # the blank verso last: it is a moment's work
            send(idle[0], -1, blank_job)
            blank_sent = True
        busy = [conn for conn in workers if running.get(conn)]
        if not busy and not pool.waiting:
            raise RuntimeError("no chunk can be laid out: the layout schedule is stuck"
                               if workers else "no layout worker started")
        for conn in wait([*busy, *pool.waiting]):
            try:
                message = conn.recv()
            except EOFError:
                if conn in pool.waiting:  # a worker that could not be forked
                    pool.waiting.discard(conn)
                    continue
                raise RuntimeError("a layout worker stopped unexpectedly") from None
            kind = message[0]
            if kind == "ready":
                pool.ready(conn, message[1])
                workers.append(conn)
            elif kind == "paginated":
                _, i, n, anchors = message
                if i >= 0:
                    plan.paginated(i, n, anchors)
                    if plan.asked[i]:
                        asks[i] = conn
                        waiting.add(i)
            elif kind == "laid":
                if plan.laid_out(message[1]):
                    yield plan.laid_out_event()
            elif kind == "done":
                _, i, pdf = message
                if i < 0:
                    blank = pdf
                    reuse.keep(reuse.key(blank_job), 0, None, pdf)
                else:
                    pdfs[i] = pdf
                    read(i)
                    reuse.keep(keys[i], plan.shift(i), plan.laid[i], pdf)
                running[conn].discard(i)
            else:  # ("error", chunk, what went wrong, the worker's traceback)
                raise WorkerError(message[2]) from RemoteTraceback(message[3])
        for i, conn in list(asks.items()):
            shift = plan.shift(i)
            if shift is not None:
                conn.send(("shift", i, shift))
                del asks[i]
                waiting.discard(i)
    return blank


class _Plan:
    """What is known about the chunks so far, and what follows from it."""

    def __init__(self, chunks: list[Chunk], styles: tuple[str, ...],
                 images: tuple[Image, ...] = ()):
        self.chunks = chunks
        self.styles = styles
        self.images = images
        self.mains = [i for i, c in enumerate(chunks) if c.kind == "main"]
        self.numbered = [i for i, c in enumerate(chunks) if c.kind != "front"]
        # the index before the front matter: both wait for the main matter, the index
        # (two balanced columns) takes longer
        self.order = (self.mains + [i for i, c in enumerate(chunks) if c.kind == "index"]
                      + [i for i, c in enumerate(chunks) if c.kind == "front"])
        self.count: dict[int, int] = {}
        self.start: dict[int, int] = {}
        self.laid: dict[int, Laid] = {}
        self.dispatched: set[int] = set()
        self.asked: dict[int, bool] = {}
        self.labels: dict[str, str] = {}  # anchor → label, as pages are numbered
        self._paged: dict[int, list[list[str]]] = {}

    def ready(self, i: int) -> bool:
        kind = self.chunks[i].kind
        if kind == "main":
            return all(j in self.dispatched for j in self.mains if j < i)
        if kind == "front":
            return all(j in self.count for j in self.mains)
        return (all(j in self.count for j in self.mains)
                and all(j in self.laid for j, c in enumerate(self.chunks)
                        if c.kind == "front" and c.has_index_anchors))

    def next_for(self, has_waiting: bool, workers: int,
                 held: set[int] | frozenset[int] = frozenset()) -> int | None:
        """The chunk a free worker takes next, when chunks may wait for their folios.

        The main matter goes first, in order, except that of its last ``workers`` chunks
        the largest goes first: the contents and the index wait for the last of them, so
        the last laid out had better be short. A worker that already has a chunk waiting
        takes only the first chunk not yet handed out: every chunk before that one is at
        work, so it never waits for a chunk no worker has, and waiting chunks cannot hold
        the workers up for good. Chunks ``held`` (kept from an earlier build, waiting for
        their shift) are no worker's."""
        mains = [i for i in self.mains if i not in self.dispatched and i not in held]
        if mains:
            if has_waiting or len(mains) > workers:
                return mains[0]
            return max(mains, key=lambda i: (len(self.chunks[i].html or ""), -i))
        return next((i for i in self.order
                     if i not in self.dispatched and i not in held and self.ready(i)), None)

    def job(self, i: int, html: str, base_url: str, metadata, epoch: str) -> Job:
        job = self.describe(i, html, base_url, metadata, epoch, self.shift(i))
        self.dispatched.add(i)
        self.asked[i] = job.shift is None
        return job

    def describe(self, i: int, html: str, base_url: str, metadata, epoch: str,
                 shift: int | None = None) -> Job:
        """Chunk ``i``'s job, with ``shift``; it is not handed out."""
        chunk = self.chunks[i]
        return Job(i, html, base_url, shift, chunk.calls, metadata, epoch,
                   own_numbers=chunk.kind == "front", styles=self.styles,
                   images=tuple(image for image in self.images
                                if f'src="{image.src}"' in html))

    def _settle(self) -> None:
        value = 1
        for i in self.numbered:
            self.start.setdefault(i, value)
            if i not in self.count:
                break
            value = self.start[i] + self.count[i] + self.count[i] % 2  # blank verso
        for i in self.numbered:
            if i in self.start and self.chunks[i].first_id:
                self.labels.setdefault(self.chunks[i].first_id, str(self.start[i]))
            if i in self._paged and i in self.start:
                for page, names in enumerate(self._paged.pop(i)):
                    for name in names:
                        self.labels.setdefault(name, str(self.start[i] + page))

    def shift(self, i: int) -> int | None:
        if self.chunks[i].kind == "front" or i == self.numbered[0]:
            return 0  # own counters; the main matter's first page sets the counter to 1
        self._settle()
        return self.start[i] - 1 if i in self.start else None

    def paginated(self, i: int, n: int, anchors: list[list[str]]) -> None:
        if self.chunks[i].kind == "front":
            return  # its labels (roman) come with its layout
        self.count[i] = n
        self._paged[i] = anchors
        self._settle()

    def laid_out(self, result: Laid) -> bool:
        """Take a chunk's layout in; True when it is the last chunk to be laid out."""
        if result.chunk < 0:
            return False
        self.laid[result.chunk] = result
        if self.chunks[result.chunk].kind == "front":
            for page, names in enumerate(result.anchors):
                for name, _, _ in names:
                    self.labels.setdefault(name, result.labels[page])
        return len(self.laid) == len(self.chunks)

    def laid_out_event(self) -> LaidOut:
        labels, starts, end, _ = self.page_map()
        return LaidOut(labels, starts, end, self.anchor_labels(labels))

    def blank_after(self, i: int) -> bool:
        return i < len(self.chunks) - 1 and self.laid[i].pages % 2 == 1

    def first_page(self, i: int) -> int:
        """The physical index of the chunk's first page in the joined book."""
        return sum(self.laid[j].pages + self.blank_after(j) for j in range(i))

    def page_map(self):
        """Every page's label and first word (None: no text), in the joined book's order;
        the place after the last word; and after which chunks a blank verso stands."""
        from .pagemap import format_label

        labels: list[str] = []
        starts: list[tuple[str, int] | None] = []
        blanks = []
        end = None
        for i, chunk in enumerate(self.chunks):
            r = self.laid[i]
            if chunk.kind == "front":
                labels.extend(r.labels)
            else:
                labels.extend(str(self.start[i] + n) for n in range(r.pages))
            starts.extend(r.starts)
            end = r.end or end
            blanks.append(self.blank_after(i))
            if blanks[-1]:
                labels.append(format_label(len(r.labels) + 1, r.style) if chunk.kind == "front"
                              else str(self.start[i] + r.pages))
                starts.append(None)
        return labels, starts, end, blanks

    def anchor_labels(self, labels: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(len(self.chunks)):
            first = self.first_page(i)
            for page, names in enumerate(self.laid[i].anchors):
                for name, _, _ in names:
                    out.setdefault(name, labels[first + page])
        return out


def _blank(job: Job, fetcher, keep: bool):
    """A blank verso: one empty page with the book's page size, bleed and marks."""
    result, out = lay_out(job, lambda n, anchors: 0, fetcher, keep_document=keep)
    return out


def _draw_documents(plan: _Plan, documents: dict[int, Any], blank, blanks: list[bool],
                    metadata, epoch: str, variant: str) -> bytes:
    """PDF/A and PDF/UA: every chunk's pages drawn as one WeasyPrint document."""
    pages = []
    for i in range(len(plan.chunks)):
        pages.extend(documents[i].pages)
        if blanks[i]:
            pages.append(blank.pages[0])
    whole = documents[0].copy(pages)
    return weasy.draw(whole, metadata, epoch, variant)

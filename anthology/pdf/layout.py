"""Turn the print HTML, cut into chunks, into one PDF: each page laid out once, side by side.

Every part, piece and back-matter section of the print edition begins on a recto, so the
book can be cut there into chunks that WeasyPrint lays out on their own and still gives
the very pages a layout of the whole book gives. Only three things cross a cut, and each
is handled here:

* **Folios.** A chunk's folios depend on how many pages come before it. Pagination does
  not: WeasyPrint draws the margin boxes (running heads, folios) after it has paginated the
  whole chunk. So each chunk reports its page count as soon as it is paginated, and its
  margin boxes wait for the count of the chunks before it (a small hook on WeasyPrint's
  ``make_margin_boxes``). Chunks paginate side by side; only the folios wait, and while a
  chunk waits its worker lays out the next one.
* **Page numbers in the text.** The contents and the index print page numbers of other
  chunks. They are laid out last, from the labels the other chunks reported: the contents
  (front matter, roman folios of its own) when the main matter is paginated, the index
  when every chunk holding an index anchor is.
* **Blank versos.** A chunk ending on a recto is followed by a blank verso, as the whole
  book's layout would have it.

Each chunk is drawn to its own PDF by its worker; :func:`join` puts the pages together with
pypdf and writes what spans chunks (named destinations, links between chunks, the outline,
metadata and a content-derived file identifier). The chunks and the joined file do not
depend on how many workers ran, so the PDF is the same bytes on one core or eight. PDF/A
and PDF/UA files are laid out the same way but drawn as one WeasyPrint document (their
tagging must cover the whole file), in one process.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import hashlib
import io
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ..dates import DEFAULT_EPOCH

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


# ---- inside the process that runs WeasyPrint --------------------------------------------


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


def folder_fetcher(root):
    """A WeasyPrint URL fetcher that serves the files inside ``root`` and refuses the rest:
    a print build reads nothing from the network, nor from anywhere else on the disk."""
    import mimetypes
    from pathlib import Path
    from urllib.request import url2pathname

    import_weasyprint()
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = Path(root).resolve()

    class FolderFetcher(URLFetcher):
        def fetch(self, url, headers=None):  # noqa: D401 (WeasyPrint's API)
            if not url.startswith("file:"):
                raise ValueError(f"refused {url}: print builds fetch nothing from the network")
            path = Path(url2pathname(url.split("?")[0].split("#")[0][len("file:"):]))
            try:
                path.resolve().relative_to(root)
            except ValueError:
                path = None
            if path is None or not path.is_file():
                raise ValueError(f"refused {url}: only files in {root} are read")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    return FolderFetcher(allowed_protocols=("file",))


def default_jobs() -> int:
    """Worker processes for the layout: one a core, at most four (each holds a chunk)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


class _Relayout(Exception):
    """Raised from the pagination hook: lay the chunk out again (a footnote strayed)."""

    def __init__(self, strays: list[str]):
        super().__init__(strays)
        self.strays = strays


_local = threading.local()  # the chunk a thread lays out: its ``on_paginated`` hook


def _install_hook() -> None:
    """Let the page counter in the margins be shifted once a chunk is paginated."""
    import_weasyprint()
    import weasyprint.layout as wl

    if getattr(wl.make_margin_boxes, "anthology_hook", False):
        return
    original = wl.make_margin_boxes

    def make_margin_boxes(context, page, state):
        shift = getattr(context, "anthology_shift", None)
        if shift is None:
            hook = getattr(_local, "on_paginated", None)
            shift = context.anthology_shift = hook(context) if hook else 0
        if shift:
            quote_depth, values, scopes, groups = state
            pages = values.get("page") or [0]
            values = {**values, "page": [*pages[:-1], pages[-1] + shift]}
            state = (quote_depth, values, scopes, groups)
        return original(context, page, state)

    make_margin_boxes.anthology_hook = True
    wl.make_margin_boxes = make_margin_boxes
    _columns_laid_out_once()


def _columns_laid_out_once() -> None:
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
    import weasyprint
    from weasyprint.layout import block

    original = block.columns_layout
    if getattr(original, "anthology_hook", False) or weasyprint.__version__ != "70.0":
        return  # written for WeasyPrint 70.0's column.py; any other runs unchanged

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

    columns_layout.anthology_hook = True
    columns_layout.original = original
    block.columns_layout = columns_layout


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


def _paginated_anchors(context) -> list[list[str]]:
    """Each page's anchors (ids), from WeasyPrint's own bookkeeping of page-based counters."""
    count = len(context.page_maker) - 1
    return [list(item[-1].get("anchors", ())) for item in context.page_maker[:count]]


_font_config = None
_parsed: dict[tuple[str, str], Any] = {}


@atexit.register
def _forget_fonts() -> None:
    """Let the font configuration go before the interpreter shuts down: its ``__del__``
    needs modules that are gone by then."""
    global _font_config
    _parsed.clear()
    _font_config = None


def _styles(job: "Job", fetcher) -> list:
    """The job's stylesheets, parsed (and their fonts loaded) once a process."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    global _font_config
    if _font_config is None:
        _font_config = FontConfiguration()
    sheets = []
    for text in job.styles:
        sheet = _parsed.get((job.base_url, text))
        if sheet is None:
            sheet = _parsed[(job.base_url, text)] = CSS(
                string=text, base_url=job.base_url, url_fetcher=fetcher,
                font_config=_font_config)
        sheets.append(sheet)
    return sheets


def _render(job: "Job", html: str, fetcher):
    """Lay out one chunk. Its stylesheets come as text beside the HTML, parsed (and their
    fonts loaded) once a process rather than once a chunk: as inline ``<style>`` they cost
    a quarter of a second a chunk. They are then user stylesheets rather than the author's;
    the chunk has no author styles, so nothing cascades differently (the tests compare)."""
    from weasyprint import HTML

    sheets = _styles(job, fetcher)
    return HTML(string=html, base_url=job.base_url, url_fetcher=fetcher).render(
        stylesheets=sheets, font_config=_font_config)


def lay_out(job: Job, report: Callable[[int, list[list[str]]], int], fetcher,
            laid: Callable[[Laid], None] | None = None, keep_document: bool = False):
    """Lay out one chunk (once, again only to keep footnotes with their calls), tell
    ``report`` its page count and anchors when it is paginated (it answers the shift of
    the folios), then draw it. Return the PDF's bytes, or the Document if asked."""
    _install_hook()
    started = time.perf_counter()
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
    for attempt in range(FOOTNOTE_PASSES + 1):
        def on_paginated(context, attempt=attempt):
            anchors = _paginated_anchors(context)
            if calls and attempt < FOOTNOTE_PASSES:
                strays = sorted(_strays(anchors, calls))
                if strays:
                    raise _Relayout(strays)
            return report(len(anchors), anchors)

        _local.on_paginated = on_paginated
        try:
            document = _render(job, html, fetcher)
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
        finally:
            _local.on_paginated = None
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
    strays = _stray_pages(document, dict(job.calls))
    result = Laid(job.chunk, len(pages), tuple(labels), style, tuple(starts), end,
                  tuple(anchors), tuple(links), tuple(bookmarks),
                  time.perf_counter() - started, tuple(strays))
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
    return result, draw(document, job)


def draw(document, job: Job, variant: str | None = None) -> bytes:
    """The PDF of a laid-out document, its clock fixed so the same chunk gives the same bytes."""
    meta = document.metadata
    for name, value in job.metadata.items():
        setattr(meta, name, value)
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = job.epoch
    try:
        return document.write_pdf(pdf_variant=variant, pdf_identifier=True,
                                  uncompressed_pdf=False)
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def _strays(anchors: list[list[str]], calls: dict[str, str]) -> list[str]:
    page_of: dict[str, int] = {}
    for number, names in enumerate(anchors):
        for name in names:
            page_of.setdefault(name, number)
    return [note for note, call in calls.items()
            if note in page_of and call in page_of and page_of[note] != page_of[call]]


def _stray_pages(document, calls: dict[str, str]) -> list[tuple[str, int, int]]:
    """Footnotes left off their call's page: (note id, call's page, note's page), 1-based."""
    if not calls:
        return []
    page_of: dict[str, int] = {}
    for number, page in enumerate(document.pages, 1):
        for name in page.anchors:
            page_of.setdefault(name, number)
    return [(note, page_of[call], page_of[note]) for note, call in sorted(calls.items())
            if note in page_of and call in page_of and page_of[note] != page_of[call]]


# ---- worker processes ---------------------------------------------------------------------


def _quiet() -> None:
    for name in ("weasyprint", "weasyprint.progress", "fontTools"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _first_worker(conns, fetcher_factory, warm: bool) -> None:
    """The first worker process: import WeasyPrint at once (while the parent reads and
    renders the book), parse the print styles when they come, then fork the other workers
    from itself, so they begin with WeasyPrint imported, the styles parsed and the fonts
    loaded: one import and one parse a build, not one a worker. Then lay out chunks like
    the others. (A warm-up layout before the fork, which would also load the hyphenation
    patterns, kept the first chunks waiting longer than it saved them: measured.)

    ``conns`` are the pipe ends of every worker, this one's first. Where processes cannot
    be forked, each worker is started on its own and gets only its own end."""
    _quiet()
    own, others = conns[0], conns[1:]
    import_weasyprint()
    fetcher = fetcher_factory()
    if warm:
        try:
            message = own.recv()
        except EOFError:
            return
        if message[0] != "warm":  # stopped before the warm-up
            return
        _warm(message[1], fetcher)
    children = []
    for conn in others:
        try:
            pid = os.fork()
        except OSError:  # the parent sees the pipe close and does without that worker
            conn.close()
            continue
        if pid == 0:
            code = 1
            try:
                own.close()
                for other in others:
                    if other is not conn:
                        other.close()
                _serve(conn, fetcher)
                code = 0
            finally:
                os._exit(code)
        children.append(pid)
        conn.close()
    try:
        _serve(own, fetcher)
    finally:
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _warm(job: Job, fetcher) -> None:
    """Parse the book's stylesheets and load their fonts, once a process (see _styles)."""
    try:
        _styles(job, fetcher)
    except Exception:  # noqa: BLE001 (a warm-up only; real layouts report their errors)
        log.debug("the layout worker's warm-up failed", exc_info=True)


def _serve(conn, fetcher) -> None:
    """Say this worker is ready, then lay out chunks until told to stop.

    Each chunk is laid out in a thread of its own, one at a time (a baton passes between
    them): a chunk paginated before the chunks ahead of it must wait for their page counts
    before it can set its folios, and while it waits the baton passes to the next chunk the
    parent sends, so the core does not idle."""
    conn.send(("ready", os.getpid()))
    sending, baton = threading.Lock(), threading.Lock()
    shifts: dict[int, Any] = {}

    def send(message) -> None:
        with sending:
            conn.send(message)

    def run(job: Job) -> None:
        def report(count, anchors):
            send(("paginated", job.chunk, count, anchors))
            if job.shift is not None:
                return job.shift
            baton.release()
            try:
                return shifts[job.chunk].get()
            finally:
                baton.acquire()

        with baton:
            try:
                _, pdf = lay_out(job, report, fetcher, laid=lambda r: send(("laid", r)))
                send(("done", job.chunk, pdf))
            except Exception as exc:  # reported to the parent, which raises OutputError
                send(("error", job.chunk, f"{type(exc).__name__}: {exc}"))

    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message[0] == "stop":
            return
        if message[0] == "warm":
            _warm(message[1], fetcher)
        elif message[0] == "shift":
            shifts[message[1]].put(message[2])
        else:
            job: Job = message[1]
            shifts[job.chunk] = queue.SimpleQueue()
            thread = threading.Thread(target=run, args=(job,), daemon=True,
                                      name=f"anthology-chunk-{job.chunk}")
            thread.start()  # a daemon: the parent says stop once every chunk is done, and
            # a chunk still waiting then belongs to a build that failed or went away


class Pool:
    """Worker processes for chunk layout; started as early as can be, so WeasyPrint's import
    overlaps the parent's own imports and the reading and rendering of the manuscript.
    ``Pool(1)`` runs everything in this process.

    With ``warm``, the first worker waits for :meth:`warm_up` before the others are forked
    from it (see :func:`_first_worker`)."""

    def __init__(self, jobs: int, fetcher_factory: Callable[[], Any], warm: bool = False):
        self.jobs = max(1, jobs)
        self.fetcher_factory = fetcher_factory
        self.conns: list[Any] = []
        self.waiting: set[Any] = set()  # workers that have not said they are ready
        self.pids: list[int] = []
        self._processes: list[Any] = []
        self._forked = False
        if self.jobs > 1:
            self._forked = "fork" in multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if self._forked else "spawn")
            pipes = [context.Pipe() for _ in range(self.jobs)]
            self.conns = [parent for parent, _ in pipes]
            self.waiting = set(self.conns)
            children = [child for _, child in pipes]
            for group in ([children] if self._forked else [[c] for c in children]):
                process = context.Process(target=_first_worker,
                                          args=(group, fetcher_factory, warm), daemon=True)
                process.start()
                self._processes.append(process)
            for child in children:
                child.close()

    def warm_up(self, job: Job) -> None:
        """Have the workers parse the print stylesheets of ``job`` and load their fonts once
        WeasyPrint is imported, before the first chunk comes (they keep them)."""
        for conn in self.conns[:1] if self._forked else self.conns:
            conn.send(("warm", job))

    def ready(self, conn, pid: int) -> None:
        self.waiting.discard(conn)
        self.pids.append(pid)

    def close(self) -> None:
        for conn in self.conns:
            try:
                conn.send(("stop",))
            except (OSError, ValueError):
                pass
        stuck = False
        for process in self._processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                stuck = True
        # the first worker waits for its forks before it ends, so only when it had to be
        # killed may they still be running; else their ids may be other processes' by now
        started = {process.pid for process in self._processes}
        for pid in self.pids if stuck else ():
            if pid not in started:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        for conn in self.conns:
            conn.close()
        self.conns, self._processes, self.pids, self.waiting = [], [], [], set()

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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


def run(chunks: list[Chunk], pool: Pool, *, base_url: str, blank_html: str,
        make_html: Callable[[int, dict[str, str]], str], metadata: dict[str, Any],
        epoch: str, styles: tuple[str, ...] = (), variant: str | None = None,
        on_map: Callable[..., None] | None = None,
        ) -> Joined:
    """Lay out every chunk once and join them.

    ``make_html(i, labels)`` makes the HTML of a chunk whose text needs page numbers (the
    front matter's contents, the index) once ``labels`` (anchor → page label) holds them.
    ``on_map`` is called with the page labels, page starts and anchor labels as soon as the
    last chunk is laid out, while chunks may still be drawing (the EPUB is made then).
    """
    plan = _Plan(chunks, styles)
    started = time.perf_counter()
    keep = variant is not None
    pdfs: dict[int, Any] = {}
    readers: dict[int, Any] = {}  # chunk PDFs parsed while the workers were still busy
    if pool.jobs == 1 or keep:
        fetcher = pool.fetcher_factory()
        while len(plan.dispatched) < len(chunks):
            i = next(i for i in plan.order if i not in plan.dispatched and plan.ready(i))
            job = plan.job(i, base_url, metadata, epoch, make_html)

            def report(n, anchors, i=i):
                plan.paginated(i, n, anchors)
                return plan.shift(i)

            _, pdfs[i] = lay_out(job, report, fetcher, laid=lambda r: plan.laid_out(r, on_map),
                                 keep_document=keep)
        blank = _blank(Job(-1, blank_html, base_url, 0, (), metadata, epoch, styles=styles),
                       fetcher, keep)
    else:
        blank = _run_parallel(plan, pool, pdfs, readers, base_url, blank_html, metadata,
                              epoch, make_html, on_map)
    seconds = {"layout (wall)": time.perf_counter() - started,
               "layout (all chunks)": sum(r.seconds for r in plan.laid.values())}
    started = time.perf_counter()
    labels, starts, end, blanks = plan.page_map()
    if keep:
        pdf = _draw_documents(plan, pdfs, blank, blanks, metadata, epoch, variant)
    else:
        pdf = join(plan, pdfs, blank, blanks, readers)
    seconds["join"] = time.perf_counter() - started
    strays = [(note, labels[plan.first_page(r.chunk) + call - 1],
               labels[plan.first_page(r.chunk) + page - 1])
              for r in plan.laid.values() for note, call, page in r.stray_footnotes]
    return Joined(pdf, labels, starts, end, plan.anchor_labels(labels), seconds, strays)


def _run_parallel(plan: "_Plan", pool: Pool, pdfs: dict[int, Any], readers: dict[int, Any],
                  base_url: str, blank_html: str, metadata: dict[str, Any], epoch: str,
                  make_html, on_map) -> bytes:
    """Hand the chunks to the workers as they become ready; meanwhile parse the PDFs they
    send back, in a thread, so that a worker that is done gets its next job at once."""
    from concurrent.futures import ThreadPoolExecutor

    reading: dict[int, Any] = {}
    with ThreadPoolExecutor(1, thread_name_prefix="anthology-read") as reader:
        blank = _dispatch(plan, pool, pdfs, base_url, blank_html, metadata, epoch, make_html,
                          on_map, lambda i: reading.setdefault(i, reader.submit(_read, pdfs[i])))
        readers.update((i, future.result()) for i, future in reading.items())
    return blank


def _dispatch(plan: "_Plan", pool: Pool, pdfs: dict[int, Any], base_url: str,
              blank_html: str, metadata: dict[str, Any], epoch: str, make_html, on_map,
              read: Callable[[int], Any]) -> bytes:
    from multiprocessing.connection import wait

    workers = [conn for conn in pool.conns if conn not in pool.waiting]
    running: dict[Any, set[int]] = {}  # worker → the chunks it has and has not sent back
    waiting: set[int] = set()  # chunks paginated whose folios wait for earlier chunks
    asks: dict[int, Any] = {}  # chunk → the worker waiting for its folios' shift
    blank: bytes | None = None
    blank_sent = False

    def free() -> list:
        """Workers with no chunk at work (every chunk they hold waits for its folios) and
        fewer than two chunks: a worker holds at most two laid-out chunks at once."""
        return [conn for conn in workers
                if len(running.get(conn, ())) < 2 and running.get(conn, set()) <= waiting]

    def send(conn, i: int, job: Job) -> None:
        conn.send(("job", job))
        running.setdefault(conn, set()).add(i)

    while blank is None or len(pdfs) < len(plan.chunks):
        for conn in free():
            i = plan.next_for(bool(running.get(conn)), len(workers))
            if i is not None:
                send(conn, i, plan.job(i, base_url, metadata, epoch, make_html))
        idle = free()
        if idle and not blank_sent and len(plan.dispatched) == len(plan.chunks):
            # the blank verso last: it is a moment's work
            send(idle[0], -1, Job(-1, blank_html, base_url, 0, (), metadata, epoch,
                                  styles=plan.styles))
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
                plan.laid_out(message[1], on_map)
            elif kind == "done":
                _, i, pdf = message
                if i < 0:
                    blank = pdf
                else:
                    pdfs[i] = pdf
                    read(i)
                running[conn].discard(i)
            else:
                raise RuntimeError(message[2])
        for i, conn in list(asks.items()):
            shift = plan.shift(i)
            if shift is not None:
                conn.send(("shift", i, shift))
                del asks[i]
                waiting.discard(i)
    return blank


class _Plan:
    """What is known about the chunks so far, and what follows from it."""

    def __init__(self, chunks: list[Chunk], styles: tuple[str, ...]):
        self.chunks = chunks
        self.styles = styles
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
        self._map_sent = False

    def ready(self, i: int) -> bool:
        kind = self.chunks[i].kind
        if kind == "main":
            return all(j in self.dispatched for j in self.mains if j < i)
        if kind == "front":
            return all(j in self.count for j in self.mains)
        return (all(j in self.count for j in self.mains)
                and all(j in self.laid for j, c in enumerate(self.chunks)
                        if c.kind == "front" and c.has_index_anchors))

    def next_for(self, has_waiting: bool, workers: int) -> int | None:
        """The chunk a free worker takes next, when chunks may wait for their folios.

        The main matter goes first, in order, except that of its last ``workers`` chunks
        the largest goes first: the contents and the index wait for the last of them, so
        the last laid out had better be short. A worker that already has a chunk waiting
        takes only the first chunk not yet handed out: every chunk before that one is at
        work, so it never waits for a chunk no worker has, and waiting chunks cannot hold
        the workers up for good."""
        mains = [i for i in self.mains if i not in self.dispatched]
        if mains:
            if has_waiting or len(mains) > workers:
                return mains[0]
            return max(mains, key=lambda i: (len(self.chunks[i].html or ""), -i))
        return next((i for i in self.order if i not in self.dispatched and self.ready(i)),
                    None)

    def job(self, i: int, base_url: str, metadata, epoch: str, make_html) -> Job:
        chunk = self.chunks[i]
        html = chunk.html if chunk.html is not None else make_html(i, dict(self.labels))
        shift = self.shift(i)
        self.dispatched.add(i)
        self.asked[i] = shift is None
        return Job(i, html, base_url, shift, chunk.calls, metadata, epoch,
                   own_numbers=chunk.kind == "front", styles=self.styles)

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

    def laid_out(self, result: Laid, on_map) -> None:
        if result.chunk < 0:
            return
        self.laid[result.chunk] = result
        if self.chunks[result.chunk].kind == "front":
            for page, names in enumerate(result.anchors):
                for name, _, _ in names:
                    self.labels.setdefault(name, result.labels[page])
        if on_map is not None and not self._map_sent and len(self.laid) == len(self.chunks):
            self._map_sent = True
            labels, starts, end, _ = self.page_map()
            on_map(labels, starts, end, self.anchor_labels(labels))

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
    return draw(whole, Job(-1, "", "", 0, (), metadata, epoch), variant)


# ---- joining the chunks' PDFs ---------------------------------------------------------------


def _read(pdf: bytes):
    """A chunk's PDF parsed whole, every object resolved: done (in a thread) while the
    workers are still busy, it leaves the join only the copying (a third of its time)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    for number in range(1, int(reader.trailer["/Size"])):
        reader.get_object(number)
    return reader


def join(plan: _Plan, pdfs: dict[int, bytes], blank: bytes, blanks: list[bool],
         readers: dict[int, Any] | None = None) -> bytes:
    """One PDF from the chunks' PDFs: their pages in order with blank versos between, one
    tree of named destinations, the links between chunks WeasyPrint could not resolve on its
    own, one outline, the metadata and a file identifier derived from the content.
    ``readers`` may hold chunks' PDFs already parsed (:func:`_read`)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (ArrayObject, ByteStringObject, DictionaryObject, FloatObject,
                               NameObject, NumberObject, TextStringObject)

    writer = PdfWriter()
    parsed = readers or {}
    readers = [parsed.get(i) or PdfReader(io.BytesIO(pdfs[i]))
               for i in range(len(plan.chunks))]
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
    for i in range(len(plan.chunks)):
        for page, names in enumerate(plan.laid[i].anchors):
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
    for i in range(len(plan.chunks)):
        for page, links in enumerate(plan.laid[i].links):
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
    _outline(writer, [(first[i] + page, mark) for i in range(len(plan.chunks))
                      for page, marks in enumerate(plan.laid[i].bookmarks) for mark in marks])
    info = readers[0].metadata or {}
    writer.add_metadata({k: v for k, v in info.items()})
    lang = readers[0].trailer["/Root"].get("/Lang")
    if lang is not None:
        writer._root_object[NameObject("/Lang")] = TextStringObject(str(lang))
    digest = hashlib.md5(b"".join(pdfs[i] for i in range(len(plan.chunks))) + blank,
                         usedforsecurity=False).hexdigest().encode("ascii")
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _outline(writer, marks: list[tuple[int, tuple[int, str, float, float, str]]]) -> None:
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

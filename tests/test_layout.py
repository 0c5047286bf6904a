"""The chunked layout (pdf/layout.py, pdf/weasy.py): one layout per page, the same pages as one document."""

from __future__ import annotations

import io
import re
from pathlib import Path

import lxml.html
import pytest
from pypdf import PdfReader

from anthology.manuscript import read_manuscript
from anthology.pdf import PrintOptions, Printing, print_edition, print_html, weasy
from anthology.pdf.edition import warm_up_job
from anthology.pdf.html import Cut, keep_footnotes_with_calls, print_tree
from anthology.pdf.layout import Chunk, Job, _Plan
from anthology.pdf.options import styles_fetcher
from anthology.pdf.workers import Pool
from anthology.render import render
from anthology.resources import styles_dir

SERGE = Path(__file__).resolve().parent.parent / "seeds" / "serge"


def warm_pool(jobs: int, options: PrintOptions) -> Pool:
    """Workers as a build starts them: the first warms up, the others are forked from it."""
    pool = Pool(jobs, styles_fetcher, warm=True)
    pool.warm_up(warm_up_job(options))
    return pool


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
    root, calls = print_tree(serge_book, PrintOptions())
    ids = [el.get("id") for el in root.find("body")]
    cut = Cut(root, calls)
    assert [el.get("id") for sections in cut.sections for el in sections] == ids
    kinds = [c.kind for c in cut.chunks]
    assert kinds[0] == "front" and kinds[-1] == "index" and kinds.count("main") >= 2
    for chunk, sections in zip(cut.chunks[1:], cut.sections[1:]):
        classes = set(sections[0].get("class").split())
        assert classes & {"part", "piece", "backmatter"}, classes  # print.css: recto breaks
        assert chunk.first_id == sections[0].get("id")


@pytest.mark.slow
def test_chunked_pages_are_the_pages_of_one_whole_layout(serge_book, monkeypatch) -> None:
    """The book laid out in chunks by two worker processes (started as a build starts them),
    and the same print HTML laid out as one WeasyPrint document in this process: every
    page's text at the same place."""
    from weasyprint import HTML

    options = PrintOptions()
    with warm_pool(2, options) as pool:
        edition = Printing(serge_book, options, pool).result()
    whole = print_html(serge_book, options, labels=edition.labels)
    with weasy.unpatched():  # the reference lays out columns as WeasyPrint does
        reference = HTML(string=whole, base_url=styles_dir().as_uri() + "/",
                         url_fetcher=styles_fetcher()).write_pdf()
    chunked, single = placed_text(edition.pdf), placed_text(reference)
    assert len(chunked) == len(single) == len(edition.pages.pages)
    different = [n for n, (a, b) in enumerate(zip(chunked, single), 1) if a != b]
    assert not different, f"pages {different} differ from the one-document layout"
    # and the page numbers the contents and the index print are the folios of their pages
    contents = " ".join(t for t, _, _ in chunked[4])
    assert re.search(r"index[ .]+\xa0?" + edition.labels["index"], contents)


def box_shapes(document) -> list[list[tuple]]:
    """Every box of every page: its kind, text, place and size."""
    def size(value):
        return round(value, 3) if isinstance(value, float) else value

    return [[(type(b).__name__, getattr(b, "text", None), size(b.position_x),
              size(b.position_y), size(b.width), size(b.height))
             for b in weasy.page_boxes(page)] for page in document.pages]


COLUMNS_CSS = """
@page { size: 148mm 210mm; margin: 20mm 18mm; @bottom-center { content: counter(page) } }
body { font: 10pt/1.3 serif; }
ul { list-style: none; padding: 0; margin: 0; }
li { margin: 0.15em 0 0 1.2em; text-indent: -1.2em; break-inside: avoid; }
"""


def column_cases() -> dict[str, str]:
    """Multi-column boxes of several kinds: filled in turn or balanced, over several pages
    or a few lines, an entry taller than a column, a heading above, three columns, boxes
    the trial could matter for (a footnote, a float, a spanning block, a set height)."""
    def entry(n: int, links: int) -> str:
        pages = ", ".join(f'<a href="#p{k}">{k * 7 % 913}</a>' for k in range(links))
        return f"<li>Entry {n} of the list, {'word ' * (n % 5)}{pages}</li>"

    def columns(style: str, entries: str, before: str = "") -> str:
        return (f"<h1>Index</h1>{before}<ul style='{style}'>{entries}</ul>"
                f"<p>After the columns.</p>")

    entries = [entry(n, 3 + n * 7 % 25) for n in range(70)]
    long, some = "".join(entries), "".join(entries[:25])
    in_turn = "columns: 2; column-fill: auto"
    return {
        "in turn, pages": columns(in_turn, long),
        "in turn, short": columns(in_turn, "".join(entries[:3])),
        "in turn, tall entry": columns(in_turn, entry(1, 400) + some),
        "in turn, three": columns("columns: 3; column-gap: 1em; column-fill: auto", long),
        "in turn, text before": columns(in_turn, long,
                                        "<p>" + "An introduction. " * 150 + "</p>"),
        "balanced": columns("columns: 2", some),
        "a footnote inside": columns(
            in_turn, some + "<li>Noted<span style='float: footnote'>A note.</span></li>"),
        "a float inside": columns(
            in_turn, "<li><span style='float: left; width: 3em; height: 3em'></span>x</li>"
            + some),
        "a spanning block": columns(
            in_turn, some + "<li style='column-span: all'>across</li>" + some),
        "a set height": columns("columns: 2; column-fill: auto; height: 80mm", some),
    }


@pytest.mark.slow
@pytest.mark.parametrize("case", list(column_cases()))
def test_columns_are_laid_out_as_weasyprint_lays_them_out(case, monkeypatch) -> None:
    """layout.py skips WeasyPrint's trial layout of columns filled in turn: every box of
    every page is where WeasyPrint unchanged puts it."""
    from weasyprint import CSS, HTML

    weasy.install_hooks()
    html, css = column_cases()[case], CSS(string=COLUMNS_CSS)
    document = HTML(string=html).render(stylesheets=[css])
    skipped = {getattr(b, "anthology_fills_in_turn", None)
               for page in document.pages for b in weasy.page_boxes(page)} - {None}
    assert skipped == ({True} if case.startswith("in turn") else {False})
    assert case != "in turn, pages" or len(document.pages) > 3
    with weasy.unpatched():
        assert box_shapes(document) == box_shapes(HTML(string=html).render(stylesheets=[css]))


@pytest.mark.slow
def test_the_pdf_is_the_same_bytes_whatever_the_number_of_workers(mini) -> None:
    book = render(read_manuscript(mini).volume)
    one = print_edition(book, PrintOptions(), jobs=1)
    with warm_pool(2, PrintOptions()) as pool:
        two = Printing(book, PrintOptions(), pool).result()
    three = print_edition(book, PrintOptions(), jobs=3)  # not warmed up
    assert one.pdf == two.pdf == three.pdf
    assert one.pages == two.pages == three.pages and one.labels == two.labels == three.labels


def test_a_worker_lays_out_another_chunk_while_one_waits_for_its_folios() -> None:
    """Chunk 2 is paginated but its folios wait for the page count of chunk 1: the worker
    lays out chunk 3 meanwhile, then finishes chunk 2 once it has its shift."""
    page = "<style>@page { size: A6; @bottom-center { content: counter(page) } }</style>"
    with Pool(2, styles_fetcher) as pool:
        conn = pool.conns[0]
        assert conn.poll(60) and conn.recv()[0] == "ready"
        conn.send(("job", Job(2, page + "<p>two</p>" * 60, "", None)))
        assert receive(conn)[:2] == ("paginated", 2)  # and waits for its shift
        conn.send(("job", Job(3, page + "<p>three</p>", "", 7)))
        assert [m[:2] for m in receive_until(conn, "done")] == [
            ("paginated", 3), ("laid", ), ("done", 3)]
        conn.send(("shift", 2, 40))
        messages = receive_until(conn, "done")
        assert [m[0] for m in messages] == ["laid", "done"] and messages[1][1] == 2
        pages = PdfReader(io.BytesIO(messages[1][2])).pages
        folios = [page.extract_text().split()[-1] for page in pages]
        assert folios[0] == "41" and len(folios) > 1


def receive(conn, seconds: float = 60):
    assert conn.poll(seconds), "the worker said nothing"
    return conn.recv()


def receive_until(conn, kind: str) -> list:
    messages = [receive(conn)]
    while messages[-1][0] != kind:
        messages.append(receive(conn))
    return [(m[0],) if m[0] == "laid" else m for m in messages]


def plan_of(sizes: list[int]) -> _Plan:
    chunks = [Chunk("front", None)] + [Chunk("main", "x" * n) for n in sizes]
    return _Plan(chunks + [Chunk("index", None)], ())


def test_the_main_matter_is_handed_out_in_order_but_the_largest_of_the_last_first() -> None:
    plan = plan_of([40, 30, 20, 10, 35])
    order = []
    while (i := plan.next_for(False, 2)) is not None and i in plan.mains:
        plan.dispatched.add(i)
        order.append(i)
    assert order == [1, 2, 3, 5, 4]  # of the last two, the larger first
    plan = plan_of([40, 30, 20, 10, 35])
    plan.dispatched.update({1, 2, 3})
    assert plan.next_for(True, 2) == 4  # a worker with a chunk waiting: the first left
    plan.dispatched.update({4, 5})
    assert plan.next_for(False, 2) is None  # contents and index wait for the page counts


def test_the_first_worker_warms_up_then_forks_the_others() -> None:
    pool = warm_pool(3, PrintOptions())
    try:
        assert len(pool._processes) == 1  # one process started: the others are its forks
        first = pool._processes[0].pid
        for conn in pool.conns:  # each worker says it is ready, once warmed up
            assert conn.poll(60)
            kind, pid = conn.recv()
            pool.ready(conn, pid)
            assert kind == "ready"
        assert first in pool.pids
        forked = [pid for pid in pool.pids if pid != first]
        assert len(forked) == 2 and all(parent_of(pid) == first for pid in forked)
        assert not pool.waiting
    finally:
        pool.close()
    assert not pool.conns


def parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def test_a_pool_stopped_before_its_warm_up_closes_at_once() -> None:
    pool = Pool(2, styles_fetcher, warm=True)
    process = pool._processes[0]
    pool.close()
    assert not process.is_alive() and process.exitcode == 0


@pytest.mark.slow
def test_a_worker_that_cannot_be_forked_is_done_without(mini, monkeypatch) -> None:
    """The first worker's forks fail: the book is laid out by the workers there are."""
    import os

    book = render(read_manuscript(mini).volume)
    parent, real_fork = os.getpid(), os.fork

    def fork():
        if os.getpid() != parent:
            raise OSError("no more processes")
        return real_fork()

    monkeypatch.setattr(os, "fork", fork)
    with warm_pool(3, PrintOptions()) as pool:
        edition = Printing(book, PrintOptions(), pool).result()
        assert len(pool.pids) == 1 and not pool.waiting
    assert edition.pdf == print_edition(book, PrintOptions(), jobs=1).pdf


@pytest.mark.slow
def test_weasyprint_is_imported_without_searching_for_its_libraries(tmp_path) -> None:
    """The import answers a library-name miss at once (no ldconfig, no compiler), leaves
    ctypes as it was, and still loads every library WeasyPrint needs."""
    import subprocess
    import sys

    script = """
import ctypes.util, subprocess
search = ctypes.util.find_library
spawned = []
real_popen = subprocess.Popen.__init__
def popen(self, args, *a, **k):
    spawned.append(args)
    return real_popen(self, args, *a, **k)
subprocess.Popen.__init__ = popen
from anthology.pdf.weasy import import_weasyprint
import_weasyprint()
import weasyprint.text.ffi as ffi
assert ctypes.util.find_library is search
assert ffi.pango and ffi.harfbuzz and ffi.fontconfig and ffi.gobject
print(len(spawned))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=tmp_path)
    assert out.stdout.strip() == "0", out.stdout + out.stderr


@pytest.mark.slow
def test_weasyprint_is_imported_with_the_search_when_the_sonames_fail(tmp_path) -> None:
    import subprocess
    import sys

    script = """
import ctypes.util, sys
search = ctypes.util.find_library
seen = []
class FailOnce:
    def find_spec(self, name, path=None, target=None):
        if name == "weasyprint":
            seen.append(ctypes.util.find_library is search)
            if len(seen) == 1:
                raise OSError("cannot load library 'libpango-1.0.so.0'")
        return None
sys.meta_path.insert(0, FailOnce())
from anthology.pdf.weasy import import_weasyprint
import_weasyprint()
import weasyprint
assert seen == [False, True], seen
assert ctypes.util.find_library is search
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=tmp_path)
    assert out.stdout.strip() == "ok", out.stdout + out.stderr


@pytest.mark.slow
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


# ---- the fallback: one document, when WeasyPrint is not the version the hooks are for ------


@pytest.mark.slow
@pytest.mark.parametrize("case", ["serge", "mini-footnotes"])
def test_with_another_weasyprint_the_book_is_one_document_with_the_same_pages(
        case, serge_book, mini, monkeypatch, caplog) -> None:
    """Forced off (as another WeasyPrint version would turn it off), the chunked layout
    gives way to one WeasyPrint document in this process: the same text at the same place
    on every page, the same page map and page labels, and one line saying why."""
    import logging

    if case == "serge":
        book, options = serge_book, PrintOptions()
    else:
        book, options = render(read_manuscript(mini).volume), PrintOptions(notes="footnotes")
    fast = print_edition(book, options, jobs=2)
    monkeypatch.setattr(weasy, "TESTED", "0.0")
    with caplog.at_level(logging.WARNING, logger="anthology.pdf"):
        slow = print_edition(book, options)
    said = [r.getMessage() for r in caplog.records if r.name.startswith("anthology.pdf")]
    assert len(said) == 1 and said[0].startswith("the chunked print layout is off: WeasyPrint "
                                                 f"{weasy.installed_version()} is installed")
    assert slow.pdf != fast.pdf  # drawn as one document: one font subset, not one a chunk
    chunked, whole = placed_text(fast.pdf), placed_text(slow.pdf)
    assert len(chunked) == len(whole) == len(fast.pages.pages)
    different = [n for n, (a, b) in enumerate(zip(chunked, whole), 1) if a != b]
    assert not different, f"pages {different} differ from the chunked layout's"
    assert slow.pages == fast.pages and slow.labels == fast.labels
    assert slow.anchors == fast.anchors


def test_the_hooks_refuse_another_weasyprint(monkeypatch) -> None:
    monkeypatch.setattr(weasy, "TESTED", "0.0")
    monkeypatch.setattr(weasy, "_originals", {})
    with pytest.raises(RuntimeError, match="written for WeasyPrint 0.0"):
        weasy.install_hooks()


def test_a_build_without_the_chunked_layout_starts_no_worker_and_says_why(
        mini, tmp_path, monkeypatch, caplog) -> None:
    import logging
    import zipfile

    from anthology.build import BuildOptions, build

    def no_pool(*args, **keywords):
        raise AssertionError("a layout worker was started")

    monkeypatch.setattr(weasy, "TESTED", "0.0")
    monkeypatch.setattr(Pool, "__init__", no_pool)
    with caplog.at_level(logging.WARNING):
        result = build(mini, BuildOptions(outdir=tmp_path, cache=False))
    said = [r.getMessage() for r in caplog.records if "chunked print layout is off" in
            r.getMessage()]
    assert len(said) == 1
    assert {p.name for p in result.outputs} == {"mini.epub", "mini.pdf", "mini.html"}
    with zipfile.ZipFile(tmp_path / "mini.epub") as epub:  # the print page numbers, still
        assert 'epub:type="page-list"' in epub.read("EPUB/nav.xhtml").decode("utf-8")

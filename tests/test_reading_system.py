"""A real reading system: the built EPUB opened in epub.js, in headless Chromium, via Playwright.

The bundled volume is built with every format (so the EPUB carries a page-list), then served
from a loopback-only http.server together with tests/reader/index.html (a minimal epub.js
harness) and epub.js + JSZip from node_modules (pinned in package.json / package-lock.json).

What a reader would see is checked: the cover image renders, the title page shows the title,
a note reference opens its note and the note's backlink returns to the reference, and a
page-list entry takes the reader to the print page's marker.

On a failure a screenshot of the reader is written under pytest's tmp dir and its path is
printed (and put in the assertion message). A missing Chromium, Playwright or node module is a
failure with a clear message, never a skip.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.external]

ROOT = Path(__file__).resolve().parent.parent
HARNESS = Path(__file__).resolve().parent / "reader"
NODE_MODULES = ROOT / "node_modules"
LIBS = {
    "epub.min.js": NODE_MODULES / "epubjs" / "dist" / "epub.min.js",
    "jszip.min.js": NODE_MODULES / "jszip" / "dist" / "jszip.min.js",
}
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 20_000


def _require_tools():
    """Fail (never skip) when a piece of the reading system is missing."""
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        pytest.fail(f"playwright is not installed ({exc}); run `make test` "
                    "(pip install -e '.[test]') — browsers are NOT downloaded, "
                    f"the test drives {CHROMIUM}", pytrace=False)
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium package",
                    pytrace=False)
    missing = [str(p) for p in LIBS.values() if not p.exists()]
    if missing:
        pytest.fail("epub.js / JSZip missing from node_modules: "
                    f"{', '.join(missing)}; run `PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts`",
                    pytrace=False)


@pytest.fixture(scope="module")
def epub(tmp_path_factory) -> Path:
    _require_tools()
    out = tmp_path_factory.mktemp("reading-system-build")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "anthology", "build", "-o", str(out)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, f"build failed:\n{done.stdout}\n{done.stderr}"
    path = out / "serge.epub"
    assert path.exists(), f"the build wrote no {path}"
    print(f"build: {time.monotonic() - started:.1f}s")
    return path


@pytest.fixture(scope="module")
def site(epub, tmp_path_factory):
    """A loopback-only web root: the harness, the book and the two libraries."""
    root = tmp_path_factory.mktemp("reading-system-site")
    shutil.copy(HARNESS / "index.html", root / "index.html")
    shutil.copy(epub, root / "book.epub")
    (root / "lib").mkdir()
    for name, source in LIBS.items():
        shutil.copy(source, root / "lib" / name)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep pytest's output clean
            pass

    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def reader(site):
    """One headless Chromium page with the book open in epub.js."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 600, "height": 800})
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            # Nothing but the loopback server may be reached.
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith(site + "/")
                       or route.request.url.startswith(("blob:", "data:"))
                       else route.abort())
            started = time.monotonic()
            page.goto(f"{site}/index.html?book=/book.epub")
            page.wait_for_function("window.harness && (window.harness.ready || window.harness.error)")
            error = page.evaluate("window.harness.error")
            assert not error, f"epub.js could not open the book: {error}"
            print(f"epub.js open: {time.monotonic() - started:.1f}s")
            page.reading_errors = errors  # type: ignore[attr-defined]
            yield page
        finally:
            browser.close()


@pytest.fixture
def shot(reader, request, tmp_path_factory):
    """On failure, save a screenshot of the reader and name it in the failure."""
    directory = tmp_path_factory.getbasetemp() / "reading-system-failures"

    @contextlib.contextmanager
    def guard(name: str):
        try:
            yield
        except BaseException as exc:
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / f"{request.node.name}-{name}.png"
            with contextlib.suppress(Exception):
                reader.screenshot(path=str(path))
            print(f"screenshot of the failing reader: {path}")
            if isinstance(exc, AssertionError):
                raise AssertionError(f"{exc}\n(screenshot: {path})") from exc
            raise

    return guard


def js(page, expression: str, arg=None):
    return page.evaluate(expression, arg)


def display(page, target: str) -> dict:
    location = js(page, "t => window.harness.display(t)", target)
    assert location, f"epub.js reported no location after display({target!r})"
    return location


def click_in_book(page, selector: str) -> dict:
    """Click a link inside the rendered section with the mouse, wait for epub.js to move."""
    before = js(page, "window.harness.relocations")
    frame = page.frame_locator("#viewer iframe").last
    frame.locator(selector).first.click()
    page.wait_for_function("n => window.harness.relocations > n", arg=before)
    return js(page, "window.harness.settle()")


def test_cover_renders(reader, shot):
    with shot("cover"):
        spine = js(reader, "window.harness.spine()")
        assert spine[0] == "text/cover.xhtml", spine
        location = display(reader, spine[0])
        assert location["href"] == "text/cover.xhtml"
        reader.wait_for_function(
            "() => { const i = window.harness.images(); return i.length && i[0].complete; }")
        images = js(reader, "window.harness.images()")
        assert len(images) == 1, images
        cover = images[0]
        assert cover["naturalWidth"] > 0 and cover["naturalHeight"] > 0, cover
        assert cover["width"] > 100 and cover["height"] > 100, f"cover drawn too small: {cover}"
        assert js(reader, "window.harness.visible('img')")["visible"]


def test_first_pages_render_text(reader, shot):
    with shot("titlepage"):
        display(reader, "text/titlepage.xhtml")
        text = js(reader, "window.harness.visibleText()")
        assert "Victor Serge" in text, f"title page shows no title: {text!r}"
    with shot("contents"):
        display(reader, "text/contents.xhtml")
        text = js(reader, "window.harness.visibleText()")
        assert text.strip(), "the contents page renders no text"


def test_noteref_opens_note_and_backlink_returns(reader, shot):
    with shot("piece"):
        toc = js(reader, "window.harness.toc()")
        piece = next((t["href"] for t in toc if "piece-" in t["href"]), None)
        assert piece, f"no piece in the toc: {toc}"
        display(reader, piece)
        assert js(reader, "window.harness.visibleText()").strip(), "the piece's first page is blank"
        ref = js(reader, "window.harness.visible('a.noteref, a[epub\\\\:type=noteref]')")
        assert ref["found"], f"no note reference in {piece}"
        ref_id = js(reader, "window.harness.attr('a.noteref', 'id')")
        note_href = js(reader, "window.harness.attr('a.noteref', 'href')")
        assert ref_id and note_href and note_href.startswith("#"), (ref_id, note_href)
        if not ref["visible"]:  # bring the reference's page on screen, as a reader paging on would
            display(reader, piece.split("#")[0] + "#" + ref_id)
        assert js(reader, "id => window.harness.visible(id)", ref_id)["visible"], \
            "the note reference is not on screen"
    with shot("note"):
        click_in_book(reader, f"#{ref_id}")
        note = js(reader, "id => window.harness.visible(id)", note_href[1:])
        assert note["found"] and note["visible"], f"the note {note_href} is not on screen: {note}"
        assert len(note["text"]) > 5, f"the note shows no text: {note}"
        backlink_sel = f"#{note_href[1:]} a.note-number, #{note_href[1:]} a[epub\\:type=backlink]"
        back = js(reader, "s => window.harness.visible(s)", backlink_sel)
        assert back["found"] and back["visible"], f"no visible backlink in the note: {back}"
        assert js(reader, "s => window.harness.attr(s, 'href')", backlink_sel) == f"#{ref_id}"
    with shot("backlink"):
        click_in_book(reader, backlink_sel)
        again = js(reader, "id => window.harness.visible(id)", ref_id)
        assert again["visible"], f"the backlink did not return to the reference: {again}"


def test_page_list_navigates_to_print_page(reader, shot):
    with shot("page-list"):
        pages = js(reader, "window.harness.pageList()")
        assert len(pages) > 20, f"epub.js found no page-list: {pages}"
        entry = next((p for p in pages if p["page"] == 17), None)
        assert entry, f"no page 17 in the page-list: {pages}"
        assert entry["href"].endswith("#page-17"), entry
        location = display(reader, entry["href"])
        assert location["href"] == entry["href"].split("#")[0], (location, entry)
        marker = js(reader, "window.harness.visible('page-17')")
        assert marker["found"], "the section has no #page-17 marker"
        assert marker["visible"], f"page 17's marker is not on screen: {marker}"
        assert js(reader, "window.harness.visibleText()").strip(), "page 17 renders no text"


def test_no_script_errors(reader):
    assert not reader.reading_errors, reader.reading_errors

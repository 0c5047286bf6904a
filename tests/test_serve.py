"""`anthology serve`: the preview server on its own (what it serves and refuses), and the
editor's loop in a real browser: Chromium (via Playwright) keeps the preview open while a
piece is edited on disk, and sees the new word, a broken note's error and its fix without
a manual reload. A missing Chromium or Playwright is a failure, never a skip."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from anthology.serve import State, _handler, _is_input

ROOT = Path(__file__).resolve().parent.parent
MINI = Path(__file__).resolve().parent / "fixtures" / "manuscripts" / "mini"
CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT_MS = 30_000


# ---- the server on its own -----------------------------------------------------------------


@pytest.fixture
def server(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "book.html").write_text("<!DOCTYPE html><html><head><title>B</title></head><body>"
                                   "<p>The text.</p><img src=\"images/a.png\"/></body></html>",
                                   "utf-8")
    (out / "book.epub").write_bytes(b"PK epub")
    (out / "secret.txt").write_text("not served", "utf-8")
    (tmp_path / "outside.txt").write_text("not served", "utf-8")
    state = State(out, "book")
    state.publish({"/files/book.html": out / "book.html", "/files/book.epub": out / "book.epub"},
                  (), ("book.md:3: warning x: y",))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield state, httpd.server_address[1]
    with state.lock:
        state.stopped = True
        state.lock.notify_all()
    httpd.shutdown()
    httpd.server_close()


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response.read()


def test_only_the_last_good_build_s_files_are_served(server) -> None:
    _state, port = server
    assert get(port, "/files/book.epub") == (200, b"PK epub")
    for path in ("/files/secret.txt", "/files/../outside.txt", "/files/..%2f..%2fetc%2fpasswd",
                 "/../../etc/passwd", "/files/", "/book.html", "//etc/passwd"):
        assert get(port, path)[0] == 404, path


def test_the_page_shows_the_book_its_problems_and_its_outputs(server) -> None:
    state, port = server
    status, page = get(port, "/")
    text = page.decode("utf-8")
    assert status == 200 and "<p>The text.</p>" in text
    assert 'href="/files/book.epub"' in text and "1 warning" in text
    assert 'src="/files/images/a.png"' in text  # the pictures beside the HTML
    assert "EventSource" in text and 'role="alert"' not in text
    state.publish(None, ("book.md:9: error note-undefined: reference [^9] has no note",), ())
    text = get(port, "/")[1].decode("utf-8")
    assert 'role="alert"' in text and "book.md:9: error note-undefined" in text
    assert "<p>The text.</p>" in text  # the last good book stays


def test_a_change_is_announced_on_the_event_stream(server) -> None:
    state, port = server
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/events")
    response = conn.getresponse()
    assert response.getheader("Content-Type") == "text/event-stream"
    assert response.fp.readline() == f"data: {state.version}\n".encode()
    response.fp.readline()
    state.publish(None, (), ())
    assert response.fp.readline() == f"data: {state.version}\n".encode()


def test_outputs_and_editors_files_are_no_input(tmp_path: Path) -> None:
    out = (tmp_path / "build").resolve()
    assert _is_input(tmp_path / "pieces" / "01-a.md", out)
    assert not _is_input(out / "book.pdf", out)
    for name in (".01-a.md.swp", "01-a.md~", "#01-a.md#", ".DS_Store"):
        assert not _is_input(tmp_path / "pieces" / name, out)


# ---- the editor's loop, in a real browser ----------------------------------------------------


@pytest.mark.slow
@pytest.mark.external
def test_an_edit_shows_in_the_open_preview(tmp_path: Path) -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - depends on the environment
        pytest.fail(f"playwright is not installed ({exc}); run `make test`", pytrace=False)
    assert CHROMIUM.exists(), f"no Chromium at {CHROMIUM}: install Debian's chromium package"
    manuscript, out = tmp_path / "ms", tmp_path / "out"
    shutil.copytree(MINI, manuscript)
    piece = manuscript / "pieces" / "01-first.md"
    server = subprocess.Popen([sys.executable, "-m", "anthology", "serve", str(manuscript),
                               "-o", str(out), "--port", "0"], cwd=ROOT,
                              stderr=subprocess.PIPE, text=True, env={**os.environ})
    lines: list[str] = []
    try:
        url = _wait_for_url(server, lines)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.goto(url)
            page.wait_for_selector("text=Lamps were", timeout=TIMEOUT_MS)
            assert page.locator("[role=doc-pagebreak]").count() > 0  # the print page numbers

            piece.write_text(piece.read_text("utf-8").replace("Lamps were", "Candles were"),
                             "utf-8")
            page.wait_for_selector("text=Candles were", timeout=TIMEOUT_MS)  # no reload asked

            piece.write_text(piece.read_text("utf-8").replace("[^2]\n", "[^9]\n", 1), "utf-8")
            alert = page.wait_for_selector("[role=alert]", timeout=TIMEOUT_MS)
            assert "note-undefined" in alert.inner_text() and "01-first.md" in alert.inner_text()
            assert page.locator("text=Candles were").count() == 1  # the last good book stays

            piece.write_text(piece.read_text("utf-8").replace("[^9]\n", "[^2]\n", 1), "utf-8")
            page.wait_for_selector("[role=alert]", state="detached", timeout=TIMEOUT_MS)

            epub = page.request.get(url + "files/ms.epub")
            pdf = page.request.get(url + "files/ms.pdf")
            assert epub.status == 200 and pdf.status == 200
            assert pdf.body().startswith(b"%PDF")
            (tmp_path / "got.epub").write_bytes(epub.body())
            with zipfile.ZipFile(tmp_path / "got.epub") as book:
                text = " ".join(book.read(n).decode("utf-8") for n in book.namelist()
                                if n.endswith(".xhtml"))
            assert "Candles were" in text
            browser.close()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:  # pragma: no cover - the failure is the point
            server.kill()
            server.wait()
        time.sleep(0.2)  # the reader thread takes the last lines
    said = "\n".join(lines)
    assert server.returncode == 0, said
    assert "stopped" in said and "Traceback" not in said


def _wait_for_url(server: subprocess.Popen, lines: list[str]) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = server.stderr.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if line.startswith("serving "):
            def read_on() -> None:
                for rest in server.stderr:
                    lines.append(rest.rstrip())
            threading.Thread(target=read_on, daemon=True).start()
            return line.split()[1]
    pytest.fail("serve never said where it serves:\n" + "\n".join(lines))

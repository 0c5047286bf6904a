"""Turn a manuscript folder into a live preview: build, watch, rebuild on every save, and serve
the book to a browser that reloads itself.

The loop, as mkdocs' ``serve`` has it:

1. build every format into the output folder (:func:`anthology.build.build`, which reuses
   whatever an earlier build made from the same inputs);
2. serve, on 127.0.0.1 unless another host is asked for, the preview: the book's shared HTML
   (its print page numbers in the margin where the PDF's pages begin), with a bar at the top
   giving the build's errors and warnings and links to the EPUB, the PDF and the booklet;
3. watch the manuscript folder (``watchfiles``); on a save, build the HTML alone first (a
   fraction of a second: the page shows the new text at once), then every format (the page
   then shows the print page numbers and links the new EPUB and PDF); a failed build keeps
   the last good book in the page and shows its errors (``path:line: …``) above it;
4. after each build the page is told by a server-sent event (``/events``) and reloads itself,
   keeping the reader's place.

Only the preview page, the events and the files of the last good build (the outputs it
listed and the pictures beside its HTML) are served; any other path is 404, so nothing else
on the machine can be read through it. Ctrl-C stops the watcher, the server and any build
under way, and leaves the last good outputs in place.
"""

from __future__ import annotations

import html
import json
import logging
import threading
import time
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from .build import BuildOptions, build, output_name
from .errors import AnthologyError

log = logging.getLogger(__name__)

DEBOUNCE_MS = 150  # saves closer than this together are one change (an editor's save burst)
TYPES = {".html": "text/html; charset=utf-8", ".epub": "application/epub+zip",
         ".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
         ".jpeg": "image/jpeg", ".gif": "image/gif"}


@dataclass
class State:
    """What the preview shows: the last good build's files, and the last build's problems.
    Shared by the build loop (which writes it) and the server's threads (which read it)."""

    outdir: Path
    name: str
    version: int = 0  # counts the builds; the page reloads when it changes
    files: dict[str, Path] = field(default_factory=dict)  # URL path → file of the last good build
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    changed: str = ""  # the piece file the last build followed, if one
    stopped: bool = False
    lock: threading.Condition = field(default_factory=threading.Condition)

    def publish(self, files: dict[str, Path] | None, errors: tuple[str, ...],
                warnings: tuple[str, ...], changed: str = "") -> None:
        with self.lock:
            if files is not None:
                self.files = files
            self.errors, self.warnings, self.changed = errors, warnings, changed
            self.version += 1
            self.lock.notify_all()


def rebuild(manuscript: Path, options: BuildOptions, state: State, changed: str = "",
            say: Callable[[str], None] = log.warning) -> bool:
    """Build the HTML alone first, into a folder of its own (``OUT/.NAME.preview``), and
    show it; then every format, and show the book with its print page numbers and its
    outputs. The page reloads after each. True if both builds succeeded."""
    quick = replace(options, formats=("html",), outdir=options.outdir / f".{state.name}.preview",
                    timings=None, chunks=None)
    return _build_and_publish(manuscript, quick, state, changed, say, "the text") and \
        _build_and_publish(manuscript, options, state, changed, say, "the book")


def _build_and_publish(manuscript: Path, options: BuildOptions, state: State, changed: str,
                       say: Callable[[str], None], what: str) -> bool:
    started = time.monotonic()
    try:
        result = build(manuscript, options)
    except AnthologyError as exc:
        lines = tuple(str(d) for d in exc.diagnostics)
        for line in lines:
            say(line)
        say("the build failed; the preview keeps the last good book")
        state.publish(None, lines, state.warnings, changed)
        return False
    files = dict(state.files) if options.formats == ("html",) else {}
    files.update({f"/files/{p.name}": p for p in result.outputs})
    images = options.outdir / "images"
    if images.is_dir():
        files.update({f"/files/images/{p.name}": p for p in images.iterdir() if p.is_file()})
    warnings = tuple(str(d) for d in result.warnings)
    state.publish(files, (), warnings, changed)
    say(f"{what} built in {time.monotonic() - started:.2f} s"
        f"{f' ({len(warnings)} warnings)' if warnings else ''}")
    return True


def serve(manuscript: Path, options: BuildOptions, host: str = "127.0.0.1", port: int = 8000,
          ready: Callable[[str], None] | None = None, stop: threading.Event | None = None,
          say: Callable[[str], None] = log.warning) -> None:
    """Build, serve the preview and rebuild on every change until Ctrl-C (or ``stop``).
    ``ready`` is told the preview's address once it is served; ``say`` each build's news."""
    import watchfiles

    from . import cache

    folder = manuscript if manuscript.is_dir() else manuscript.parent
    name = options.name or output_name(manuscript)
    # one chunk cache for every build of the loop: the PDF's unchanged chunks stay in memory
    options = replace(options, name=name, chunks=options.chunks or
                      cache.ChunkCache(cache.chunks_path(options.outdir, name)))
    state = State(options.outdir, name)
    server = ThreadingHTTPServer((host, port), _handler(state))  # the port first: a taken
    server.daemon_threads = True                                 # one fails before a build
    thread = threading.Thread(target=server.serve_forever, name="preview", daemon=True)
    thread.start()
    url = f"http://{host}:{server.server_address[1]}/"
    rebuild(manuscript, options, state, say=say)
    if ready is not None:
        ready(url)
    stop = stop or threading.Event()
    outdir = options.outdir.resolve()
    try:
        for changes in watchfiles.watch(folder, stop_event=stop, debounce=DEBOUNCE_MS,
                                        step=50, raise_interrupt=True,
                                        watch_filter=lambda _c, p: _is_input(Path(p), outdir)):
            paths = sorted(Path(p) for _c, p in changes)
            base = folder.resolve()
            say("changed: " + ", ".join(str(p.relative_to(base)) if p.is_relative_to(base)
                                        else str(p) for p in paths))
            piece = next((p.stem for p in paths if p.suffix == ".md"), "")
            rebuild(manuscript, options, state, piece, say)
    finally:
        stop.set()
        with state.lock:
            state.stopped = True
            state.lock.notify_all()  # the event streams see the stop and end
        server.shutdown()
        server.server_close()


def _is_input(path: Path, outdir: Path) -> bool:
    """A change the book depends on: not the outputs' folder (if it lies in the manuscript's),
    nor an editor's swap, backup or lock file."""
    resolved = path.resolve()
    if resolved == outdir or outdir in resolved.parents:
        return False
    name = path.name
    return not (name.startswith((".", "~", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp")))


# ---- the server ---------------------------------------------------------------------------


def _handler(state: State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "anthology-preview"

        def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base's name)
            log.debug("preview: " + format, *args)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = unquote(urlsplit(self.path).path)
            if path == "/":
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", _page(state))
            elif path == "/events":
                self._events()
            elif path == "/status":
                with state.lock:
                    body = {"version": state.version, "errors": list(state.errors),
                            "warnings": list(state.warnings), "changed": state.changed}
                self._send(HTTPStatus.OK, "application/json",
                           json.dumps(body).encode("utf-8"))
            else:
                with state.lock:
                    file = state.files.get(path)
                try:
                    data = file.read_bytes() if file is not None else None
                except OSError:
                    data = None
                if data is None:
                    self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found\n")
                else:
                    self._send(HTTPStatus.OK, TYPES.get(file.suffix.lower(),
                                                        "application/octet-stream"), data)

        def _send(self, status: HTTPStatus, kind: str, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def _events(self) -> None:
            """A stream of the build's version: one event now, one after each build."""
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = -1
            try:
                while True:
                    with state.lock:
                        if state.version == seen and not state.stopped:
                            state.lock.wait(timeout=15)
                        if state.stopped:
                            return
                        version = state.version
                    if version != seen:
                        seen = version
                        self.wfile.write(f"data: {seen}\n\n".encode("ascii"))
                    else:
                        self.wfile.write(b": alive\n\n")  # a comment keeps the stream open
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return

    return Handler


def _page(state: State) -> bytes:
    """The preview: the last good book's HTML, the bar with the build's problems and the
    outputs' links before it, the reloading script after it."""
    with state.lock:
        book = state.files.get(f"/files/{state.name}.html")
        errors, warnings, version = state.errors, state.warnings, state.version
        outputs = [(url.rsplit("/", 1)[1], url) for url in state.files
                   if url.count("/") == 2 and not url.endswith(".html")]
    try:
        text = book.read_text("utf-8") if book is not None else ""
    except OSError:
        text = ""
    if not text:
        text = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"/><title>anthology</title>"
                "</head><body><p>No book yet: the first build failed.</p></body></html>")
    text = text.replace('src="images/', 'src="/files/images/')
    bar = _bar(errors, warnings, outputs, version)
    head_end, body_at = text.find("</head>"), text.find("<body")
    body_end = text.find(">", body_at) + 1 if body_at >= 0 else 0
    page = text[:head_end] + f"<style>{BAR_CSS}</style>" + text[head_end:body_end] + bar + \
        text[body_end:]
    end = page.rfind("</body>")
    page = page[:end] + RELOAD_SCRIPT + page[end:]
    return page.encode("utf-8")


def _bar(errors: tuple[str, ...], warnings: tuple[str, ...], outputs: list[tuple[str, str]],
         version: int) -> str:
    links = " ".join(f'<a href="{html.escape(url)}">{html.escape(label)}</a>'
                     for label, url in sorted(outputs))
    parts = [f'<div id="anthology-preview" role="region" aria-label="Preview" '
             f'data-version="{version}"><p>anthology preview · {links}</p>']
    if errors:
        parts.append('<div class="errors" role="alert"><p>The last build failed; the book '
                     'below is the last good one.</p><ul>' +
                     "".join(f"<li>{html.escape(e)}</li>" for e in errors) + "</ul></div>")
    if warnings:
        parts.append('<details class="warnings"><summary>' + f"{len(warnings)} warning"
                     f"{'s' if len(warnings) != 1 else ''}</summary><ul>" +
                     "".join(f"<li>{html.escape(w)}</li>" for w in warnings) +
                     "</ul></details>")
    parts.append("</div>")
    return "".join(parts)


BAR_CSS = """
#anthology-preview { font: 0.85rem/1.4 system-ui, sans-serif; background: #f4f1ea;
  border-bottom: 1px solid #ccc; padding: 0.4rem 1rem; margin: 0 -100vw 1rem; padding-left: 100vw;
  padding-right: 100vw; }
#anthology-preview p { margin: 0; text-indent: 0; }
#anthology-preview a { margin-right: 0.8em; }
#anthology-preview .errors { color: #8b0000; margin-top: 0.3rem; }
#anthology-preview ul { margin: 0.2rem 0; padding-left: 1.2rem; font-family: monospace; }
"""

# Reload on each new build; keep the reader's place across the reload.
RELOAD_SCRIPT = """<script>
(function () {
  var key = "anthology-preview-scroll";
  var kept = sessionStorage.getItem(key);
  if (kept !== null) { window.scrollTo(0, parseInt(kept, 10)); sessionStorage.removeItem(key); }
  var shown = document.getElementById("anthology-preview").dataset.version;
  var events = new EventSource("/events");
  events.onmessage = function (e) {
    if (e.data !== shown) {
      sessionStorage.setItem(key, String(window.scrollY));
      events.close();
      window.location.reload();
    }
  };
})();
</script>
"""


__all__ = ["serve", "rebuild", "State"]

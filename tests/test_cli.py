"""End-to-end tests of the command line, run as a user runs it (a subprocess)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest


def anthology(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "anthology", *args], capture_output=True,
                          text=True, cwd=cwd, env={**os.environ, "PYTHONWARNINGS": "ignore"})


def outputs(folder: Path) -> list[str]:
    """The files a user sees (the page map of the last print layout is a hidden file)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


@pytest.mark.slow
def test_unknown_option_is_one_line() -> None:
    r = anthology("build", "--bogus")
    assert r.returncode == 2
    [line] = r.stderr.splitlines()
    assert line.startswith("anthology build: no such option '--bogus'")
    assert line.endswith("(see 'anthology build --help')")
    assert "Traceback" not in r.stderr


@pytest.mark.slow
def test_check_reports_ok(mini: Path) -> None:
    r = anthology("check", str(mini))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok: 0 warnings"


@pytest.mark.slow
def test_build_every_format(mini: Path, tmp_path: Path) -> None:
    r = anthology("build", str(mini), "-o", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # not a terminal: no progress, no chatter
    assert outputs(tmp_path) == ["mini.epub", "mini.html", "mini.pdf"]
    with zipfile.ZipFile(tmp_path / "mini.epub") as z:
        assert z.namelist()[0] == "mimetype"


@pytest.mark.slow
def test_only_the_asked_format(mini: Path, tmp_path: Path) -> None:
    r = anthology("build", str(mini), "--epub", "-o", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert outputs(tmp_path) == ["mini.epub"]


@pytest.mark.slow
def test_bad_manuscript_leaves_previous_output_untouched(mini: Path, tmp_path: Path) -> None:
    ms = tmp_path / "ms"
    shutil.copytree(mini, ms)
    out = tmp_path / "out"
    assert anthology("build", str(ms), "--epub", "-o", str(out)).returncode == 0
    before = (out / "ms.epub").read_bytes()
    piece = ms / "pieces" / "02-reply.md"
    piece.write_text(piece.read_text("utf-8").replace("a list:", "a list:[^7]"), "utf-8")
    r = anthology("build", str(ms), "--epub", "-o", str(out))
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "error note-undefined" in r.stderr
    assert "Traceback" not in r.stderr
    assert (out / "ms.epub").read_bytes() == before
    # no temporary file left; the hidden record of the good build is the good build's
    assert sorted(p.name for p in out.iterdir()) == [".ms.build.json", "ms.epub"]


@pytest.mark.slow
def test_unwritable_output_folder(mini: Path, tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root ignores permission bits: use a path under a regular file
        target = tmp_path / "file"
        target.write_text("x")
        out = target / "sub"
    else:
        out = tmp_path / "ro"
        out.mkdir()
        out.chmod(0o500)
    r = anthology("build", str(mini), "--epub", "-o", str(out))
    assert r.returncode == 2
    assert "error output-unwritable: the output folder is a file" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.slow
def test_two_builds_are_byte_identical(mini: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert anthology("build", str(mini), "-o", str(a)).returncode == 0
    assert anthology("build", str(mini), "-o", str(b)).returncode == 0
    for name in ("mini.epub", "mini.html", "mini.pdf"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.mark.slow
def test_import_refuses_to_overwrite_a_manuscript(tmp_path: Path, seed_text: str) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text(seed_text, "utf-8")
    out = tmp_path / "ms"
    out.mkdir()
    (out / "keep.md").write_text("editor's work")
    r = anthology("import", str(raw), "-o", str(out))
    assert r.returncode == 1
    assert "error output-exists" in r.stderr
    assert (out / "keep.md").read_text() == "editor's work"


@pytest.mark.slow
@pytest.mark.parametrize("data, code", [
    (b"", "empty"), (b"\x00\x01\x02binary", "binary"), (b"caf\xe9 au lait\n", "not-utf8"),
])
def test_import_bad_input_is_one_line(tmp_path: Path, data: bytes, code: str) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_bytes(data)
    r = anthology("import", str(raw), "-o", str(tmp_path / "ms"))
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1, r.stderr
    assert f"{raw}:" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "ms").exists()


SOURCES = Path(__file__).resolve().parent / "fixtures" / "sources"
DUMPS = Path(__file__).resolve().parent / "fixtures" / "dumps"


@pytest.mark.parametrize("name", ["corrupt-truncated.docx", "password-protected.docx",
                                  "plain-text-named.docx", "unknown-type.xyz", "walking.pdf",
                                  "no-article-text.html", "zip-bomb.docx", "xml-entity-bomb.docx"])
def test_import_refuses_a_bad_file_in_one_line_writing_nothing(tmp_path: Path, name: str) -> None:
    source = SOURCES / "bad" / name
    r = anthology("import", str(source), "-o", str(tmp_path / "ms"), cwd=tmp_path)
    assert r.returncode == 1
    [line] = r.stderr.splitlines()
    assert line.startswith(f"{source}: error import-") and line.endswith(")"), line
    assert os.listdir(tmp_path) == []  # no manuscript, no temporary file, nothing else


def test_import_a_bad_file_among_good_ones_writes_nothing(tmp_path: Path) -> None:
    r = anthology("import", str(SOURCES / "volume"), str(SOURCES / "bad" / "walking.pdf"),
                  "-o", str(tmp_path / "ms"))
    assert r.returncode == 1 and "walking.pdf: error import-refused" in r.stderr
    assert not (tmp_path / "ms").exists()


def test_import_a_folder_of_every_format(tmp_path: Path) -> None:
    r = anthology("import", str(SOURCES / "volume"), "-o", str(tmp_path / "ms"))
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines()[0] == "8 pieces found, 15 notes linked"
    assert len(list((tmp_path / "ms" / "pieces").iterdir())) == 8
    assert len(list((tmp_path / "ms" / "images").iterdir())) == 4


def test_import_of_a_dump_beside_other_files_checks_clean(tmp_path: Path) -> None:
    """Lines a dump loses are listed with the file they came from (its name: the manuscript
    is the same wherever the folder lies), and the manuscript reads back without a word."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SOURCES / "volume" / "06-lamb-a-quakers-meeting.md", folder)
    dumps = {"civic_ledger_libraries.txt", "gutenberg_lamb_best_letters.txt"}
    for name in dumps:
        shutil.copy(DUMPS / name, folder)
    r = anthology("import", str(folder), "-o", str(tmp_path / "ms"))
    assert r.returncode == 0, r.stderr
    removed = tomllib.loads((tmp_path / "ms" / "volume.toml").read_text("utf-8"))["removed"]
    assert {row["source"] for row in removed} == dumps
    r = anthology("check", "--strict", str(tmp_path / "ms"))
    assert r.returncode == 0 and r.stdout.strip() == "ok: 0 warnings", r.stdout + r.stderr


def test_import_bombs_stay_small_in_memory(tmp_path: Path) -> None:
    """The zip and entity bombs are refused before anything inflates: the import's peak
    memory, pandoc's included, stays that of an ordinary run."""
    measure = ("import resource, subprocess, sys; "
               "subprocess.run([sys.executable, '-m', 'anthology', *sys.argv[1:]], "
               "capture_output=True); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    for name in ("zip-bomb.docx", "xml-entity-bomb.docx"):
        r = subprocess.run([sys.executable, "-c", measure, "import", str(SOURCES / "bad" / name),
                            "-o", str(tmp_path / name)], capture_output=True, text=True, check=True)
        peak = int(r.stdout)  # the largest process the import ran (kB on Linux)
        assert peak < 300 * 1024, f"{name}: {peak >> 10} MB"
        assert not (tmp_path / name).exists()


def test_import_hostile_files_touch_nothing_outside(tmp_path: Path) -> None:
    """Pictures named outside a document, linked from a web server or from the disk are never
    fetched, read or written: a server on this machine stands in for the remote sites and
    must see no request; no file appears outside the manuscript."""
    import http.server
    import threading

    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    here = f"http://127.0.0.1:{server.server_address[1]}"
    work = tmp_path / "work"
    work.mkdir()
    for name in ("hostile-page.html", "hostile-manuscript.md"):
        text = (SOURCES / "bad" / name).read_text("utf-8").replace("https://example.com", here)
        (work / name).write_text(text, "utf-8")
    for name in ("media-path-traversal.docx", "media-absolute-path.docx",
                 "remote-linked-images.docx"):
        shutil.copy(SOURCES / "bad" / name, work / name)
    assert not Path("/tmp/evil.png").exists()
    try:
        r = anthology("import", str(work), "-o", str(tmp_path / "ms"), cwd=work)
    finally:
        server.shutdown()
    assert r.returncode == 0, r.stderr
    assert hits == []
    assert sorted(os.listdir(tmp_path)) == ["ms", "work"]
    assert sorted(os.listdir(work)) == sorted(["hostile-page.html", "hostile-manuscript.md",
                                               "media-path-traversal.docx",
                                               "media-absolute-path.docx",
                                               "remote-linked-images.docx"])
    assert not Path("/tmp/evil.png").exists() and not (tmp_path / "x.png").exists()
    assert r.stderr.count("import-image-dropped") == 4 + 3 + 3


@pytest.mark.slow
def test_pdf_and_booklet(mini: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    r = anthology("build", str(mini), "--pdf", "--booklet", "-o", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert outputs(tmp_path) == ["mini-booklet.pdf", "mini.pdf"]
    n = len(PdfReader(tmp_path / "mini.pdf").pages)
    booklet = PdfReader(tmp_path / "mini-booklet.pdf")
    assert len(booklet.pages) == 2 * -(-n // 4)
    box = booklet.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape sheets


@pytest.mark.slow
def test_booklet_needs_the_pdf(mini: Path, tmp_path: Path) -> None:
    r = anthology("build", str(mini), "--epub", "--booklet", "-o", str(tmp_path))
    assert r.returncode == 1
    assert "booklet-without-pdf" in r.stderr and not tmp_path.joinpath("mini.epub").exists()


@pytest.mark.slow
def test_bad_print_option_is_one_line(mini: Path, tmp_path: Path) -> None:
    r = anthology("build", str(mini), "--pdf", "--bleed", "lots", "-o", str(tmp_path))
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_epub_only_build_reuses_the_last_print_layout(mini: Path, tmp_path: Path) -> None:
    alone = anthology("build", str(mini), "--epub", "-o", str(tmp_path / "alone"))
    assert alone.returncode == 0
    assert "warning epub-no-page-list" in alone.stderr and "no PDF has been built" in alone.stderr
    full = anthology("build", str(mini), "-o", str(tmp_path / "out"))
    assert full.returncode == 0 and full.stderr == ""
    first = (tmp_path / "out" / "mini.epub").read_bytes()
    assert b'epub:type="page-list"' in zipfile.ZipFile(tmp_path / "out" / "mini.epub").read(
        "EPUB/nav.xhtml")
    again = anthology("build", str(mini), "--epub", "-o", str(tmp_path / "out"))
    assert again.returncode == 0 and again.stderr == ""
    assert (tmp_path / "out" / "mini.epub").read_bytes() == first
    # another trim is another print edition: the stored map no longer fits, and it says so
    other = anthology("build", str(mini), "--epub", "--trim", "a4", "-o", str(tmp_path / "out"))
    assert "warning epub-no-page-list" in other.stderr and "changed" in other.stderr

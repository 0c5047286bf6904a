"""End-to-end tests of the command line, run as a user runs it (a subprocess)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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

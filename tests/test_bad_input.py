"""Bad input to `import`, `check` and `build`, run as a user runs it (a subprocess).

Every case asserts the exact exit code, the stderr lines (``path:line: severity code: message``;
the hint in brackets is left to the message's owner), no traceback, and that nothing on disk
changed: a failing build leaves the previous good output byte for byte as it was.

Cases covered elsewhere and not repeated here: empty, binary and non-UTF-8 raw files to import,
import into a non-empty folder, --booklet with --epub only, --bleed lots, an unwritable output
folder and a failing build over a previous output (tests/test_cli.py); a piece outside the
manuscript and the same errors read in-process (tests/test_manuscript.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

MINI = Path(__file__).resolve().parent / "fixtures" / "manuscripts" / "mini"


def anthology(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "anthology", *args], capture_output=True,
                          text=True, cwd=cwd, env={**os.environ, "PYTHONWARNINGS": "ignore"})


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under ``folder``, by relative path."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), "utf-8")


def _ms(root: Path) -> Path:
    ms = root / "ms"
    shutil.copytree(MINI, ms)
    return ms


@pytest.fixture(scope="module")
def previous_output(tmp_path_factory) -> Path:
    """A good HTML + EPUB build of the mini manuscript, copied in as the 'previous output'."""
    root = tmp_path_factory.mktemp("previous")
    _ms(root)
    r = anthology("build", "ms", "--html", "--epub", "-o", "out", cwd=root)
    assert r.returncode == 0, r.stderr
    return root / "out"


@dataclass(frozen=True)
class Case:
    id: str
    setup: Callable[[Path], None]
    args: tuple[str, ...]
    code: int
    lines: tuple[str, ...]  # the start of each stderr line, in order
    stdout: str = ""
    xfail: str = ""


def manifest(old: str, new: str) -> Callable[[Path], None]:
    return lambda root: _edit(_ms(root) / "volume.toml", old, new)


def reply(old: str, new: str) -> Callable[[Path], None]:
    return lambda root: _edit(_ms(root) / "pieces" / "02-reply.md", old, new)


def write(rel: str, data: bytes | str, copy: bool = True) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        if copy:
            _ms(root)
        path = root / rel
        if path.is_file():
            path.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return setup


def directory_instead(rel: str) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        path = _ms(root) / rel
        path.unlink()
        path.mkdir()
    return setup


def then(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    return lambda root: [step(root) for step in steps] and None


def picture(markdown: str, files: dict[str, bytes] | None = None) -> Callable[[Path], None]:
    """The mini manuscript with ``markdown`` as a paragraph on line 9 of 02-reply.md, and
    ``files`` (relative to the working folder) written."""
    def setup(root: Path) -> None:
        _edit(_ms(root) / "pieces" / "02-reply.md", "a list:", "a list:\n\n" + markdown + "\n")
        for rel, data in (files or {}).items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
    return setup


PNG = (Path(__file__).resolve().parent / "fixtures" / "manuscripts" / "pictures" / "images" /
       "macdowell-pons-de-capdeuil.png").read_bytes()
ORPHAN = "\n[^9]: An orphan note.\n"
orphan_note = write("ms/pieces/02-reply.md", (MINI / "pieces" / "02-reply.md").read_text("utf-8")
                    + ORPHAN)
RAW = "On lamps\n\nLamps were lit at dusk.\n"

CASES = [
    # ---- check: the manifest
    Case("toml-syntax", write("ms/volume.toml", 'title = "x"\nsubtitle = "unclosed\n'),
         ("check", "ms"), 1, ("ms/volume.toml:2: error toml-syntax: TOML syntax error:",)),
    Case("unknown-key", manifest('language = "en"', 'langauge = "en"'), ("check", "ms"), 1,
         ("ms/volume.toml:4: error unknown-key: unknown key 'langauge' in volume.toml",)),
    Case("duplicate-piece",
         manifest('"pieces/03-review.md"]', '"pieces/03-review.md", "pieces/01-first.md"]'),
         ("check", "ms"), 1,
         ("ms/volume.toml:10: error duplicate-piece: pieces/01-first.md is listed twice",)),
    Case("manifest-is-a-directory", directory_instead("volume.toml"), ("check", "ms"), 1,
         ("ms/volume.toml: error unreadable: cannot read volume.toml: Is a directory",)),
    Case("manifest-not-utf8", write("ms/volume.toml", b'title = "caf\xe9"\n'), ("check", "ms"), 1,
         ("ms/volume.toml:1: error not-utf8: byte 12 is not UTF-8",)),
    Case("manifest-empty", write("ms/volume.toml", ""), ("check", "ms"), 1,
         ("ms/volume.toml:1: error missing-title: the volume has no title",
          "ms/volume.toml:1: error no-pieces: the volume lists no pieces")),
    Case("bad-date", manifest('date = "2026-01-15"', 'date = "15 Jan"'), ("check", "ms"), 1,
         ("ms/volume.toml:5: error bad-value: date '15 Jan' is not YYYY-MM-DD",)),
    Case("pieces-not-a-list", write("ms/volume.toml", 'title = "x"\npieces = 3\n'),
         ("check", "ms"), 1,
         ("ms/volume.toml:2: error bad-value: pieces must be a list of file paths",)),
    Case("manuscript-does-not-exist", lambda root: None, ("check", "nowhere"), 1,
         ("nowhere: error no-manifest: no volume.toml here",)),
    # ---- check: the pieces
    Case("piece-is-a-directory", directory_instead("pieces/02-reply.md"), ("check", "ms"), 1,
         ("ms/volume.toml:10: error unreadable: cannot read 02-reply.md: Is a directory",)),
    Case("reference-without-note", reply("a list:", "a list:[^7]"), ("check", "ms"), 1,
         ("ms/pieces/02-reply.md:7: error note-undefined: reference [^7] has no note",)),
    Case("note-without-reference", orphan_note, ("check", "ms"), 0,
         ("ms/pieces/02-reply.md:12: warning note-unreferenced: note [^9] is never referenced",),
         stdout="ok: 1 warning\n"),
    Case("note-without-reference-strict", orphan_note, ("check", "--strict", "ms"), 1,
         ("ms/pieces/02-reply.md:12: warning note-unreferenced: note [^9] is never referenced",)),
    Case("duplicate-note-label",
         then(reply("a list:", "a list:[^1]"),
              lambda root: (root / "ms/pieces/02-reply.md").open("a").write(
                  "\n[^1]: One.\n[^1]: Again.\n")),
         ("check", "ms"), 1,
         ("ms/pieces/02-reply.md:13: error note-duplicate: note [^1] is defined twice "
          "(first at line 12)",)),
    Case("no-front-matter", write("ms/pieces/02-reply.md", "no front matter\n"), ("check", "ms"), 1,
         ("ms/pieces/02-reply.md:1: error no-front-matter: a piece must start with TOML front "
          "matter",)),
    Case("unclosed-front-matter", write("ms/pieces/02-reply.md", '+++\ntitle = "x"\n\nbody\n'),
         ("check", "ms"), 1,
         ("ms/pieces/02-reply.md:1: error no-front-matter: the front matter is never closed",)),
    Case("title-is-a-number", reply('title = "A reply"', "title = 3"), ("check", "ms"), 1,
         ("ms/pieces/02-reply.md:2: error bad-value: title must be a string",)),
    Case("unknown-kind", reply('kind = "response"', 'kind = "poem"'), ("check", "ms"), 1,
         ("ms/pieces/02-reply.md:4: error bad-value: unknown kind 'poem'",)),
    # ---- build: bad manuscript or options over a previous good output
    Case("build-missing-piece",
         manifest('"pieces/03-review.md"]', '"pieces/03-review.md", "pieces/04-gone.md"]'),
         ("build", "ms", "--html", "--epub", "-o", "out"), 1,
         ("ms/volume.toml:14: error missing-piece: 04-gone.md does not exist",)),
    Case("build-image-missing", picture("![A lamp](images/missing.png)"),
         ("build", "ms", "-o", "out"), 1,
         ("ms/pieces/02-reply.md:9: error image-missing: the image 'images/missing.png' is not "
          "in the manuscript's images/ (add the file or remove the reference)",)),
    Case("build-image-not-an-image",
         picture("![A lamp](images/lamp.png)", {"ms/images/lamp.png": b"<svg onload='x()'/>"}),
         ("build", "ms", "-o", "out"), 1,
         ("ms/pieces/02-reply.md:9: error image-not-image: the image 'images/lamp.png' is not a "
          "PNG, JPEG or GIF image (",)),
    Case("build-image-outside-the-manuscript",
         picture("![A lamp](../../lamp.png)", {"lamp.png": PNG}),
         ("build", "ms", "-o", "out"), 1,
         ("ms/pieces/02-reply.md:9: error image-path: the image '../../lamp.png' is outside the "
          "manuscript's images/ (",)),
    Case("build-image-url",
         picture('Text. <img src="https://example.org/lamp.png" alt="A lamp">'),
         ("build", "ms", "-o", "out"), 1,
         ("ms/pieces/02-reply.md:9: error image-path: the image 'https://example.org/lamp.png' "
          "is a URL, and an e-book is read offline (",)),
    Case("check-image-without-alt", picture("![](images/lamp.png)", {"ms/images/lamp.png": PNG}),
         ("check", "ms"), 0,
         ("ms/pieces/02-reply.md:9: warning image-no-alt: the image 'images/lamp.png' has no "
          "alt text (",), stdout="ok: 1 warning\n"),
    Case("build-image-without-alt-strict",
         picture("![](images/lamp.png)", {"ms/images/lamp.png": PNG}),
         ("build", "--strict", "ms", "-o", "out"), 1,
         ("ms/pieces/02-reply.md:9: warning image-no-alt:",)),
    Case("build-strict-warning", orphan_note,
         ("build", "--strict", "--html", "--epub", "ms", "-o", "out"), 1,
         ("ms/pieces/02-reply.md:12: warning note-unreferenced:",)),
    Case("build-manuscript-does-not-exist", lambda root: None,
         ("build", "nowhere", "-o", "out"), 1, ("nowhere: error no-manifest:",)),
    Case("build-trim-b5", _ms, ("build", "ms", "--trim", "b5", "-o", "out"), 2,
         ("anthology build: invalid value for '--trim': 'b5' is not one of",)),
    Case("build-bleed-lots-over-output", _ms,
         ("build", "ms", "--pdf", "--bleed", "lots", "-o", "out"), 1,
         ("--bleed: error print-option: not a length: 'lots'",)),
    Case("build-booklet-epub-over-output", _ms,
         ("build", "ms", "--epub", "--booklet", "-o", "out"), 1,
         ("--booklet: error booklet-without-pdf:",)),
    Case("build-output-folder-is-a-file-says-so",
         then(_ms, lambda root: (root / "file").write_text("x")),
         ("build", "ms", "--html", "-o", "file"), 2,
         ("file: error output-unwritable: the output folder is a file",)),
    Case("build-output-under-a-file",
         then(_ms, lambda root: (root / "file").write_text("x")),
         ("build", "ms", "--html", "-o", "file/sub"), 2,
         ("file: error output-unwritable: the output folder is a file",)),
    # ---- import
    Case("import-missing-raw", lambda root: None, ("import", "nothere.txt", "-o", "new"), 1,
         ("nothere.txt: error unreadable: No such file or directory",)),
    Case("import-empty-folder", lambda root: (root / "rawdir").mkdir(),
         ("import", "rawdir", "-o", "new"), 1,
         ("rawdir: error import-nothing: no file to import there",)),
    Case("import-into-a-file",
         then(write("raw.txt", RAW, copy=False), lambda root: (root / "new").write_text("x")),
         ("import", "raw.txt", "-o", "new"), 2,
         ("anthology import: invalid value for '-o' / '--output': Directory 'new' is a file",)),
    Case("import-into-non-empty-folder-with-previous-output", write("raw.txt", RAW, copy=False),
         ("import", "raw.txt", "-o", "out"), 1,
         ("out: error output-exists: the folder already holds files",)),
]


@pytest.mark.slow
@pytest.mark.parametrize("case", [
    pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail
                 else []) for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, previous_output: Path) -> None:
    case.setup(tmp_path)
    if not (tmp_path / "out").exists():
        shutil.copytree(previous_output, tmp_path / "out")
    before = snapshot(tmp_path)
    r = anthology(*case.args, cwd=tmp_path)
    assert "Traceback" not in r.stderr
    assert r.returncode == case.code, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == len(case.lines), r.stderr
    for line, start in zip(lines, case.lines):
        assert line.startswith(start), r.stderr
    assert r.stdout == case.stdout
    assert snapshot(tmp_path) == before  # nothing written, previous output byte for byte


@pytest.mark.slow
def test_raw_file_with_bom_and_crlf_imports_and_checks(tmp_path: Path) -> None:
    (tmp_path / "raw.txt").write_bytes(
        "\ufeffOn lamps\r\n\r\nLamps were lit at dusk.\r\n\r\nThe keeper said so.\r\n".encode())
    r = anthology("import", "raw.txt", "-o", "ms", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "wrote ms\n" and "Traceback" not in r.stderr
    piece = next((tmp_path / "ms" / "pieces").glob("*.md")).read_bytes()
    assert b"\r" not in piece and not piece.startswith(b"\xef\xbb\xbf")
    assert b"Lamps were lit at dusk." in piece
    assert anthology("check", "ms", cwd=tmp_path).returncode == 0


@pytest.mark.slow
def test_five_megabyte_paragraph_imports_and_builds(tmp_path: Path) -> None:
    words = "lamp keeper dusk harbour light night review essay reply ".split()
    text = " ".join(words[i % len(words)] for i in range(900_000))[: 5 * 1024 * 1024]
    (tmp_path / "raw.txt").write_text("On lamps\n\n" + text + ".\n", "utf-8")
    start = time.monotonic()
    r = anthology("import", "raw.txt", "-o", "ms", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = anthology("build", "ms", "--html", "--epub", "-o", "out", cwd=tmp_path)
    took = time.monotonic() - start
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert len((tmp_path / "out" / "ms.html").read_bytes()) > 5 * 1024 * 1024
    assert took < 60, f"import + HTML/EPUB build of 5 MB took {took:.0f} s"


def _interrupt_on(monkeypatch, call: int) -> None:
    import anthology.output

    real = os.replace
    calls = {"n": 0}

    def replace(src, dst):
        calls["n"] += 1
        if calls["n"] == call:
            raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(anthology.output.os, "replace", replace)


def _interrupted_build(tmp_path: Path, previous_output: Path, monkeypatch, capsys, call: int):
    from anthology.cli import main

    ms = _ms(tmp_path)
    _edit(ms / "pieces" / "02-reply.md", "a list:", "a changed list:")
    out = tmp_path / "out"
    shutil.copytree(previous_output, out)
    before = snapshot(out)
    _interrupt_on(monkeypatch, call)
    monkeypatch.chdir(tmp_path)
    code = main(["build", "ms", "--html", "--epub", "-o", "out"])
    err = capsys.readouterr().err
    return code, err, before, snapshot(out)


@pytest.mark.slow
def test_interrupted_build_keeps_the_previous_output(tmp_path: Path, previous_output: Path,
                                                    monkeypatch, capsys) -> None:
    code, err, before, after = _interrupted_build(tmp_path, previous_output, monkeypatch,
                                                  capsys, call=1)
    assert code == 130
    # click writes an empty line first (after the terminal's ^C), then the one message line
    assert [line for line in err.splitlines() if line] == [
        "anthology: interrupted; no output was changed"]
    assert after == before  # same files, same bytes: no temporary file left either


@pytest.mark.slow
def test_build_interrupted_between_two_outputs_changes_nothing(
        tmp_path: Path, previous_output: Path, monkeypatch, capsys) -> None:
    code, err, before, after = _interrupted_build(tmp_path, previous_output, monkeypatch,
                                                  capsys, call=2)
    assert code == 130
    assert sorted(after) == sorted(before)  # no temporary file left
    assert after == before


@pytest.mark.slow
def test_long_single_paragraph_makes_a_pdf(tmp_path: Path) -> None:
    # WeasyPrint lays out one paragraph at ~20 s per 500 KB; 5 MB does not finish in 5 minutes,
    # so the PDF is checked with 256 KB (the 5 MB case above builds the HTML and the EPUB)
    words = "lamp keeper dusk harbour light night review essay reply ".split()
    text = " ".join(words[i % len(words)] for i in range(60_000))[: 256 * 1024]
    (tmp_path / "raw.txt").write_text("On lamps\n\n" + text + ".\n", "utf-8")
    assert anthology("import", "raw.txt", "-o", "ms", cwd=tmp_path).returncode == 0
    start = time.monotonic()
    r = anthology("build", "ms", "--pdf", "-o", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - start < 60
    assert (tmp_path / "out" / "ms.pdf").read_bytes().startswith(b"%PDF")

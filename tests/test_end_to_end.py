"""Dumps of other shapes, through `anthology import` then `anthology build`, as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from validators import assert_epubcheck_clean, linked_notes
from words import epub_text, missing, words

pytestmark = [pytest.mark.slow, pytest.mark.external]

DUMPS = sorted((Path(__file__).parent / "fixtures" / "dumps").glob("*.txt"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "anthology", *args], capture_output=True, text=True)


@pytest.mark.parametrize("dump", DUMPS, ids=[d.stem for d in DUMPS])
def test_import_then_build(dump: Path, tmp_path: Path) -> None:
    ms, out = tmp_path / "ms", tmp_path / "out"
    imported = run("import", str(dump), "-o", str(ms))
    assert imported.returncode == 0, imported.stderr
    assert (ms / "volume.toml").is_file()
    built = run("build", str(ms), "--epub", "-o", str(out))
    assert built.returncode == 0, built.stderr
    epub = out / "ms.epub"
    assert_epubcheck_clean(epub)

    refs, notes = linked_notes(epub)
    assert refs and notes
    # the import report's count is what the book holds
    first_line = imported.stderr.splitlines()[0]
    assert f"{len(notes)} note" in first_line, first_line

    # every word of the dump is in the book, but for the lines the report says it dropped
    dropped = {int(line.split(":")[1]) for line in imported.stderr.splitlines()[1:]
               if "-dropped" in line or "duplicate-title" in line}
    raw = dump.read_text("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = "\n".join(l for n, l in enumerate(raw, 1) if n not in dropped)
    lost = missing(words(kept), words(epub_text(epub)))
    assert not lost, f"words lost: {dict(lost)}"

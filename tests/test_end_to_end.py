"""Dumps of other shapes, through `anthology import` then `anthology build`, as a user would."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from validators import assert_epubcheck_clean
from words import epub_text, missing, words

DUMPS = sorted((Path(__file__).parent / "fixtures" / "dumps").glob("*.txt"))
XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


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

    with zipfile.ZipFile(epub) as z:
        docs = {n.rsplit("/", 1)[-1]: etree.fromstring(z.read(n))
                for n in z.namelist() if n.startswith("EPUB/text/")}
    ids = {(name, el.get("id")) for name, root in docs.items() for el in root.iter() if el.get("id")}
    refs = [(name, a) for name, root in docs.items() for a in root.iter(f"{XHTML}a")
            if a.get(EPUB_TYPE) == "noteref"]
    notes = [(name, li) for name, root in docs.items() for li in root.iter(f"{XHTML}li")
             if li.get(EPUB_TYPE) == "endnote"]
    assert refs and notes
    # the import report's count is what the book holds
    first_line = imported.stderr.splitlines()[0]
    assert f"{len(notes)} note" in first_line, first_line

    def target(name: str, href: str) -> tuple[str, str]:
        file, _, anchor = href.rpartition("#")
        return (file or name, anchor)

    for name, a in refs:
        assert target(name, a.get("href")) in ids
    for name, li in notes:
        back = [a for a in li.iter(f"{XHTML}a") if a.get(EPUB_TYPE) == "backlink"]
        assert back, f"note {li.get('id')} has no link back"
        assert all(target(name, a.get("href")) in ids for a in back)

    # every word of the dump is in the book, but for the lines the report says it dropped
    dropped = {int(line.split(":")[1]) for line in imported.stderr.splitlines()[1:]
               if "-dropped" in line or "duplicate-title" in line}
    raw = dump.read_text("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = "\n".join(l for n, l in enumerate(raw, 1) if n not in dropped)
    lost = missing(words(kept), words(epub_text(epub)))
    assert not lost, f"words lost: {dict(lost)}"

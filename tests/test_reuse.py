"""Incremental builds (pdf/reuse.py, the chunks kept by cache/chunks.py): a build after an
edit takes the chunks it can from the last build, and gives the very bytes a build from
nothing gives."""

from __future__ import annotations

import logging
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from anthology.build import BuildOptions, build
from anthology.model import Image
from anthology.pdf.layout import Job, Laid
from anthology.pdf.reuse import Reuse, chunk_key, laid_from_json, laid_to_json

LAID = Laid(3, 2, ("i", "ii"), "lower-roman", (("Word", 0), None), ("End", 4),
            ((("a", 1.5, 2.25),), ()), ((("a", (1.0, 2.0, 3.0, 4.5)),), ()),
            (((1, "Title", 0.1, 0.2, "open"),), ()), 1.25, (("n1", 1, 2),),
            (("a", "b"), ()))


def test_a_layout_comes_back_as_it_was_kept() -> None:
    import json

    again = laid_from_json(json.loads(json.dumps(laid_to_json(LAID))), 7)
    assert again == replace(LAID, chunk=7, seconds=0.0)


@pytest.mark.parametrize("data", [{}, {"pages": 2}, {**laid_to_json(LAID), "pages": 3},
                                  {**laid_to_json(LAID), "pages": "2"},
                                  {**laid_to_json(LAID), "paginated": [[1], []]}])
def test_a_layout_that_does_not_add_up_is_refused(data: dict) -> None:
    with pytest.raises(ValueError):
        laid_from_json(data, 0)


def test_the_key_is_the_chunks_pages_not_its_place_nor_its_folios() -> None:
    job = Job(2, "<p>text</p>", "file:///styles/", None, (("n1", "c1"),), {"title": "T"}, "0",
              styles=("p { }",), images=(Image("a.png", "image/png", b"png"),))
    key = chunk_key(job, "env")
    assert chunk_key(replace(job, chunk=5, shift=12), "env") == key
    for other in (replace(job, html="<p>text.</p>"), replace(job, styles=("p {}",)),
                  replace(job, images=(Image("a.png", "image/png", b"png2"),)),
                  replace(job, metadata={"title": "U"}), replace(job, epoch="1"),
                  replace(job, calls=()), replace(job, own_numbers=True)):
        assert chunk_key(other, "env") != key
    assert chunk_key(job, "another anthology") != key


def test_without_a_cache_nothing_is_found_nor_kept() -> None:
    reuse = Reuse(None)
    assert not reuse.on and reuse.key(Job(0, "", "", 0)) == ""
    assert reuse.layout("", 0) is None and reuse.drawn("", 0, 0) is None
    reuse.keep("", 0, LAID, b"%PDF")


# ---- the Serge volume, edited: incremental = from nothing --------------------------------

PIECES = "pieces"


@pytest.fixture(scope="module")
def built(serge_copy: Path) -> Path:
    """The Serge volume built once, its chunks kept: each test copies it and edits the copy."""
    _build(serge_copy / "ms", serge_copy / "out", cache=True)
    return serge_copy


@pytest.fixture(scope="module")
def serge_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from anthology.resources import bundled_manuscript

    root = tmp_path_factory.mktemp("serge")
    shutil.copytree(bundled_manuscript(), root / "ms")
    return root


def _build(ms: Path, out: Path, cache: bool):
    return build(ms, BuildOptions(outdir=out, name="serge", cache=cache))


def _sub(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_word(ms: Path) -> None:
    _sub(ms / PIECES / "02-haberkern.md", "refuses to be broken", "refuses to be tamed")


def edit_title(ms: Path) -> None:
    path = ms / PIECES / "02-haberkern.md"
    title = re.search(r'^title = "(.*)"$', path.read_text(encoding="utf-8"), re.M)[1]
    _sub(path, f'title = "{title}"', f'title = "{title}, revised"')


def edit_note(ms: Path) -> None:
    _sub(ms / PIECES / "03-weissman-rejoinder.md", "[^1]: In the first chapter",
         "[^1]: In the opening chapter")


def add_page(ms: Path) -> None:
    """Some 700 words more in the third piece: two pages, and every folio after them moves."""
    path = ms / PIECES / "03-weissman-rejoinder.md"
    text = path.read_text(encoding="utf-8")
    words = re.sub(r"\[\^[^\]]*\]", "", text.split("## Becoming Victor Serge")[1]).split()
    paragraph = " ".join((words * 3)[:700])
    _sub(path, "\n## Becoming Victor Serge", f"\n{paragraph}\n\n## Becoming Victor Serge")


def _pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


OUTPUTS = ("serge.pdf", "serge.epub", "serge.html", ".serge.pagemap.json")


@pytest.mark.slow
@pytest.mark.parametrize("edit", [edit_word, edit_title, edit_note, add_page])
def test_an_incremental_build_gives_the_bytes_of_a_build_from_nothing(
        edit, built: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    shutil.copytree(built, tmp_path, dirs_exist_ok=True)
    ms, out = tmp_path / "ms", tmp_path / "out"
    before = _pages(out / "serge.pdf")
    edit(ms)
    with caplog.at_level(logging.INFO, logger="anthology.pdf.layout"):
        _build(ms, out, cache=True)
    reused = [r.getMessage() for r in caplog.records if r.getMessage().startswith("reused ")]
    assert reused, "the kept chunks were not looked at"
    taken, total = map(int, re.match(r"reused (\d+) of (\d+)", reused[-1]).groups())
    assert 0 < taken < total
    _build(ms, tmp_path / "fresh", cache=False)
    assert not (tmp_path / "fresh" / ".serge.chunks").exists()  # --no-cache keeps nothing
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name
    if edit is add_page:
        assert _pages(out / "serge.pdf") == before + 2  # the folios after it moved
    # bounded: the folder keeps this build's chunks (and the blank verso), no more
    kept = list((out / ".serge.chunks").iterdir())
    assert len(kept) == total + 1


@pytest.mark.slow
def test_damaged_and_foreign_chunks_are_laid_out_again(built: Path, tmp_path: Path) -> None:
    shutil.copytree(built, tmp_path, dirs_exist_ok=True)
    ms, out = tmp_path / "ms", tmp_path / "out"
    entries = sorted((out / ".serge.chunks").glob("*.chunk"), key=lambda p: p.stat().st_size)
    big, other = entries[-1], entries[-2]
    data = bytearray(big.read_bytes())
    data[len(data) // 2] ^= 0x20  # a flipped bit in its PDF
    big.write_bytes(bytes(data))
    # another chunk's entry under the name of the chunk with the second most pages
    key = other.name.split(".")[0]
    foreign = next(p for p in entries if p.name.split(".")[0] != key)
    other.write_bytes(foreign.read_bytes())
    edit_word(ms)
    _build(ms, out, cache=True)
    _build(ms, tmp_path / "fresh", cache=False)
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name


@pytest.mark.slow
def test_a_chunk_cache_given_to_each_build_keeps_what_it_used_in_memory(
        built: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from anthology.cache import ChunkCache, chunks_path

    shutil.copytree(built, tmp_path, dirs_exist_ok=True)
    ms, out = tmp_path / "ms", tmp_path / "out"
    chunks = ChunkCache(chunks_path(out, "serge"))
    options = BuildOptions(outdir=out, name="serge", chunks=chunks)
    edit_word(ms)
    build(ms, options)
    shutil.rmtree(chunks_path(out, "serge"))  # what the next build takes is in memory
    edit_note(ms)
    with caplog.at_level(logging.INFO, logger="anthology.pdf.layout"):
        build(ms, options)
    reused = [r.getMessage() for r in caplog.records if r.getMessage().startswith("reused ")]
    taken, total = map(int, re.match(r"reused (\d+) of (\d+)", reused[-1]).groups())
    assert taken == total - 1  # all but the chunk of the note
    assert len(list(chunks_path(out, "serge").iterdir())) == total + 1  # written again

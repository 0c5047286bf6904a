"""The chunks kept between builds (cache/chunks.py): read back only when every check holds,
written whole, and no more of them kept than the last build used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from anthology.cache import ChunkCache, chunks_path

A, B = "a" * 64, "b" * 64
LAYOUT = {"pages": 2, "labels": []}


def kept(folder: Path, *entries: tuple[str, int, bytes]) -> ChunkCache:
    chunks = ChunkCache(folder)
    for key, shift, pdf in entries:
        chunks.keep(key, shift, LAYOUT, pdf)
    chunks.save()
    return ChunkCache(folder)


def test_a_kept_chunk_is_found_by_key_and_shift(tmp_path: Path) -> None:
    chunks = kept(tmp_path, (A, 4, b"%PDF-a4"), (B, 0, b"%PDF-b0"))
    assert chunks.drawn(A, 4) == (LAYOUT, b"%PDF-a4")
    assert chunks.drawn(A, 6) is None  # another shift: laid out again
    assert chunks.layout(A) == LAYOUT  # ... but its pages are known
    assert chunks.layout("c" * 64) is None


def test_the_folder_is_named_for_the_build(tmp_path: Path) -> None:
    assert chunks_path(tmp_path, "serge") == tmp_path / ".serge.chunks"


def _only_entry(folder: Path) -> Path:
    (path,) = folder.glob("*.chunk")
    return path


def _damage_pdf(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))


def _damage_header(path: Path) -> None:
    line, _, pdf = path.read_bytes().partition(b"\n")
    header = json.loads(line)
    header["layout"]["pages"] = 3  # its own hash no longer matches
    path.write_bytes(json.dumps(header).encode() + b"\n" + pdf)


def _forge_header(path: Path) -> None:
    """A header whose own hash was made again: the PDF's hash still gives it away."""
    import hashlib

    line, _, pdf = path.read_bytes().partition(b"\n")
    header = json.loads(line)
    del header["header_sha256"]
    pdf = pdf + b"more"
    canonical = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    header["header_sha256"] = hashlib.sha256(canonical).hexdigest()
    path.write_bytes(json.dumps(header).encode() + b"\n" + pdf)


def _foreign(path: Path) -> None:
    """Another chunk's entry under this chunk's name."""
    path.rename(path.with_name(f"{B}.4.chunk"))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:20])


def _not_json(path: Path) -> None:
    path.write_bytes(b"\xff\xfe{not json\n%PDF")


@pytest.mark.parametrize("spoil", [_damage_pdf, _damage_header, _forge_header, _truncate,
                                   _not_json])
def test_a_damaged_entry_is_a_miss(spoil, tmp_path: Path) -> None:
    kept(tmp_path, (A, 4, b"%PDF-a4"))
    spoil(_only_entry(tmp_path))
    chunks = ChunkCache(tmp_path)
    assert chunks.drawn(A, 4) is None
    assert chunks.layout(A) is None


def test_an_entry_under_another_chunks_name_is_a_miss(tmp_path: Path) -> None:
    kept(tmp_path, (A, 4, b"%PDF-a4"))
    _foreign(_only_entry(tmp_path))
    chunks = ChunkCache(tmp_path)
    assert chunks.drawn(B, 4) is None and chunks.layout(B) is None
    assert chunks.drawn(A, 4) is None


def test_only_what_the_last_build_used_is_kept(tmp_path: Path) -> None:
    chunks = kept(tmp_path, (A, 4, b"%PDF-a4"), (B, 0, b"%PDF-b0"))
    (tmp_path / f".{A}.4.chunk.123").write_bytes(b"a temporary file left by a killed build")
    assert chunks.drawn(A, 4) is not None  # used; B is not
    chunks.keep(A, 6, LAYOUT, b"%PDF-a6")
    chunks.save()
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{A}.4.chunk", f"{A}.6.chunk"]
    # the same object serves the next build too, from memory where it can
    assert chunks.drawn(A, 6) == (LAYOUT, b"%PDF-a6")
    chunks.save()
    assert [p.name for p in tmp_path.iterdir()] == [f"{A}.6.chunk"]


def test_an_entry_used_from_memory_is_written_again_if_its_file_went(tmp_path: Path) -> None:
    chunks = ChunkCache(tmp_path)
    chunks.keep(A, 4, LAYOUT, b"%PDF-a4")
    chunks.save()
    _only_entry(tmp_path).unlink()
    assert chunks.drawn(A, 4) is not None
    chunks.save()
    assert ChunkCache(tmp_path).drawn(A, 4) == (LAYOUT, b"%PDF-a4")


def test_a_folder_that_cannot_be_written_costs_only_time(tmp_path: Path, monkeypatch) -> None:
    """Writing is refused as a read-only folder refuses it (a permission bit would not stop
    root, who runs CI): the build goes on, and keeps nothing."""
    def refused(self, data) -> int:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "write_bytes", refused)
    chunks = ChunkCache(tmp_path / "chunks")
    chunks.keep(A, 4, LAYOUT, b"%PDF")
    chunks.save()  # no error
    monkeypatch.undo()
    assert ChunkCache(tmp_path / "chunks").drawn(A, 4) is None


def test_a_file_where_the_folder_should_be_costs_only_time(tmp_path: Path) -> None:
    (tmp_path / "chunks").write_text("not a folder")
    chunks = ChunkCache(tmp_path / "chunks")
    assert chunks.drawn(A, 4) is None
    chunks.keep(A, 4, LAYOUT, b"%PDF")
    chunks.save()  # no error

from pathlib import Path

import pytest

from anthology import output
from anthology.errors import OutputError
from anthology.output import atomic_write, atomic_write_tree


def test_atomic_write_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "book.epub"
    atomic_write(target, b"old")
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in target.parent.iterdir()] == ["book.epub"]


def test_interrupted_write_keeps_the_old_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "book.epub"
    atomic_write(target, b"good")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(output.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"half")
    assert target.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["book.epub"]


def test_unwritable_place_is_an_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError) as info:
        atomic_write(blocker / "book.epub", b"x")
    assert "output-unwritable" in str(info.value)


def test_tree_is_swapped_whole(tmp_path: Path) -> None:
    folder = tmp_path / "ms"
    atomic_write_tree(folder, {"volume.toml": b"a", "pieces/01.md": b"b"})
    atomic_write_tree(folder, {"volume.toml": b"c"})
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) == ["volume.toml"]
    assert [p.name for p in tmp_path.iterdir()] == ["ms"]

import shutil
from pathlib import Path

import pytest

from anthology.errors import InputError
from anthology.manuscript import read_manuscript


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "ms"
    shutil.copytree(src, dst)
    return dst


def _errors(folder: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        read_manuscript(folder)
    return [str(d) for d in info.value.diagnostics]


def test_reads_parts_pieces_and_notes(mini: Path) -> None:
    checked = read_manuscript(mini)
    v = checked.volume
    assert v.title == "Small Hours" and v.editors == ("Ana Ruiz",)
    assert [p.title for p in v.parts] == ["The exchange", "Reviews"]
    assert [p.id for p in v.pieces] == ["first", "reply", "review"]
    first = v.pieces[0]
    assert [n.label for n in first.notes] == ["1", "2", "*"]
    assert v.pieces[2].reviewed.authors == ("C. Dee",)
    assert v.identifier.startswith("urn:uuid:")
    assert checked.warnings == ()


def test_toml_syntax_error_has_its_line(mini: Path, tmp_path: Path) -> None:
    ms = _copy(mini, tmp_path)
    (ms / "volume.toml").write_text('title = "x"\nsubtitle = "unclosed\n', "utf-8")
    [line] = _errors(ms)
    assert line.startswith(f"{ms / 'volume.toml'}:2: error toml-syntax:") or ":2: error toml-syntax" in line


def test_unknown_key_names_the_line_and_the_known_keys(mini: Path, tmp_path: Path) -> None:
    ms = _copy(mini, tmp_path)
    text = (ms / "volume.toml").read_text("utf-8").replace('language = "en"', 'langauge = "en"')
    (ms / "volume.toml").write_text(text, "utf-8")
    [line] = _errors(ms)
    assert ":4: error unknown-key: unknown key 'langauge' in volume.toml (known keys:" in line


def test_missing_and_duplicate_pieces_are_all_reported(mini: Path, tmp_path: Path) -> None:
    ms = _copy(mini, tmp_path)
    text = (ms / "volume.toml").read_text("utf-8").replace(
        '"pieces/03-review.md"]', '"pieces/03-review.md", "pieces/04-gone.md", "pieces/01-first.md"]')
    (ms / "volume.toml").write_text(text, "utf-8")
    lines = _errors(ms)
    assert len(lines) == 2
    assert "error missing-piece: 04-gone.md does not exist" in lines[0]
    assert "error duplicate-piece: pieces/01-first.md is listed twice (first at line 10)" in lines[1]


def test_piece_outside_the_manuscript_is_refused(mini: Path, tmp_path: Path) -> None:
    ms = _copy(mini, tmp_path)
    (tmp_path / "secret.md").write_text('+++\ntitle = "s"\n+++\nx\n', "utf-8")
    text = (ms / "volume.toml").read_text("utf-8").replace('"pieces/03-review.md"]', '"../secret.md"]')
    (ms / "volume.toml").write_text(text, "utf-8")
    [line] = _errors(ms)
    assert "error outside-manuscript: ../secret.md is outside the manuscript folder" in line


def test_broken_note_reference_points_at_the_piece_line(mini: Path, tmp_path: Path) -> None:
    ms = _copy(mini, tmp_path)
    piece = ms / "pieces" / "02-reply.md"
    piece.write_text(piece.read_text("utf-8").replace("a list:", "a list:[^7]"), "utf-8")
    [line] = _errors(ms)
    assert line.endswith("02-reply.md:7: error note-undefined: reference [^7] has no note "
                         '(add "[^7]: …" at the end of the piece, or remove the reference)')


def test_bad_front_matter(mini: Path, tmp_path: Path) -> None:
    ms = _copy(mini, tmp_path)
    (ms / "pieces" / "02-reply.md").write_text("no front matter\n", "utf-8")
    (ms / "pieces" / "03-review.md").write_text('+++\ntitle = "x"\nkind = "poem"\n+++\n', "utf-8")
    lines = _errors(ms)
    assert "02-reply.md:1: error no-front-matter" in lines[0]
    assert "03-review.md:3: error bad-value: unknown kind 'poem'" in lines[1]


def test_not_utf8(mini: Path, tmp_path: Path) -> None:
    ms = _copy(mini, tmp_path)
    (ms / "pieces" / "02-reply.md").write_bytes(b'+++\ntitle = "caf\xe9"\n+++\n')
    [line] = _errors(ms)
    assert "02-reply.md:2: error not-utf8: byte 16 is not UTF-8 (save the file as UTF-8)" in line


def test_control_character(mini: Path, tmp_path: Path) -> None:
    """A character XML cannot carry is the author's to delete, not a crash when rendering."""
    ms = _copy(mini, tmp_path)
    piece = ms / "pieces" / "02-reply.md"
    piece.write_text(piece.read_text("utf-8") + "A terminal's \x1b[1mescape.\n", "utf-8")
    line_no = piece.read_text("utf-8").count("\n")
    [line] = _errors(ms)
    assert (f"02-reply.md:{line_no}: error control-character: a control character (U+001B) "
            "that no EPUB or PDF can hold (delete it") in line


def test_no_manifest(tmp_path: Path) -> None:
    [line] = _errors(tmp_path)
    assert "error no-manifest" in line

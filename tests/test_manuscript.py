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


# ---- pictures: images/NAME, checked once, every problem at its line ----------------------

PICTURES = Path(__file__).resolve().parent / "fixtures" / "manuscripts" / "pictures"
PNG = (PICTURES / "images" / "macdowell-pons-de-capdeuil.png").read_bytes()
JPEG = (PICTURES / "images" / "vellum.jpg").read_bytes()


def _with_picture(mini: Path, tmp_path: Path, markdown: str,
                  files: dict[str, bytes] | None = None) -> tuple[Path, int]:
    """The mini manuscript with ``markdown`` as a paragraph of 02-reply.md (and ``files`` in
    the manuscript); the paragraph's line."""
    ms = _copy(mini, tmp_path)
    piece = ms / "pieces" / "02-reply.md"
    text = piece.read_text("utf-8")
    line = text[:text.index("a list:")].count("\n") + 3
    piece.write_text(text.replace("a list:", "a list:\n\n" + markdown + "\n", 1), "utf-8")
    for rel, data in (files or {}).items():
        (ms / rel).parent.mkdir(parents=True, exist_ok=True)
        (ms / rel).write_bytes(data)
    return ms, line


def test_pictures_are_read_once_each_in_the_order_shown() -> None:
    checked = read_manuscript(PICTURES)
    assert checked.warnings == ()
    images = checked.volume.images
    # the note's picture and the second piece's are one file; images/unused.png is shown nowhere
    assert [(i.name, i.media_type) for i in images] == [
        ("macdowell-pons-de-capdeuil.png", "image/png"), ("fleuron.gif", "image/gif"),
        ("vellum.jpg", "image/jpeg")]
    assert images[0].data == PNG and images[0].src == "images/macdowell-pons-de-capdeuil.png"
    assert not any(i.animated for i in images)


def test_every_form_of_picture_is_found_and_code_is_not() -> None:
    from anthology.manuscript.images import references

    text = "\n".join([
        '![one](images/a.png "A caption")',
        "Words ![two](<images/b.png>) and `![code](images/nope.png)` and \\![not](images/no.png).",
        '![three][ref] and ![four] and ![five][] and ![text only][undefined]',
        '<img alt="six" src="images/f.png"> <IMG SRC=\'images/g.png\'>',
        "![seven](images/c.png 'single') ![eight](images/d.png (parens))",  # no title in ()
        '![nine](images/e.png "An \\"escaped\\" caption")',
        "[ref]: images/r.png",
        '[four]: <images/four.png> "Title"',
        "[five]: images/five.png",
    ])
    found = [(r.src, r.alt, r.line) for r in references(text, 10)]
    assert found == [
        ("images/a.png", "one", 10), ("images/b.png", "two", 11),
        ("images/r.png", "three", 16), ("images/four.png", "four", 17),
        ("images/five.png", "five", 18),
        ("images/f.png", "six", 13), ("images/g.png", "", 13),
        ("images/c.png", "seven", 14),
        ("images/d.png (parens)", "eight", 14),  # as Markdown reads it
        ("images/e.png", "nine", 15)]


@pytest.mark.parametrize("markdown, files, code, message", [
    ("![A lamp](images/missing.png)", {}, "image-missing",
     "the image 'images/missing.png' is not in the manuscript's images/ (add the file or "
     "remove the reference)"),
    ("![A lamp](images/lamp.png)", {"images/lamp.png": b"<svg onload='x()'/>"},
     "image-not-image", "the image 'images/lamp.png' is not a PNG, JPEG or GIF image"),
    ("![A lamp](images/lamp.png)", {"images/lamp.png": JPEG}, "image-suffix",
     "the image 'images/lamp.png' is a JPEG image, and its name says otherwise (rename it to "
     "end in .jpg)"),
    ("![A lamp](images/lamp.png)", {"images/lamp.png": PNG[:200]}, "image-damaged",
     "the image 'images/lamp.png' cannot be read:"),
    ("![A lamp](../lamp.png)", {"lamp.png": PNG}, "image-path",
     "the image '../lamp.png' is outside the manuscript's images/"),
    ("![A lamp](images/../pieces/lamp.png)", {"pieces/lamp.png": PNG}, "image-path",
     "the image 'images/../pieces/lamp.png' is outside the manuscript's images/"),
    ("![A lamp](/etc/lamp.png)", {}, "image-path",
     "the image '/etc/lamp.png' is outside the manuscript's images/"),
    ("![A lamp](https://example.org/lamp.png)", {}, "image-path",
     "the image 'https://example.org/lamp.png' is a URL, and an e-book is read offline"),
    ('<img src="file:///etc/lamp.png" alt="A lamp">', {}, "image-path",
     "the image 'file:///etc/lamp.png' is a URL"),
    ("![A lamp](lamp.png)", {"lamp.png": PNG}, "image-path",
     "the image 'lamp.png' is not a file directly in the manuscript's images/"),
    ("![A lamp](images/old/lamp.png)", {"images/old/lamp.png": PNG}, "image-path",
     "the image 'images/old/lamp.png' is not a file directly in the manuscript's images/"),
    ("![A lamp](images/.lamp.png)", {"images/.lamp.png": PNG}, "image-path",
     "the image 'images/.lamp.png' is not a file directly in the manuscript's images/"),
    ("![A lamp](images/a lamp.png)", {}, "image-path", ""),
])
def test_a_bad_picture_is_an_error_at_its_line(mini: Path, tmp_path: Path, markdown: str,
                                              files: dict, code: str, message: str) -> None:
    ms, line = _with_picture(mini, tmp_path, markdown, files)
    [error] = _errors(ms)
    assert f"02-reply.md:{line}: error {code}: {message}" in error, error
    assert error.endswith(")")  # every error says how to fix it


def test_a_picture_shown_twice_is_reported_at_both_places(mini: Path, tmp_path: Path) -> None:
    ms, line = _with_picture(mini, tmp_path,
                             "![A lamp](images/gone.png)\n\nAgain: ![A lamp](images/gone.png).")
    assert [e.split(": error")[0].rsplit(":", 1)[1] for e in _errors(ms)] == \
        [str(line), str(line + 2)]


def test_a_link_out_of_images_is_refused(mini: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(PNG)
    ms, line = _with_picture(mini, tmp_path / "x", "![A lamp](images/lamp.png)")
    (ms / "images").mkdir()
    (ms / "images" / "lamp.png").symlink_to(outside)
    [error] = _errors(ms)
    assert f":{line}: error image-path: the image 'images/lamp.png' links to a file outside" in error


def test_a_picture_larger_than_the_limit_is_refused(mini: Path, tmp_path: Path,
                                                    monkeypatch) -> None:
    import anthology.manuscript.images as images

    monkeypatch.setattr(images, "IMAGE_BYTES_MAX", 1 << 20)
    ms, line = _with_picture(mini, tmp_path, "![A lamp](images/lamp.png)",
                             {"images/lamp.png": PNG + b"\0" * (1 << 20)})
    [error] = _errors(ms)
    assert f":{line}: error image-too-large: the image 'images/lamp.png' is 1.0 MiB, more " \
           "than 1 MiB (save it smaller" in error


def test_whatever_import_keeps_builds() -> None:
    """The import keeps pictures by the same rule: the same types and at most the same size."""
    from anthology.importer import conventions
    from anthology.manuscript import IMAGE_BYTES_MAX
    from anthology.manuscript.images import MAGIC, SUFFIXES

    assert conventions.IMAGE_BYTES_MAX <= IMAGE_BYTES_MAX
    assert set(conventions.IMAGE_TYPES) == set(MAGIC)
    for magic, suffix in conventions.IMAGE_TYPES.items():
        assert suffix in SUFFIXES[MAGIC[magic]]


def test_a_picture_without_alt_text_is_a_warning(mini: Path, tmp_path: Path) -> None:
    ms, line = _with_picture(mini, tmp_path, '![](images/lamp.png "A caption")\n\n'
                             '<img src="images/lamp.png">', {"images/lamp.png": PNG})
    checked = read_manuscript(ms)
    assert [(d.line, d.code, d.severity) for d in checked.warnings] == [
        (line, "image-no-alt", "warning"), (line + 2, "image-no-alt", "warning")]
    assert "has no alt text (describe what it shows:" in str(checked.warnings[0])
    assert [i.name for i in checked.volume.images] == ["lamp.png"]


def test_an_animated_gif_is_known_as_one(mini: Path, tmp_path: Path) -> None:
    import io

    from PIL import Image as Pillow

    frames = [Pillow.new("RGB", (8, 8), colour) for colour in ("black", "white")]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=100)
    ms, _ = _with_picture(mini, tmp_path, "![A blinking square](images/blink.gif)",
                          {"images/blink.gif": gif.getvalue()})
    [image] = read_manuscript(ms).volume.images
    assert image.animated and image.media_type == "image/gif"


def test_pictures_in_the_editorial_note_and_bios_are_checked(mini: Path, tmp_path: Path) -> None:
    ms = _copy(mini, tmp_path)
    manifest = ms / "volume.toml"
    text = manifest.read_text("utf-8")
    text = text.replace('Reprinted with permission."""',
                        'Reprinted with permission. ![The first page](images/page.png)"""')
    text = text.replace('bio = "Ana Ruiz teaches history."',
                        'bio = "Ana Ruiz teaches history. ![A portrait](images/ana.jpg)"')
    manifest.write_text(text, "utf-8")
    errors = _errors(ms)
    assert [e.split(": error ")[1].split(":")[0] for e in errors] == ["image-missing"] * 2
    assert errors[0].startswith(f"{ms / 'volume.toml'}:6:") or "volume.toml:6:" in errors[0]
    assert "volume.toml:18: error image-missing: the image 'images/ana.jpg'" in errors[1]


@pytest.mark.parametrize("text", [
    "![a](images/a.png)", "![a] (images/a.png)", "![a]( images/a.png 'x' )",
    "![a](images/a lamp.png)", "![a](images/a(1).png)", "![a\nb](images/a.png\n\"t\")",
    "![a][r]\n\n[r]: images/r.png", "![R]\n\n[r]: images/r.png", "![a] [r]\n\n[r]: images/r.png",
    "[![a](images/a.png)](#x)", "*![a](images/a.png)*", "> ![a](images/a.png)",
    "- ![a](images/a.png)", "1. x\n\n    ![a](images/a.png)", "    ![a](images/code.png)",
    "<p><img src='images/a.png'></p>", "<div>\n<IMG\nsrc=images/a.png>\n</div>",
    "![a](<images/a.png>)", "![a](images/a.png\"t\")", "![[a]](images/a.png)",
])
def test_every_picture_markdown_makes_is_one_the_reader_found(text: str) -> None:
    """The reader finds pictures with patterns of its own, not with Markdown: it must find
    at least every picture Markdown makes (the render stage refuses any it did not check)."""
    import re

    import markdown

    from anthology.manuscript.images import references

    made = set(re.findall(r'<img[^>]*?src="([^"]*)"', markdown.markdown(text)))
    made |= set(re.findall(r"<img[^>]*?src='([^']*)'", markdown.markdown(text)))
    made |= set(re.findall(r"<IMG\s+src=(\S+?)>", markdown.markdown(text)))
    assert made <= {r.src for r in references(text, 1)}, markdown.markdown(text)

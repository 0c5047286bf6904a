"""Markdown fragments (render/fragments.py): converted once, kept between builds, never trusted blindly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from anthology.render import fragments
from anthology.manuscript import read_manuscript
from anthology.render import render

RENDER = """
import sys
from anthology.manuscript import read_manuscript
from anthology.render import render
book = render(read_manuscript(sys.argv[1]).volume)
print("markdown" in sys.modules, "nh3" in sys.modules)
sys.stdout.flush()
sys.stdout.buffer.write(b"".join(d.body.encode() for d in book.documents))
"""


def _render_in_a_new_process(ms: Path, cache: Path) -> tuple[list[str], bytes]:
    out = subprocess.run([sys.executable, "-c", RENDER, str(ms)], capture_output=True,
                         check=True, env={**os.environ, "XDG_CACHE_HOME": str(cache)}).stdout
    head, _, body = out.partition(b"\n")
    return head.decode().split(), body


def test_a_second_build_converts_nothing_and_renders_the_same(mini: Path, tmp_path) -> None:
    first, body = _render_in_a_new_process(mini, tmp_path)
    assert first == ["True", "True"]  # converted, and kept
    (kept,) = (tmp_path / "anthology" / "fragments").iterdir()
    again, body_again = _render_in_a_new_process(mini, tmp_path)
    assert again == ["False", "False"]  # neither Markdown nor the sanitiser imported
    assert body_again == body


@pytest.mark.slow
def test_a_damaged_cache_file_is_converted_again(mini: Path, tmp_path) -> None:
    _, body = _render_in_a_new_process(mini, tmp_path)
    (kept,) = (tmp_path / "anthology" / "fragments").iterdir()
    kept.write_text('{"fragments": [["x", null, [], 3]]', "utf-8")  # cut short
    again, body_again = _render_in_a_new_process(mini, tmp_path)
    assert again == ["True", "True"] and body_again == body
    assert json.loads(kept.read_text("utf-8"))["fragments"]  # written whole again


def test_a_changed_text_is_converted_the_others_are_not(mini: Path, tmp_path,
                                                        monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(fragments, "_store", fragments._Store())
    volume = read_manuscript(mini).volume
    render(volume)
    known = set(fragments._store.fragments)
    converted = []
    real = fragments._converters

    def spy():
        converters = real()

        class Spy:
            def convert(self, text, piece, refs):
                converted.append(text)
                return converters.convert(text, piece, refs)
        return Spy()

    monkeypatch.setattr(fragments, "_store", fragments._Store())  # as a new process has it
    monkeypatch.setattr(fragments, "_converters", spy)
    piece = volume.parts[0].pieces[0]
    edited = piece.body.replace("the", "thee", 1)
    assert edited != piece.body
    render(volume)
    assert converted == []  # all read back
    fragments.convert(edited, piece)
    assert converted == [edited]
    assert (edited, piece.id, tuple((n.label, n.number) for n in piece.notes)) not in known


def test_fragments_the_sanitiser_changed_are_never_kept(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(fragments, "_store", fragments._Store())
    fragments.convert("kept *once* <script>x</script>")
    fragments.convert("plain *text*")
    fragments.save()
    (kept,) = (tmp_path / "anthology" / "fragments").iterdir()
    texts = [row[0] for row in json.loads(kept.read_text("utf-8"))["fragments"]]
    assert texts == ["plain *text*"]


def test_line_blocks_keep_their_lines_also_in_a_quotation() -> None:
    html = fragments.convert("Before.\n\n| One line\n|    indented _two_\n\n> | quoted\n> | verse\n\n* * *\n")
    assert '<p class="verse">One line<br>\n&nbsp;&nbsp;&nbsp;indented <em>two</em></p>' in html
    assert "<blockquote>" in html and "quoted<br" in html and "<hr" in html
    assert "|" not in html


def test_a_line_beginning_with_a_bar_is_not_a_line_block_unless_every_line_is() -> None:
    html = fragments.convert("| one\nand two\n")
    assert 'class="verse"' not in html and "| one" in html

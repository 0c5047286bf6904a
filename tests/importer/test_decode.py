"""decode: bytes → numbered lines."""

from __future__ import annotations

import pytest

from anthology.errors import InputError
from anthology.importer.decode import decode, read_lines
from anthology.importer.report import Log


def lines(text: str):
    log = Log("x")
    return read_lines(text, log), log


def test_line_ends_bom_and_tabs() -> None:
    log = Log("x")
    text = decode("\ufeffA\r\nB\rC\n".encode(), "x", log)
    assert text == "A\nB\nC\n"
    got, _ = lines("Title\n\n\tindented by a tab\n")
    assert [(ln.no, ln.text, ln.indent, ln.blanks) for ln in got] == [
        (1, "Title", 0, 1), (3, "indented by a tab", 4, 1)]


def test_blank_lines_are_counted_and_a_form_feed_is_a_line_of_its_own() -> None:
    got, _ = lines("One\n\n\n\nTwo\fThree\n")
    assert [(ln.no, ln.text, ln.blanks) for ln in got] == [
        (1, "One", 1), (5, "Two", 3), (5, "\f", 0), (5, "Three", 0)]


def test_tex_quotes_become_curly_and_control_characters_go_reported() -> None:
    got, log = lines("``Quoted'' and `single'\x07 here\n")
    assert got[0].text == "“Quoted” and ‘single' here"  # the rest is the build's typography
    assert [d.code for d in log.items] == ["import-controls-removed"]


def test_a_declared_encoding_is_used_when_the_bytes_are_not_utf8() -> None:
    data = "Title: X\nCharacter set encoding: ISO-8859-1\n\nCaf\u00e9 \u201cquoted\u201d\n".encode("cp1252")
    log = Log("x")
    assert "Café “quoted”" in decode(data, "x", log)
    assert [d.code for d in log.items] == ["import-encoding-declared"]


@pytest.mark.parametrize("data, code", [
    (b"", "import-empty"), (b"  \n", "import-empty"), (b"a\x00b", "import-binary"),
    ("caf\u00e9".encode("latin-1"), "import-encoding")])
def test_what_is_not_text_is_refused(data: bytes, code: str) -> None:
    with pytest.raises(InputError) as info:
        decode(data, "x", Log("x"))
    assert info.value.diagnostics[0].code == code

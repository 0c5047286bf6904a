"""E-books as sources: one piece a chapter, the book's apparatus left out, notes kept in
another document of the book brought to their chapter (fixtures: a Standard Ebooks book cut to
a few chapters, and an EPUB pandoc made of two essays with footnotes and pictures)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import lxml.html
import pytest

from anthology.errors import InputError
from anthology.importer.sources import import_sources

from .test_sources import manuscript, notes_of, prose, text_only, verse_lines

EPUBS = Path(__file__).resolve().parent.parent / "fixtures" / "sources" / "epub"
PRINCE = EPUBS / "01-machiavelli-the-prince-standard-ebooks.epub"
ESSAYS = EPUBS / "02-lamb-macdowell-essays-pandoc.epub"


def words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.replace("’", "'").casefold())


def test_chapters_are_pieces_and_the_apparatus_is_left_out() -> None:
    files, report = import_sources([PRINCE])
    volume, pieces = manuscript(files)
    assert volume["title"] == "The Prince"
    assert [m["title"] for m, _b in pieces] == [
        "Dedication", "Concerning Mixed Principalities",
        "Concerning Cruelty and Clemency, and Whether It Is Better to Be Loved Than Feared",
        "Concerning the Way in Which Princes Should Keep Faith"]
    assert [m.get("label", "") for m, _b in pieces] == ["", "III", "XVII", "XVIII"]
    assert {a for m, _b in pieces for a in m["authors"]} == {"Niccolò Machiavelli"}
    skipped = next(d.message for d in report.diagnostics if d.code == "import-epub-skipped")
    for page in ("titlepage", "imprint", "endnotes", "colophon", "uncopyright"):
        assert page in skipped


def test_endnotes_in_another_document_are_their_chapter_s() -> None:
    files, report = import_sources([PRINCE])
    _volume, pieces = manuscript(files)
    assert [len(notes_of(b)) for _m, b in pieces] == [0, 6, 2, 5]
    assert report.notes_linked == 13
    assert not [d for d in report.diagnostics if d.code == "import-note-outside"]
    for meta, body in pieces:
        notes = notes_of(body)
        assert all(n.strip() for n in notes) and "↩" not in body
        refs = re.findall(r"\[\^([^\]]+)\](?!:)", body) + meta.get("title_notes", [])
        assert sorted(set(refs), key=int) == [str(k) for k in range(1, len(notes) + 1)]
    assert pieces[3][0]["title_notes"] == ["1"]  # Marriott's note on the chapter's title
    cruelty = pieces[2][1]
    assert "et late fines custode tueri" in " ".join(verse_lines(cruelty))
    assert "A throne unsettled, and an infant state," in notes_of(cruelty)[1]


def test_no_word_of_a_chapter_is_lost() -> None:
    files, _report = import_sources([PRINCE])
    _volume, pieces = manuscript(files)
    with zipfile.ZipFile(PRINCE) as book:
        for name, (_meta, body) in zip(("chapter-3", "chapter-17", "chapter-18"), pieces[1:]):
            page = lxml.html.document_fromstring(book.read(f"epub/text/{name}.xhtml"))
            for hgroup in page.iter("hgroup"):
                hgroup.getparent().remove(hgroup)
            source = words(page.find("body").text_content())
            kept = words(prose(text_only(body)))
            assert [w for w in source if not w.isdigit()] == kept, name


def test_an_epub_made_by_pandoc_with_footnotes_and_pictures() -> None:
    files, report = import_sources([ESSAYS])
    volume, pieces = manuscript(files)
    assert [(m["title"], m["authors"]) for m, _b in pieces] == [
        ("A Quaker’s Meeting", ["Charles Lamb"]),
        ("The Troubadours, Minnesingers and Mastersingers", ["Edward MacDowell"])]
    assert [len(notes_of(b)) for _m, b in pieces] == [3, 0]
    lamb = pieces[0][1]
    assert verse_lines(lamb)[0] == "Still-born Silence! thou that art"
    shown = re.findall(r"!\[([^\]]+)\]\((images/[^ )]+) \"([^\"]+)\"\)", pieces[1][1])
    assert [caption for _alt, _src, caption in shown] == ["Arabian Melody", "Pons de Capdeuil"]
    assert all(files[src].startswith(b"\x89PNG") for _alt, src, _c in shown)
    assert "title_page" in next(d.message for d in report.diagnostics
                                if d.code == "import-epub-skipped")


def epub(tmp_path: Path, extra: dict[str, bytes], chapter: str = "") -> Path:
    """A small EPUB: one chapter, and the entries ``extra`` adds or replaces."""
    text = chapter or ("<p>It is with extreme willingness that I execute your commands, and "
                       "should indeed have claimed the task if you had not enjoined it.</p>")
    entries = {
        "mimetype": b"application/epub+zip",
        "META-INF/container.xml": b'<?xml version="1.0"?><container version="1.0" xmlns="urn:'
        b'oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OPS/'
        b'book.opf" media-type="application/oebps-package+xml"/></rootfiles></container>',
        "OPS/book.opf": b'<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" '
        b'version="3.0"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>A Book'
        b'</dc:title></metadata><manifest><item id="c1" href="c1.xhtml" media-type="application'
        b'/xhtml+xml"/></manifest><spine><itemref idref="c1"/></spine></package>',
        "OPS/c1.xhtml": ("<html><head><title>A Letter</title></head><body><section>"
                         f"<h1>A Letter</h1>{text}</section></body></html>").encode("utf-8"),
        **extra}
    path = tmp_path / "book.epub"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


def test_an_encrypted_epub_is_refused(tmp_path: Path) -> None:
    path = epub(tmp_path, {"META-INF/encryption.xml": b"<encryption/>"})
    with pytest.raises(InputError) as caught:
        import_sources([path])
    assert caught.value.diagnostics[0].code == "import-protected"


def test_a_package_named_outside_the_book_is_never_read(tmp_path: Path) -> None:
    path = epub(tmp_path, {"META-INF/container.xml": b'<container xmlns="urn:oasis:names:tc:'
                           b'opendocument:xmlns:container"><rootfiles><rootfile full-path="../'
                           b'../etc/passwd"/></rootfiles></container>'})
    with pytest.raises(InputError) as caught:
        import_sources([path])
    assert caught.value.diagnostics[0].code == "import-damaged"


def test_a_picture_named_outside_the_book_is_dropped(tmp_path: Path) -> None:
    path = epub(tmp_path, {}, chapter='<p>It is with extreme willingness that I execute your '
                'commands, and should indeed have claimed the task.</p><p><img alt="x" src="'
                '../../../etc/hostname"/></p>')
    files, report = import_sources([path])
    assert not [n for n in files if n.startswith("images/")]
    dropped = [d for d in report.diagnostics if d.code == "import-image-dropped"]
    assert dropped and "outside the e-book" in dropped[0].message

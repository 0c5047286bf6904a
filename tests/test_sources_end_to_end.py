"""A folder of contributors' files, through `anthology import` then `anthology build`, as an
editor would: two Word files, an OpenDocument file, two saved web pages, two Markdown files
(one with pictures) and a text dump (tests/fixtures/sources/volume), and an e-book made by
pandoc. The book must pass EPUBCheck and Ace with its pictures, link every note both ways,
keep the verse, quotations and italics, show none of the sites' furniture, and hold every word
of every source as the source's own reader (pandoc, or the page's <article>) gives it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from ace import describe, run_ace, violations
from validators import assert_epubcheck_clean, linked_notes
from words import epub_text, missing, words

pytestmark = [pytest.mark.slow, pytest.mark.external]

SOURCES = Path(__file__).parent / "fixtures" / "sources"
VOLUME = SOURCES / "volume"
XHTML = "{http://www.w3.org/1999/xhtml}"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "anthology", *args], capture_output=True,
                          text=True)


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("sources")
    folder = base / "contributions"
    shutil.copytree(VOLUME, folder)
    shutil.copy(SOURCES / "epub" / "02-lamb-macdowell-essays-pandoc.epub", folder / "09-essays.epub")
    ms, out = base / "ms", base / "out"
    imported = run("import", str(folder), "-o", str(ms))
    assert imported.returncode == 0, imported.stderr
    built = run("build", str(ms), "-o", str(out))
    assert built.returncode == 0, built.stderr
    return {"ms": ms, "epub": out / "ms.epub", "pdf": out / "ms.pdf", "html": out / "ms.html",
            "report": imported.stderr, "base": base}


def source_words(path: Path) -> str:
    """A source's text as its own reader gives it: pandoc's plain text of a document (tracked
    changes accepted, comments left out, as Word shows the accepted text), the <article> of a
    saved page, the text file itself."""
    import pypandoc

    if path.suffix in (".docx", ".odt"):
        return pypandoc.convert_file(str(path), "plain", extra_args=["--wrap=none"])
    if path.suffix == ".md":
        text = path.read_text("utf-8")
        if text.startswith("+++"):
            text = text[text.index("\n+++\n", 3) + 5:]
        return pypandoc.convert_text(text, "plain", format="markdown", extra_args=["--wrap=none"])
    if path.suffix == ".html":
        page = lxml.html.document_fromstring(path.read_bytes())
        # the page's text: the element its template names the post's body, else its <article>
        article = next((el for el in page.iter("div") if {"post-body", "entry-content"} &
                        set((el.get("class") or "").split())), None)
        if article is None:
            article = next(page.iter("article"))
        for a in list(article.iter("a")):  # a note's back-link is the page's, not the text's
            if a.text_content().strip() in ("↩", "↑", "^"):
                a.drop_tree()
        return article.text_content()
    return path.read_text("utf-8").replace("_", " ")  # a dump's _italics_ are markup


def test_the_book_passes_epubcheck(book) -> None:
    assert_epubcheck_clean(book["epub"])


def test_ace_finds_no_violation_with_the_pictures(book, tmp_path: Path) -> None:
    with zipfile.ZipFile(book["epub"]) as z:
        pictures = [n for n in z.namelist() if n.startswith("EPUB/images/") and
                    not n.endswith("cover.png")]
    assert len(pictures) == 6  # four of the folder's, two of the e-book's
    found = violations(run_ace(book["epub"], tmp_path / "ace"))
    assert not found, describe(found)


def test_every_piece_has_its_title_and_author_and_every_note_links_both_ways(book) -> None:
    expect = tomllib.loads((SOURCES / "volume.expect.toml").read_text("utf-8"))
    text = " ".join(epub_text(book["epub"]).split())
    for piece in expect["pieces"]:
        assert piece["title"].replace("'", "’") in text.replace("'", "’"), piece["title"]
        for author in piece["authors"]:
            assert author in text
    refs, notes = linked_notes(book["epub"])
    assert len(refs) == len(notes) == expect["notes_total"] + 3  # and the e-book's three
    assert book["report"].splitlines()[0] == "10 pieces found, 18 notes linked"


def test_verse_quotations_and_italics_are_kept_and_no_furniture_shows(book) -> None:
    expect = tomllib.loads((SOURCES / "volume.expect.toml").read_text("utf-8"))
    with zipfile.ZipFile(book["epub"]) as z:
        roots = [etree.fromstring(z.read(n)) for n in sorted(z.namelist())
                 if n.startswith("EPUB/text/")]

    def plain(s: str) -> str:
        return " ".join(s.replace("'", "’").split())

    ems = [plain("".join(e.itertext())) for r in roots for e in r.iter(f"{XHTML}em", f"{XHTML}i")]
    quotes = [plain("".join(q.itertext())) for r in roots for q in r.iter(f"{XHTML}blockquote")]
    # a line of verse ends at a <br/> or at its block's end
    lines = [plain(t) for r in roots for block in r.iter(f"{XHTML}p", f"{XHTML}div")
             for t in re.split(r"\n", _with_breaks(block))]
    # each piece's text without its header (which prints the byline the import read)
    bodies = {}
    for root in roots:
        headers = list(root.iter(f"{XHTML}header"))
        title = plain("".join(headers[0].find(f".//{XHTML}h2").itertext())) if headers and \
            headers[0].find(f".//{XHTML}h2") is not None else ""
        for header in headers + [h for h in root.iter(f"{XHTML}h3", f"{XHTML}h4")
                                 if "endnotes-title" in (h.get("class") or "")]:
            header.getparent().remove(header)  # and the book's own "Notes" heading
        bodies[title] = plain("".join(root.itertext()))
    for piece in expect["pieces"]:
        text = bodies[plain(piece["title"])]
        checks = piece.get("checks", {})
        for phrase in checks.get("italics", []):
            assert any(plain(phrase) in e for e in ems), f"{phrase!r} is not in italics"
        for phrase in checks.get("quotes", []):
            assert any(plain(phrase) in q for q in quotes), f"{phrase!r} is not quoted"
        for line in checks.get("verse", []):
            assert any(plain(line) in ln and len(ln) < len(plain(line)) + 12 for ln in lines), \
                f"{line!r} is not a line of its own"
        for phrase in checks.get("absent", []):
            assert plain(phrase) not in text, f"{phrase!r} is in the book"


def _with_breaks(block) -> str:
    copy = etree.fromstring(etree.tostring(block))
    for br in copy.iter(f"{XHTML}br"):
        br.tail = "\n" + (br.tail or "")
    for sup in copy.iter(f"{XHTML}a"):
        if sup.get("{http://www.idpf.org/2007/ops}type") == "noteref":
            sup.text = ""
    return "".join(copy.itertext())


def test_no_word_of_any_source_is_lost(book) -> None:
    expect = tomllib.loads((SOURCES / "volume.expect.toml").read_text("utf-8"))
    furniture = {p["file"]: p.get("checks", {}).get("absent", []) for p in expect["pieces"]}
    removed = tomllib.loads((book["ms"] / "volume.toml").read_text("utf-8")).get("removed", [])
    with zipfile.ZipFile(book["epub"]) as z:  # a picture's description is the book's too
        alts = " ".join(img.get("alt", "") for n in z.namelist() if n.startswith("EPUB/text/")
                        for img in etree.fromstring(z.read(n)).iter(f"{XHTML}img"))
    book_words = words((epub_text(book["epub"], marks_apart=True) + alts).replace("’", "'"))
    for path in sorted(VOLUME.iterdir()):
        if path.is_dir():
            continue
        text = source_words(path)
        if path.suffix == ".txt":  # but for the lines the import says it left out
            gone = {r["line"] for r in removed if r.get("source", path.name) == path.name}
            text = "\n".join(ln for n, ln in enumerate(text.split("\n"), 1) if n not in gone)
        text = " ".join(text.replace("’", "'").split())
        # but for the site's furniture inside a page's <article>, which the expectations list
        for phrase in furniture.get(path.name, []):
            text = text.replace(" ".join(phrase.replace("’", "'").split()), " ")
        lost = missing(words(text), book_words)
        assert not lost, f"{path.name}: {dict(lost)}"


def test_the_html_shows_the_pictures_beside_it(book) -> None:
    page = book["html"].read_text("utf-8")
    shown = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert len(shown) >= 6
    for src in shown:
        assert (book["html"].parent / src).is_file(), src

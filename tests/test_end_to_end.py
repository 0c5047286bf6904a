"""Dumps of other shapes, through `anthology import` then `anthology build`, as a user would.

Every dump in tests/fixtures/dumps is imported and built; EPUBCheck must pass, every note must
link both ways, and every word of the dump must be in the book but for the lines the import
says it left out (``[[removed]]``). A dump with a ``NAME.expect.toml`` beside it is also held
to what that file says a correct import finds: each piece's title, label, authors, kind,
note count and source line, verse kept as lines, block quotations, emphasis, section breaks,
editorial brackets kept as text, and boilerplate absent.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import unicodedata
from pathlib import Path

import pytest

from validators import assert_epubcheck_clean, linked_notes
from words import epub_text, missing, words

NOTES_HEADING = re.compile(r"(?:end|foot)?notes?|references|notes and references\s*[.:]?",
                           re.IGNORECASE)
pytestmark = [pytest.mark.slow, pytest.mark.external]

DUMPS = sorted((Path(__file__).parent / "fixtures" / "dumps").glob("*.txt"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "anthology", *args], capture_output=True, text=True)


def folded(text: str) -> str:
    """Compare titles and names by their letters and digits only."""
    text = unicodedata.normalize("NFKD", text)
    return " ".join(re.findall(r"[^\W_]+", text.casefold()))


def front_matter(path: Path) -> tuple[dict, str]:
    text = path.read_text("utf-8")
    end = text.index("\n+++\n", 3)
    return tomllib.loads(text[4:end + 1]), text[end + 5:]


def raw_words(dump: Path, removed: set[int]):
    """The dump's words as an author wrote them: the lines left out, and the markup of the
    conventions (``[Footnote 1:``, a notes list's heading, which the book sets as its own
    "Notes"), aside."""
    raw = dump.read_bytes().decode("utf-8-sig", errors="replace")
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = "\n".join(l for n, l in enumerate(lines, 1) if n not in removed
                     and not NOTES_HEADING.fullmatch(l.strip()))
    kept = re.sub(r"\[\s*(?:Foot-?note|Note)\s+(\w+|[*†‡§])\s*[:.]", r" \1 ", kept,
                  flags=re.IGNORECASE)
    kept = re.sub("([⁰¹²³⁴⁵⁶⁷⁸⁹]+)", r" \1 ", kept)  # a superscript mark stands apart
    return words(kept.replace("_", " ").casefold())  # _emphasis_ is markup


@pytest.mark.parametrize("dump", DUMPS, ids=[d.stem for d in DUMPS])
def test_import_then_build(dump: Path, tmp_path: Path) -> None:
    ms, out = tmp_path / "ms", tmp_path / "out"
    imported = run("import", str(dump), "-o", str(ms))
    assert imported.returncode == 0, imported.stderr
    volume = tomllib.loads((ms / "volume.toml").read_text("utf-8"))
    built = run("build", str(ms), "--epub", "-o", str(out))
    assert built.returncode == 0, built.stderr
    epub = out / "ms.epub"
    assert_epubcheck_clean(epub)

    refs, notes = linked_notes(epub)
    first_line = imported.stderr.splitlines()[0]
    assert f"{len(notes)} note" in first_line, first_line

    # every word of the dump is in the book, but for the lines the import left out
    removed = {r["line"] for r in volume.get("removed", [])}
    book = epub_text(epub, marks_apart=True).casefold()
    lost = missing(raw_words(dump, removed), words(book))
    assert not lost, f"words lost: {dict(lost)}"

    expect_file = dump.with_suffix(".expect.toml")
    if expect_file.exists():
        check_expectations(tomllib.loads(expect_file.read_text("utf-8")), ms, volume, epub)


def check_expectations(expect: dict, ms: Path, volume: dict, epub: Path) -> None:
    paths = volume.get("pieces") or [p for part in volume.get("parts", []) for p in part["pieces"]]
    got = [front_matter(ms / p) for p in paths]
    want = expect["pieces"]
    # a piece the dump gives no title gets one the editor must replace (title_supplied)
    assert [folded(f["title"]) if not (f["title_supplied"] and not w["title"]) else ""
            for (f, _), w in zip(got, want)] == [folded(w["title"]) for w in want]
    assert len(got) == len(want)
    for (meta, body), w in zip(got, want):
        where = meta["title"]
        if "authors" in w:
            assert [folded(a) for a in meta["authors"]] == [folded(a) for a in w["authors"]], where
        if w.get("label"):
            assert folded(meta.get("label", "")) == folded(w["label"]), where
        if "kind" in w:
            assert meta["kind"] == w["kind"], where
        if "notes" in w:
            assert len(re.findall(r"^\[\^[^\]]+\]:", body, re.MULTILINE)) == w["notes"], where
        if w.get("source"):
            assert folded(meta["source"]) == folded(w["source"]), where
    checks = expect.get("checks", {})
    html = _epub_html(epub)
    text = epub_text(epub)
    flat = _plain(text)
    for absent in checks.get("absent", []):
        assert absent.casefold() not in text.casefold(), f"{absent!r} is in the book"
    verse = checks.get("verse", [])
    lines = _lines(html)
    for a, b in zip(verse, verse[1:]):
        assert f"{_plain(a)}\n{_plain(b)}" in lines, f"verse lines {a!r} / {b!r} are not kept as lines"
    for quote in checks.get("quotes", []):
        assert any(_plain(quote) in _plain("".join(q.itertext())) for q in _blockquotes(epub)), \
            f"{quote!r} is not in a block quotation"
    for phrase in checks.get("italics", []):
        assert any(_plain(phrase) in _plain("".join(e.itertext())) for e in _ems(epub)), \
            f"{phrase!r} is not set in italics"
    if "section_breaks" in checks:
        assert html.count("<hr") == checks["section_breaks"]
    for bracket in checks.get("text_brackets", []):
        assert _plain(bracket) in flat, f"{bracket!r} is not kept as text"
    assert "_" not in re.sub(r"https?://\S+", "", " ".join(text.split())), \
        "an underscore is left visible"


def _epub_html(epub: Path) -> str:
    import zipfile
    with zipfile.ZipFile(epub) as z:
        return "\n".join(z.read(n).decode("utf-8") for n in sorted(z.namelist())
                         if n.endswith(".xhtml"))


def _elements(epub: Path, tag: str):
    import zipfile

    from lxml import etree
    with zipfile.ZipFile(epub) as z:
        for n in sorted(z.namelist()):
            if n.endswith(".xhtml"):
                yield from etree.fromstring(z.read(n)).iter("{http://www.w3.org/1999/xhtml}" + tag)


def _blockquotes(epub: Path):
    return list(_elements(epub, "blockquote"))


def _ems(epub: Path):
    return list(_elements(epub, "em")) + list(_elements(epub, "i"))


def _plain(text: str) -> str:
    """Text as typed: straight quotes and hyphens, single spaces, no emphasis marks."""
    table = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-",
                           "\u00a0": " ", "\u202f": " ", "\u2009": " ", "_": ""})
    text = text.translate(table).replace("--", "-")
    return " ".join(text.split())


def _lines(html: str) -> str:
    """The books' text with a line break where a <br/> stands, tags dropped."""
    import html as html_module
    text = re.sub(r"\s*<br\s*/?>\s*", "\u2028", html)
    text = re.sub(r"<[^>]+>", " ", text)
    return "\n".join(_plain(line) for line in html_module.unescape(text).split("\u2028"))


# ---- a manuscript with pictures, built as a user builds it --------------------------------

PICTURES = Path(__file__).parent / "fixtures" / "manuscripts" / "pictures"


def test_a_manuscript_with_pictures_builds_into_checked_books(tmp_path: Path) -> None:
    """Every format of the pictures fixture: EPUBCheck clean, Ace with no violation, the
    HTML with its pictures beside it, every picture drawn in the PDF."""
    import zipfile

    from lxml import etree

    from ace import describe, run_ace, violations

    out = tmp_path / "out"
    built = run("build", str(PICTURES), "-o", str(out))
    assert built.returncode == 0 and built.stderr == "", built.stderr
    epub = out / "pictures.epub"
    assert_epubcheck_clean(epub)
    report = run_ace(epub, tmp_path / "ace")
    found = violations(report)
    assert not found, describe(found)
    assert report["earl:result"]["earl:outcome"] == "pass"
    assert "dcterms:conformsTo" not in report["a11y-metadata"]["missing"]

    shown = {"fleuron.gif", "macdowell-pons-de-capdeuil.png", "vellum.jpg"}
    with zipfile.ZipFile(epub) as z:
        packed = {n.rsplit("/", 1)[1] for n in z.namelist()
                  if n.startswith("EPUB/images/manuscript/")}
        assert packed == shown  # images/unused.png is shown nowhere: not packed
    html = out / "pictures.html"
    srcs = [img.get("src") for img in etree.parse(str(html), etree.HTMLParser()).iter("img")]
    assert len(srcs) == 4 and all((html.parent / src).is_file() for src in srcs)
    assert {p.name for p in (out / "images").iterdir()} == shown
    for name in shown:
        assert (out / "images" / name).read_bytes() == (PICTURES / "images" / name).read_bytes()
    listed = subprocess.run(["pdfimages", "-list", str(out / "pictures.pdf")],
                            capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert len([row for row in listed if row.strip()]) == 4

"""End to end on the bundled volume: the raw seed, its manuscript, and the EPUB a user builds."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from anthology.importer import import_dump
from validators import assert_epubcheck_clean, linked_notes
from words import epub_text, missing, words

pytestmark = [pytest.mark.slow, pytest.mark.external]

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_3a4a934c17996d42.txt"
XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
DROPPED = ("import-boilerplate-dropped", "import-duplicate-title")


def seed_words_kept() -> tuple:
    """The seed's words, less the lines the import report says it dropped (cruft, repeats)."""
    lines = SEED.read_text("utf-8").split("\n")
    report = import_dump(SEED.read_bytes(), str(SEED)).report
    dropped = {d.line for d in report.diagnostics if d.code in DROPPED}
    assert dropped, "the import report names no dropped line"
    kept = "\n".join(l for n, l in enumerate(lines, 1) if n not in dropped)
    return words(kept), sorted(dropped)


def build_serge(factory: pytest.TempPathFactory, *flags: str) -> Path:
    """Built as a user builds it: `anthology build FLAGS -o OUT`, no manuscript named."""
    out = factory.mktemp("serge")
    done = subprocess.run([sys.executable, "-m", "anthology", "build", *flags, "-o", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def serge_epub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = build_serge(tmp_path_factory, "--epub")
    assert [p.name for p in out.iterdir() if not p.name.startswith(".")] == ["serge.epub"]
    return out / "serge.epub"


def _documents(epub: Path) -> dict[str, etree._Element]:
    with zipfile.ZipFile(epub) as z:
        return {n.rsplit("/", 1)[-1]: etree.fromstring(z.read(n))
                for n in z.namelist() if n.startswith("EPUB/text/")}


def test_seed_is_copied_byte_for_byte() -> None:
    import hashlib
    digest = hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert digest == "075b51d34ac0f9cce9784129e91d9d902b7278511dd5bebdca6adbb96363c87a"


def test_manuscript_holds_every_word_of_the_seed() -> None:
    expected, _ = seed_words_kept()
    # a byline "By X" is kept as authors = ["X"]: "By" is the template's label, not a word
    # of the text (the EPUB test below finds it again)
    bylines = len(re.findall(r"^By \S", SEED.read_text("utf-8"), re.M))
    expected["By"] -= bylines
    manuscript = "\n".join(p.read_text("utf-8") for p in sorted((ROOT / "seeds" / "serge").rglob("*"))
                           if p.is_file())
    lost = missing(expected, words(manuscript))
    assert not lost, f"words of the seed missing from the manuscript: {dict(lost)}"


def test_epub_holds_every_word_of_the_seed(serge_epub: Path) -> None:
    expected, dropped = seed_words_kept()
    lost = missing(expected, words(epub_text(serge_epub)))
    assert not lost, f"words of the seed missing from the EPUB: {dict(lost)}"
    cruft = "Visit the Green Left Weekly home page"
    assert cruft not in epub_text(serge_epub)


def test_epubcheck(serge_epub: Path) -> None:
    assert_epubcheck_clean(serge_epub)


def test_26_notes_linked_both_ways(serge_epub: Path) -> None:
    refs, notes = linked_notes(serge_epub)
    assert len(refs) == 26 and len(notes) == 26
    per_piece: dict[str, int] = {}
    for name, _ in notes:
        per_piece[name] = per_piece.get(name, 0) + 1
    assert sorted(per_piece.values()) == [1, 12, 13]
    assert [a.text for _, a in refs].count("*") == 1


def test_page_citations_and_years_stay_text(serge_epub: Path) -> None:
    text = epub_text(serge_epub)
    for citation in ["(184)", "(188–119)", "(98, emphases mine)", "(1921)", "(107)", "(164)",
                     "(74)", "(3)", "(30–31)", "(Trotsky, 96)"]:
        assert citation in text, citation
    refs = re.findall(r'epub:type="noteref"[^>]*>([^<]+)<', "".join(
        etree.tostring(r, encoding="unicode") for r in _documents(serge_epub).values()))
    assert all(label == "*" or int(label) <= 13 for label in refs)


def test_volume_shape(serge_epub: Path) -> None:
    docs = _documents(serge_epub)
    pieces = sorted(n for n in docs if n.startswith("piece-"))
    assert len(pieces) == 5
    assert "part-1.xhtml" in docs and "part-2.xhtml" in docs
    with zipfile.ZipFile(serge_epub) as z:
        opf = z.read("EPUB/content.opf").decode()
    for name in ("Susan Weissman", "Ernie Haberkern"):
        assert f">{name}</dc:creator>" in opf
    assert ">edt</meta>" in opf and ">aut</meta>" in opf
    assert opf.count("<dc:source>") == 4  # the essay's, the response's, the rejoinder's, GLW's


@pytest.fixture(scope="module")
def serge_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_serge(tmp_path_factory, "--pdf") / "serge.pdf"


def test_pdf_holds_every_word_of_the_seed(serge_pdf: Path) -> None:
    from words import pdf_words

    expected, _ = seed_words_kept()
    expected = words(" ".join(w for w in expected.elements()).casefold())
    lost = missing(expected, pdf_words(serge_pdf))
    assert not lost, f"words of the seed missing from the PDF: {dict(lost)}"


def test_pdf_is_a5_with_every_font_embedded_and_an_outline_of_parts_and_pieces(
        serge_pdf: Path) -> None:
    from pypdf import PdfReader

    fonts = subprocess.run(["pdffonts", str(serge_pdf)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts
    reader = PdfReader(serge_pdf)
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (420, 595)
    outline = reader.outline
    top = [item.title for item in outline if not isinstance(item, list)]
    children = [item.title for sub in outline if isinstance(sub, list) for item in sub]
    assert len(top) == 2 and top[0].startswith("Part One") and top[1].startswith("Part Two")
    assert len(children) == 5


@pytest.fixture(scope="module")
def serge_full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every format at once, as `anthology build` makes them: the EPUB knows the PDF's pages."""
    return build_serge(tmp_path_factory)


def _pdf_page_texts(pdf: Path) -> list[str]:
    from pypdf import PdfReader

    texts = []
    for page in PdfReader(pdf).pages:
        text = re.sub(r"[\u2010\u00ad]\s*\n\s*", "", page.extract_text())
        texts.append(re.sub(r"\s+", " ", text).casefold())
    return texts


def test_index_page_numbers_are_pages_where_the_term_occurs(serge_full: Path) -> None:
    import json
    import tomllib

    stored = json.loads((serge_full / ".serge.pagemap.json").read_text("utf-8"))
    labels = [p["label"] for p in stored["page_map"]["pages"]]
    texts = _pdf_page_texts(serge_full / "serge.pdf")
    assert len(labels) == len(texts)
    manifest = tomllib.loads((ROOT / "seeds" / "serge" / "volume.toml").read_text("utf-8"))
    from anthology.render.typography import smarten

    # the index prints each heading typeset
    matches = {smarten(t["heading"]): t.get("matches", [t["heading"]]) for t in manifest["index"]}
    index = _documents(serge_full / "serge.epub")["index.xhtml"]
    checked = 0
    for entry in index.iter(f"{XHTML}li"):
        heading = "".join(entry.find(f"{XHTML}span").itertext()).strip()
        spellings = [re.sub(r"\s+", " ", m).casefold() for m in matches[heading]]
        for ref in entry.iter(f"{XHTML}a"):
            page = labels.index(ref.text)
            assert any(s.replace("’", "'") in texts[page].replace("’", "'") for s in spellings), (
                f"{heading!r}: index says page {ref.text}, but it is not there")
            checked += 1
    assert checked > 100


def test_imprint_lists_every_source_as_given(serge_full: Path) -> None:
    from anthology.manuscript import read_manuscript
    from anthology.render.typography import smarten

    imprint = " ".join("".join(_documents(serge_full / "serge.epub")["imprint.xhtml"].itertext())
                       .split())
    for piece in read_manuscript(ROOT / "seeds" / "serge").volume.pieces:
        if piece.source:
            assert smarten(piece.source) in imprint, piece.source
    assert "posted at Links International Journal of Socialist Renewal with permission" in imprint


def test_page_list_covers_every_pdf_page(serge_full: Path) -> None:
    from pypdf import PdfReader

    with zipfile.ZipFile(serge_full / "serge.epub") as z:
        nav = etree.fromstring(z.read("EPUB/nav.xhtml"))
        opf = z.read("EPUB/content.opf").decode()
    page_list = next(n for n in nav.iter(f"{XHTML}nav") if n.get(EPUB_TYPE) == "page-list")
    entries = [a.text for a in page_list.iter(f"{XHTML}a")]
    assert len(entries) == len(PdfReader(serge_full / "serge.pdf").pages)
    assert "pageBreakSource" in opf and "A5" in opf

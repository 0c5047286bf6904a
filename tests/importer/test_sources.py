"""importer/sources, document, web, archives, pandoc: an editor's own files — Word,
OpenDocument, saved web pages, Markdown, text dumps — as one volume's manuscript.

The fixtures are real public-domain texts in the shapes contributors and web sites send
them (tests/fixtures/sources: volume/, web/, bad/, each with what a correct import gives).
pandoc runs for real (the pypandoc-binary wheel is a dependency of anthology itself).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from anthology.errors import InputError
from anthology.importer.sources import gather, import_sources, kind_of
from anthology.importer.report import Log

SOURCES = Path(__file__).resolve().parent.parent / "fixtures" / "sources"
VOLUME = SOURCES / "volume"
BAD = SOURCES / "bad"
WEB = SOURCES / "web"
WEB_PAGES = sorted(WEB.glob("*.html")) if WEB.exists() else []


# ---- reading the manuscript back -----------------------------------------------------------


def manuscript(files: dict[str, bytes]) -> tuple[dict, list[tuple[dict, str]]]:
    volume = tomllib.loads(files["volume.toml"].decode("utf-8"))
    names = volume.get("pieces") or [p for part in volume.get("parts", []) for p in part["pieces"]]
    out = []
    for name in names:
        text = files[name].decode("utf-8")
        end = text.index("\n+++\n", 3)
        out.append((tomllib.loads(text[4:end + 1]), text[end + 5:]))
    return volume, out


def plain(text: str) -> str:
    """Text as typed: straight quotes and hyphens, no Markdown marks, single spaces."""
    table = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-",
                           "\u00a0": " ", "\u202f": " ", "\u2009": " "})
    text = re.sub(r"\\(.)", r"\1", text.translate(table)).replace("--", "-")
    return " ".join(text.split())


def prose(body: str) -> str:
    """A piece's words without its Markdown: emphasis, line-block and quotation marks."""
    text = re.sub(r"^(?:>\s?)+", "", body, flags=re.MULTILINE)
    text = re.sub(r"^\|\s?", "", text, flags=re.MULTILINE)
    text = re.sub(r"(?<!\\)\*{1,2}", "", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"\[\^[^\]\s]+\](?!:)", "", text)  # a note's reference is not a word
    return plain(text)


def notes_of(body: str) -> list[str]:
    """Each note's text, in order."""
    found = re.findall(r"^\[\^[^\]]+\]:\s*(.*(?:\n(?: {4}.*|))*)", body, re.MULTILINE)
    return [prose(n) for n in found]


def text_only(body: str) -> str:
    """The body without its note definitions."""
    return re.split(r"^\[\^[^\]]+\]:", body, maxsplit=1, flags=re.MULTILINE)[0]


def emphasised(body: str) -> list[str]:
    return [plain(m) for m in re.findall(r"(?<![\\*])\*(?!\*)(.+?)(?<!\\)\*", body, re.DOTALL)]


def verse_lines(body: str) -> list[str]:
    """The lines of the line blocks, their opening and closing quotation marks aside."""
    return [bare(re.sub(r"^(?:>\s?)*(?: {4})*\|\s?", "", ln))
            for ln in body.splitlines() if re.match(r"(?:>\s?)*(?: {4})*\|", ln)]


def bare(line: str) -> str:
    # emphasis marks, note references, and the bracketed mark of a note not in the page
    return plain(re.sub(r"(?<!\\)\*|\[\^[^\]]+\]|\\\[\d+\\\]", "", line)).strip("\"' .…")


def quoted(body: str) -> str:
    return prose("\n".join(ln for ln in body.splitlines() if ln.startswith(">")))


def check_piece(meta: dict, body: str, want: dict, files: dict[str, bytes], folder: Path) -> None:
    """A piece against what its expectation file says a correct import gives."""
    where = want.get("file", meta["title"])
    assert plain(meta["title"]) == plain(want["title"]), where
    if "authors" in want:
        assert meta["authors"] == want["authors"], where
    if "kind" in want:
        assert meta["kind"] == want["kind"], where
    if want.get("label"):
        assert meta.get("label") == want["label"], where
    if want.get("source"):
        assert plain(meta["source"]) == plain(want["source"]), where
    checks = {**want, **want.get("checks", {})}
    notes = notes_of(body)
    if "notes" in want:
        assert len(notes) == want["notes"], f"{where}: {len(notes)} notes"
        refs = re.findall(r"\[\^([^\]]+)\](?!:)", body) + list(meta.get("title_notes", []))
        assert sorted(set(refs)) == sorted({str(k) for k in range(1, len(notes) + 1)}), where
    for k, start in enumerate(checks.get("notes_start", [])):
        assert notes[k].startswith(plain(start)), f"{where}: note {k + 1} is {notes[k][:60]!r}"
    text = prose(text_only(body))
    everything = prose(body)
    for phrase in checks.get("present", []):
        assert plain(phrase) in text, f"{where}: {phrase!r} is missing"
    for phrase in checks.get("absent", []) + checks.get("tracked_deleted", []) + \
            checks.get("comments", []):
        assert not re.search(rf"(?<!\w){re.escape(plain(phrase))}(?!\w)", everything), \
            f"{where}: {phrase!r} is in"
    for phrase in checks.get("tracked_inserted", []):
        assert plain(phrase) in everything, f"{where}: the accepted change {phrase!r} is missing"
    headings = [plain(re.sub(r"^#+\s*", "", ln).replace("*", ""))
                for ln in body.splitlines() if ln.startswith("#")]
    for heading in checks.get("headings", []):
        assert plain(heading) in headings, f"{where}: no heading {heading!r} in {headings}"
    ems = emphasised(body)
    for phrase in checks.get("italics", []):
        assert any(plain(phrase) in e for e in ems), f"{where}: {phrase!r} is not in italics"
    lines = verse_lines(body)
    for key in ("verse", "note_verse"):
        at = 0
        for line in (bare(v) for v in checks.get(key, [])):  # each a line, in order
            assert line in lines[at:], f"{where}: verse {line!r} is not kept as a line"
            at = lines.index(line, at) + 1
    for phrase in checks.get("quotes", []):
        assert plain(phrase) in quoted(body), f"{where}: {phrase!r} is not in a quotation"
    for phrase in checks.get("text_brackets", []):
        assert plain(phrase) in text, f"{where}: {phrase!r} is not kept as text"
    if "section_breaks" in checks:
        assert body.count("\n* * *\n") + body.startswith("* * *\n") == checks["section_breaks"], where
    shown = re.findall(r"!\[((?:\\.|[^\]])*)\]\((images/[^)\s]+)(?:\s+\"([^\"]*)\")?\)", body)
    for image in want.get("images", []):
        source = (folder / image["src"]).read_bytes()
        match = [s for s in shown if files.get(s[1]) == source]
        assert match, f"{where}: the picture {image['src']} is not shown"
        alt, _name, caption = match[0]
        assert plain(alt) == plain(image["alt"]), where
        if image.get("caption"):
            assert plain(caption) == plain(image["caption"]), where
    for image in want.get("chrome_images", []):
        if (folder / image).is_file():  # remote, site-absolute or not saved: nothing to copy
            assert (folder / image).read_bytes() not in files.values(), f"{where}: {image} copied"
    if "subtitle" in want:
        assert plain(meta["subtitle"]) == plain(want["subtitle"]), where
    for phrase in want.get("once", []):
        assert everything.count(plain(phrase)) == 1, f"{where}: {phrase!r} is not there once"
    if "tables" in want:
        assert body.count("<table>") == want["tables"], where


# ---- the volume: one piece a file, every format -----------------------------------------------


@pytest.fixture(scope="module")
def volume_import():
    return import_sources([VOLUME])


def test_volume_every_piece_as_its_expectation_says(volume_import) -> None:
    files, report = volume_import
    expect = tomllib.loads((SOURCES / "volume.expect.toml").read_text("utf-8"))
    volume, pieces = manuscript(files)
    assert len(pieces) == expect["pieces_count"] == report.pieces
    for (meta, body), want in zip(pieces, expect["pieces"]):
        folder = VOLUME if not want.get("round_trip") else VOLUME
        check_piece(meta, body, want, files, folder)
    assert [c["name"] for c in volume["contributors"]] == expect["contributors"]
    assert sum(len(notes_of(b)) for _m, b in pieces) == expect["notes_total"] == report.notes_linked
    assert len([n for n in files if n.startswith("images/")]) == expect["images_total"]


def test_volume_report_names_every_removal(volume_import) -> None:
    _files, report = volume_import
    by_file: dict[str, list[str]] = {}
    for d in report.diagnostics:
        by_file.setdefault(Path(d.path).name, []).append(d.code)
    assert "import-comments-dropped" in by_file["02-hazlitt-lord-byron.docx"]
    assert "import-web-removed" in by_file["04-shelley-defence-of-poetry.html"]
    assert "import-manuscript" in by_file["07-macdowell-troubadours.md"]
    assert all(d.severity == "warning" for d in report.diagnostics)


def test_manuscript_format_piece_round_trips(volume_import) -> None:
    files, _report = volume_import
    source = (VOLUME / "07-macdowell-troubadours.md").read_text("utf-8")
    name = next(n for n in files if n.startswith("pieces/07-"))
    got = files[name].decode("utf-8")
    strip = lambda t: re.sub(r"\]\(images/[^)\s]+", "](images/x", t)  # noqa: E731
    assert strip(got.split("+++", 2)[2]).strip() == strip(source.split("+++", 2)[2]).strip()


def test_import_is_reproducible(volume_import) -> None:
    files, _report = volume_import
    again, _ = import_sources([VOLUME])
    assert again == files


# ---- saved web pages of real publishing systems --------------------------------------------


@pytest.mark.parametrize("page", WEB_PAGES, ids=[p.stem for p in WEB_PAGES])
def test_web_page_as_its_expectation_says(page: Path) -> None:
    want = tomllib.loads(page.with_suffix(".expect.toml").read_text("utf-8"))
    files, report = import_sources([page])
    _volume, pieces = manuscript(files)
    assert len(pieces) == 1
    meta, body = pieces[0]
    check_piece(meta, body, want, files, page.parent)
    assert all(note.strip() for note in notes_of(body))  # no note without its text
    outside = [d for d in report.diagnostics if d.code == "import-note-outside"]
    assert len(outside) == want.get("unresolved_noterefs", 0), [str(d) for d in outside]


# ---- what the files are --------------------------------------------------------------------


@pytest.mark.parametrize("name, kind", [
    ("01-dequincey-vision-of-sudden-death.docx", ".docx"),
    ("03-wordsworth-preface-lyrical-ballads.odt", ".odt"),
    ("04-shelley-defence-of-poetry.html", ".html"),
    ("06-lamb-a-quakers-meeting.md", ".md"),
    ("08-johnson-review-essay-on-pope.txt", ".txt"),
])
def test_kind_by_content(name: str, kind: str) -> None:
    path = VOLUME / name
    assert kind_of(path, path.read_bytes()) == kind


def test_kind_by_content_not_name(tmp_path: Path) -> None:
    page = tmp_path / "essay.txt"
    page.write_text("<!DOCTYPE html><html><body><p>Text</p></body></html>")
    assert kind_of(page, page.read_bytes()) == ".html"
    docx = (VOLUME / "02-hazlitt-lord-byron.docx").read_bytes()
    assert kind_of(tmp_path / "essay", docx) == ".docx"


def test_folder_passes_over_pictures_and_lock_files(tmp_path: Path) -> None:
    for name in ("01-a.md", "02-b.txt", "cover.png", "~$01-a.docx", "notes.toml", ".hidden.md"):
        (tmp_path / name).write_text("x")
    (tmp_path / "images").mkdir()
    log = Log("x")
    assert [p.name for p in gather([tmp_path], log)] == ["01-a.md", "02-b.txt"]
    assert [d.code for d in log.items] == ["import-skipped"] * 3


# ---- bad and hostile input -----------------------------------------------------------------

REFUSED = {
    "corrupt-truncated.docx": ("import-damaged", "damaged or incomplete"),
    "password-protected.docx": ("import-protected", "password-protected"),
    "plain-text-named.docx": ("import-refused", "not a .docx file"),
    "unknown-type.xyz": ("import-unknown-type", "unknown type of file"),
    "walking.pdf": ("import-refused", "PDF is not read"),
    "no-article-text.html": ("import-no-article", "no article text"),
    "zip-bomb.docx": ("import-too-large", "would unpack to more than"),
    "xml-entity-bomb.docx": ("import-unsafe", "declares XML entities"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_bad_file_refused_with_one_clear_line(name: str) -> None:
    code, words = REFUSED[name]
    with pytest.raises(InputError) as caught:
        import_sources([BAD / name])
    diagnostic = caught.value.diagnostics[0]
    assert (diagnostic.code, diagnostic.path) == (code, str(BAD / name))
    assert words in diagnostic.message and diagnostic.hint


@pytest.mark.parametrize("name, dropped", [
    ("media-path-traversal.docx", ["'../../x.png' is named outside the document"]),
    ("media-absolute-path.docx", ["'/tmp/evil.png' is named outside the document"]),
    ("remote-linked-images.docx", ["'https://example.com/x.png' is linked from outside",
                                   "'file:///etc/passwd' is linked from outside"]),
])
def test_pictures_outside_a_document_dropped_and_said(name: str, dropped: list[str]) -> None:
    files, report = import_sources([BAD / name])
    messages = [d.message for d in report.diagnostics if d.code == "import-image-dropped"]
    assert len(messages) == len(dropped)
    for m, want in zip(messages, dropped):
        assert want in m
    assert not any(n.startswith("images/") for n in files)
    _volume, [(meta, body)] = manuscript(files)
    assert meta["title"] == "Walking" and "I wish to speak a word for Nature" in body


def test_hostile_page_keeps_the_text_and_nothing_that_runs() -> None:
    files, report = import_sources([BAD / "hostile-page.html"])
    _volume, [(meta, body)] = manuscript(files)
    assert (meta["title"], meta["authors"]) == ("Walking", ["Henry David Thoreau"])
    text = prose(body)
    for start in ("I wish to speak a word for Nature", "I have met with but one or two persons",
                  "It is true, we are but faint-hearted crusaders"):
        assert start in text
    for bad in ("script", "alert", "onload", "onclick", "iframe", "example.com", "Trail Notes",
                "Subscribe", "document.cookie", "svg"):
        assert bad not in body, bad
    images = [n for n in files if n.startswith("images/")]
    assert len(images) == 1 and files[images[0]].startswith(b"\x89PNG")
    codes = [d.code for d in report.diagnostics]
    assert codes.count("import-image-dropped") == 3 and "import-web-removed" in codes


def test_hostile_manuscript_pictures_never_read() -> None:
    files, report = import_sources([BAD / "hostile-manuscript.md"])
    dropped = [d.message for d in report.diagnostics if d.code == "import-image-dropped"]
    assert len(dropped) == 3
    unsafe = [d.message for d in report.diagnostics if d.code == "import-unsafe-html"]
    assert [u.split(": ", 1)[1] for u in unsafe] == [
        "<script> and its content", "<iframe> and its content",
        "link target 'javascript:alert(1)'", "onclick attribute of <span>"]
    assert not any(n.startswith("images/") for n in files)
    _volume, [(_meta, body)] = manuscript(files)
    assert "/etc/passwd" not in body.replace("The password file", "")

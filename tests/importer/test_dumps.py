"""The importer as a whole: raw dumps of related texts → manuscript files (volume.toml +
pieces/*.md): the seed, the older fixtures, bad input and random input."""

from __future__ import annotations

import html
import re
import tomllib
from collections import Counter
from pathlib import Path

import markdown
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from anthology.errors import InputError
from anthology.importer import ImportReport, Imported, format_report, import_dump
from anthology.manuscript import NOT_XML
from anthology.model import PIECE_KINDS

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_3a4a934c17996d42.txt"
DUMPS = ROOT / "tests" / "fixtures" / "dumps"


# ---- helpers ------------------------------------------------------------------------------


def run(path: Path) -> Imported:
    return import_dump(path.read_bytes(), str(path))


def split_piece(data: bytes) -> tuple[dict, str]:
    """Front matter (parsed with tomllib, proving it is valid TOML) and the Markdown body."""
    text = data.decode("utf-8")
    assert text.startswith("+++\n")
    end = text.index("\n+++\n", 3)
    return tomllib.loads(text[4:end + 1]), text[end + 5:]


def pieces(result: Imported) -> list[tuple[str, dict, str]]:
    volume = tomllib.loads(result.files["volume.toml"].decode("utf-8"))
    return [(name, *split_piece(result.files[name])) for name in volume["pieces"]]


def volume(result: Imported) -> dict:
    return tomllib.loads(result.files["volume.toml"].decode("utf-8"))


REF = re.compile(r"(?<!\\)\[\^([^\]\s\\]+)\]")
DEF = re.compile(r"^\[\^([^\]\s]+)\]:", re.MULTILINE)


def refs(body: str) -> list[str]:
    """Labels of the references (a definition is ``[^x]:`` at the start of a line)."""
    return [m.group(1) for m in REF.finditer(body)
            if not (body[m.end():m.end() + 1] == ":" and (m.start() == 0 or body[m.start() - 1] == "\n"))]


def defs(body: str) -> list[str]:
    return DEF.findall(body)


def render(body: str) -> str:
    return markdown.markdown(body, extensions=["footnotes"])


def rendered_text(body: str) -> str:
    """What a reader sees: the Markdown rendered, tags and the footnote back-links removed."""
    out = re.sub(r'<a class="footnote-backref"[^>]*>.*?</a>', "", render(body))
    out = re.sub(r'<sup id="fnref\d*:([^"]*)"><a [^>]*>\d+</a></sup>', r" \1 ", out)  # the label
    out = re.sub(r'<li id="fn:([^"]*)">', r" \1 ", out)
    return html.unescape(re.sub(r"<[^>]+>", " ", out))


def strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def output_text(result: Imported) -> str:
    """Every string of the TOML files plus every rendered Markdown body."""
    # [[removed]] records what was left out of the text; it is not text of the book
    kept = {k: v for k, v in volume(result).items() if k != "removed"}
    parts = [s for s in strings(kept) if not s.startswith("pieces/")]
    parts.append(rendered_text(volume(result).get("editorial_note", "")))
    for _name, front, body in pieces(result):
        parts.extend(strings(front))
        parts.append(rendered_text(body))
    return "\n".join(parts)


_NORMALISE = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "`": "'", "—": "-", "–": "-",
                            "\u00a0": " ", **{c: str(i) for i, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")}})


def words(text: str) -> Counter:
    return Counter(re.findall(r"[^\W_]+", text.translate(_NORMALISE)))


def codes(report: ImportReport) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in report.diagnostics]


# ---- the Serge seed -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def serge() -> Imported:
    return run(SEED)


def test_seed_finds_five_pieces_and_26_notes(serge):
    assert serge.report.pieces == 5
    assert serge.report.notes_linked == 26
    assert format_report(serge.report)[0] == "5 pieces found, 26 notes linked"


def test_seed_kinds_titles_and_authors(serge):
    found = [(front["kind"], front["title"], front["authors"]) for _, front, _ in pieces(serge)]
    assert found == [
        ("essay", "Untitled essay by Susan Weissman", ["Susan Weissman"]),
        ("response", "Le Retif: The politics of Victor Serge", ["Ernie Haberkern"]),
        ("rejoinder", "A rejoinder: The real Victor Serge", ["Susan Weissman"]),
        ("review", "GLW review: Victor Serge: against the ‘Marxism of dead slogans'", []),
        ("review", 'A Review of Victor Serge\'s "Revolution in Danger"', []),
    ]
    first = pieces(serge)[0][1]
    assert first["title_supplied"] is True
    assert all(front["title_supplied"] is False for _, front, _ in pieces(serge)[1:])
    assert (5, "import-title-supplied") in codes(serge.report)


def test_seed_notes_link_both_ways(serge):
    counts = []
    for _name, _front, body in pieces(serge):
        assert sorted(set(refs(body))) == sorted(set(defs(body)))  # every ref defined, every note used
        assert len(defs(body)) == len(set(defs(body)))
        counts.append(defs(body))
    assert counts[0] == [str(n) for n in range(1, 14)]
    assert counts[1] == ["*"]
    assert counts[2] == [str(n) for n in range(1, 13)]
    assert counts[3] == [] and counts[4] == []
    essay = pieces(serge)[0][2]
    assert "Left Opposition.[^1] He was also its conscience." in essay
    assert "“could not detect \\[in the FI\\] the hope" in essay  # brackets kept, escaped
    rejoinder = pieces(serge)[2][2]
    assert "old Bolsheviks[^2] who" in rejoinder
    assert "pronunciamentos”[^4], yet" in rejoinder
    assert "(essay #8)[^11]" in rejoinder
    response = pieces(serge)[1][2]
    assert "“prolos”.[^*]" in response
    assert response.rstrip().splitlines()[-1].startswith("[^*]: This history is too complicated")


def test_seed_page_citations_and_years_stay_text(serge):
    _, response, rejoinder, _, review = (body for _, _, body in pieces(serge))
    assert "above it all... (184)" in response
    assert "Old Guard”. (188-119)" in response
    assert "(1921)" in rejoinder
    assert 'revolution."(3)' in review
    assert '(98, emphases mine)' in review
    assert 'property of all."(30-31)' in review
    assert "(74)" in review
    assert refs(review) == []
    for _, _, body in pieces(serge):
        assert not re.search(r"\[\^(184|1921|3-|98|74|30)", body)


def test_seed_cruft_and_duplicate_title_dropped_and_reported(serge):
    # the text of the pieces loses them; volume.toml records them under [[removed]]
    everything = b"".join(v for k, v in serge.files.items() if k != "volume.toml").decode("utf-8")
    assert "Visit the Green Left Weekly home page" not in everything
    assert (480, "import-boilerplate-dropped") in codes(serge.report)
    assert everything.count('A Review of Victor Serge\'s \\"Revolution in Danger\\"') == 1
    removed = tomllib.loads(serge.files["volume.toml"].decode("utf-8"))["removed"]
    assert [(r["line"], r["why"]) for r in removed] == [(480, "web boilerplate"),
                                                       (484, "a repeated title line")]
    assert (484, "import-duplicate-title") in codes(serge.report)
    lines = format_report(serge.report)
    assert any("480: warning import-boilerplate-dropped" in ln and "Visit the Green Left Weekly home page."
               in ln for ln in lines)


def test_seed_review_headers(serge):
    glw = pieces(serge)[3][1]
    assert glw["reviewed"] == {
        "title": "Victor Serge: the Course is Set on Hope", "authors": ["Susan Weissman"],
        "publisher": "Verso", "year": "2001", "pages": "364 pages", "price": "$77 (hb)",
        "details": ""}
    assert glw["date"] == "30 July 2003"
    assert glw["source"] == "From Green Left Weekly, July 30, 2003."  # the closing source line
    assert glw["publication"] == "Green Left Weekly review"  # the header line, verbatim
    danger = pieces(serge)[4][1]
    assert danger["reviewed"] == {
        "title": "Revolution in Danger: Writings from Russia, 1919-1921", "authors": ["Victor Serge"],
        "publisher": "Haymarket Books", "year": "2011", "pages": "", "price": "",
        "details": "Translated & edited by Ian Birchall"}
    assert danger["date"] == "Saturday, 10 December 2011"


def test_seed_sources_verbatim_and_parsed(serge):
    response, rejoinder = pieces(serge)[1][1], pieces(serge)[2][1]
    assert response["source"] == "From Against the Current, 142, September-October 2009."
    assert (response["publication"], response["issue"], response["date"]) == (
        "Against the Current", "142", "September-October 2009")
    assert rejoinder["source"] == "From Against the Current, issue 142, September-October 2009."
    essay = pieces(serge)[0][1]
    assert (essay["source"], essay["publication"], essay["issue"], essay["date"]) == (
        "", "Against the Current", "136", "September-October 2008")


def test_seed_volume(serge):
    vol = volume(serge)
    assert vol["title"] == ("Victor Serge: ‘dishonest authoritarian', ‘anti-worker anarchist' "
                            "or revolutionary Bolshevik?")
    assert vol["editorial_note"].startswith("The following exchanges were first published")
    assert vol["editorial_note"].endswith("at Resistance Books.")
    assert vol["language"] == "en"
    assert vol["date"] == "2011-12-10"
    assert sorted(vol["pieces"]) == sorted(n for n in serge.files if n.startswith("pieces/"))
    assert all(re.fullmatch(r"pieces/\d\d-[a-z0-9-]+\.md", n) for n in vol["pieces"])


def test_seed_tex_quotes_are_curly(serge):
    everything = b"".join(serge.files.values()).decode("utf-8")
    assert "`" not in everything and "''" not in everything
    rejoinder = pieces(serge)[2][2]
    assert "“economic rebel”" in rejoinder
    assert "## From Serge’s ‘present' to ours" in pieces(serge)[0][2]


def test_seed_headings_and_block_quotes(serge):
    essay, response, rejoinder, _, review = (body for _, _, body in pieces(serge))
    assert "\n## Defeat, renewal and democracy\n" in essay
    assert "\n## The heart of socialism\n" in essay
    assert "\n## Serge and Bolshevik ‘authoritarianism'\n" in response
    assert "\n## Becoming Victor Serge\n" in rejoinder
    assert "\n> “(A)s long as the economic system" in response
    assert "\n> A dictator is necessary." in response and "\n> They deserve him" in response
    assert "\n> Every revolt is in essence anarchist." in rejoinder
    assert '\n> "The party at this time' in review
    assert "\nI picked up a copy of the book and the mystery was solved.\n" in response  # not a heading
    quoted = {d.line for d in serge.report.diagnostics if d.code == "import-blockquote-guessed"}
    assert {156, 176, 194, 202, 212, 248, 268, 361, 504, 522, 528} <= quoted
    assert 186 not in quoted and 150 not in quoted


def test_seed_every_word_survives(serge):
    text = SEED.read_text("utf-8")
    dropped = {480, 484}  # the boilerplate line and the repeated title line
    kept = "\n".join(ln for no, ln in enumerate(text.split("\n"), 1) if no not in dropped)
    expected, actual = words(kept), words(output_text(serge))
    missing = expected - actual
    assert set(missing) <= {"By"}, missing  # "By X" lines became authors lists
    assert set(words(text)) - {"Visit", "page", "home"} <= set(actual)


def test_seed_markdown_renders_cleanly(serge):
    for _name, _front, body in pieces(serge):
        out = render(body)
        assert "<code>" not in out and "<h1>" not in out
        assert "[^" not in re.sub(r"<[^>]+>", "", out)  # every reference became a link


def test_seed_warnings_carry_raw_line_numbers(serge):
    diags = serge.report.diagnostics
    assert diags and all(d.severity == "warning" and d.line > 0 for d in diags)
    assert [d.line for d in diags] == sorted(d.line for d in diags)
    # kinds are never guessed from a piece's place: the editorial note names the response
    assert not [d for d in diags if d.code == "import-kind-guessed"]
    assert [d.line for d in diags if d.code == "import-kind-from-note"] == [140]
    lines = SEED.read_text("utf-8").split("\n")
    assert lines[140 - 1] == "Le Retif: The politics of Victor Serge"
    for line in format_report(serge.report)[1:]:
        if line.startswith("  "):  # a piece found: "  1. Title — Author — kind, notes …"
            continue
        assert re.match(rf"{re.escape(str(SEED))}:\d+: warning import-[a-z-]+: ", line)


def test_seed_is_deterministic(serge):
    again = run(SEED)
    assert again.files == serge.files
    assert again.report == serge.report


# ---- fixture: [n] references, one book-wide notes list, unsigned piece, body list -------


@pytest.fixture(scope="module")
def ledger() -> Imported:
    return run(DUMPS / "civic_ledger_libraries.txt")


def test_ledger_pieces(ledger):
    found = [(f["title"], f["authors"], f["kind"]) for _, f, _ in pieces(ledger)]
    assert found == [
        ("Who Owns the Reading Room?", ["Maria Okafor"], "essay"),
        ("A reply: Libraries are not commons", ["Tomas Lindqvist"], "response"),
        ("Editorial: Why we ran this debate", [], "essay"),  # no word says otherwise
    ]
    vol = volume(ledger)
    assert vol["title"] == "The Reading Room Debate" and "editorial_note" not in vol
    first = pieces(ledger)[0][1]
    assert (first["publication"], first["issue"], first["date"]) == ("The Civic Ledger", "12", "Spring 2019")


def test_ledger_book_wide_notes_are_distributed(ledger):
    assert ledger.report.notes_linked == 7
    got = [(defs(body), sorted(set(refs(body)))) for _, _, body in pieces(ledger)]
    assert got == [(["1", "2", "3"], ["1", "2", "3"]), (["4", "5", "6"], ["4", "5", "6"]), (["7"], ["7"])]
    assert "[^4]: The classic account is Elinor Ostrom" in pieces(ledger)[1][2]
    assert "Notes" not in pieces(ledger)[2][2].split("\n")


def test_ledger_list_stays_a_list_and_citations_stay_text(ledger):
    essay = pieces(ledger)[0][2]
    assert "\n1. Reopen the Eastgate branch" in essay
    html_out = render(essay)
    assert html_out.count("<li") == 3 + 3  # the three demands, the three notes
    assert "<ol>\n<li>Reopen the Eastgate branch" in html_out
    assert "system (1936).[^1]" in essay
    assert "from a branch (45)." in essay
    assert "housing estate (12-13)." in essay
    assert "across a city (112).[^5]" in pieces(ledger)[1][2]


def test_ledger_boilerplate_reported(ledger):
    assert (27, "import-boilerplate-dropped") in codes(ledger.report)
    assert (28, "import-boilerplate-dropped") in codes(ledger.report)
    assert "Share this" not in output_text(ledger)


def test_ledger_every_word_survives(ledger):
    text = (DUMPS / "civic_ledger_libraries.txt").read_text("utf-8")
    kept = "\n".join(ln for ln in text.split("\n")
                     if ln not in ("Share this", "Printer-friendly version", "Notes"))
    missing = words(kept) - words(output_text(ledger))
    assert set(missing) <= {"By", "1", "2", "3"}, missing  # the list's numbers are drawn by <ol>


# ---- fixture: BOM + CRLF, superscripts, Notes heading, dagger, review header ------------


@pytest.fixture(scope="module")
def rivers() -> Imported:
    return run(DUMPS / "riverlands_superscripts_crlf.txt")


def test_rivers_bom_crlf_and_pieces(rivers):
    raw = (DUMPS / "riverlands_superscripts_crlf.txt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert rivers.report.pieces == 3
    # "In defence of the dam-builders" answers the others, but no word of the dump says so
    assert [f["kind"] for _, f, _ in pieces(rivers)] == ["essay", "review", "essay"]
    vol = volume(rivers)
    assert vol["title"] == "Rivers and Their Keepers"
    assert vol["editorial_note"].startswith("These three pieces appeared")
    assert vol["date"] == "2021-03-12"
    assert all(b"\r" not in data and not data.startswith(b"\xef\xbb\xbf") for data in rivers.files.values())


def test_rivers_superscripts_and_dagger(rivers):
    body = pieces(rivers)[0][2]
    assert defs(body) == ["1", "2", "3", "†"]
    assert sorted(set(refs(body))) == ["1", "2", "3", "†"]
    assert "the river's.[^1] Meanwhile" in body
    assert "step of the church.[^†]" in body
    assert "\nNotes\n" not in body and "## Notes" not in body
    assert rivers.report.notes_linked == 4


def test_rivers_review_header(rivers):
    front = pieces(rivers)[1][1]
    assert front["title"] == "Review: The Drowned Valley"
    assert front["authors"] == ["Samuel Okoye"]  # "Reviewed by" is the reviewer
    assert front["date"] == "12 March 2021"
    assert front["reviewed"] == {
        "title": "The Drowned Valley: Dams and Displacement in the Twentieth Century",
        "authors": [], "publisher": "Fernhill Press", "year": "2020", "pages": "288 pages",
        "price": "£25 (pb)", "details": "Edited by Ana Ruiz and Peter Holm"}
    assert (36, "import-duplicate-title") in codes(rivers.report)


def test_rivers_quotes_lists_and_citations(rivers):
    essay, review, reply = (body for _, _, body in pieces(rivers))
    assert "\n> “Of the eleven structures surveyed" in essay  # TeX quotes made curly first
    assert "the ‘village water'" in essay
    assert "\n> The pond was here before any of us" in essay
    assert "\n> We sang the last hymn" in review and "by Christmas. (37)" in review
    assert "<ul>" in render(review) and "\n- the chapter on compensation law" in review
    assert "hold both in view (9)." in reply and refs(reply) == []
    assert "\n## The case for taking it out\n" in essay


def test_rivers_every_word_survives(rivers):
    text = (DUMPS / "riverlands_superscripts_crlf.txt").read_bytes().decode("utf-8-sig")
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    kept = "\n".join(ln for no, ln in enumerate(lines, 1) if no != 36 and ln != "Notes")
    missing = words(kept) - words(output_text(rivers))
    # header words that became fields: "By"/"Reviewed by", and "review" of "Riverlands Quarterly review"
    assert set(missing) <= {"By", "Reviewed", "by", "review"}, missing


# ---- fixture: notes numbered per piece, listed together at the end ----------------------


def test_night_bus_per_piece_numbering_at_the_end():
    result = run(DUMPS / "night_bus_letters.txt")
    first, second = (body for _, _, body in pieces(result))
    assert defs(first) == ["1", "2"] and sorted(set(refs(first))) == ["1", "2"]
    assert defs(second) == ["1"] and refs(second) == ["1"]
    assert "[^1]: Figures from the regional transport users' panel" in second
    assert "operator's own count (2)." in first  # a spaced page citation, not note 2
    assert "August.[^2]" in first
    assert "are public (14)." in second
    assert result.report.notes_linked == 3
    assert [c for _, c in codes(result.report)].count("import-notes-heading-dropped") == 2


# ---- smaller shapes -----------------------------------------------------------------------


def imp(text: str) -> Imported:
    return import_dump(text.encode("utf-8"), "dump.txt")


ESSAY = "A Title\n\nBy Ann Example\n\n{body}\n"


def test_unreferenced_numbered_list_at_the_end_stays_a_list():
    result = imp(ESSAY.format(body="We asked three things of the council:\n\n"
                                   "1. Keep the branch open.\n2. Publish the budget.\n3. Hold a vote."))
    (_, _, body), = pieces(result)
    assert defs(body) == [] and result.report.notes_linked == 0
    assert "<ol>" in render(body)


def test_note_without_reference_and_reference_without_note():
    result = imp(ESSAY.format(body="First claim.(1) Second claim without marker. A stray mark³ here.\n\n"
                                   "1. Source one.\n\n2. Source two."))
    (_, _, body), = pieces(result)
    # a listed note nothing refers to gets a reference after the note before it, reported:
    # the manuscript links every note
    assert defs(body) == ["1", "2"] and refs(body) == ["1", "2"]
    assert "First claim.(1)" not in body and "First claim.[^1][^2]" in body
    found = codes(result.report)
    assert (9, "import-note-placed") in found
    assert (5, "import-reference-without-note") in found
    assert result.report.notes_placed == 1 and "1 placed by guess" in format_report(result.report)[0]


def test_a_second_note_of_the_same_label_gets_its_own():
    """Two notes "*" in one piece: both kept, the second relabelled and
    reported, so the manuscript builds (a label defined twice is an error there)."""
    result = imp(ESSAY.format(body="First claim, with a starred source.* Second claim.\n\n"
                                   "* Source one.\n* Source one, again."))
    (_, _, body), = pieces(result)
    assert defs(body) == ["*", "*-2"] and refs(body) == ["*", "*-2"]
    assert "Source one, again." in body
    found = codes(result.report)
    assert any(code == "import-note-relabelled" for _, code in found)


def test_repeated_glued_marker_is_a_second_reference():
    result = imp(ESSAY.format(body="A claim.(1) Another.(2) The first again.(1) A page (1) cite.\n\n"
                                   "1. One.\n\n2. Two."))
    (_, _, body), = pieces(result)
    assert refs(body) == ["1", "2", "1"]
    assert "A page (1) cite." in body


def test_bracket_references_with_bracket_notes_and_heading():
    result = imp(ESSAY.format(body="It began in 1921.[1] It ended badly [2].\n\nEndnotes\n\n"
                                   "[1] See the archive.\n[2] Ibid., 14."))
    (_, _, body), = pieces(result)
    assert refs(body) == ["1", "2"] and defs(body) == ["1", "2"]
    assert "Endnotes" not in body


def test_markdown_specials_survive_rendering():
    lines = ["# not a heading but a hash", "> not a quote", "- not a bullet", "+ plus",
             "1917. The year it began, with * stars and _ underscores_ and a \\ backslash.",
             "<b>tags</b> & &amp; entities, [^x] and [a](b) links, {braces} and `ticks`.",
             "=== and no more"]
    result = imp(ESSAY.format(body="Some ordinary text to begin with here.\n" + "\n".join(lines)))
    (_, _, body), = pieces(result)
    seen = rendered_text(body)
    for ch in "#>-+*_\\<&[]{}":
        assert ch in seen
    for token in ("hash", "1917.", "* stars", "_ underscores_", "\\ backslash", "<b>tags</b>",
                  "&amp;", "[^x]", "[a](b)", "{braces}", "=== and", "‘ticks‘"):
        assert token in seen, token
    assert "<h1>" not in render(body) and "<blockquote>" not in render(body)


def test_piece_without_byline_after_title_and_unsigned_review():
    text = ("Notes From the Field\n\n[An editor's note about the collection.]\n\n"
            "First essay title\n\nBy Ann Example\n\nA body of the first essay goes here, plainly.\n\n"
            "Review: A Book of Rivers\nCity Times review\n\n1 May 2020\n\n"
            "A Book of Rivers\nBy Ben Writer\nRiver Press, 2019\n\n"
            "The review's text talks about the book at some length.\n")
    result = imp(text)
    got = [(f["title"], f["authors"], f["kind"]) for _, f, _ in pieces(result)]
    assert got == [("First essay title", ["Ann Example"], "essay"),
                   ("Review: A Book of Rivers", [], "review")]
    review = pieces(result)[1][1]
    assert review["reviewed"]["authors"] == ["Ben Writer"]
    assert review["publication"] == "City Times review"  # the header line, verbatim
    assert volume(result)["editorial_note"] == "An editor's note about the collection."
    assert volume(result)["date"] == "2020-05-01"


def test_first_line_titles_the_only_piece():
    result = imp("Just One Essay\n\nThis essay has no byline and no source, only some prose here.\n")
    (_, front, body), = pieces(result)
    assert front["title"] == "Just One Essay" and "Just One Essay" not in body
    assert volume(result)["title"] == "Just One Essay"
    assert "import-volume-title-guessed" in [c for _, c in codes(result.report)]


def test_cr_only_line_ends_are_accepted():
    result = import_dump(b"A Title\r\rBy Ann Example\r\rSome body text of the essay here.\r", "x")
    (_, front, body), = pieces(result)
    assert front["authors"] == ["Ann Example"] and "Some body text" in body


# ---- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize("data, code", [
    (b"", "import-empty"),
    (b" \n\t\r\n  \n", "import-empty"),
    (b"A title\n\x00\x01\x02binary", "import-binary"),
    ("Caf\u00e9 society\n\nBy Ann\n\nSome text in Latin-1 here.\n".encode("latin-1"), "import-encoding"),
    (b"12 34\n\n--\n", "import-no-pieces"),
])
def test_bad_input_is_an_input_error(data, code):
    with pytest.raises(InputError) as info:
        import_dump(data, "bad.txt")
    (diag,) = info.value.diagnostics
    assert diag.code == code and diag.path == "bad.txt" and diag.severity == "error"
    assert str(diag).startswith("bad.txt")


def test_non_utf8_names_line_and_offset():
    data = "Line one is fine\n\nLine two has caf\u00e9 in it\n".encode("latin-1")
    with pytest.raises(InputError) as info:
        import_dump(data, "bad.txt")
    (diag,) = info.value.diagnostics
    assert diag.line == 3 and f"byte offset {data.index(0xE9)}" in diag.message


def test_bom_and_crlf_are_accepted():
    data = "\ufeffA Title\r\n\r\nBy Ann Example\r\n\r\nSome body text of the essay here.\r\n".encode()
    result = import_dump(data, "x")
    (_, front, _), = pieces(result)
    assert front["title"] == "A Title"


# ---- never any other exception ------------------------------------------------------------

FRAGMENTS = ["By Ann Example", "By", "[From The Journal, 12, May 2001.]", "From The Journal, 3 May 2001.",
             "Notes", "Endnotes", "1. A note.", "2 Another note", "[1] Bracketed", "¹ Super", "* Star note",
             "† Dagger", "Text with a marker.(1) and more.", "Glued[2] and super³ and star.*",
             "“A whole quotation.” (12)", "He wrote:", "Plain words here and there.", "Title Line",
             "Title Line", "30 July 2003", "Saturday, 10 December 2011", "Some review", "Verso, 2001",
             "364 pages, $77 (hb)", "Author Name, A Book (Edited by X), Press, 2011", "Visit the X home page.",
             "Click here", "``tex'' and `single'", "# hash", "> gt", "- dash", "<tag>", "\\", "_u_", "=", ""]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes_import_or_input_error(data):
    try:
        result = import_dump(data, "fuzz.txt")
    except InputError:
        return
    check_valid(result)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), max_size=30),
       st.sampled_from(["\n", "\n\n", "\r\n", "\r"]))
def test_random_dumps_import_or_input_error(parts, sep):
    try:
        result = import_dump(sep.join(parts).encode("utf-8"), "fuzz.txt")
    except InputError:
        return
    check_valid(result)


def check_valid(result: Imported) -> None:
    vol = volume(result)
    assert vol["title"] and vol["pieces"]
    assert result.report.pieces == len(vol["pieces"])
    for _name, front, body in pieces(result):
        assert front["kind"] in PIECE_KINDS
        assert set(refs(body)) <= set(defs(body))
        render(body)
    format_report(result.report)


def test_closing_source_line_kept_as_text_when_the_header_has_one():
    result = imp("A Title\n\nBy Ann Example\n\n[From The Journal, 4, May 2001.]\n\n"
                 "The body of the essay goes on for a while here.\n\nFrom The Other Journal, June 2001.\n")
    (_, front, body), = pieces(result)
    assert front["source"] == "From The Journal, 4, May 2001."
    assert body.rstrip().endswith("From The Other Journal, June 2001.")
    assert (9, "import-source-kept") in codes(result.report)


def test_untitled_piece_after_editorial_note_and_kinds_from_words_only():
    text = ("The Exchange\n\n[Two writers argue.]\n\nBy Ann Example\n\nThe first essay says a thing or two.\n\n"
            "Against Ann\n\nBy Ben Other\n\nThe response disagrees with all of it.\n\n"
            "A reply to Ben\n\nBy Ann Example\n\nThe reply answers the response in turn.\n")
    result = imp(text)
    got = [(f["title"], f["kind"], f["title_supplied"]) for _, f, _ in pieces(result)]
    # "Against Ann" is a response by its place only: without a word saying so, an essay
    assert got == [("Untitled essay by Ann Example", "essay", True),
                   ("Against Ann", "essay", False), ("A reply to Ben", "response", False)]
    assert [n for n in volume(result)["pieces"]] == [
        "pieces/01-example-essay.md", "pieces/02-other.md", "pieces/03-example-response.md"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), max_size=30),
       st.sampled_from(["\n", "\n\n", "\r\n"]))
@example(["\r", "By Ann Example", "By Ann Example", "Visit the X home page."], "\r\n")  # a bare CR
@example(["By Ann Example", "By Ann Example", "0\x03A"], "\n")  # a control character
@example(["By Ann Example", "AA0AA\x1fAA"], "\n")  # one Python counts as white space
@example(["By Ann Example", "By Ann Example", "0\x1bA"], "\n")
@example(["By Ann Example", "Glued[2] and super³ and star.*", "", "* Star note", "* Star note"],
         "\n")  # two notes of one label
def test_property_import_never_drops_a_word(parts, sep):
    """Every word of a dump is in the manuscript, but for the lines the report says it dropped."""
    from collections import Counter

    text = sep.join(parts)
    try:
        result = import_dump(text.encode("utf-8"), "fuzz.txt")
    except InputError:
        return
    dropped = {r["line"] for r in volume(result).get("removed", [])}
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # as the importer reads them
    # a notes list's heading is the convention's, not the text's: the book sets its own
    kept = "\n".join(l for n, l in enumerate(lines, 1) if n not in dropped
                     and not re.fullmatch(r"\s*(?:end)?notes\s*[.:]?\s*", l, re.IGNORECASE))
    # superscript digits are note markers by design (the importer's third reference syntax)
    sup = str.maketrans("", "", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    kept = kept.translate(sup)
    # a form feed separates like a line of its own; other control characters cannot be in
    # XML: the importer drops them (and says so)
    kept = NOT_XML.sub("", kept.replace("\f", "\n"))
    # words compared case-folded: names and titles printed in capitals are written in their
    # normal case
    expected = Counter(re.findall(r"[^\W_]+", kept.casefold()))
    # a byline "By X" is kept as authors = ["X"]: "By" is a label the templates write again;
    # numbers may become list or note markers, which rendered text does not spell out
    expected["by"] = 0
    expected = Counter({w: n for w, n in expected.items() if not w.isdigit()})
    got = Counter(re.findall(r"[^\W_]+", output_text(result).translate(sup).casefold()))
    lost = {w: n - got[w] for w, n in expected.items() if got[w] < n}
    assert not lost, lost


def test_control_characters_are_removed_and_reported() -> None:
    result = import_dump("By Ann Example\n\nA line\x1b[1m with a terminal's escape.\n".encode(),
                         "dump.txt")
    assert "\x1b" not in output_text(result) and "A line[1m with" in output_text(result)
    (warning,) = [d for d in result.report.diagnostics if d.code == "import-controls-removed"]
    assert warning.line == 3 and "U+001B" in warning.message

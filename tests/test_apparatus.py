from collections import Counter
from pathlib import Path

from anthology.render.apparatus import abbreviations, glossary, note_on_text, suggest_index
from anthology.manuscript import read_manuscript
from anthology.render import render


def test_abbreviations_take_the_expansion_the_text_gives() -> None:
    text = ("the GPU (State Political Directorate) was renamed; the New Economic Policy (NEP) "
            "began; the Social Revolutionaries (SRs) rose; the NKVD (as the GPU was renamed) "
            "and TINA (there is no alternative); 364 pages, $77 (hb).")
    assert abbreviations(text) == {"GPU": "State Political Directorate", "NEP": "New Economic Policy",
                                   "SRs": "Social Revolutionaries", "TINA": "there is no alternative"}


def test_serge_glossary_comes_from_the_texts(serge: Path) -> None:
    entries = {e.term: e.expansion for e in glossary(read_manuscript(serge).volume)}
    assert entries["GPU"] == "State Political Directorate"
    assert entries["NKVD"] == "People’s Commissariat for Internal Affairs"
    assert entries["NEP"] == "New Economic Policy"
    assert entries["SRs"] == "Social Revolutionaries"
    assert entries["POUM"].startswith("Spanish Workers")


def test_note_on_the_text_reports_what_happened(serge: Path) -> None:
    volume = read_manuscript(serge).volume
    note = note_on_text(volume, Counter(quotes=12, dashes=3))
    assert "12 straight or typewriter-style quotation marks" in note
    assert "3 dashes" in note
    assert "“Victor Serge: a man for our time”" in note  # the supplied title
    assert "one line of web boilerplate" in note and "one repeated title line" in note
    assert "(*)" in note  # the asterisk note keeps its symbol
    assert "ellipses" not in note  # nothing claimed that did not happen


def test_index_suggestions_are_recurring_names_not_yet_indexed(serge: Path) -> None:
    volume = read_manuscript(serge).volume
    terms = [c.term for c in suggest_index(volume)]
    assert "Bolsheviks" in terms
    assert "Trotsky" not in terms  # already in the index
    assert all(c.count >= 3 for c in suggest_index(volume))


def test_index_anchors_every_occurrence_and_links_it(serge: Path) -> None:
    book = render(read_manuscript(serge).volume)
    html = "".join(d.body for d in book.documents)
    index = next(d.body for d in book.documents if d.id == "index")
    import re
    anchors = set(re.findall(r'<span id="(ix-[^"]+)" class="ix">', html))
    links = re.findall(r'class="index-ref" href="#(ix-[^"]+)"', index)
    assert links and set(links) == anchors
    assert re.search(r'id="ix-kropotkin-peter-1" class="ix">(Peter )?Kropotkin<', html)


def test_paragraph_numbers_are_the_same_ids_in_every_output(mini: Path) -> None:
    book = render(read_manuscript(mini).volume, number_paragraphs=True)
    body = next(d.body for d in book.documents if d.id == "piece-first")
    assert '<p id="first-para-1"><span class="para-number">1</span>' in body


def test_back_matter_order(serge: Path) -> None:
    book = render(read_manuscript(serge).volume)
    ids = [d.id for d in book.documents]
    assert ids[-4:] == ["contributors", "glossary", "works", "index"]
    contributors = next(d.body for d in book.documents if d.id == "contributors")
    assert "editorial boards of Against the Current and Critique" in contributors
    assert 'href="#piece-haberkern"' in contributors


# ---- the quick paths of the glossary give what the plain ones give ---------------------------

import re as _re  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from anthology.render.apparatus import _TOKEN, _last_words, _one_line  # noqa: E402

_SPACED = st.lists(st.sampled_from(["New", "Policy", "of", "x", "’s", "Red-Army", "(NEP)", "a" * 90,
                                    " ", "  ", "\n", "\t", "\u00a0", "\u2009", "-", "."]),
                   max_size=80).map("".join)


@settings(max_examples=300, deadline=None)
@given(_SPACED, st.integers(min_value=0, max_value=4000))
def test_last_words_are_the_last_words_of_the_whole_text(text: str, end: int) -> None:
    end = min(end, len(text))
    assert _last_words(text, end) == _TOKEN.findall(text[:end])[-12:]


@settings(max_examples=300, deadline=None)
@given(_SPACED)
def test_one_line_is_every_run_of_white_space_made_one_space(text: str) -> None:
    assert _one_line(text) == _re.sub(r"\s+", " ", text)

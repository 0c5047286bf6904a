"""notes: every common convention of listing and marking notes, linked both ways."""

from __future__ import annotations

import re

import pytest

from .helpers import codes, imp, pieces

TEXT = "Our subject is large and old{a} and the matter is plain{b} to all who read it."


def defs(body: str) -> list[str]:
    return re.findall(r"^\[\^([^\]]+)\]:", body, re.MULTILINE)


def refs(body: str) -> list[str]:
    return [m for m in re.findall(r"(?<!\\)\[\^([^\]\s]+)\](?!:)", body)]


@pytest.mark.parametrize("marks, listed", [
    (("(1)", "(2)"), "(1) First.\n(2) Second."),
    (("[1]", "[2]"), "[1] First.\n[2] Second."),
    (("(1)", "(2)"), "1. First.\n2. Second."),
    (("¹", "²"), "¹ First.\n² Second."),
    (("*", "†"), "* First.\n† Second."),
    (("[A]", "[B]"), "[A] First.\n[B] Second."),
])
@pytest.mark.parametrize("heading", ["Notes", "NOTES", "Endnotes", "References", ""])
def test_each_convention_under_each_heading(marks, listed: str, heading: str) -> None:
    if heading == "" and marks[0] == "[A]":
        heading = "Notes"  # bare lettered items need a heading (an "A." may begin any sentence)
    text = ("A Title\n\nBy Ann Example\n\n" + TEXT.format(a=marks[0], b=marks[1]) + "\n\n"
            + (heading + "\n\n" if heading else "") + listed + "\n")
    (front, body), = pieces(imp(text))
    labels = [m.strip("[]()").translate(str.maketrans("¹²", "12")) for m in marks]
    assert defs(body) == labels and refs(body) == labels
    assert "First." in body and (not heading or heading not in body.split("\n"))


def test_gutenberg_footnote_blocks_wherever_they_stand() -> None:
    text = ("A Title\n\nBy Ann Example\n\nThe first claim.[1] The second.[2]\n\n[Footnote 1: One,"
            " on a line.\n\nAnd a second paragraph.]\n\nMore text here, with a third claim.[A]\n\n"
            "[Footnote 2: Two.]\n\n[Footnote A: Three.]\n")
    (front, body), = pieces(imp(text))
    assert defs(body) == ["1", "2", "A"] and refs(body) == ["1", "2", "A"]
    assert "[^1]: One, on a line.\n\n    And a second paragraph." in body
    assert "Footnote" not in body


def test_editorial_brackets_and_page_citations_stay_text() -> None:
    text = ("A Title\n\nBy Ann Example\n\nHe wrote [sic] in [1862] that [that is, the year] it rained,"
            " as the page shows (45).(1) It is [illegible] here.\n\nNotes\n\n1. The source.\n")
    (front, body), = pieces(imp(text))
    assert defs(body) == ["1"] and refs(body) == ["1"]
    for kept in ("\\[sic\\]", "\\[1862\\]", "\\[that is, the year\\]", "(45)", "\\[illegible\\]"):
        assert kept in body


def test_book_wide_notes_with_letters_go_to_the_pieces_that_cite_them() -> None:
    text = ("Book\n\n\nOne\n\nBy Ann Example\n\nFirst piece cites this.[A] And that.[B]\n\n* * *\n\n"
            "Two\n\nBy Ben Other\n\nSecond piece cites another.[C]\n\nNOTES\n\n[A] Note a.\n"
            "[B] Note b.\n[C] Note c.\n")
    (f1, b1), (f2, b2) = pieces(imp(text))
    assert defs(b1) == ["A", "B"] and defs(b2) == ["C"]


def test_a_mark_on_the_title_is_a_note_of_the_piece_the_title_stays_clean() -> None:
    text = "TELLING THE BEES.[A]\n\n[Footnote A: A custom.]\n\nHere is the place; right over the hill.\n"
    (front, body), = pieces(imp(text))
    assert front["title"] == "Telling the Bees" and front["title_notes"] == ["A"]
    assert defs(body) == ["A"] and refs(body) == []


def test_a_note_on_a_note() -> None:
    text = ("A Title\n\nBy Ann Example\n\nThe claim we make here.[1]\n\n[Footnote 1: A note that cites,[A] "
            "itself.]\n\n[Footnote A: The note's note.]\n")
    (front, body), = pieces(imp(text))
    assert defs(body) == ["1", "A"]
    assert re.search(r"^\[\^1\]: A note that cites,\[\^A\] itself\.", body, re.MULTILINE)


def test_a_footnote_right_after_the_paragraph_that_cites_it() -> None:
    text = ("A Title\n\nBy Ann Example\n\nThe claim, as the poet says.*\n\n* Pope, Essay on Man.\n\n"
            "The text goes on after the note.\n")
    (front, body), = pieces(imp(text))
    assert defs(body) == ["*"] and "The text goes on" in body.split("[^*]:")[0]


def test_a_list_nobody_cites_stays_a_list_and_a_stray_mark_is_reported() -> None:
    result = imp("A Title\n\nBy Ann Example\n\nThree demands, and a mark³ here:\n\n1. One.\n2. Two.\n")
    (front, body), = pieces(result)
    assert defs(body) == [] and "1. One." in body
    assert "import-reference-without-note" in codes(result)


def test_back_arrows_of_web_notes_go() -> None:
    (front, body), = pieces(imp("A Title\n\nBy Ann Example\n\nA claim we make here.³\n\nEndnotes\n\n3. The source. ↩\n"))
    assert "↩" not in body and defs(body) == ["3"]

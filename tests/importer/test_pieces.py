"""pieces: where pieces begin, the title page, parts, section breaks."""

from __future__ import annotations

import pytest

from .helpers import codes, imp, pieces, volume

PROSE = "The afternoon was warm and the river ran slow under the bridge by the mill."


@pytest.mark.parametrize("sep", ["* * *", "***", "—", "----", "====", "\f", "\n\n"])
def test_separators_before_a_header_cut_pieces(sep: str) -> None:
    glue = f"\n\n{sep}\n\n" if sep != "\n\n" else "\n\n\n\n"
    text = "Collected\n\n\n" + glue.join(f"Piece {w}\n\n{PROSE}" for w in ("One", "Two", "Three"))
    got = pieces(imp(text))
    assert [f["title"] for f, _ in got] == ["Piece One", "Piece Two", "Piece Three"]


def test_a_separator_inside_a_piece_is_a_section_break() -> None:
    (front, body), = pieces(imp(f"Only\n\nBy Ann Example\n\n{PROSE}\n\n* * *\n\n{PROSE}\n"))
    assert body.count("* * *") == 1


def test_bylines_in_any_case_and_a_blank_line_between_title_and_byline() -> None:
    text = "\n\n".join(f"Title {n}\n\n\n{by}\n\n{PROSE}" for n, by in enumerate(
        ["By Ann Example", "by Ben Other", "BY CORA LINDQVIST", "— Dmitri Okafor"]))
    got = pieces(imp("A Volume\n\n\n" + text))
    assert [f["authors"] for f, _ in got] == [["Ann Example"], ["Ben Other"], ["Cora Lindqvist"],
                                             ["Dmitri Okafor"]]


def test_headings_in_capitals_and_labels() -> None:
    text = ("THE BOOK\n\nBY ANN EXAMPLE\n\n\nCHAPTER I.\n\nTHE BEGINNING.\n\n" + PROSE +
            "\n\nA SECTION IN CAPITALS\n\n" + PROSE + "\n\n\nCHAPTER II.\n\n" + PROSE + "\n")
    result = imp(text)
    got = pieces(result)
    assert [(f.get("label"), f["title"], f["authors"]) for f, _ in got] == [
        ("Chapter I", "The Beginning", ["Ann Example"]), (None, "Chapter II", ["Ann Example"])]
    assert "## A Section in Capitals" in got[0][1]
    assert volume(result)["title"] == "The Book"


def test_a_title_page_with_an_editor_and_a_contents_list() -> None:
    text = ("SELECTED LETTERS\n\nEdited with an Introduction\n\nBY EDWARD JOHNSON\n\nCONTENTS\n\n"
            "I. To Coleridge\nII. To Manning\n\n\nI.\n\nTO COLERIDGE.\n\n" + PROSE +
            "\n\n\nII.\n\nTO MANNING.\n\n" + PROSE + "\n")
    result = imp(text)
    vol = volume(result)
    assert vol["title"] == "Selected Letters" and vol["editors"] == ["Edward Johnson"]
    assert [(f["label"], f["title"], f["kind"]) for f, _ in pieces(result)] == [
        ("I", "To Coleridge", "letter"), ("II", "To Manning", "letter")]
    assert "import-contents-dropped" in codes(result)


def test_a_part_title_holds_the_pieces_after_it() -> None:
    text = ("The Volume\n\nBy Ann Example\n\n\n\nPART ONE\n\n\n\nFirst\n\n" + PROSE +
            "\n\n\n\nSecond\n\n" + PROSE + "\n\n\n\nPART TWO\n\n\n\nThird\n\n" + PROSE + "\n")
    vol = volume(imp(text))
    assert [(p["title"], len(p["pieces"])) for p in vol["parts"]] == [("Part One", 2), ("Part Two", 1)]


def test_an_epigraph_before_the_title_printed_again() -> None:
    text = ("ESSAYS\n\nBy Ralph Waldo Emerson\n\n\n\n     HISTORY.\n\n     There is no great and no small\n"
            "     To the Soul that maketh all:\n     And where it cometh, all things are\n\n\n\n"
            "I. HISTORY.\n\n" + PROSE + "\n")
    (front, body), = pieces(imp(text))
    assert (front["title"], front["label"]) == ("History", "I")
    assert body.lstrip().startswith("> | There is no great")


def test_a_dump_with_no_title_and_no_byline_is_one_untitled_piece() -> None:
    result = imp(PROSE + "\n\n" + PROSE + "\n")
    (front, body), = pieces(result)
    assert front["title_supplied"] and "import-title-supplied" in codes(result)


def test_piece_file_names_are_unique() -> None:
    text = "Vol\n\n\n" + "\n\n* * *\n\n".join(f"Same Title\n\nBy Ann Example\n\n{PROSE} {n}"
                                            for n in range(3))
    names = volume(imp(text))["pieces"]
    stems = [n.split("-", 1)[1] for n in names]
    assert len(set(stems)) == 3

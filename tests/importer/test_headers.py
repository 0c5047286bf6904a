"""headers: titles, labels, bylines, source lines, dates, a review's book block."""

from __future__ import annotations

import pytest

from anthology.importer.blocks import paragraphs
from anthology.importer.decode import read_lines
from anthology.importer.headers import (byline_names, dash_names, label_of, parse_source,
                                        read_header, source_text, split_title_mark)
from anthology.importer.report import Log


def header(text: str):
    found = read_header(paragraphs(read_lines(text, Log("x"))), 0)
    return found[0] if found else None


@pytest.mark.parametrize("line, names", [
    ("By Ann Lee", ("Ann Lee",)), ("by Ann Lee and Bo Ma", ("Ann Lee", "Bo Ma")),
    ("BY RALPH WALDO EMERSON", ("Ralph Waldo Emerson",)), ("Reviewed by Cora Smith", ("Cora Smith",)),
    ("By Charles de Gaulle", ("Charles de Gaulle",)), ("by no means the last", None),
    ("By the way", None)])
def test_bylines_in_any_case(line: str, names) -> None:
    assert byline_names(line) == names


def test_dash_names() -> None:
    assert dash_names("— Ann Lee") == ("Ann Lee",) and dash_names("-- C. L.") == ("C. L.",)
    assert dash_names("—and then he left") is None


@pytest.mark.parametrize("line, source", [
    ("From Transit Voices, 7, November 2022.", "From Transit Voices, 7, November 2022."),
    ("[From The Journal, 12, May 2001.]", "From The Journal, 12, May 2001."),
    ("First published in The Atlantic Monthly", "First published in The Atlantic Monthly"),
    ("Originally appeared in the Cornhill Magazine for April 1878.",
     "Originally appeared in the Cornhill Magazine for April 1878."),
    ("Reprinted from Scribner's Magazine, April 1888.", "Reprinted from Scribner's Magazine, April 1888."),
    ("From the earliest times men have told stories.", None)])
def test_source_lines(line: str, source) -> None:
    assert source_text(line) == source


def test_parse_source() -> None:
    assert parse_source("From Against the Current, 142, September-October 2009.") == (
        "Against the Current", "142", "September-October 2009")
    assert parse_source("From a letter to a friend, 1850, and elsewhere") == ("", "", "")


@pytest.mark.parametrize("line, label", [
    ("CHAPTER X.", ("Chapter X", "", "label")), ("ESSAY I. HISTORY.", ("Essay I", "History", "label")),
    ("III", ("III", "", "numeral")), ("X.", ("X", "", "numeral")), ("Chapter 3", ("Chapter 3", "", "label")),
    ("PART TWO", ("Part Two", "", "part")), ("No. 203.", ("No. 203", "", "label")),
    ("I think so.", None), ("Mix well.", None)])
def test_labels(line: str, label) -> None:
    assert label_of(line) == label


def test_title_marks() -> None:
    assert split_title_mark("TELLING THE BEES.[A]") == ("TELLING THE BEES.", ["A"])
    assert split_title_mark("Letter 1*†") == ("Letter 1", ["*", "†"])
    assert split_title_mark("TO THOMAS MANNING [1].") == ("TO THOMAS MANNING.", ["1"])
    assert split_title_mark("A plain title") == ("A plain title", [])


def test_title_byline_source_with_blank_lines_between() -> None:
    h = header("The Last Bus Home\n\n\nby Dana Whitcombe\n\nFirst published in Transit "
               "Voices, 2022.\n\nThe text.\n")
    assert (h.title, h.authors, h.source, h.strong) == (
        "The Last Bus Home", ("Dana Whitcombe",), "First published in Transit Voices, 2022.", True)


def test_a_caps_title_runs_on_and_has_a_subtitle() -> None:
    h = header("ON\n\nTHE KNOCKING AT THE GATE,\n\nIN MACBETH.\n\nBy Thomas De Quincey\n\nText.\n")
    assert (h.title, h.authors) == ("On the Knocking at the Gate, in Macbeth", ("Thomas De Quincey",))
    h = header("DREAM-CHILDREN\nA REVERIE\n\nBY CHARLES LAMB\n\nText.\n")
    assert (h.title, h.subtitle, h.authors) == ("Dream-Children", "A Reverie", ("Charles Lamb",))


def test_label_then_title_and_title_then_label() -> None:
    h = header("V.\n\nTO COLERIDGE.\n\nSeptember 27, 1796.\n\nMy dearest friend, text.\n")
    assert (h.label, h.title, h.date) == ("V", "To Coleridge", "September 27, 1796.")
    h = header("THE BUTTON-ROSE.\n\nCHAPTER IV.\n\nOur kinsman had been persuaded.\n")
    assert (h.label, h.title) == ("Chapter IV", "The Button-Rose")
    h = header("Letter 2\n\nIsleworth\n\nMy Dear Child,\n")
    assert (h.title, h.label) == ("Letter 2", "")  # a letter's dateline is not its title


def test_fields_set_apart_by_wide_spaces() -> None:
    h = header("No. 203.        Tuesday, October 23, 1711.        Addison.\n\nThere is a tribe of men.\n")
    assert (h.title, h.date, h.authors) == ("No. 203", "Tuesday, October 23, 1711.", ("Addison",))


def test_a_review_header_with_its_book_block() -> None:
    h = header("Review: A Book of Rivers\nCity Times review\n\n1 May 2020\n\nA Book of Rivers\n"
               "By Ben Writer\nRiver Press, 2019\n288 pages, £25 (pb)\n\nThe review's text.\n")
    assert h.publication_line == "City Times review" and h.date == "1 May 2020"
    assert (h.book.title, h.book.authors, h.book.publisher, h.book.year, h.book.pages) == (
        "A Book of Rivers", ("Ben Writer",), "River Press", "2019", "288 pages")


def test_a_paragraph_is_never_a_header() -> None:
    assert header("Short first line of prose\nthat runs on into a second line of the paragraph.\n") is None
    assert header("From the earliest times men have told stories, 1901.\n\nMore.\n") is None

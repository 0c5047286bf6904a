"""blocks: paragraphs, separators, the dump's layout, verse and indented passages."""

from __future__ import annotations

import pytest

from anthology.importer.blocks import is_indented, is_separator, is_verse, measure, paragraphs
from anthology.importer.decode import read_lines
from anthology.importer.records import Layout
from anthology.importer.report import Log

WRAPPED = """It is a truth universally acknowledged, that a single man in possession
of a good fortune, must be in want of a wife. However little known the
feelings or views of such a man may be on his first entering a
neighbourhood, this truth is so well fixed in the minds of the
surrounding families, that he is considered the rightful property of
some one or other of their daughters. My dear Mr. Bennet, said his lady
to him one day, have you heard that Netherfield Park is let at last?"""


def blocks(text: str):
    return paragraphs(read_lines(text, Log("x")))


@pytest.mark.parametrize("line", ["* * *", "***", "—", "----", "====", "\f", "*       *       *",
                                  "~~~", "#  #  #"])
def test_separator_lines(line: str) -> None:
    got = blocks(f"Before the break.\n{line}\nAfter the break.\n")
    assert [is_separator(b) for b in got] == [False, True, False]


def test_a_dash_byline_is_no_separator() -> None:
    assert not any(is_separator(b) for b in blocks("— Ann Example\n"))


def test_layout_of_a_hard_wrapped_dump() -> None:
    layout = measure(blocks(WRAPPED + "\n\n" + WRAPPED))
    assert 66 <= layout.wrap <= 74 and layout.indent == 0 and not layout.indents_quotes


def test_verse_keeps_its_lines_prose_does_not() -> None:
    text = WRAPPED + "\n\n  Like one that on a lonesome road\n  Doth walk in fear and dread,\n" \
        "  And having once turn'd round, walks on,\n"
    got = blocks(text)
    layout = measure(got)
    assert not is_verse(got[0], layout)
    assert is_verse(got[1], layout) and is_indented(got[1], layout)


def test_in_a_dump_of_long_lines_short_lines_are_verse() -> None:
    got = blocks("Roses are red\nViolets are blue\nSugar is sweet\n")
    assert is_verse(got[0], Layout())
    assert not is_verse(blocks("A line that is long enough to be a paragraph of its own, surely, "
                               "more than sixty characters\nand more")[0], Layout())

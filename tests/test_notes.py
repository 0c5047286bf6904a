from anthology.manuscript.notes import split_notes


def test_definitions_leave_the_body_and_are_numbered_in_order() -> None:
    md = "Text.[^a] More.[^1]\n\n[^1]: One.\n[^a]: Aye,\n    continued.\n"
    split = split_notes(md, "p.md", 10)
    assert "[^1]:" not in split.body and "Text.[^a]" in split.body
    assert [(n.number, n.label, n.line) for n in split.notes] == [(1, "1", 12), (2, "a", 13)]
    assert split.notes[1].markdown == "Aye,\ncontinued."
    assert split.diagnostics == ()


def test_multi_paragraph_note() -> None:
    split = split_notes("A.[^1]\n\n[^1]: First.\n\n    Second.\n\nBody again.\n", "p.md", 1)
    assert split.notes[0].markdown == "First.\n\nSecond."
    assert "Body again." in split.body


def test_reference_without_note_is_an_error_with_its_line() -> None:
    split = split_notes("One.\nTwo.[^9]\n", "p.md", 5)
    [d] = split.diagnostics
    assert (d.code, d.line, d.severity) == ("note-undefined", 6, "error")
    assert str(d).startswith("p.md:6: error note-undefined: reference [^9] has no note (")


def test_note_without_reference_is_a_warning() -> None:
    split = split_notes("One.\n\n[^1]: Lonely.\n", "p.md", 1)
    [d] = split.diagnostics
    assert (d.code, d.line, d.severity) == ("note-unreferenced", 3, "warning")


def test_duplicate_label_is_an_error() -> None:
    split = split_notes("A.[^1]\n\n[^1]: x\n[^1]: y\n", "p.md", 1)
    assert [d.code for d in split.diagnostics] == ["note-duplicate"]


def test_references_in_code_do_not_count() -> None:
    split = split_notes("Write `[^1]` like this.\n", "p.md", 1)
    assert split.diagnostics == ()


def test_a_note_may_be_referenced_from_another_note_or_from_the_title() -> None:
    md = "Text.[^1]\n\n[^1]: One, with a note of its own.[^A]\n[^A]: On the note.\n[^t]: Title's.\n"
    split = split_notes(md, "p.md", 1, (("t", 1),))
    assert [n.label for n in split.notes] == ["1", "A", "t"]
    assert split.diagnostics == ()  # A is referenced from note 1, t from the title


def test_a_title_note_without_a_note_is_an_error() -> None:
    split = split_notes("Text.\n", "p.md", 5, (("9", 3),))
    [d] = split.diagnostics
    assert (d.code, d.line) == ("note-undefined", 3)

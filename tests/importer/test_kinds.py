"""kinds: from what the text says, never from a piece's place."""

from __future__ import annotations

from .helpers import pieces, imp

PROSE = "The afternoon was warm and the river ran slow under the bridge by the mill."


def kinds(text: str) -> list[str]:
    return [f["kind"] for f, _ in pieces(imp(text))]


def test_without_evidence_every_piece_is_an_essay() -> None:
    text = "\n\n".join(f"Title {n}\n\nBy Someone Else{n}\n\n{PROSE}" for n in "ABC")
    assert kinds("Vol\n\n\n" + text.replace("Else", "Else ")) == ["essay"] * 3


def test_the_title_says_so() -> None:
    text = "\n\n".join(f"{t}\n\nBy Ann Example\n\n{PROSE}" for t in (
        "A Reply to Critics", "Preface", "Introduction", "A Letter from the Editor", "Rejoinder",
        "Review: A Book"))
    assert kinds("Vol\n\n\n" + text) == ["response", "preface", "introduction", "letter",
                                        "rejoinder", "review"]


def test_a_salutation_and_a_signature_make_a_letter_and_its_author() -> None:
    (front, body), = pieces(imp(f"To the Editor\n\nDear Sir,\n\n{PROSE}\n\nYours truly,\n\nJOHN SMITH.\n"))
    assert front["kind"] == "letter" and front["authors"] == ["John Smith"]
    assert "JOHN SMITH." in body  # the signature stays in the text


def test_the_editorial_note_names_kinds() -> None:
    text = ("The Exchange\n\n[An essay, then a response from Ben Other.]\n\nFirst\n\nBy Ann Example\n\n"
            f"{PROSE}\n\nSecond\n\nBy Ben Other\n\n{PROSE}\n")
    assert kinds(text) == ["essay", "response"]

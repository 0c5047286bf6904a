import re

import pytest

from anthology.render.typography import NBSP, smarten, tex_quotes


@pytest.mark.parametrize("raw, typeset", [
    ("``economic rebel''", "“economic rebel”"),
    ("Serge's `present' to ours", "Serge’s ‘present’ to ours"),
    ('"there is no alternative"', "“there is no alternative”"),
    ("'revolutionary theory'", "‘revolutionary theory’"),
    ("who survived the '30s when", "who survived the ’30s when"),
    ("wait... now", "wait… now"),
    ("in 1909-1914 and (188-119)", "in 1909–1914 and (188–119)"),
    ("ISBN 978-1-60846-1", "ISBN 978-1-60846-1"),
    ("so -- they said", f"so{NBSP}— they said"),
    ("imagine — and hopefully", f"imagine{NBSP}— and hopefully"),
    (" ”another world is possible”", " “another world is possible”"),
    ('he said, "(A)s long"', "he said, “(A)s long”"),
    ("plain words stay", "plain words stay"),
])
def test_smarten(raw: str, typeset: str) -> None:
    assert smarten(raw) == typeset


def test_before_gives_quote_direction_across_markup() -> None:
    # '<em>word</em>"' : the closing quote's run starts after a letter
    assert smarten('"', before="d") == "”"
    assert smarten('"x', before=" ") == "“x"


def test_tex_quotes_only() -> None:
    assert tex_quotes("``a'' -- b...") == "“a” -- b..."


def test_smarten_is_idempotent() -> None:
    text = "Serge's ``present'' -- 1909-1914... 'a'"
    assert smarten(smarten(text)) == smarten(text)


def test_letters_and_digits_never_change() -> None:
    text = "It's ``odd'' -- isn't it? 'Yes' \"no\" 1909-14 ... 'em 'tis"
    keep = lambda s: re.sub(r"[^\w]", "", s)  # noqa: E731
    assert keep(smarten(text)) == keep(text)


# ---- properties: the pass never crashes, and never drops, adds or reorders a word ----------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_TYPED = st.text(alphabet=st.sampled_from(list("ab ZΩé19'\"`-.…—–\n\u00a0(),;:!?*")) , max_size=200)


def _letters_and_digits(text: str) -> str:
    return re.sub(r"[^\w]|_", "", text)


@settings(max_examples=400, deadline=None)
@given(_TYPED, st.sampled_from(["", " ", "a", "“", "—", "("]))
def test_property_words_survive(text: str, before: str) -> None:
    assert _letters_and_digits(smarten(text, before)) == _letters_and_digits(text)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_property_any_unicode_never_crashes_and_keeps_words(text: str) -> None:
    out = smarten(text)
    assert re.findall(r"\w+", _letters_and_digits(out)) == re.findall(r"\w+", _letters_and_digits(text))


@settings(max_examples=300, deadline=None)
@given(_TYPED)
def test_property_idempotent(text: str) -> None:
    once = smarten(text)
    assert smarten(once) == once


# ---- the quote pass looks only at quotes; it must give what a pass over every character gives

from anthology.render.typography import OPENERS, _ELISION  # noqa: E402


def _quotes_every_character(text: str, before: str) -> str:
    """The quote pass written the plain way: each character in turn, ``prev`` as typeset."""
    def opening(prev: str, i: int) -> bool:
        nxt = text[i + 1] if i + 1 < len(text) else ""
        return (prev == "" or prev in OPENERS) and nxt not in ("", " ", "\n", "\t")

    out: list[str] = []
    prev = before[-1:]
    for i, ch in enumerate(text):
        if ch == '"' or ch == "\u201d" and opening(prev, i):
            ch = "\u201c" if opening(prev, i) else "\u201d"
        elif ch == "'":
            ch = "\u2019" if _ELISION.match(text, i) else ("\u2018" if opening(prev, i) else "\u2019")
        out.append(ch)
        prev = ch
    return "".join(out)


_QUOTY = st.lists(st.sampled_from(list("a Z1'\"”“‘’`\n\t(—-") + ["tis", "em", "30s", "n "]),
                  max_size=40).map("".join)


@settings(max_examples=500, deadline=None)
@given(_QUOTY, st.sampled_from(["", " ", "d", "“", "(", "—", "’"]))
def test_property_quotes_as_a_pass_over_every_character(text: str, before: str) -> None:
    from anthology.render.typography import _quotes

    assert _quotes(text, before) == _quotes_every_character(text, before)

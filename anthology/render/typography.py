"""Turn plain typed text into typeset text: curly quotes, dashes, ellipses, no-break spaces.

The pass changes punctuation and spacing only, never a letter or digit, so every word of the
authors survives it (tests check this with hypothesis). It works on one run of text at a time;
``before`` gives the character that precedes the run (from the previous text node), so quotes
next to inline markup still get the right direction.
"""

from __future__ import annotations

import re

NBSP = "\u00a0"
OPENERS = set(" \t\n\u00a0([{\u2014\u2013-/“‘\u2009\u200a")

# TeX quotes first: ``…'' and `…'
_TEX = [
    (re.compile(r"``"), "\u201c"),
    (re.compile(r"''"), "\u201d"),
    (re.compile(r"`"), "\u2018"),
]
_ELLIPSIS = re.compile(r"\.\.\.|\. \. \.")
_RANGE = re.compile(r"(?<![\d\-–])(\d{1,4})-(\d{1,4})(?![\d\-–])")
_EM_DASH_TRIPLE = re.compile(r"(?<!-)---(?!-)")
_DOUBLE_HYPHEN = re.compile(r"(?<!-)--(?!-)")  # typed text: -- means an em dash
# a space before a spaced dash must not break: the dash should never start a line
_SPACE_BEFORE_DASH = re.compile(r" (?=[\u2014\u2013] )")
_ELISION = re.compile(r"'(?=(\d\d(s|\b)|tis\b|twas\b|em\b|n\b))", re.IGNORECASE)


_QUOTE = re.compile("[\"'\u201d]")  # what _quotes may change; everything else it keeps


def _quotes(text: str, before: str) -> str:
    found = [m.start() for m in _QUOTE.finditer(text)]
    if not found:
        return text
    out = list(text)  # one character for one: indices stay those of ``text``
    for i in found:
        ch = text[i]
        # the character before, as typeset: a quote just made curly counts as what it became
        prev = out[i - 1] if i else before[-1:]
        if ch == '"' or ch == "\u201d" and _opening_context(prev, text, i):
            ch = "\u201c" if _opening_context(prev, text, i) else "\u201d"
        elif ch == "'":
            if _ELISION.match(text, i):
                ch = "\u2019"
            else:
                ch = "\u2018" if _opening_context(prev, text, i) else "\u2019"
        out[i] = ch
    return "".join(out)


def _opening_context(prev: str, text: str, i: int) -> bool:
    """A quote opens when it follows nothing, a space or an opener and precedes a non-space."""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    return (prev == "" or prev in OPENERS) and nxt not in ("", " ", "\n", "\t")


def smarten(text: str, before: str = "") -> str:
    """Return ``text`` typeset: TeX and straight quotes curly, dashes, ellipses, no-break spaces."""
    # each step runs only when its pattern can match: most runs of text need few of them
    if "`" in text or "''" in text:
        for pattern, repl in _TEX:
            text = pattern.sub(repl, text)
    if "-" in text:
        if "--" in text:
            text = _EM_DASH_TRIPLE.sub("\u2014", text)
            text = _DOUBLE_HYPHEN.sub("\u2014", text)
        text = _RANGE.sub("\\1\u2013\\2", text)
    if "." in text:
        text = _ELLIPSIS.sub("\u2026", text)
    text = _quotes(text, before)
    if "\u2014 " in text or "\u2013 " in text:
        text = _SPACE_BEFORE_DASH.sub(NBSP, text)
    return text


def tex_quotes(text: str) -> str:
    """Only the TeX quotes of ``text`` made curly: what an importer must do before Markdown sees them."""
    for pattern, repl in _TEX:
        text = pattern.sub(repl, text)
    return text

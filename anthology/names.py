"""Turn titles into slugs and page counts into roman numerals: the names the book gives things.

One function for each, so an id, a file name and a folio are spelled one way everywhere:
:func:`slug` for ids and file names (piece ids, index anchors, glossary and contributor ids,
the importer's files), :func:`roman` and :func:`roman_value` for the front matter's folios
(the page map names pages with them, the index orders its page numbers by them).
"""

from __future__ import annotations

import re
import unicodedata

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_NUMERALS = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
             (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}


def slug(text: str, default: str = "", *, fold: bool = False) -> str:
    """``text`` as lower-case words of ASCII letters and digits joined by hyphens
    ("Trotsky, Leon" → "trotsky-leon"); ``default`` when none is left.

    Any other character separates words ("Le Rétif" → "le-r-tif"): ids made so stay as
    earlier builds made them. With ``fold``, letters first lose their accents and other
    characters that are not ASCII go ("Le Rétif" → "le-retif", "S’il" → "sil"), as the
    importer names its files."""
    if fold:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_SLUG.sub("-", text.lower()).strip("-") or default


def roman(value: int) -> str:
    """``value`` in lower-case roman numerals (``xiv``); outside 1-3999, in arabic digits."""
    if not 0 < value < 4000:
        return str(value)
    out = []
    for number, numeral in _NUMERALS:
        count, value = divmod(value, number)
        out.append(numeral * count)
    return "".join(out)


def roman_value(numeral: str) -> int:
    """The value of a roman numeral, either case (``XIV`` → 14); a character that is not a
    numeral counts nothing."""
    text = numeral.lower()
    total = 0
    for char, after in zip(text, text[1:] + " "):
        value = _VALUES.get(char, 0)
        total += -value if _VALUES.get(after, 0) > value else value
    return total

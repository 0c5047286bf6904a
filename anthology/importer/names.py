"""Turn names and titles printed in capitals into their normal case; tell names that may
be one person's.

``BY RALPH WALDO EMERSON`` gives "Ralph Waldo Emerson", ``A LETTER FROM THE EDITOR.`` gives
"A Letter from the Editor". Only text with no lower-case letter is changed; initials,
Roman numerals (``VIII``), initialisms with points (``U.S.A.``) and name particles (``de``,
``van``) are kept as names and titles print them.
"""

from __future__ import annotations

import re

from .conventions import NAME_PARTICLES, SMALL_WORDS

_ROMAN_SHORT = re.compile(r"(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})")
_INITIALISM = re.compile(r"(?:[A-Z]\.){2,}[A-Z]?\.?|[A-Z]\.")
_WORD = re.compile(r"[^\W\d_][^\W_]*(?:['’][^\W_]+)*", re.UNICODE)


def is_caps(text: str) -> bool:
    """Printed in capitals: at least two letters, none of them lower case."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and not any(c.islower() for c in letters) \
        and any(c.isupper() for c in letters)


def _cap(word: str) -> str:
    """``O'BRIEN`` → O'Brien, ``MCDONALD`` → McDonald, ``SOUTH-SEA`` → South-Sea (per hyphen)."""
    low = word.lower()
    if re.fullmatch(r"mc[a-z]{2,}", low):
        return "Mc" + low[2:].capitalize()
    m = re.fullmatch(r"(o|d|l)['’]([a-z]{2,})", low)
    if m:
        return m.group(1).upper() + word[1] + m.group(2).capitalize()
    return low[:1].upper() + low[1:]


def _keep_upper(word: str) -> bool:
    """Roman numerals (``VIII``, ``I``) and initialisms (``U.S.A.``, ``S.T``) stay capitals;
    a lone ``A`` is the article."""
    if word == "A":
        return False
    return bool(_ROMAN_SHORT.fullmatch(word) and word) or bool(_INITIALISM.fullmatch(word)) \
        or ("." in word and bool(_INITIALISM.fullmatch(word + ".")))


def name_case(name: str) -> str:
    """A name from capitals to its normal case; a name with lower-case letters as it is."""
    if not is_caps(name):
        return name
    words = name.split()
    out = []
    for k, w in enumerate(words):
        if _INITIALISM.fullmatch(w) or (k and _ROMAN_SHORT.fullmatch(w) and w):
            out.append(w)
        elif k and w.lower() in NAME_PARTICLES and k < len(words) - 1:
            out.append(w.lower())
        else:
            out.append("-".join(_cap(part) for part in w.split("-")))
    return " ".join(out)


def title_case(title: str) -> str:
    """A title from capitals to title case; a title with lower-case letters as it is."""
    if not is_caps(title):
        return title

    words = title.split()
    out = []
    for k, token in enumerate(words):
        m = re.match(r"^([^\w]*)(.*?)([^\w.]*)$", token)
        lead, core, tail = m.groups() if m else ("", token, "")
        if not core:
            out.append(token)
            continue
        first = k == 0 or out[-1].endswith((":", "—", "–", "--")) or \
            (out[-1].endswith((".", "?", "!")) and len(out[-1].rstrip(".?!")) > 2) or \
            (lead != "" and lead[0] in "“\"‘'([")
        last = k == len(words) - 1
        if _keep_upper(core.rstrip(".")):
            word = core
        elif core.lower().rstrip(".") in SMALL_WORDS and not first and not last:
            word = core.lower()
        else:
            word = "-".join(_cap(p) for p in core.split("-"))
        out.append(lead + word + tail)
    return " ".join(out)


def similar_names(names: list[str]) -> list[tuple[str, str]]:
    """Pairs of names that may be one person's: the same letters in another case, or one
    with initials where the other has a name ("Ann Lee" and "Ann B. Lee"; "A. Lee" and
    "Ann Lee"). They are asked about, never merged."""
    names = list(dict.fromkeys(names))
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
            if _key(a) == _key(b) or _initials(a, b)]


def _key(name: str) -> str:
    return " ".join(re.findall(r"[^\W\d_]+", name.casefold()))


def _initials(a: str, b: str) -> bool:
    wa, wb = _key(a).split(), _key(b).split()
    if not wa or not wb or wa[-1] != wb[-1] or wa == wb:
        return False
    first_a, first_b = wa[:-1], wb[:-1]
    short, long_ = sorted((first_a, first_b), key=len)
    return bool(short) and all(any(w == x or (len(w) == 1 and x.startswith(w)) or
                                   (len(x) == 1 and w.startswith(x)) for x in long_) for w in short)

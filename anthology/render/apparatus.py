"""Turn a volume's texts into its editorial apparatus: glossary, index candidates, note on the text.

Everything here is derived from the manuscript and the texts themselves, never written into
the code: the glossary takes each abbreviation with the expansion a text gives it
("New Economic Policy (NEP)", "the GPU (State Political Directorate)"), the editor's own
``[[glossary]]`` entries winning; the note on the text states the conventions the pipeline
really applied, with the counts the typography pass reports.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..model import GlossaryEntry, Volume

_SMALL = {"of", "the", "for", "and", "in", "on", "to", "a", "an", "de", "la", "du", "des"}
_WORD = r"[A-Z][\w’'\-]*"
# ABBR (Expansion): "the GPU (State Political Directorate)"
_ABBR_FIRST = re.compile(r"\b([A-Z]{2,6}s?)\s+\(((?:the\s+)?[^()]{3,80}?)\)")
# Expansion (ABBR): "New Economic Policy (NEP)", "Social Revolutionaries (SRs)"
_ABBR_AFTER = re.compile(r"\(([A-Z]{2,6}s?)\)")
_TOKEN = re.compile(r"[\w’'\-]+")
_SENTENCE_START = re.compile(r"(^|[.!?…]\s+|[“‘\"(]\s*)$")


def _letters(abbr: str) -> str:
    return abbr[:-1] if abbr.endswith("s") and abbr[:-1].isupper() else abbr


def _initials(words: list[str]) -> str:
    return "".join(w[0].upper() for w in words if w.lower() not in _SMALL and w[:1].isalpha())


def _last_words(text: str, end: int, count: int = 12) -> list[str]:
    """The last ``count`` words of ``text[:end]``, looking back only as far as they reach."""
    reach = 256
    while True:
        start = max(0, end - reach)
        words = _TOKEN.findall(text, start, end)
        # the first word found may be cut by the window: it is never one of the last `count`
        if len(words) > count or start == 0:
            return words[-count:]
        reach *= 4


def _expansion_before(words: list[str], abbr: str) -> str:
    """The shortest run of ``words`` (those just before ``(ABBR)``) whose initials spell it."""
    target = _letters(abbr).upper()
    for n in range(1, len(words) + 1):
        run = words[-n:]
        if run[0].lower() in _SMALL:
            continue
        if _initials(run) == target:
            return " ".join(run)
    return ""


def abbreviations(text: str) -> dict[str, str]:
    """Every abbreviation the text expands, with its first expansion."""
    found: dict[str, str] = {}
    for m in _ABBR_FIRST.finditer(text):
        abbr, inside = m.group(1), m.group(2).strip()
        inside = re.sub(r"^the\s+", "", inside)
        words = inside.split()
        starts_capital = inside[:1].isupper()
        if (starts_capital and len(words) >= 2 and not re.search(r"\d", inside)) or \
                _initials(words) == _letters(abbr).upper():
            found.setdefault(abbr, inside)
    for m in _ABBR_AFTER.finditer(text):
        abbr = m.group(1)
        expansion = _expansion_before(_last_words(text, m.start()), abbr)
        if expansion:
            found.setdefault(abbr, expansion)
    return found


def volume_text(volume: Volume) -> str:
    """All the volume's prose (bodies, notes, editorial note) as one Markdown string."""
    parts = [volume.editorial_note]
    for piece in volume.pieces:
        parts.append(piece.body)
        parts.extend(n.markdown for n in piece.notes)
    return "\n\n".join(parts)


def _one_line(text: str) -> str:
    """Every run of white space made one space (as ``re.sub(r"\\s+", " ", text)``), three
    times as fast on a whole volume."""
    words = text.split()
    if not words:
        return " " if text else ""
    return (" " if text[0].isspace() else "") + " ".join(words) + \
        (" " if text[-1].isspace() else "")


def glossary(volume: Volume) -> tuple[GlossaryEntry, ...]:
    """The texts' abbreviations and expansions, with the editor's entries taking precedence."""
    entries = abbreviations(_one_line(volume_text(volume)))
    for entry in volume.glossary:
        entries[entry.term] = entry.expansion
    return tuple(GlossaryEntry(t, e) for t, e in sorted(entries.items(), key=lambda i: i[0].lower()))


@dataclass(frozen=True)
class Candidate:
    term: str
    count: int


def suggest_index(volume: Volume, minimum: int = 3) -> list[Candidate]:
    """Capitalised names that recur, and are not just capitalised for starting a sentence."""
    text = re.sub(r"\[\^[^\]]+\]", "", volume_text(volume))
    counts: Counter[str] = Counter()
    mid_sentence: Counter[str] = Counter()
    pattern = re.compile(rf"{_WORD}(?:\s+(?:{'|'.join(['of', 'de', 'la', 'the'])}\s+)?{_WORD})*")
    for m in pattern.finditer(text):
        term = m.group(0).strip("’'-")
        if len(term) < 3 or term.isupper() and len(term) <= 6:
            continue  # abbreviations belong to the glossary
        counts[term] += 1
        if not _SENTENCE_START.search(text[max(0, m.start() - 3): m.start()]):
            mid_sentence[term] += 1
    indexed = {m for t in volume.index for m in t.matches}
    out = [Candidate(t, n) for t, n in counts.items()
           if n >= minimum and mid_sentence[t] >= max(1, n // 2) and t not in indexed
           and t.split()[0].lower() not in _SMALL]
    return sorted(out, key=lambda c: (-c.count, c.term))


def note_on_text(volume: Volume, typography: Counter[str]) -> str:
    """The editorial conventions actually applied, as Markdown paragraphs."""
    paras: list[str] = []
    pieces = volume.pieces
    paras.append(
        f"This volume gathers {_count(len(pieces), 'text')} as their sources give them; "
        "no word of the authors has been changed.")
    changes = []
    if typography["quotes"]:
        changes.append(f"{typography['quotes']} straight or typewriter-style quotation marks and "
                       "apostrophes were made curly")
    if typography["dashes"]:
        changes.append(f"{typography['dashes']} dashes were set (em dashes for double hyphens, en "
                       "dashes in ranges of numbers)")
    if typography["ellipses"]:
        changes.append(f"{typography['ellipses']} ellipses were set as one character")
    if typography["spaces"]:
        changes.append(f"{typography['spaces']} spaces before dashes were made unbreakable")
    if changes:
        paras.append("Typography has been made consistent: " + "; ".join(changes) + ".")
    supplied = [p for p in pieces if p.title_supplied]
    if supplied:
        titles = ", ".join(f"“{p.title}”" for p in supplied)
        paras.append(f"The editor supplied the title{'s' if len(supplied) > 1 else ''} {titles}; "
                     "the source gives none.")
    if volume.removed:
        whys = Counter(r.why for r in volume.removed)
        # a why with an article names one line ("a repeated title line"); others, what the
        # lines were part of ("the distributor's licence header")
        listed = "; ".join(f"{_count(n, why.removeprefix('a ').removeprefix('an '))}"
                           if why.startswith(("a ", "an ")) else f"{_count(n, 'line')} of {why}"
                           for why, n in sorted(whys.items()))
        paras.append(f"Removed from the source: {listed}.")
    noted = [p for p in pieces if p.notes]
    if noted:
        symbols = sorted({n.label for p in noted for n in p.notes if not n.label.isdigit()})
        sentence = ("Notes are numbered separately in each text, as in the sources, and follow "
                    "the text they belong to; each note number leads back to its reference.")
        if symbols:
            what = "a symbol" if all(not s.isalnum() for s in symbols) else \
                "a letter" if all(s.isalpha() for s in symbols) else "a letter or a symbol"
            sentence += (f" Notes marked in the source with {what} keep it ("
                         + ", ".join(symbols) + ").")
        paras.append(sentence)
    if volume.index or glossary(volume):
        paras.append("The glossary takes each abbreviation with the expansion the texts "
                     "themselves give. The index lists the names and works the editor chose.")
    return "\n\n".join(paras)


def _count(n: int, noun: str) -> str:
    words = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    return f"{words[n] if n < len(words) else n} {noun}{'' if n == 1 else 's'}"

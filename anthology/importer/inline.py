"""Turn a paragraph's text into Markdown: emphasis marked, note references placed, the rest
escaped so every word renders as written.

``_italics_`` and ``*italics*`` (and Gutenberg's ``=bold=``) become Markdown emphasis;
linked note markers become ``[^label]``; every other character Markdown would read as markup
(``\\ * _ [ ] { } ` < &`` and block syntax at the start of a line) is escaped.
"""

from __future__ import annotations

import re

from .conventions import EMPHASIS, STRONG

Span = tuple[int, int, str]  # start, end, what goes there instead


def emphasis_spans(text: str) -> list[Span]:
    """The emphasis markers of ``text``: each opening and closing mark with its Markdown."""
    out: list[Span] = []
    for m in EMPHASIS.finditer(text):
        out.append((m.start(), m.start() + 1, "*"))
        out.append((m.end() - 1, m.end(), "*"))
    taken = [(s, e) for s, e, _ in out]
    for m in STRONG.finditer(text):
        if not any(s <= m.start() < e or s < m.end() <= e for s, e in taken):
            out.append((m.start(), m.start() + 1, "**"))
            out.append((m.end() - 1, m.end(), "**"))
    return sorted(out)


def marked_positions(text: str) -> set[int]:
    """Positions of emphasis marks (never note references)."""
    return {s for s, _e, _r in emphasis_spans(text)}


_ESCAPE = re.compile(r"([\\*_\[\]{}`])")
_ENTITY = re.compile(r"&(?=#?\w+;)")


def escape(text: str) -> str:
    text = _ESCAPE.sub(r"\\\1", text)
    text = _ENTITY.sub("&amp;", text)
    return text.replace("<", "&lt;")


def to_markdown(text: str, links: list[Span], offset: int = 0) -> str:
    """``text[offset:]`` as Markdown: ``links`` (start, end, label) become ``[^label]``."""
    spans = [(s, e, f"[^{label}]") for s, e, label in links if s >= offset]
    spans += [sp for sp in emphasis_spans(text) if sp[0] >= offset
              and not any(s <= sp[0] < e for s, e, _ in spans)]
    out: list[str] = []
    pos = offset
    for start, end, replacement in sorted(spans):
        if start < pos:
            continue
        out.append(escape(text[pos:start]))
        out.append(replacement)
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def safe_start(text: str) -> str:
    """Escape what Markdown would read as block syntax at the start of a line."""
    if text.startswith("|"):
        return "&#124;" + text[1:]  # Python-Markdown has no escape for "|" (a line block)
    if re.match(r"[#>+\-]", text):
        return "\\" + text
    m = re.match(r"(\d+)([.)])(\s|$)", text)
    if m:
        return f"{m.group(1)}\\{m.group(2)}{text[m.end(2):]}"
    if re.fullmatch(r"=+\s*", text):
        return "&#61;" + text[1:]
    return text


def join_lines(texts: list[str]) -> tuple[str, list[int]]:
    """Hard-wrapped lines as one paragraph, and where each line starts in it.

    A line ending in a hyphen after a letter runs on into a lower-case next line without a
    space (``well-`` + ``known``); so does a dash at either side of the break."""
    out = ""
    starts: list[int] = []
    for k, t in enumerate(texts):
        if k:
            prev = out
            glue = " "
            if (re.search(r"[^\W\d_]-$", prev) and t[:1].islower()) or prev.endswith(("—", "--")) \
                    or t.startswith(("—", "--")):
                glue = ""
            out += glue
        starts.append(len(out))
        out += t
    return out, starts

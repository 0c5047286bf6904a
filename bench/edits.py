"""Turn a manuscript into the same manuscript with one editor's correction, and back again.

The corrections the benchmark times a rebuild after (README, "Speed"), all in the middle piece
of the volume (in reading order): one word changed in its middle paragraph (``word``), its
title changed (``title``: the contents and its running heads change), a paragraph of about
700 words added after its middle paragraph (``page``: the piece gets longer, and the folios of
every piece after it move).

    edit = Edit(manuscript, "word"); edit.apply(True); ...; edit.apply(False)
"""

from __future__ import annotations

import re
from pathlib import Path

from volume import piece_paths

KINDS = ("word", "title", "page")
_PARAGRAPH = re.compile(r"^[A-Za-z\u2018\u201c].{200,}$")  # a line of prose, not a heading


class Edit:
    """One correction to one manuscript: :meth:`apply` makes it (True) or undoes it (False)."""

    def __init__(self, manuscript: Path, kind: str):
        if kind not in KINDS:
            raise ValueError(f"no such edit: {kind}")
        pieces = piece_paths(Path(manuscript))
        self.path = pieces[len(pieces) // 2]
        self.original = self.path.read_text(encoding="utf-8")
        self.edited = _edited(self.original, kind)

    def apply(self, on: bool) -> None:
        self.path.write_text(self.edited if on else self.original, encoding="utf-8")


def _edited(text: str, kind: str) -> str:
    lines = text.split("\n")
    if kind == "title":
        for n, line in enumerate(lines):
            if re.match(r'^title\s*=\s*"', line):
                lines[n] = re.sub(r'"\s*$', ' (revised)"', line)
                return "\n".join(lines)
        raise ValueError("the piece has no title line")
    prose = [n for n, line in enumerate(lines) if _PARAGRAPH.match(line)]
    if not prose:
        raise ValueError("the piece has no paragraph of prose")
    middle = prose[len(prose) // 2]
    if kind == "word":
        words = lines[middle].split(" ")
        at = next(i for i in range(len(words) // 2, len(words))
                  if words[i].isalpha() and words[i].islower() and len(words[i]) > 3)
        words[at] = words[at].swapcase()
        lines[middle] = " ".join(words)
    else:
        words = re.sub(r"\[\^[^\]]*\]", "", " ".join(lines[n] for n in prose)).split()
        added = " ".join((words * (700 // max(1, len(words)) + 1))[:700])
        lines[middle + 1:middle + 1] = ["", added]
    return "\n".join(lines)

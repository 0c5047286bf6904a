"""Turn lines into blocks, and tell the blocks' shapes: separators, verse, indented passages.

A block is a paragraph: lines with no blank line between them (a separator line is always a
block of its own). The dump's layout is measured once (:func:`measure`): the width its
paragraphs are hard-wrapped at, if they are, and the indentation of ordinary paragraphs.
Against it, a block is *verse* when its lines were broken on purpose (in a hard-wrapped
text, the next line's first word would have fitted on the line; in a text of one paragraph a
line, every line is short), and an *indented passage* (a block quotation) when all its lines
stand further in than ordinary paragraphs do.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from .conventions import (BULLET_ITEM, INDENT_QUOTE, ORDERED_ITEM, PROSE_LINE_MIN, SEPARATOR,
                          SEPARATOR_BLANKS, VERSE_LINE_MAX, VERSE_RATIO, WRAP_MIN)
from .records import Block, Layout, Line


def paragraphs(lines: Iterable[Line]) -> list[Block]:
    """Group lines into blocks at blank lines; a separator line is a block of its own."""
    out: list[list[Line]] = []
    after_separator = False
    for line in lines:
        separator = is_separator_text(line.text)
        if line.gap or not out or separator or after_separator:
            out.append([line])
        else:
            out[-1].append(line)
        after_separator = separator
    return [tuple(b) for b in out]


def is_separator_text(text: str) -> bool:
    return SEPARATOR.fullmatch(text) is not None


def is_separator(block: Block) -> bool:
    """A separator line, or a block after three or more blank lines (which separate alike)."""
    return len(block) == 1 and is_separator_text(block[0].text)


def separated(blocks: list[Block], i: int) -> bool:
    """Is block ``i`` preceded by a separator line or by enough blank lines to separate?"""
    if i > 0 and is_separator(blocks[i - 1]):
        return True
    return blocks[i][0].blanks >= SEPARATOR_BLANKS


def measure(blocks: list[Block]) -> Layout:
    """The width hard-wrapped paragraphs break at (0 if they don't) and their indentation."""
    inner: list[int] = []  # lengths of lines that another line of their paragraph follows
    indents: Counter[int] = Counter()  # the indentation of prose, by how much text has it
    for block in blocks:
        if len(block) >= 2:
            inner.extend(ln.indent + len(ln.text) for ln in block[:-1])
        if max(len(ln.text) for ln in block) >= PROSE_LINE_MIN:
            indents[min(ln.indent for ln in block)] += sum(len(ln.text) for ln in block)
    wrap = 0
    long_lines = sum(1 for b in blocks for ln in b if len(ln.text) > 2 * max(WRAP_MIN, 60))
    all_lines = sum(len(b) for b in blocks)
    if long_lines * 5 >= all_lines:
        inner = []  # a paragraph a line, however its verse is set: not hard-wrapped
    if len(inner) >= 3:
        inner.sort()
        p90 = inner[int(len(inner) * 0.9)]
        p50 = inner[len(inner) // 2]
        if WRAP_MIN <= p90 <= 100 and p50 >= 0.75 * p90:
            wrap = p90
    indent = indents.most_common(1)[0][0] if indents else 0
    indented = any(min(ln.indent for ln in b) >= indent + INDENT_QUOTE for b in blocks
                   if not is_separator(b) and (len(b) > 1 or len(b[0].text.split()) > 8))
    return Layout(wrap=wrap, indent=indent, indents_quotes=indented)


def is_list(block: Block) -> bool:
    return bool(ORDERED_ITEM.match(block[0].text)) or all(BULLET_ITEM.match(ln.text) for ln in block)


def is_verse(block: Block, layout: Layout) -> bool:
    """Were this block's lines broken on purpose (verse, an address, a signature block)?"""
    if len(block) < 2 or is_list(block):
        return False
    if layout.wrap:
        if len(block) < 3 and not is_indented(block, layout):
            return False  # two short lines at the margin: as likely a paragraph broken early
        for a, b in zip(block, block[1:]):
            first_word = b.text.split()[0]
            if a.indent + len(a.text) + 1 + len(first_word) > layout.wrap:
                return False  # the break was the wrap's
            if a.indent + len(a.text) > VERSE_RATIO * layout.wrap and b.indent <= a.indent \
                    and b.text[:1].islower():
                return False  # a long line running on into the next: prose
        return True
    # a paragraph a line: a paragraph of several lines was broken on purpose, unless every
    # line is long and runs on into the next in lower case (a paragraph wrapped after all)
    if all(len(a.text) >= WRAP_MIN and b.text[:1].islower() for a, b in zip(block, block[1:])):
        return False
    return all(len(ln.text) <= VERSE_LINE_MAX for ln in block)


def is_indented(block: Block, layout: Layout) -> bool:
    """Does every line of the block stand further in than ordinary paragraphs?"""
    return min(ln.indent for ln in block) >= layout.indent + INDENT_QUOTE


def block_text(block: Block) -> str:
    return " ".join(ln.text for ln in block)

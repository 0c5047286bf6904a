"""Turn the notes a dump prints, in whatever convention, into notes linked to their references.

Notes are found as

* a list at the end of a piece, under a heading (``Notes``, ``NOTES``, ``Endnotes``,
  ``References``, ``Footnotes:``) or bare, the items marked ``1.``, ``1``, ``[1]``, ``(1)``,
  ``¹``, ``[A]``, ``*``, ``†``; under a heading the numbering may restart (notes numbered per
  piece, listed together, perhaps under headings of their own such as the pieces' titles);
* one list at the end of the book, for every piece (read so when that links more notes than
  reading it as the last piece's own);
* Project Gutenberg's ``[Footnote X: …]`` blocks, wherever they stand (:func:`take_footnotes`);
* a footnote printed right after the paragraph that cites it (``[1] …``, ``* …``).

References are ``(n)``, ``[n]``, ``[A]``, superscript digits and ``*``/``†``/``‡`` after a word
or punctuation. A mark is a reference only if a note of that label exists and the marks come
in the order the notes are listed: for each note, the first mark glued to the word before it
(``Opposition.(1)``), or failing that a spaced one, before the next note's first glued mark.
So years, page citations (``(45)``) and editorial brackets (``[sic]``, ``[1862]``) stay text.
A mark inside a note can refer to another note. A list none of whose items is referenced
stays where it stood, as text.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .blocks import block_text, is_separator
from .conventions import (FOOTNOTE_BLOCK, FOOTNOTE_INLINE, HEADING_WORDS_MAX, INLINE_NOTE_SYNTAX, NOTE_BACKLINK,
                          NOTE_ITEMS,
                          NOTES_HEADING, REFERENCE, SUPERSCRIPT_DIGITS, SYMBOLS)
from .inline import marked_positions
from .records import TITLE, Block, Candidate, Line, NoteText, Piece, Region
from .report import Log


def note_item(text: str) -> tuple[str, str, str] | None:
    """``12. Ibid.`` → ("12", "Ibid.", "number"); superscript digits become ASCII digits."""
    for pattern, syntax in NOTE_ITEMS:
        m = pattern.fullmatch(text)
        if m:
            return m.group("label").translate(SUPERSCRIPT_DIGITS), m.group("text"), syntax
    return None


def is_notes_heading(text: str) -> bool:
    return NOTES_HEADING.fullmatch(text) is not None


def _ordinal(label: str) -> int | None:
    """Where a label stands in its sequence: 12 → 12, "C" → 3; None for symbols."""
    if label.isdigit():
        return int(label)
    if len(label) == 1 and label.isalpha():
        return ord(label.upper()) - ord("A") + 1
    return None


def _is_group_heading(text: str) -> bool:
    """A short heading line inside a notes list ("Notes to chapter 2", a piece's title)."""
    words = text.split()
    return (1 <= len(words) <= HEADING_WORDS_MAX and not text.endswith((",", ";", ":"))
            and (text[0].isupper() or text[0].isdigit() or text[0] in "“\"‘'")
            and note_item(text) is None)


# ---- Project Gutenberg's footnote blocks --------------------------------------------------


def take_footnotes(blocks: list[Block], log: Log) -> tuple[list[Block], list[tuple[int, NoteText]]]:
    """Lift ``[Footnote X: …]`` blocks out of the text. Each note remembers the index (in the
    blocks returned) of the block before it, the last its reference can be in."""
    out: list[Block] = []
    notes: list[tuple[int, NoteText]] = []
    pending: list[Line] = []
    depth = 0
    for block in _split_at_footnotes(blocks):
        if not pending:
            block, inline = _lift_inline(block)
            notes.extend((len(out), n) for n in inline)
            if not block:
                continue
        if pending:
            pending.extend(block)
            depth += _depth(block)
            if depth <= 0:
                notes.append(_footnote(pending, len(out) - 1, log))
                pending, depth = [], 0
            continue
        if FOOTNOTE_BLOCK.match(block[0].text):
            depth = _depth(block)
            if depth <= 0:
                notes.append(_footnote(list(block), len(out) - 1, log))
            else:
                pending = list(block)
            continue
        out.append(block)
    if pending:  # never closed: it runs to the end
        log.warn(pending[0].no, "import-footnote-unclosed",
                 "a [Footnote …] block is never closed with ']'; it runs to the end of the dump",
                 "add the closing bracket where the note ends")
        notes.append(_footnote(pending, len(out) - 1, log))
    return out, notes


def _lift_inline(block: Block) -> tuple[Block, list[NoteText]]:
    """Footnotes set inside a paragraph (``… till 1904, [Footnote: … 1798.] when …``): each
    is lifted out, and remembers where it stood, which is where its reference goes."""
    lines = list(block)
    notes: list[NoteText] = []
    li = 0
    while li < len(lines):
        text = lines[li].text
        m = FOOTNOTE_INLINE.search(text, 0 if li else 1)
        if not m:
            li += 1
            continue
        end = _closing_bracket(lines, li, m.end())
        if end is None:
            break  # never closed inside the paragraph: left as it is
        end_li, end_col = end
        if li == end_li:
            inner = [text[m.end():end_col]]
        else:
            inner = [text[m.end():]] + [ln.text for ln in lines[li + 1:end_li]] + \
                [lines[end_li].text[:end_col]]
        note_lines = [replace(lines[li], text=" ".join(t.strip() for t in inner if t.strip()))]
        rest = lines[end_li].text[end_col + 1:]
        head = text[:m.start()]
        joined = head + (" " if head and rest and not rest[:1] in ",.;:!?)" else "") + rest.lstrip() \
            if rest.strip() else head
        lines[li:end_li + 1] = [replace(lines[li], text=joined)] if joined.strip() else []
        label = m.group("label") or "*"
        notes.append(NoteText(label, tuple(note_lines), note_lines[0].text,
                              at=(lines[li].no if joined.strip() else 0, len(head))))
    return tuple(lines), notes


def _closing_bracket(lines: list[Line], li: int, col: int) -> tuple[int, int] | None:
    """Where the bracket opened before (line ``li``, column ``col``) closes."""
    depth = 1
    for k in range(li, len(lines)):
        text = lines[k].text
        for c in range(col if k == li else 0, len(text)):
            if text[c] == "[":
                depth += 1
            elif text[c] == "]":
                depth -= 1
                if depth == 0:
                    return k, c
    return None


def _split_at_footnotes(blocks: list[Block]) -> list[Block]:
    """A footnote block glued to the paragraph before it becomes a block of its own."""
    out: list[Block] = []
    for block in blocks:
        start = 0
        for k, ln in enumerate(block):
            if k and FOOTNOTE_BLOCK.match(ln.text):
                out.append(block[start:k])
                start = k
        out.append(block[start:])
    return out


def _depth(block: Block) -> int:
    text = block_text(block)
    return text.count("[") - text.count("]")


def _footnote(lines: list[Line], anchor: int, log: Log) -> tuple[int, NoteText]:
    m = FOOTNOTE_BLOCK.match(lines[0].text)
    assert m is not None
    first = m.group("text").strip()
    last = lines[-1].text
    body = [replace(lines[0], text=first)] + lines[1:]
    # the closing bracket
    end = body[-1].text.rstrip()
    if end.endswith("]"):
        body[-1] = replace(body[-1], text=end[:-1].rstrip())
    del last
    first_text = body[0].text
    if not first_text and len(body) > 1:
        body = body[1:]
        first_text = body[0].text
    return anchor, NoteText(m.group("label") or "*", tuple(body), first_text, anchor=anchor)


# ---- note lists ---------------------------------------------------------------------------


def region_end(blocks: list[Block], start: int) -> int:
    """Where a notes list under the heading at ``start`` ends (``start`` if it is not one).

    The list takes items, their continuation paragraphs and headings that stand just before
    an item restarting the numbering; it stops at a separator or at a paragraph that could
    not belong to a note (a heading followed by prose)."""
    if not (len(blocks[start]) == 1 and is_notes_heading(blocks[start][0].text)):
        return start
    k = start + 1
    if k >= len(blocks) or note_item(blocks[k][0].text) is None:
        return start
    while k < len(blocks):
        block = blocks[k]
        if is_separator(block):
            break
        if note_item(block[0].text) is not None:
            k += 1
            continue
        nxt = blocks[k + 1] if k + 1 < len(blocks) else None
        if len(block) == 1 and _is_group_heading(block[0].text):
            if nxt is not None and note_item(nxt[0].text) is not None:
                k += 1
                continue
            break
        if len(block) > 1 and _is_group_heading(block[0].text) and note_item(block[1].text):
            k += 1  # a heading with the first item on the next line
            continue
        if block[0].text[:1].islower() or block[0].indent > blocks[start][0].indent or \
                block[0].text.startswith(("(", "“", "\"", "‘")):
            k += 1  # a note's further paragraph
            continue
        break
    return k


def listed_footnotes(piece: Piece) -> Region | None:
    """Footnote blocks set under a Notes heading at the end of a piece (``FOOTNOTES:``, or
    ``NOTES.`` for the whole book): a notes list like any other, so they are matched in
    sequence and may belong to the pieces before."""
    body = piece.body
    heading = max((bi for bi, b in enumerate(body) if len(b) == 1
                   and is_notes_heading(b[0].text)), default=None)
    if heading is None:
        return None
    listed = [n for n in piece.footnotes if n.anchor is not None and n.anchor >= heading
              and n.at is None]
    if not listed:
        return None
    piece.footnotes = [n for n in piece.footnotes if n not in listed]
    group, last, notes = 0, 0, []
    for n in listed:
        number = _ordinal(n.label)
        if number is not None:
            group += number <= last
            last = number
        notes.append(replace(n, group=group, anchor=None))
    piece.body = body[:heading] + body[heading + 1:]  # a stray line after the notes stays
    return Region(len(piece.body), (body[heading],), tuple(notes))


def find_notes(body: list[Block], log: Log | None) -> Region | None:
    """The notes at the end of a body: the earliest block from which everything is notes.

    Under a Notes heading the items may run on over paragraphs and restart their numbers;
    without one, only the trailing run of paragraphs that each begin with an item can be
    notes, and their numbers must rise from 1.
    """
    tail = len(body)
    while tail > 0 and note_item(body[tail - 1][0].text) is not None:
        tail -= 1
    for s, block in enumerate(body):
        if len(block) == 1 and is_notes_heading(block[0].text) and s + 1 < len(body):
            notes = _parse_items(body[s + 1:], loose=True, log=None)
            if notes:
                _parse_items(body[s + 1:], loose=True, log=log)  # now report what it drops
                return Region(s, tuple(body[s:]), notes)
        elif s >= tail:
            first = note_item(block[0].text)
            if first is not None and (_ordinal(first[0]) in (1, None)):
                notes = _parse_items(body[s:], loose=False, log=None)
                if notes and _rise_from_one(notes):
                    return Region(s, tuple(body[s:]), notes)
    return None


def _parse_items(blocks: list[Block], loose: bool, log: Log | None) -> tuple[NoteText, ...]:
    """Note items of ``blocks``; () unless every line belongs to a note.

    Strictly (no heading), each block must begin with an item. Under a Notes heading a line
    or block that does not is more text of the previous note, or, when it is a heading line
    just before an item that restarts the numbering, a group heading, which is dropped
    (reported).
    """
    flat = [(line, li) for block in blocks for li, line in enumerate(block)]
    notes: list[list] = []  # [label, lines, first_text, group]
    group = 0
    last = 0
    for k, (line, li) in enumerate(flat):
        item = note_item(line.text)
        if item is not None and item[2] == "letter" and not loose:
            item = None
        if item is None:
            if not loose and li == 0:
                return ()
            nxt = note_item(flat[k + 1][0].text) if k + 1 < len(flat) else None
            if loose and nxt is not None and _ordinal(nxt[0]) in (1, None) and \
                    _is_group_heading(line.text) and (li == 0 or not notes):
                if log is not None:
                    log.drop(line.no, line.text, "a heading inside a notes list",
                             "import-notes-heading-dropped",
                             f"dropped the heading {line.text!r} inside the notes",
                             "the notes are now with the piece that refers to them")
                continue
            if not notes:
                return ()
            back = NOTE_BACKLINK.search(line.text)
            notes[-1][1].append(replace(line, text=NOTE_BACKLINK.sub("", line.text)) if back
                                and line.text[:back.start()].strip() else line)
            continue
        label, text, syntax = item
        text = NOTE_BACKLINK.sub("", text)
        number = _ordinal(label)
        if number is not None:
            if number <= last:
                group += 1
            last = number
        notes.append([label, [line], text, group, syntax])
    return tuple(_unwrap(NoteText(lbl, tuple(lines), text, grp), syntax)
                 for lbl, lines, text, grp, syntax in notes)


def _unwrap(note: NoteText, syntax: str) -> NoteText:
    """``1 (return) [ text ]``: the note's text is what the brackets hold, and it may begin on
    the line after the label."""
    if syntax != "return":
        return note
    lines = list(note.lines)
    first = note.first_text
    if not first.strip() and len(lines) > 1:
        lines = lines[1:]
        first = lines[0].text
    first = first.lstrip()
    if first.startswith("["):
        first = first[1:].lstrip()
    last = first if len(lines) == 1 else lines[-1].text
    if last.rstrip().endswith("]"):
        last = last.rstrip()[:-1].rstrip()
        if len(lines) == 1:
            first = last
        else:
            lines[-1] = replace(lines[-1], text=last)
    return replace(note, lines=tuple(lines), first_text=first)


def _rise_from_one(notes: tuple[NoteText, ...]) -> bool:
    numbers = [n for n in (_ordinal(x.label) for x in notes) if n is not None]
    return not numbers or (numbers[0] == 1 and all(a < b for a, b in zip(numbers, numbers[1:])))


def inline_footnotes(body: list[Block], end: int) -> list[tuple[int, NoteText]]:
    """Footnotes printed right after the paragraph that cites them: a block of ``[1] …`` or
    ``* …`` items (``1.`` is a list, not a note) among the first ``end`` blocks."""
    out: list[tuple[int, NoteText]] = []
    for bi in range(1, end):
        block = body[bi]
        first = note_item(block[0].text)
        if first is None or first[2] not in INLINE_NOTE_SYNTAX:
            continue
        notes = _parse_items([block], loose=False, log=None)
        if notes:
            out.extend((bi, replace(n, anchor=bi, in_body=True)) for n in notes)
    return out


# ---- references ---------------------------------------------------------------------------


def candidates(body: list[Block]) -> list[Candidate]:
    """Every place in the body that has the shape of a note reference, in reading order."""
    out: list[Candidate] = []
    for bi, block in enumerate(body):
        for li, line in enumerate(block):
            out.extend(_line_candidates(line.text, bi, li))
    return out


def _line_candidates(text: str, bi: int, li: int) -> list[Candidate]:
    emphasis = marked_positions(text)
    out = []
    for m in REFERENCE.finditer(text):
        syntax = m.lastgroup or ""
        if m.start() in emphasis:
            continue
        label = m.group(syntax).translate(SUPERSCRIPT_DIGITS)
        before = text[m.start() - 1] if m.start() else ""
        glued = before != "" and not before.isspace() and before not in "([{"
        out.append(Candidate(bi, li, m.start(), m.end(), label, glued, syntax))
    return out


def title_candidates(piece: Piece) -> list[Candidate]:
    """The note markers printed on a piece's title, as references before all others."""
    out = []
    for k, (mark, printed) in enumerate(piece.header.title_marks):
        syntax = "super" if printed.strip()[:1] in "⁰¹²³⁴⁵⁶⁷⁸⁹" else \
            "symbol" if _ordinal(mark) is None else "paren" if printed.strip().startswith("(") \
            else "bracket"
        out.append(Candidate(TITLE, k, 0, 0, mark, True, syntax))
    return out


def link_notes(pieces: list[Piece], log: Log) -> int:
    """Match every piece's notes with references; return how many notes got one."""
    cands = [title_candidates(p) + candidates(p.body) for p in pieces]
    used: set[tuple[int, int, int, int]] = set()  # (piece, block, line, start) taken
    linked = 0
    for pi, piece in enumerate(pieces):  # footnotes first: each stands by its reference
        linked += _link_footnotes(pi, piece, cands[pi], used, log)
    regions = [(i, p.region) for i, p in enumerate(pieces) if p.region is not None]
    unplaced: list[tuple[Piece, NoteText, tuple[int, int] | None]] = []
    for idx, (i, region) in enumerate(regions):
        is_last = idx == len(regions) - 1 and i == len(pieces) - 1
        recipients = [i]
        free = [[c for c in cands[k] if (k, c.block, c.line, c.start) not in used]
                for k in range(len(pieces))]
        if is_last:
            without = [k for k in range(i) if pieces[k].region is None]
            recipients = _choose_recipients(region.notes, free, without + [i], i)
        result = _match(region.notes, [free[k] for k in recipients])
        if not any(hits for _, hits in result):
            pieces[i].extra_blocks = list(region.blocks)
            pieces[i].region = None
            continue
        linked += _record(pieces, recipients, region.notes, result, log, unplaced)
    linked += _link_inside_notes(pieces)
    _place(unplaced, log)
    _warn_orphans(pieces, cands, log)
    return linked


def _link_footnotes(pi: int, piece: Piece, cands: list[Candidate],
                    used: set[tuple[int, int, int, int]], log: Log) -> int:
    """A footnote takes the nearest unlinked mark of its label at or before its place (a
    glued one first). A footnote nobody cites gets its reference at the end of the paragraph
    before it (reported), except a block of items in the body none of which is cited: that
    stays text, where it stood."""
    hits: list[Candidate | None] = []
    taken: set[tuple[int, int, int]] = set()
    where = {ln.no: (bi, li) for bi, block in enumerate(piece.body) for li, ln in enumerate(block)}
    for note in piece.footnotes:
        if note.at is not None and note.at[0] in where:  # it stood inside the paragraph
            bi, li = where[note.at[0]]
            hits.append(Candidate(bi, li, note.at[1], note.at[1], note.label, True, "inline"))
            continue
        anchor = note.anchor if note.anchor is not None else len(piece.body) - 1
        before = [c for c in cands if c.block <= anchor and c.label == note.label
                  and (pi, c.block, c.line, c.start) not in used
                  and (c.block, c.line, c.start) not in taken
                  and not (note.in_body and c.block == anchor)]
        hit = next((c for c in reversed(before) if c.glued), None) or \
            (before[-1] if before else None)
        if hit is not None:
            taken.add((hit.block, hit.line, hit.start))
        hits.append(hit)
    cited_blocks = {n.anchor for n, h in zip(piece.footnotes, hits) if n.in_body and h is not None}
    linked = 0
    for note, hit in zip(piece.footnotes, hits):
        anchor = note.anchor if note.anchor is not None else len(piece.body) - 1
        if note.in_body and anchor not in cited_blocks:
            continue
        printed = note.label
        note = _unique_label(piece, note, log)
        inside = _mark_in_notes(piece, printed) if hit is None else None
        if inside is not None:  # a note on a note: its mark is in the note before it
            piece.links.setdefault(inside[:2], []).append((inside[2], inside[3], note.label))
            linked += 1
        elif hit is None:
            at = _last_text_block(piece, anchor - 1 if note.in_body else anchor)
            if at is None:
                log.warn(note.lines[0].no, "import-note-unreferenced",
                         f"note {note.label!r} has no reference in the text",
                         "add [^" + note.label + "] where it belongs, or delete the note")
            else:
                end = len(piece.body[at][-1].text)
                piece.links.setdefault((at, len(piece.body[at]) - 1), []).append(
                    (end, end, note.label))
                log.warn(note.lines[0].no, "import-note-placed",
                         f"note {note.label!r} has no mark in the text; its reference is put at "
                         "the end of the paragraph before it",
                         "move [^" + note.label + "] where it belongs")
        else:
            used.add((pi, hit.block, hit.line, hit.start))
            piece.links.setdefault((hit.block, hit.line), []).append((hit.start, hit.end, note.label))
            linked += 1
        piece.notes.append(note)
    for bi in cited_blocks:
        piece.body[bi] = ()  # the items leave the text (indices stay as they were)
    return linked


def _mark_in_notes(piece: Piece, label: str) -> tuple[int, int, int, int] | None:
    """A glued mark of ``label`` in the piece's notes so far, latest first: (key, line) and
    its span, keyed as note links are ((-1 - note index, line), start, end)."""
    taken = {(k, s) for k, spans in piece.links.items() for s, _e, _l in spans}
    for ni in range(len(piece.notes) - 1, -1, -1):
        note = piece.notes[ni]
        for li, line in enumerate(note.lines):
            text = note.first_text if li == 0 else line.text
            for c in _line_candidates(text, -1 - ni, li):
                if c.label == label and c.glued and ((-1 - ni, li), c.start) not in taken:
                    return -1 - ni, li, c.start, c.end
    return None


def _last_text_block(piece: Piece, at: int) -> int | None:
    for bi in range(min(at, len(piece.body) - 1), -1, -1):
        if piece.body[bi] and not is_separator(piece.body[bi]):
            return bi
    return None


def _choose_recipients(notes: tuple[NoteText, ...], cands: list[list[Candidate]],
                       options: list[int], holder: int) -> list[int]:
    """Read the last list as book-wide when that links more notes than reading it as the
    last piece's own."""
    own = _count(_match(notes, [cands[holder]]))
    if own == len(notes) or len(options) == 1:
        return [holder]
    wide = _count(_match(notes, [cands[k] for k in options]))
    return options if wide > own else [holder]


def _count(result: list[tuple[int, list[Candidate]]]) -> int:
    return sum(1 for _, hits in result if hits)


def _match(notes: tuple[NoteText, ...], pieces: list[list[Candidate]]
           ) -> list[tuple[int, list[Candidate]]]:
    """For each note (in list order): (piece position, its references) — (-1, []) if none.

    Notes with numbers or letters are matched in sequence; a group whose numbering restarts
    is matched from the next piece that has a reference to its first note. Symbols take the
    first unused glued mark of the same symbol.
    """
    out: list[tuple[int, list[Candidate]]] = [(-1, []) for _ in notes]
    cur_piece, cur_pos = 0, -1
    ordered = [k for k, n in enumerate(notes) if _ordinal(n.label) is not None]
    for order, k in enumerate(ordered):
        note = notes[k]
        if order and note.group != notes[ordered[order - 1]].group:
            cur_piece, cur_pos = _next_group_start(note.label, pieces, cur_piece, cur_pos)
        nxt = notes[ordered[order + 1]] if order + 1 < len(ordered) else None
        nxt_label = nxt.label if nxt is not None and nxt.group == note.group else None
        for p in range(cur_piece, len(pieces)):
            start = cur_pos + 1 if p == cur_piece else 0
            hit = _find_in_sequence(pieces[p], start, note.label, nxt_label)
            if hit is not None:
                out[k] = (p, [pieces[p][hit]])
                cur_piece, cur_pos = p, hit
                break
    _match_symbols(notes, pieces, out)
    _add_repeats(notes, pieces, out)
    return out


def _next_group_start(label: str, pieces: list[list[Candidate]], cur_piece: int,
                      cur_pos: int) -> tuple[int, int]:
    """A restarted numbering belongs to the next piece that refers to its first label."""
    def refers(p: int, after: int) -> bool:
        return any(c.label == label and c.glued and c.syntax != "symbol"
                   for c in pieces[p][after + 1:])

    for p in range(cur_piece + (1 if cur_pos >= 0 else 0), len(pieces)):
        if refers(p, -1):
            return p, -1
    if cur_piece < len(pieces) and refers(cur_piece, cur_pos):
        return cur_piece, cur_pos
    return len(pieces), -1


def _find_in_sequence(cands: list[Candidate], start: int, label: str, nxt: str | None) -> int | None:
    """The reference to note ``label``: glued first, else spaced, before the next note's."""
    marks = [i for i in range(start, len(cands)) if cands[i].syntax != "symbol"]
    limit = len(cands)
    if nxt is not None:
        limit = next((i for i in marks if cands[i].label == nxt and cands[i].glued), limit)
    inside = [i for i in marks if i < limit and cands[i].label == label]
    glued = [i for i in inside if cands[i].glued]
    if glued:
        return glued[0]
    if not label.isdigit():
        return None  # a spaced "[A]" is an editor's bracket, not a reference
    return inside[0] if inside else None


def _match_symbols(notes: tuple[NoteText, ...], pieces: list[list[Candidate]],
                   out: list[tuple[int, list[Candidate]]]) -> None:
    """``*`` and ``†`` notes take the first unused glued mark with the same symbol."""
    used = {id(c) for _, hits in out for c in hits}
    for k, note in enumerate(notes):
        if _ordinal(note.label) is not None:
            continue
        for p, cands in enumerate(pieces):
            hit = next((c for c in cands if c.syntax == "symbol" and c.label == note.label
                        and id(c) not in used), None)
            if hit is not None:
                out[k] = (p, [hit])
                used.add(id(hit))
                break


def _add_repeats(notes: tuple[NoteText, ...], pieces: list[list[Candidate]],
                 out: list[tuple[int, list[Candidate]]]) -> None:
    """A later glued mark of an already linked label, same syntax, is a second reference."""
    used = {id(c) for _, hits in out for c in hits}
    labels = [n.label for n in notes]
    for k, note in enumerate(notes):
        p, hits = out[k]
        if not hits or _ordinal(note.label) is None or labels.count(note.label) > 1:
            continue
        first = hits[0]
        for c in pieces[p]:
            if (id(c) not in used and c.glued and c.label == note.label and c.syntax == first.syntax
                    and (c.block, c.line, c.start) > (first.block, first.line, first.start)):
                hits.append(c)
                used.add(id(c))


def _unique_label(piece: Piece, note: NoteText, log: Log) -> NoteText:
    """A second note of a label in one piece gets a label of its own (``1-2``)."""
    taken = {n.label for n in piece.notes}
    if note.label not in taken:
        return note
    label = next(f"{note.label}-{n}" for n in range(2, len(taken) + 3)
                 if f"{note.label}-{n}" not in taken)
    log.warn(note.lines[0].no, "import-note-relabelled",
             f"a second note {note.label!r} in the same piece is called {label!r}",
             "check which reference it belongs to: [^" + label + "]")
    return replace(note, label=label)


def _record(pieces: list[Piece], recipients: list[int], notes: tuple[NoteText, ...],
            result: list[tuple[int, list[Candidate]]], log: Log,
            unplaced: list[tuple[Piece, NoteText, tuple[int, int] | None]]) -> int:
    """Give each note to the piece that refers to it; an unreferenced note stays with the
    piece of the note before it, and waits in ``unplaced`` (with where the note before it
    is referenced) for a reference."""
    linked = 0
    last_owner = recipients[0]
    last_at: tuple[int, int] | None = None
    for note, (p, hits) in zip(notes, result):
        owner = recipients[p] if hits else last_owner
        note = _unique_label(pieces[owner], note, log)
        if hits:
            for c in hits:
                pieces[owner].links.setdefault((c.block, c.line), []).append(
                    (c.start, c.end, note.label))
            linked += 1
            last_at = (hits[0].block, hits[0].line)
        else:
            unplaced.append((pieces[owner], note, last_at if owner == last_owner else None))
        pieces[owner].notes.append(note)
        last_owner = owner
    return linked


def _place(unplaced: list[tuple[Piece, NoteText, tuple[int, int] | None]], log: Log) -> None:
    """A listed note that nothing refers to gets its reference after the reference of the
    note before it (or at the end of the piece's last paragraph), reported: the manuscript
    must link every note, and the editor moves it where it belongs."""
    for piece, note, near in unplaced:
        if any(label == note.label for spans in piece.links.values() for _s, _e, label in spans):
            continue  # a note on a note: referenced from inside another note
        if near is None or near[0] < 0:
            at = _last_text_block(piece, len(piece.body) - 1)
            near = (at, len(piece.body[at]) - 1) if at is not None else None
        if near is None:
            log.warn(note.lines[0].no, "import-note-unreferenced",
                     f"note {note.label!r} has no reference in the text",
                     "add [^" + note.label + "] where it belongs, or delete the note")
            continue
        spans = piece.links.setdefault(near, [])
        end = max((e for _s, e, _l in spans), default=len(piece.body[near[0]][near[1]].text))
        spans.append((end, end, note.label))
        log.warn(note.lines[0].no, "import-note-placed",
                 f"note {note.label!r} has no mark in the text; its reference is put after the "
                 "reference of the note before it", "move [^" + note.label + "] where it belongs")


def _link_inside_notes(pieces: list[Piece]) -> int:
    """A mark inside a note that names another note of the piece nobody else refers to."""
    linked = 0
    for piece in pieces:
        referenced = {label for spans in piece.links.values() for _s, _e, label in spans}
        by_label = {n.label: n for n in piece.notes}
        for ni, note in enumerate(piece.notes):
            for li, line in enumerate(note.lines):
                text = note.first_text if li == 0 else line.text
                for c in _line_candidates(text, -1 - ni, li):
                    target = by_label.get(c.label)
                    if target is None or target is note or c.label in referenced or not c.glued:
                        continue
                    piece.links.setdefault((-1 - ni, li), []).append((c.start, c.end, c.label))
                    referenced.add(c.label)
                    linked += 1
    return linked


def _warn_orphans(pieces: list[Piece], cands: list[list[Candidate]], log: Log) -> None:
    """Report marks that can only be note references but match no note: superscript digits,
    glued ``[n]``, daggers, and a glued ``(n)`` just past a piece's last note."""
    for piece, pc in zip(pieces, cands):
        linked = {(b, ln, start) for (b, ln), spans in piece.links.items() for start, _, _ in spans}
        numbers = [int(n.label) for n in piece.notes if n.label.isdigit()]
        top = max(numbers, default=0)
        for c in pc:
            if (c.block, c.line, c.start) in linked or c.block < 0:
                continue
            orphan = (c.syntax == "super" or (c.syntax == "bracket" and c.glued and c.label.isdigit())
                      or (c.syntax == "symbol" and c.label[0] in SYMBOLS[1:])
                      or (c.syntax == "paren" and c.glued and numbers and top < int(c.label) <= top + 2))
            if orphan and piece.body[c.block]:
                line = piece.body[c.block][c.line]
                log.warn(line.no, "import-reference-without-note",
                         f"{line.text[c.start:c.end]!r} looks like a note reference but no note matches",
                         "add the note, or leave it if it is not a reference")


__all__ = ["take_footnotes", "region_end", "find_notes", "inline_footnotes", "link_notes",
           "note_item", "is_notes_heading", "candidates"]
_ = re  # used by callers through the patterns above

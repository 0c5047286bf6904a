"""Turn a dump's blocks into the volume's own matter, its parts and its pieces.

A piece begins where

* a header has a *strong* line: a byline, a source line, a review's book block (a title
  followed by ``By …`` or ``First published in …``, or a byline alone);
* a separator (``* * *``, ``***``, ``—``, ``----``, ``====``, a form feed, three or more blank
  lines) stands before a header, even a bare title followed by text;
* a title of the dump's piece style stands: when no strong header says otherwise, the first
  shape of title that recurs — labels (``CHAPTER X.``, ``Essay 3``), titles in capitals
  (``A LETTER FROM THE EDITOR.``), numerals (``III``, ``X.``) — opens every piece, and the
  other shapes are section headings inside them; named pieces (``PREFACE``,
  ``INTRODUCTION``) always open one;
* and, at the start, a title followed by text.

A header with no text after it before the next piece is, at the start, the volume's title
page (its title and author become the volume's), later a part's title. A separator inside a
piece is a section break; at a piece's edges it is dropped. A notes list under a heading is
never cut into pieces by the headings inside it, and the source's own table of contents is
left out.
"""

from __future__ import annotations

import re

from .blocks import block_text, is_separator, separated
from .conventions import (CONTENTS_HEADING, EDITED, OTHER_BOOKS, FIELDS, PROSE_LINE_MIN, PROSE_WORD,
                          PROSE_WORDS_MIN, TEXT_WORDS_MIN)
from .blocks import is_indented, is_verse
from .headers import is_name, is_title, norm, read_header
from .names import is_caps, name_case
from .notes import region_end
from .records import Block, Found, Front, Header, Layout, Piece
from .report import Log

PIECE_STYLES = ("label", "caps", "numeral")  # title shapes that may open every piece


def find_pieces(blocks: list[Block], layout: Layout, log: Log) -> Found:
    """Cut the blocks into the volume's front matter, parts and pieces."""
    front, start = _editorial_front(blocks)
    contents = _contents(blocks, start, log)  # left out (reported): as if it were not there
    blocks = [b for k, b in enumerate(blocks) if k not in contents]
    skip = _notes_regions(blocks, start)
    headers: dict[int, tuple[Header, int]] = {}
    i = start
    while i < len(blocks):
        found = None if i in skip or is_separator(blocks[i]) else read_header(blocks, i)
        if found is not None:
            headers[i] = found
            i = max(found[1], i + 1)
        else:
            i += 1
    opens = _choose(blocks, headers, start, layout)
    return _cut(blocks, headers, opens, start, front, layout, log)


# ---- the editorial front: a title and a bracketed note -------------------------------------


def _editorial_front(blocks: list[Block]) -> tuple[Front, int]:
    """A lone title line followed by a bracketed editorial note ``[…]``: the volume's."""
    if len(blocks) < 2 or len(blocks[0]) != 1:
        return Front(), 0
    found = read_header(blocks, 0)
    if found is None or found[0].strong or found[1] != 1:
        return Front(), 0
    note = _bracketed(blocks, 1)
    if not note:
        return Front(), 0
    header = found[0]
    return Front(title=header.title, title_line=header.title_line,
                 note=tuple(blocks[1:1 + note])), 1 + note


def _bracketed(blocks: list[Block], i: int) -> int:
    """How many blocks from ``i`` form one bracketed note ``[…]`` (0 if none)."""
    if i >= len(blocks) or not blocks[i][0].text.startswith("["):
        return 0
    if read_header(blocks, i) is not None:
        return 0
    for k in range(i, len(blocks)):
        if blocks[k][-1].text.endswith("]"):
            return k - i + 1
    return 0


# ---- regions no piece begins in ------------------------------------------------------------


def _notes_regions(blocks: list[Block], start: int) -> set[int]:
    out: set[int] = set()
    i = start
    while i < len(blocks):
        end = region_end(blocks, i)
        if end > i:
            out.update(range(i + 1, end))
            i = end
        else:
            i += 1
    return out


def _contents(blocks: list[Block], start: int, log: Log) -> set[int]:
    """The source's lists of titles near the front: its table of contents (up to the first
    text) and the list of the author's other books (its entries, set alike)."""
    out: set[int] = set()
    for i in range(start, min(len(blocks), start + 40)):
        if i in out or len(blocks[i]) != 1:
            continue
        text = blocks[i][0].text.strip("_*")
        if CONTENTS_HEADING.fullmatch(text):
            end = i + 1
            while end < len(blocks) and not _running_text(blocks[end]) and \
                    not _opens_text(blocks, end):
                end += 1
            why, code = "the source's table of contents", "import-contents-dropped"
        elif OTHER_BOOKS.fullmatch(text):
            end = i + 1
            indent = blocks[end][0].indent if end < len(blocks) else 0
            while end < len(blocks) and (blocks[end][0].indent == indent > 0 or (
                    indent == 0 and not _running_text(blocks[end])
                    and not _opens_text(blocks, end) and read_header(blocks, end) is None)):
                end += 1
            why, code = "the source's list of other books", "import-other-books-dropped"
        else:
            continue
        run = [ln for b in blocks[i:end] for ln in b]
        log.drop_range([(ln.no, ln.text) for ln in run], why, code,
                       "the book makes its own contents and title page")
        out.update(range(i, end))
    return out


def _running_text(block: Block) -> bool:
    """A paragraph of running text, not a list of titles (with page numbers or not)."""
    return any(len(ln.text) >= PROSE_LINE_MIN and not re.search(r"\d+\s*$", ln.text)
               and not is_caps(ln.text) for ln in block)


def _opens_text(blocks: list[Block], i: int) -> bool:
    """Does a header begin at ``i`` with text right after it?"""
    found = read_header(blocks, i)
    return found is not None and found[1] < len(blocks) and _has_prose(blocks[found[1]])


# ---- which headers open pieces --------------------------------------------------------------


SENTENCE_END = re.compile(r"[.!?][\]\[)(”’\"'\d*†‡⁰¹²³⁴⁵⁶⁷⁸⁹A-Z]{0,6}$")  # notes' marks may follow


def _has_prose(block: Block, strict: bool = False, layout: Layout | None = None) -> bool:
    """Is the block text, not a line in capitals or of fields set apart by wide spaces
    ("First Published          1891")? A line of three words will do; ``strict``ly (before
    the first piece, where a title page's short lines stand), a line of prose or a paragraph
    or stanza of some words."""
    lines = [ln.text for ln in block if not is_caps(ln.text) and not FIELDS.search(ln.text)]
    if not strict:
        return any(len(PROSE_WORD.findall(t)) >= PROSE_WORDS_MIN for t in lines)
    if not lines or (len(lines) == 1 and is_title(lines[0])) or (layout is not None and is_verse(block, layout)):
        return False  # a subtitle, an epigraph's verse
    words = sum(len(PROSE_WORD.findall(t)) for t in lines)
    return words >= TEXT_WORDS_MIN or (words >= 6 and SENTENCE_END.search(lines[-1]) is not None)


def _text_follows(blocks: list[Block], headers: dict[int, tuple[Header, int]], end: int,
                  strict: bool = False, layout: Layout | None = None) -> bool:
    """Is there text after a header, before the next header?"""
    k = end
    while k < len(blocks):
        if k in headers:
            after = headers[k][0]
            if after.strong or after.style != "title" or k == end and \
                    not _text_follows(blocks, headers, headers[k][1], strict, layout):
                return False
        if _has_prose(blocks[k], strict, layout):
            return True
        k += 1
    # no header after it: strictness was for telling a title page from the text after it
    return strict and any(_has_prose(b) for b in blocks[end:])


def _choose(blocks: list[Block], headers: dict[int, tuple[Header, int]], start: int,
            layout: Layout) -> list[int]:
    """The blocks that open a piece (or a part, or the title page), in order."""
    opens: set[int] = set()
    first = min(headers, default=None)
    title_page = first if first is not None and (
        not _text_follows(blocks, headers, headers[first][1], True, layout)
        or _volume_title_over_pieces(blocks, headers, first)) else None
    # strong headers of pieces (those with text), not of the title page or a part
    strong = [i for i, (h, e) in headers.items() if h.strong and i != title_page
              and _text_follows(blocks, headers, e)]
    if title_page is not None:
        start = headers[title_page][1]  # the text begins after the title page
    order = sorted(headers)
    for n, i in enumerate(order):
        h, end = headers[i]
        follows = _text_follows(blocks, headers, end)
        prev = order[n - 1] if n else None
        # a motto or epigraph after a strong header is its matter, not a piece of its own
        motto = prev is not None and prev != title_page and headers[prev][0].strong and \
            h.style == "title" and not any(_has_prose(b) for b in blocks[headers[prev][1]:i])
        if h.strong or i == title_page:
            opens.add(i)
        elif h.title and (separated(blocks, i) or i == start) and (follows or h.style == "part") \
                and not motto:
            opens.add(i)
        elif h.style == "named" and follows:
            opens.add(i)
    # a poem quoted in the text, its title set in like its lines, opens no piece
    quoted = {i for i, (h, end) in headers.items() if not h.strong and end < len(blocks)
              and is_indented(blocks[i], layout) and is_indented(blocks[end], layout)}
    style = _piece_style({i: v for i, v in headers.items() if i not in quoted}, blocks, title_page)
    if style and (not strong or _titles_share(strong, headers, style)):
        opens.update(i for i, (h, end) in headers.items() if h.style == style and i not in quoted
                     and (_text_follows(blocks, headers, end) or i in opens))
        opens.update(i for i, (h, _e) in headers.items() if h.style == "part")
    return sorted(opens)


def _volume_title_over_pieces(blocks: list[Block], headers: dict[int, tuple[Header, int]],
                              first: int) -> bool:
    """"Collected Pieces", then "Piece One" and its text, in a dump whose pieces begin with
    a separator and a title: the first title is the volume's, not a heading of piece one."""
    h, end = headers[first]
    if h.strong or end not in headers or headers[end][0].strong:
        return False
    later = [i for i in headers if i > end and separated(blocks, i) and headers[i][0].title]
    return len(later) >= 1 and _text_follows(blocks, headers, headers[end][1])


def _piece_style(headers: dict[int, tuple[Header, int]], blocks: list[Block],
                 title_page: int | None) -> str:
    """The shape of title that opens pieces: the first one that recurs."""
    seen: list[str] = []
    count: dict[str, int] = {}
    for i in sorted(headers):
        h, end = headers[i]
        if i == title_page or h.style not in PIECE_STYLES or not _text_follows(blocks, headers, end):
            continue
        count[h.style] = count.get(h.style, 0) + 1
        if h.style not in seen:
            seen.append(h.style)
    recurring = [s for s in seen if count[s] >= 2]
    return recurring[0] if recurring else ""


def _titles_share(strong: list[int], headers: dict[int, tuple[Header, int]], style: str) -> bool:
    """Do most strong headers' titles have the piece style (so the others are pieces too)?"""
    same = sum(1 for i in strong if headers[i][0].style == style)
    return same * 2 >= len(strong) and same > 0


# ---- cutting ----------------------------------------------------------------------------------


def _cut(blocks: list[Block], headers: dict[int, tuple[Header, int]], opens: list[int],
         start: int, front: Front, layout: Layout, log: Log) -> Found:
    found = Found(front=front, pieces=[])
    pending_parts: dict[int, tuple[list[Block], list[Block]]] = {}  # each part's title, lines
    lead = blocks[start:opens[0] if opens else len(blocks)]
    _lead_blocks(found, lead, start, bool(opens), layout, log)
    own_from: dict[int, int] = {}  # a header merged with the one before it: where it begins
    for n, i in enumerate(opens):
        header, body_start = headers[i]
        own = blocks[own_from.get(i, i):body_start]
        end = opens[n + 1] if n + 1 < len(opens) else len(blocks)
        body = blocks[body_start:end]
        body = _trim_separators(body)
        strict = not found.pieces and n + 1 < len(opens)  # a title page, if a header follows
        nxt_title = norm(headers[opens[n + 1]][0].title) if n + 1 < len(opens) else None
        epigraph = bool(body) and nxt_title == norm(header.title)  # the title again after it
        if not any(_has_prose(b, strict, layout) for b in body) and not epigraph:
            if not found.pieces and not found.parts and header.style != "part":
                _title_page(found, header, own, body, log)
                continue
            nxt = headers[opens[n + 1]][0] if n + 1 < len(opens) else None
            if nxt is not None and not body and nxt.strong and not nxt.subtitle and \
                    not nxt.label and header.style in ("title", "caps") and nxt.title:
                # "Title", then "Subtitle" with its byline: one header
                nxt.subtitle, nxt.title = nxt.title, header.title
                nxt.title_line, nxt.first_line = header.title_line, header.first_line
                nxt.changed.extend(header.changed)
                nxt.roles.update(header.roles)
                own_from[opens[n + 1]] = own_from.get(i, i)
                continue
            pending_parts[len(found.parts)] = (own, body)
            _part(found, header, body, log)
            continue
        prev = found.pieces[-1] if found.pieces else None
        if prev is not None and header.title and norm(prev.header.title) == norm(header.title) \
                and not (header.strong and prev.header.strong) \
                and not any(_is_paragraph(b, layout) for b in prev.body):
            # the title again after an epigraph: one piece
            _merge_header(prev.header, header)
            prev.body.extend(body)
            continue
        found.pieces.append(Piece(header, body, part=len(found.parts) - 1, start=i))
    _keep_parts_whole(found, pending_parts, log)
    return found


def _keep_parts_whole(found: Found, part_blocks: dict[int, tuple[list[Block], list[Block]]],
                      log: Log) -> None:
    """Parts only where each holds pieces and the first comes before every piece. A part
    with no piece goes back, title and all, into the piece before it; when a piece comes
    before the first part, there are no parts, and each part's title opens the piece after
    it. No word is lost either way."""
    if not found.parts:
        return
    for k in range(len(found.parts)):
        if any(p.part == k for p in found.pieces):
            continue
        title_blocks, lines = part_blocks.pop(k)
        before = [p for p in found.pieces if p.part < k]
        if before:
            before[-1].body.extend(title_blocks + lines)
        elif found.pieces:
            found.pieces[0].body[:0] = title_blocks + lines
    kept = sorted({p.part for p in found.pieces if p.part >= 0})
    if kept and all(p.part >= 0 for p in found.pieces):
        for n, k in enumerate(kept):
            title, line = found.parts[k]
            log.warn(line, "import-part", f"{title!r} has no text of its own: it is taken to be "
                     "the title of a part, and the pieces after it are in that part",
                     "edit [[parts]] in volume.toml if that is wrong")
            run = [ln for b in part_blocks[k][1] for ln in b]
            log.drop_range([(ln.no, ln.text) for ln in run], "lines under a part's title",
                           "import-part-lines-dropped", "put them back by hand if they belong "
                           "to the text")
        found.parts[:] = [found.parts[k] for k in kept]
        for p in found.pieces:
            p.part = kept.index(p.part)
        return
    if kept:
        log.warn(found.parts[kept[0]][1], "import-parts-dropped",
                 "some pieces come before the first part's title, so the volume has no parts; "
                 "each part's title opens the piece after it",
                 "arrange [[parts]] in volume.toml by hand")
    for k in kept:
        title_blocks, lines = part_blocks[k]
        following = next(p for p in found.pieces if p.part == k)
        following.body[:0] = title_blocks + lines
    found.parts.clear()
    for piece in found.pieces:
        piece.part = -1


def _is_paragraph(block: Block, layout: Layout) -> bool:
    """A paragraph of prose, not an epigraph (indented, or verse) nor a line such as
    "[Continued.]"."""
    return _has_prose(block) and not is_indented(block, layout) and not is_verse(block, layout) \
        and not (len(block) == 1 and block[0].text.startswith("[") and block[0].text.endswith("]"))


def _merge_header(into: Header, again: Header) -> None:
    """The title printed again after an epigraph: its label, byline and source join the
    header; the repeated title line is dropped (reported)."""
    if again.label and not into.label:
        into.label = again.label
    for name in ("authors", "byline", "source", "date", "subtitle"):
        if getattr(again, name) and not getattr(into, name):
            setattr(into, name, getattr(again, name))
    into.strong = into.strong or again.strong
    into.changed.append((again.title_line, again.title, ""))
    for no, role in again.roles.items():
        if role not in ("title", "label"):
            into.roles[no] = role


def _trim_separators(body: list[Block]) -> list[Block]:
    """Separators at a piece's edges are not section breaks; two in a row are one."""
    while body and is_separator(body[0]):
        body = body[1:]
    while body and is_separator(body[-1]):
        body = body[:-1]
    out: list[Block] = []
    for b in body:
        if is_separator(b) and out and is_separator(out[-1]):
            continue
        out.append(b)
    return out


def _lead_blocks(found: Found, lead: list[Block], start: int, more: bool, layout: Layout,
                 log: Log) -> None:
    """What stands before the first header: prose is an untitled first piece; short lines
    are the source's title page (left out, reported)."""
    lead = _trim_separators(lead)
    if not lead:
        return
    if any(_has_prose(b, more, layout) for b in lead):
        header = Header(first_line=lead[0][0].no)
        found.pieces.append(Piece(header, lead, start=start))
        return
    run = [ln for b in lead for ln in b]
    log.drop_range([(ln.no, ln.text) for ln in run], "the source's title page",
                   "import-title-page-dropped", "put it back by hand if it belongs to the text")


def _title_page(found: Found, header: Header, own: list[Block], body: list[Block],
                log: Log) -> None:
    """Headers with no text after them, before any piece: the volume's title page. The first
    title gives the volume's title and subtitle, a byline its author, an "Edited by …" line
    its editors; every other line of it is left out (reported)."""
    front = found.front
    kept: set[str] = set()  # the roles of the header's lines the volume keeps
    if EDITED.match(header.title) and header.authors and not front.editors:
        front.editors = header.authors  # "Edited with an Introduction" / "BY EDWARD JOHNSON"
        kept = {"byline"}
    elif _names_the_author(header, front, own, body):
        front.authors = (name_case(header.title),)  # "HECTOR ST. JOHN DE CREVECOEUR" over
        kept = {"title"}                             # "LETTERS FROM AN AMERICAN FARMER"
        if header.subtitle:
            front.title, front.title_line = header.subtitle, header.title_line
            kept.add("subtitle")
    else:
        if header.title and not front.title:
            front.title = header.title if not header.label else f"{header.label}: {header.title}"
            front.title_line = header.title_line or header.first_line
            front.subtitle = header.subtitle
            kept = {"title", "subtitle", "label"}
        if header.authors and not front.authors and not front.editors:
            front.authors = header.authors
            kept.add("byline")
    if header.editors and not front.editors:
        front.editors = header.editors
        kept.add("editor")
    for no, was, now in header.changed:
        if now and header.roles.get(no) in kept and was.rstrip(".") != now:
            log.warn(no, "import-case-changed", f"{was!r} is printed in capitals; written "
                     f"{now!r}", "correct the case by hand if it is wrong")
    run = [(ln.no, ln.text) for b in own + body for ln in b if header.roles.get(ln.no) not in kept]
    if run:
        log.drop_range(run, "the source's title page", "import-title-page-dropped",
                       "put it back by hand if it belongs to the text")


def _names_the_author(header: Header, front: Front, own: list[Block], body: list[Block]) -> bool:
    """A title page that begins with the author's name in capitals, the title below it."""
    return (not front.title and not front.authors and not header.authors and not header.label
            and is_name(name_case(header.title)) and len(header.title.split()) >= 2
            and is_caps(own[0][0].text) and not body)


def _part(found: Found, header: Header, body: list[Block], log: Log) -> None:
    """A header with no text after it between pieces: the title of a part."""
    title = header.title
    if header.label and header.title:
        title = f"{header.label}: {header.title}"
    if header.subtitle:
        title = f"{title}: {header.subtitle}"
    found.parts.append((title, header.title_line or header.first_line))


__all__ = ["find_pieces", "block_text"]

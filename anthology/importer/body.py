"""Turn a piece's blocks into Markdown: section headings and breaks, lists, verse, block
quotations and paragraphs, with the note references in place.

* a separator inside a piece is a section break (``* * *``);
* a one-line block followed by more text is a section heading when it is short, does not end
  like a sentence (a heading in capitals may end with a full stop), and is not a name, date,
  salutation or quotation;
* a block whose lines were broken on purpose is verse and keeps its lines (a line block,
  ``| …``); salutations and signatures stay paragraphs;
* a block indented further than the text is a block quotation (verse inside it stays verse);
  in text that marks quotations only with quotation marks, a paragraph wholly in quotation
  marks, or a passage closed by a citation after an introduction, is one too (reported);
* any other block is a paragraph, its hard-wrapped lines joined.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .blocks import is_indented, is_list, is_separator, is_verse
from .conventions import (BULLET_ITEM, CITATION, CLOSE_QUOTES, HEADING_CHARS_MAX, HEADING_END_BAD,
                          HEADING_START_BAD, INNER_SENTENCE,
                          HEADING_WORDS_MAX, OPEN_QUOTES, ORDERED_ITEM, SALUTATION, SAYING)
from .headers import (byline_names, clean_title, dash_names, is_date_line, is_name,
                      split_title_mark)
from .inline import join_lines, safe_start, to_markdown
from .names import is_caps, name_case
from .notes import note_item
from .records import Block, Layout, Line, NoteText, Piece
from .report import Log

Links = dict[tuple[int, int], list[tuple[int, int, str]]]


def body_markdown(piece: Piece, layout: Layout, log: Log) -> str:
    """The piece's body (without its notes) as Markdown."""
    blocks = [b for b in piece.body + piece.extra_blocks]
    offset = len(piece.body)
    kinds = _kinds(blocks, layout)
    texts = [_plain_text(b, bi, piece.links) if k == "para" and b else None
             for bi, (b, k) in enumerate(zip(blocks, kinds))]
    quoted: set[int] = set()
    # where the dump indents its quotations, quotation marks alone make none
    for first, last, why in [] if layout.indents_quotes else _quote_ranges(texts):
        quoted.update(range(first, last + 1))
        log.warn(blocks[first][0].no, "import-blockquote-guessed",
                 f"set as a block quotation: {why}", "remove the '> ' marks if it is not a quotation")
    out: list[str] = []
    prev_quote = False
    for bi, (block, kind) in enumerate(zip(blocks, kinds)):
        if not block:
            continue
        links = piece.links if bi < offset else {}
        text = _block_markdown(block, bi, kind, links, layout)
        quote = kind in ("quote", "quote-verse") or bi in quoted
        if quote:
            text = "\n".join(">" + (" " + ln if ln else "") for ln in text.split("\n"))
            if prev_quote and out:
                out[-1] += "\n>\n" + text
                continue
        out.append(text)
        prev_quote = quote
    return "\n\n".join(out)


def note_markdown(note: NoteText, index: int, links: Links, layout: Layout) -> str:
    """A note's definition: ``[^label]: …``, its paragraphs (verse, quotations) indented under
    it. ``index`` is the note's place among the piece's notes (its links are keyed by it)."""
    lines = [replace(note.lines[0], text=note.first_text)] + list(note.lines[1:])
    blocks: list[list[tuple[int, Line]]] = []
    for li, ln in enumerate(lines):
        if not blocks or (li and ln.gap):
            blocks.append([])
        blocks[-1].append((li, ln))
    out: list[str] = []
    for k, numbered in enumerate(blocks):
        block = tuple(ln for _li, ln in numbered)
        shape = (note.lines[0],) + block[1:] if k == 0 else block  # measured with its label
        note_links = {(k, j): links.get((-1 - index, li), []) for j, (li, _ln) in enumerate(numbered)}
        kind = "para"
        if len(block) > 1 and is_verse(shape, layout):
            kind = "quote-verse" if is_indented(shape, layout) else "verse"
        elif k and is_indented(block, layout):
            kind = "quote"
        text = _block_markdown(block, k, kind, note_links, layout)
        if kind.startswith("quote"):
            text = "\n".join(">" + (" " + t if t else "") for t in text.split("\n"))
        out.append(text)
    first, rest = out[0], out[1:]
    indented = ["\n".join("    " + t if t else "" for t in part.split("\n")) for part in rest]
    return "\n\n".join([f"[^{note.label}]: " + first.replace("\n", "\n    ")] + indented)


def _kinds(blocks: list[Block], layout: Layout) -> list[str]:
    kinds: list[str] = []
    last_text = max((i for i, b in enumerate(blocks) if b and not is_separator(b)), default=-1)
    for bi, block in enumerate(blocks):
        if not block:
            kinds.append("")
        elif is_separator(block):
            kinds.append("break")
        elif is_list(block):
            kinds.append("list")
        elif len(block) == 1 and bi < last_text and _is_heading(block[0].text) \
                and not is_indented(block, layout) or (len(block) == 1 and bi < last_text and
                                                       _is_heading(block[0].text)
                                                       and is_caps(block[0].text)):
            kinds.append("heading")
        elif is_indented(block, layout):
            kinds.append("quote-verse" if is_verse(block, layout) or len(block) == 1
                         and _short_line(block, layout) and _verse_neighbours(blocks, bi, layout)
                         else "quote")
        elif is_verse(block, layout) and not _salutation_or_signature(block):
            kinds.append("verse")
        else:
            kinds.append("para")
    return kinds


def _short_line(block: Block, layout: Layout) -> bool:
    return layout.wrap > 0 and block[0].indent + len(block[0].text) < 0.8 * layout.wrap


def _verse_neighbours(blocks: list[Block], bi: int, layout: Layout) -> bool:
    """A one-line indented block among indented verse stanzas is a stanza too."""
    for k in (bi - 1, bi + 1):
        if 0 <= k < len(blocks) and blocks[k] and is_indented(blocks[k], layout) and \
                is_verse(blocks[k], layout):
            return True
    return False


def _salutation_or_signature(block: Block) -> bool:
    return all(SALUTATION.fullmatch(ln.text) or dash_names(ln.text) or _is_signature_line(ln.text)
               for ln in block)


def _is_signature_line(text: str) -> bool:
    return is_name(name_case(text.rstrip(".,"))) if len(text.split()) <= 6 else False


def _is_heading(text: str) -> bool:
    text, _marks = split_title_mark(text)
    words = text.split()
    caps = is_caps(text)
    bare = text.rstrip("”’\"'»)")
    ends = HEADING_END_BAD if caps else HEADING_END_BAD + (".", "!", "?")
    return (1 <= len(words) <= HEADING_WORDS_MAX and len(text) <= HEADING_CHARS_MAX
            and (text[0].isupper() or text[0].isdigit())
            and not bare.endswith(ends) and not text.endswith("..")
            and not HEADING_START_BAD.match(text) and not INNER_SENTENCE.search(text)
            and any(c.isalpha() for c in text)
            and not _quote_shape(text) and not note_item(text) and not is_date_line(text)
            and byline_names(text) is None and _citation(text) is None
            and not SALUTATION.fullmatch(text)
            and not (caps and is_name(name_case(text.rstrip(".")))))


def _block_markdown(block: Block, bi: int, kind: str, links: Links, layout: Layout) -> str:
    line_links = [links.get((bi, li), []) for li in range(len(block))]
    if kind == "break":
        return "* * *"
    if kind == "heading":
        return "## " + _heading_markdown(block[0].text, line_links[0])
    if kind == "list":
        return _list_markdown(block, line_links)
    if kind in ("verse", "quote-verse"):
        base = min(ln.indent for ln in block)
        return "\n".join("| " + " " * (ln.indent - base) + to_markdown(ln.text, lk)
                         for ln, lk in zip(block, line_links))
    text, starts = join_lines([ln.text for ln in block])
    spans = [(starts[li] + s, starts[li] + e, label)
             for li, lk in enumerate(line_links) for s, e, label in lk]
    return safe_start(to_markdown(text, spans))


def _heading_markdown(text: str, spans: list[tuple[int, int, str]]) -> str:
    """A section heading: capitals to title case, a closing full stop off, a note marker on it
    kept as the heading's note reference."""
    words, marks = split_title_mark(text)
    inner = [sp for sp in spans if sp[0] < len(words)]
    if inner or len(spans) < len(marks) or not (is_caps(words) or words.endswith(".")):
        return to_markdown(text, spans).replace("#", "\\#")
    refs = "".join(f"[^{label}]" for _s, _e, label in spans)
    return to_markdown(clean_title(words), []).replace("#", "\\#") + refs


def _plain_text(block: Block, bi: int, links: Links) -> str:
    """The paragraph's text with its linked note markers cut out, for shape tests."""
    out = []
    for li, line in enumerate(block):
        text = line.text
        for start, end, _ in sorted(links.get((bi, li), []), reverse=True):
            text = text[:start] + text[end:]
        out.append(text)
    return " ".join(out)


def _list_markdown(block: Block, links: list[list[tuple[int, int, str]]]) -> str:
    """Keep a list a list: items as written, other lines as indented continuations."""
    out: list[str] = []
    for line, lk in zip(block, links):
        ordered = ORDERED_ITEM.match(line.text)
        bullet = BULLET_ITEM.match(line.text)
        if ordered:
            out.append(f"{ordered.group(1)}. " + safe_start(to_markdown(line.text, lk, ordered.end() - 1)))
        elif bullet:
            out.append("- " + safe_start(to_markdown(line.text, lk, bullet.end() - 1)))
        else:
            out.append("    " + safe_start(to_markdown(line.text, lk)))
    return "\n".join(out)


# ---- quotations marked only with quotation marks ------------------------------------------


def _citation(text: str) -> re.Match[str] | None:
    """A short closing parenthetical with a page or year: ``(184)``, ``(Serge, Memoirs, 107)``."""
    m = CITATION.search(text)
    if not m:
        return None
    cite = m.group("cite")
    if not re.search(r"\d|\bibid\b", cite, re.IGNORECASE) or len(cite.split()) > 12:
        return None
    return m


def _quote_shape(text: str) -> str:
    """"whole": opens at the start and closes exactly at the end (citation aside);
    "open": opens at the start and never closes; "" otherwise."""
    m = _citation(text)
    core = (text[:m.start()] if m else text).rstrip().rstrip(".,;")
    if len(core) < 2 or core[0] not in OPEN_QUOTES:
        return ""
    stack: list[str] = []
    for i, ch in enumerate(core):
        if ch == '"':
            if stack and stack[-1] == '"':
                stack.pop()
            else:
                stack.append('"')
        elif ch in "“«„":
            stack.append(ch)
        elif ch in "”»":
            if stack and stack[-1] != '"':
                stack.pop()
        else:
            continue
        if not stack:
            return "whole" if i == len(core) - 1 else ""
    return "open"


def _has_double_quotes(text: str) -> bool:
    return any(ch in OPEN_QUOTES or ch in CLOSE_QUOTES for ch in text)


def _last_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?”])\s+(?=[A-Z“])", text)[-1]


def _introduces(text: str) -> bool:
    """Does this paragraph introduce a quotation: ends with ':' or its last sentence says so."""
    return text.endswith(":") or SAYING.search(_last_sentence(text)) is not None


def _quote_ranges(texts: list[str | None]) -> list[tuple[int, int, str]]:
    """Block quotations among paragraphs (None = not a plain paragraph): (first, last, why)."""
    out: list[tuple[int, int, str]] = []
    i = 0
    n = len(texts)
    while i < n:
        t = texts[i]
        if t is None:
            i += 1
            continue
        shape = _quote_shape(t)
        if shape == "whole" and not _dialogue(texts, i):
            out.append((i, i, "a paragraph wholly in quotation marks"))
            i += 1
            continue
        if shape == "open":
            j = i + 1
            while j < n and texts[j] is not None and _quote_shape(texts[j]) == "open":
                j += 1
            if j < n and texts[j] is not None and _quote_shape(texts[j]) == "whole":
                out.append((i, j, "paragraphs opening quotation marks, the last one closing them"))
                i = j + 1
                continue
        cite = _citation(t)
        if cite and re.search(r"[.!?…]\s*$", t[:cite.start()]) and not _has_double_quotes(t[:cite.start()]):
            first = _quoted_run_start(texts, i)
            if first is not None:
                out.append((first, i, "a passage ending with a citation after an introduction"))
                i += 1
                continue
        prev = texts[i - 1] if i else None
        if (prev is not None and prev.endswith(":") and SAYING.search(_last_sentence(prev))
                and not SALUTATION.fullmatch(prev)
                and not _has_double_quotes(t) and (not out or out[-1][1] != i - 1)):
            out.append((i, i, "the paragraph after an introduction ending with ':'"))
        i += 1
    return out


def _dialogue(texts: list[str | None], i: int) -> bool:
    """A quoted paragraph among quoted paragraphs, or a short one: speech, not a quotation."""
    near = [texts[k] for k in (i - 1, i + 1) if 0 <= k < len(texts)]
    return len((texts[i] or "").split()) < 20 or any(
        t is not None and t[:1] in OPEN_QUOTES for t in near)


def _quoted_run_start(texts: list[str | None], end: int) -> int | None:
    """Walk back (≤ 3 paragraphs) from a cited passage to the paragraph that introduces it."""
    for k in range(end - 1, max(end - 4, -1), -1):
        t = texts[k]
        if t is None:
            return None
        if _introduces(t):
            return k + 1
        if _has_double_quotes(t):
            return None
    return None

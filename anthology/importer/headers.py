"""Turn the lines that open a piece into its header: label, title, byline, source line, date.

A header is read a block at a time from where a piece may begin (:func:`read_header`). Its
first block is the title: a title line in any case (a title in capitals is brought to title
case, a closing full stop dropped), a label with or without a title of its own (``CHAPTER
X.``, ``ESSAY I. HISTORY.``, ``III``), or a label followed by a title block. Then, in any
order and with blank lines between them or not, come the header's other lines: a repeat of
the title (dropped), a byline in any case (``By …``, ``by …``, ``BY …``, ``Reviewed by …``,
``— Name``), a source or first-publication line (``From …``, ``First published in …``,
``Originally appeared in …``, ``Reprinted from …``, bracketed or not), a date line, a line
naming a review, and in a review the reviewed book's block. A block joins the header only if
every line of it is a header line, so a paragraph of prose never loses its first line.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import replace

from .blocks import block_text, is_separator
from .conventions import (EDITOR_CREDIT, TRANSLATED, BOOK_WITH_AUTHOR, BRACKETED_SOURCE_MAX, CREDIT, INNER_SENTENCE, PLACE_DATE, SUBTITLE_START, EDITED, FIELDS, LONE_BY, POST_NOMINALS, INDENT_QUOTE, SEPARATOR_BLANKS, BYLINE, BYLINE_CHARS_MAX, CAPS_TITLE_LINES_MAX,
                          DASH_NAME, DATE_AT_END, DATE_LINE, HONORIFICS, LABEL, NAME_PARTICLES,
                          NAME_SPLIT, NAME_WORDS_MAX, NAMED_PIECES, NOT_IN_NAMES, NOTE_ITEMS, NOTES_HEADING,
                          PART_WORDS, REFERENCE, SOURCE_CHARS_MAX, SOURCE_PREFIX, SOURCE_STRONG,
                          TRANSLATION_CREDIT,
                          SOURCE_WORDS_MAX, SUPERSCRIPT_DIGITS, TITLE_CHARS_MAX, TITLE_END_BAD,
                          TITLE_WORDS_MAX)
from .names import is_caps, name_case, title_case
from .records import Block, Book, Header, Line

# ---- line shapes -------------------------------------------------------------------------

_MONTH_NUMBER = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


def is_date_line(text: str) -> bool:
    """``30 July 2003``, ``(September 1828)``, ``Ch. Ch., _Dec_. 13, 1885.``"""
    text = text.replace("_", "")
    return DATE_LINE.fullmatch(text) is not None or PLACE_DATE.fullmatch(text) is not None


def iso_date(text: str) -> str:
    """``30 July 2003`` → ``2003-07-30``; "" unless the text is one full, valid date."""
    m = DATE_LINE.fullmatch(text.strip().strip("()").replace("_", ""))
    if not m:
        return ""
    g = m.groupdict()
    for d, mo, y in (("d1", "m1", "y1"), ("d2", "m2", "y2"), ("d3", "m3", "y3")):
        if g.get(y):
            month = g[mo]
            num = int(month) if month.isdigit() else _MONTH_NUMBER[month[:3].lower()]
            try:
                return datetime.date(int(g[y]), num, int(g[d])).isoformat()
            except ValueError:
                return ""
    return ""


def is_name(text: str) -> bool:
    """A person's name: one to six capitalised words (particles, honorifics, initials allowed)."""
    words = text.split()
    if not 1 <= len(words) <= NAME_WORDS_MAX:
        return False
    named = False
    if any(w.lower() in NOT_IN_NAMES for w in words):
        return False
    if words[0].lower() == "the" and (len(words) < 2 or words[1].lower() not in HONORIFICS):
        return False  # "the Rev. John Keble", but not "The Button-Rose"
    for w in words:
        low = w.lower()
        if low in NAME_PARTICLES or low in HONORIFICS or low == "the":
            continue
        if not (w[0].isupper() and all(c.isalpha() or c in ".'’-" for c in w)):
            return False
        named = True
    return named and (not text.endswith(".") or re.search(r"\b[A-Z]\.$", text) is not None
                      or words[-1].lower() in {"jr.", "sr."})


def _names(text: str) -> tuple[str, ...] | None:
    """``Ann Lee and Bo Ma`` → the names, in their normal case; None unless all are names.
    Degrees after a name (``MICHAEL FARADAY, D.C.L., F.R.S.``) are no part of it."""
    text = POST_NOMINALS.sub("", text.strip())
    if not re.search(r"\b[A-Z]\.$", text) and not text.lower().endswith(("jr.", "sr.")):
        text = text.rstrip(".")  # "By Ann Lee." but "C. L."
    names = tuple(name_case(n.strip()) for n in NAME_SPLIT.split(text) if n.strip())
    return names if names and all(is_name(n) for n in names) else None


def byline_names(text: str) -> tuple[str, ...] | None:
    """``By Ann Lee and Bo Ma`` (any case) → the names; None when the line is not a byline."""
    m = BYLINE.fullmatch(text)
    if not m or len(text) > BYLINE_CHARS_MAX:
        return None
    return _names(m.group("names"))


def editor_names(text: str) -> tuple[str, ...] | None:
    """``Edited by Ann Lee``, ``INTRODUCTION AND NOTES BY WARREN BARTON BLAKE`` → the names."""
    m = CREDIT.fullmatch(text.strip())
    if not m or not EDITOR_CREDIT.fullmatch(m.group("what").strip()) or len(text) > BYLINE_CHARS_MAX:
        return None
    return _names(m.group("names"))


def dash_names(text: str) -> tuple[str, ...] | None:
    """``— Ann Lee`` → the names (a byline under a title, a signature at a piece's end)."""
    m = DASH_NAME.fullmatch(text)
    if not m or len(text) > BYLINE_CHARS_MAX:
        return None
    return _names(m.group("names"))


def source_text(text: str) -> str | None:
    """The source line without its brackets, or None when ``text`` is not a source line."""
    bracketed = (text.startswith("[") and text.endswith("]")) or \
        (text.startswith("(") and text.rstrip(".").endswith(")"))
    inner = text.rstrip(".")[1:-1].strip() if bracketed and text.startswith("(") else \
        text[1:-1].strip() if bracketed else text
    m = SOURCE_PREFIX.match(inner)
    if not m and TRANSLATION_CREDIT.search(inner) and inner[:1].isupper() and \
            len(inner) <= SOURCE_CHARS_MAX:
        return inner
    if not m or not inner[:1].isupper():
        return None
    rest = inner[m.end():]
    rest = re.sub(r"^(?:the|a|an)\s+(?=[A-Z“\"‘'_*])", "", rest)  # "From the London Magazine"
    strong = SOURCE_STRONG.match(inner) is not None
    if not rest[:1].isupper() and rest[:1] not in "“\"‘'_*" and not rest[:1].isdigit() \
            and not strong:
        return None
    if bracketed:
        return inner if len(inner) <= BRACKETED_SOURCE_MAX else None
    if len(inner) > SOURCE_CHARS_MAX or len(inner.split()) > SOURCE_WORDS_MAX:
        return None
    if not re.search(r"\d{4}", inner) and not SOURCE_STRONG.match(inner):
        return None
    return inner


def parse_source(source: str) -> tuple[str, str, str]:
    """``From Against the Current, 142, September-October 2009.`` → publication, issue, date.

    All three are "" unless the whole line splits cleanly.
    """
    text = source.strip()
    m = SOURCE_PREFIX.match(text)
    if m:
        text = text[m.end():]
    text = text.rstrip(" .")
    date = ""
    dm = DATE_AT_END.search(text)
    if dm:
        date = dm.group("date")
        text = text[:dm.start()].rstrip(" ,")
    parts = [p.strip() for p in text.split(",")] if text else []
    if not parts or not parts[0] or not parts[0][0].isupper() or len(parts) > 2:
        return "", "", ""
    issue = ""
    if len(parts) == 2:
        im = re.fullmatch(r"(?:(?:issue|no\.?|number|nr\.?|#|vol\.?)\s*)?(\d+[\w/.-]*)", parts[1],
                          re.IGNORECASE)
        if not im:
            return "", "", ""
        issue = im.group(1)
    return parts[0], issue, date


def note_item(text: str) -> tuple[str, str, str] | None:
    """``12. Ibid.`` → ("12", "Ibid.", "number"); superscript digits become ASCII digits."""
    for pattern, syntax in NOTE_ITEMS:
        m = pattern.fullmatch(text)
        if m:
            return m.group("label").translate(SUPERSCRIPT_DIGITS), m.group("text"), syntax
    return None


def is_notes_heading(text: str) -> bool:
    return NOTES_HEADING.fullmatch(text) is not None


def is_title(text: str) -> bool:
    """A line that could be a title: short, not a sentence, not another header line."""
    words = text.split()
    if not 1 <= len(words) <= TITLE_WORDS_MAX or len(text) > TITLE_CHARS_MAX:
        return False
    if not (text[0].isupper() or text[0].isdigit() or text[0] in "“\"‘'«_*"):
        return False
    if not any(c.isalpha() for c in text) or INNER_SENTENCE.search(text):
        return False  # "First it cites this.[A] And that." is a sentence, not a title
    bare = text.rstrip("”’\"'»)]")
    if bare.endswith(TITLE_END_BAD) and not (is_caps(text) and bare.endswith(".")):
        return False
    return not (byline_names(text) or dash_names(text) or is_date_line(text)
                or source_text(text) or note_item(text) or is_notes_heading(text))


def norm(text: str) -> str:
    """Compare titles ignoring case, quote style, spacing and a closing full stop."""
    text = re.sub(r"[“”\"«»„]", '"', text)
    text = re.sub(r"[‘’'`]", "'", text)
    return " ".join(text.lower().rstrip(" .").split())


# ---- titles and labels -------------------------------------------------------------------

_MARK = r"\[(?:\d{1,3}|[A-Za-z])\]|\(\d{1,3}\)|[⁰¹²³⁴⁵⁶⁷⁸⁹]+|\*{1,3}|†{1,2}|‡"
_TRAILING_MARKS = re.compile(rf"(?P<title>.*?[^\s*†‡])\s*(?P<marks>(?:(?:{_MARK})\s*)+?)(?P<stop>\.?)$")


def split_title_mark(text: str) -> tuple[str, list[str]]:
    """``THE TITLE.[1]`` → ("THE TITLE.", ["1"]): note markers printed on a title."""
    title, marks = title_and_marks(text)
    return title, [label for label, _printed in marks]


def title_and_marks(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The title, and the note markers printed on it: (label, as printed) each."""
    m = _TRAILING_MARKS.fullmatch(text)
    if not m or (m.group("marks").strip() == "*" and text.count("*") > 1):
        return text, []
    marks = [(x.group(0).strip("[]()").translate(SUPERSCRIPT_DIGITS), x.group(0))
             for x in re.finditer(_MARK, m.group("marks"))]
    return m.group("title") + m.group("stop"), marks  # "TITLE [1]." is "TITLE." with a mark


def clean_title(text: str) -> str:
    """A title as a book prints it: capitals to title case, the closing full stop (or colon
    before a subtitle, comma) off."""
    text = title_case(text.strip())
    if text.endswith((".", ":", ",", ";")) and not text.endswith("..") and \
            not re.search(r"\b[A-Z]\.$", text):
        text = text[:-1].rstrip()
    return text


def label_of(text: str) -> tuple[str, str, str] | None:
    """``CHAPTER X.`` → ("Chapter X", "", "label"); ``ESSAY I. HISTORY.`` → ("Essay I",
    "History", "label"); ``III`` → ("III", "", "numeral"); ``PART TWO`` → (…, "part")."""
    m = LABEL.fullmatch(text.strip())
    if not m:
        return None
    title = m.group("title") or ""
    if m.group("bare"):
        if not title and not re.fullmatch(r"[IVXLCDM]+\.?|\d{1,3}\.?", text.strip()):
            return None
        if title and re.fullmatch(r"[LCDM]", m.group("bare")):
            return None  # "C. LAMB.": an initial and a name, not Essay 100
        if title and not (is_caps(title) or is_title(title)):
            return None
        label = m.group("bare")
        style = "numeral"
    else:
        word = m.group("word")
        if not (word[0].isupper()):
            return None
        num = m.group("num")
        num = num.upper() if re.fullmatch("[ivxlcdmIVXLCDM]+", num) else num.capitalize()
        name = f"{m.group('name').capitalize()} " if m.group("name") else ""
        label = f"{name}{word.capitalize()} {num}"
        style = "part" if re.fullmatch(PART_WORDS, word, re.IGNORECASE) else "label"
        if title and not (is_caps(title) or is_title(title.rstrip("."))):
            return None
    return label, clean_title(title) if title else "", style


def title_style(text: str) -> str:
    """What shape of title a line has: label, part, numeral, named, caps, title, or ""."""
    if LONE_BY.fullmatch(text.strip()) or editor_names(text):
        return ""  # "BY" over a name, "Edited by …": a header's credit, not its title
    text, _marks = split_title_mark(text)
    found = label_of(text)
    if found:
        return found[2]
    words = text.split()
    if not 1 <= len(words) <= TITLE_WORDS_MAX or len(text) > TITLE_CHARS_MAX:
        return ""
    if NAMED_PIECES.fullmatch(text.rstrip(".")) and len(words) <= 8 and (is_caps(text) or is_title(text)):
        return "named"
    if is_caps(text) and not text.endswith((",", ";", ":")) and is_title(text):
        return "caps"
    return "title" if is_title(text) else ""


# ---- the header --------------------------------------------------------------------------


HEADER_BLOCKS_MAX = 12  # a header never runs over more blocks than this

_RUNS_ON = {"in", "of", "on", "and", "or", "to", "with", "from", "for", "at", "upon", "into",
            "the", "a", "an", "his", "her", "their", "its", "our", "my", "nor", "than", "as"}


def read_header(blocks: list[Block], i: int) -> tuple[Header, int] | None:
    """The header that begins at block ``i``, and the index of the block after it.

    None when block ``i`` opens no header (neither a title nor a byline), or when the header
    would end inside a paragraph (then the paragraph is prose, not a header).
    """
    flat: list[tuple[int, Line]] = []  # (block index, line), in reading order
    for bi in range(i, min(len(blocks), i + HEADER_BLOCKS_MAX)):
        if is_separator(blocks[bi]):
            break
        flat.extend((bi, ln) for ln in blocks[bi])
    if not flat:
        return None
    header = Header(first_line=flat[0][1].no)
    p = _read_title(header, flat)
    title_end = p
    seen_repeat = False
    while p < len(flat):
        bi, ln = flat[p]
        starts_block = p == 0 or flat[p - 1][0] != bi
        if starts_block and header.book is None and (header.title or header.label):
            book = book_of([x.text for x in blocks[bi]], strict=not _is_review(header))
            if book is not None:
                header.book, header.strong = book, True
                header.roles.update((x.no, "book") for x in blocks[bi])
                dates = [x.text for x in blocks[bi] if is_date_line(x.text)]
                if dates and not header.date:
                    header.date = dates[0].strip("()")
                p += len(blocks[bi])
                continue
        kind = _line_kind(header, ln, seen_repeat)
        if kind == "lone-by" and p + 1 < len(flat) and (names := _names(flat[p + 1][1].text)):
            # "BY" on a line of its own, the name on the next (a centred title page)
            editor = bool(EDITED.match(ln.text))
            header.roles[ln.no] = header.roles[flat[p + 1][1].no] = "editor" if editor else "byline"
            if editor:
                header.editors = names
            else:
                header.authors, header.strong = names, True
            p += 2
            continue
        if kind in ("", "lone-by"):
            break
        seen_repeat = _take_line(header, ln, kind) or seen_repeat
        p += 1
    while 0 < p < len(flat) and flat[p][0] == flat[p - 1][0] and p > title_end:
        p -= 1  # a header ends where a paragraph begins: the paragraph's first lines are text
    if p == 0 or (p < len(flat) and flat[p][0] == flat[p - 1][0]):
        return None  # nothing read, or the header ends inside a paragraph: that is prose
    if not header.title and not header.authors and not header.editors:
        return None  # a lone source line closes the piece before it; it opens none
    end = flat[p][0] if p < len(flat) else flat[-1][0] + 1
    return header, end


def _read_title(header: Header, flat: list[tuple[int, Line]]) -> int:
    """Read the label, title and subtitle at the start of ``flat``; return how many lines."""
    first = flat[0][1]
    if FIELDS.search(first.text):
        fields = _fields(header, first)
        if fields is None:
            return 0
        first = replace(first, text=fields)
        flat = [(flat[0][0], first)] + flat[1:]
    text, marks = title_and_marks(first.text)
    found = label_of(text)
    title: list[Line] = []
    p = 0
    if found and not found[1] and found[2] in ("label", "numeral", "part"):
        header.label, header.style, header.title_marks = found[0], found[2], marks
        header.title_line = first.no
        header.roles[first.no] = "label"
        p = 1
        nxt = flat[p][1] if p < len(flat) else None
        # after "Letter 2" a line in lower case is the letter's dateline ("Isleworth")
        dateline = nxt is not None and re.match(r"(?:letter|epistle)\b", found[0], re.IGNORECASE) \
            and not is_caps(nxt.text)
        # "VIII" then "Primitive man and the horse, the lion, and the elephant.": a short
        # line of its own ending with a stop titles it too
        stopped = nxt is not None and nxt.text.endswith(".") and len(nxt.text.split()) <= 15 \
            and not INNER_SENTENCE.search(nxt.text) and is_title(nxt.text[:-1]) and \
            p + 1 < len(flat) and flat[p + 1][0] != flat[p][0]
        if nxt is not None and not dateline and (title_style(nxt.text) in ("caps", "title", "named")
                                                 or stopped) and \
                not _line_kind(header, nxt, True) and nxt.blanks < SEPARATOR_BLANKS and \
                nxt.indent < first.indent + INDENT_QUOTE and \
                (flat[p][0] != flat[0][0] or len(flat) == 2 or flat[p][0] == flat[p - 1][0]):
            title = [flat[p][1]]
            p += 1
        else:  # a label alone is the title
            header.title, header.label = header.label, ""
            if header.title != text:
                header.changed.append((first.no, text, header.title))
            return p
    elif title_style(first.text):
        title = [first]
        p = 1
    else:
        block = [ln for bi, ln in flat if bi == flat[0][0]]
        if 1 < len(block) <= CAPS_TITLE_LINES_MAX and all(is_caps(ln.text) for ln in block) and \
                title_style(" ".join(ln.text for ln in block)) in ("caps", "named", "label"):
            title = [block[0]]
            p = 1
        else:
            return 0
    # a title in capitals may run on over several lines (in its paragraph, until a line
    # that begins as subtitles do: "A REVERIE", "OR, …"; over paragraphs, while a line ends
    # or the next begins with a word that runs on), then have a subtitle in capitals
    while p < len(flat) and is_caps(title[-1].text) and is_caps(flat[p][1].text) and \
            not _line_kind(header, flat[p][1], True) and not label_of(flat[p][1].text) and (
                (flat[p][0] == flat[p - 1][0] and not SUBTITLE_START.match(flat[p][1].text))
                or (_single(flat, p) and continues(title[-1].text, flat[p][1].text))):
        title.append(flat[p][1])
        p += 1
    _set_title(header, title, keep_style=bool(header.label))
    subtitle: list[Line] = []
    while p < len(flat) and is_caps(title[0].text) and is_caps(flat[p][1].text) and \
            not _line_kind(header, flat[p][1], True) and not label_of(flat[p][1].text) and \
            len(flat[p][1].text.split()) <= 2 * TITLE_WORDS_MAX and \
            (flat[p][0] == flat[p - 1][0] or (not subtitle and _single(flat, p)
                                               and not _titles_a_piece(header, flat, p))):
        subtitle.append(flat[p][1])
        p += 1
    if subtitle:
        raw = " ".join(ln.text for ln in subtitle)
        header.subtitle = clean_title(raw)
        header.roles.update((ln.no, "subtitle") for ln in subtitle)
        if header.subtitle != raw:
            header.changed.append((subtitle[0].no, raw, header.subtitle))
    if p < len(flat) and not header.label and flat[p][1].blanks < SEPARATOR_BLANKS:
        after = label_of(flat[p][1].text)  # "THE BUTTON-ROSE." then "CHAPTER IV."
        if after and not after[1] and after[2] == "label":
            header.label = after[0]
            header.roles[flat[p][1].no] = "label"
            p += 1
    return p


def _fields(header: Header, line: Line) -> str | None:
    """A heading of fields set apart by wide spaces (a periodical's number, date and author):
    the date and the author go into the header; the first field, the title, is returned."""
    fields = FIELDS.split(line.text)
    title, rest = fields[0], fields[1:]
    if not title_style(title):
        return None
    for field in rest:
        names = _names(field.rstrip("."))
        if is_date_line(field) and not header.date:
            header.date = field
        elif names and not header.authors:
            header.authors = names
            header.byline = f"By {field.rstrip('.')}" if names != (field.rstrip("."),) else ""
            header.strong = True
        else:
            return None
    return title


def _titles_a_piece(header: Header, flat: list[tuple[int, Line]], p: int) -> bool:
    """Does a byline or source line follow the line at ``p`` (so it titles a piece itself)?"""
    return p + 1 < len(flat) and _line_kind(header, flat[p + 1][1], True) in ("byline", "source")


def _single(flat: list[tuple[int, Line]], p: int) -> bool:
    """Is the line at ``p`` a block of one line, close to the line before it?"""
    bi = flat[p][0]
    return (p + 1 >= len(flat) or flat[p + 1][0] != bi) and flat[p - 1][0] != bi and \
        flat[p][1].blanks < SEPARATOR_BLANKS


def continues(line: str, nxt: str) -> bool:
    """Does a title in capitals (or a header's line) run on from ``line`` into ``nxt``?"""
    words = line.split()
    nxt_words = nxt.split()
    return bool(words and nxt_words) and (
        line.endswith((",", "-", "—", "–", ";")) or words[-1].lower() in _RUNS_ON
        or (nxt_words[0].lower() in _RUNS_ON - {"the", "a", "an"}) or nxt.startswith("("))


def _set_title(header: Header, lines: list[Line], keep_style: bool = False) -> None:
    raw = " ".join(ln.text for ln in lines)
    raw, marks = title_and_marks(raw)
    if marks and not header.title_marks:
        header.title_marks = marks
    style = title_style(raw)
    found = label_of(raw)
    if found and not keep_style:
        label, title, style = found
        header.label, header.title = (label, title) if title else ("", label)
    else:
        header.title = clean_title(raw)
    if header.title != raw:
        header.changed.append((lines[0].no, raw, header.title))
    header.title_line = header.title_line or lines[0].no
    header.roles.update((ln.no, "title") for ln in lines)
    if not keep_style:
        header.style = style


def _is_review(header: Header) -> bool:
    return bool(re.search(r"\breview(?:s|ed)?\b", f"{header.title} {header.publication_line}",
                          re.IGNORECASE))


def _line_kind(header: Header, ln: Line, seen_repeat: bool) -> str:
    """What a line of a header is ("" when it is not a header line)."""
    text = ln.text
    if header.title_line and not seen_repeat and not header.authors and \
            norm(text) == norm(header.title):
        return "repeat"
    if byline_names(text) and not header.authors:
        return "byline"
    if editor_names(text) and not header.editors:
        return "editor"
    if (m := CREDIT.fullmatch(text.strip())) and TRANSLATED.fullmatch(m.group("what").strip()) \
            and _names(m.group("names")) and len(text) <= BYLINE_CHARS_MAX:
        return "translator"
    if LONE_BY.fullmatch(text):
        return "lone-by"  # "BY" alone, the name on the next line
    if header.label and header.source and not header.authors and \
            is_caps(text) and len(text.split()) <= 4 and _names(text) and not label_of(text):
        return "byline"  # "HAMILTON": the author's name in capitals under the title
    if (header.title or header.label) and dash_names(text) and not header.authors:
        return "byline"
    if source_text(text) is not None and not header.source:
        return "source"
    if is_date_line(text) and not header.date:
        return "date"
    if header.title and not header.publication_line and _is_publication_line(text, header.title):
        return "publication"
    return ""


def _take_line(header: Header, ln: Line, kind: str) -> bool:
    """Put a header line into the header; True when it was the title's repeat."""
    text = ln.text
    header.roles[ln.no] = kind
    if kind == "repeat":
        header.changed.append((ln.no, text, ""))
        return True
    if kind == "editor":
        header.editors = editor_names(text) or ()
        return False
    if kind == "translator":  # kept as printed, after the byline
        header.byline = "; ".join(x for x in (header.byline or (
            "By " + " and ".join(header.authors) if header.authors else ""), text) if x)
        return False
    if kind == "byline":
        names = byline_names(text) or dash_names(text) or _names(text) or ()
        header.authors = names
        plain = "By " + " and ".join(names)
        if text != plain and not _names(text) and not header.byline:
            header.byline = text if not is_caps(text) else ""
            if is_caps(text):
                header.changed.append((ln.no, text, plain))
        header.strong = True
    elif kind == "source":
        header.source = source_text(text) or ""
        header.strong = True
    elif kind == "date":
        header.date = text.replace("_", "").strip("()")
    elif kind == "publication":
        header.publication_line = text
        header.strong = True
    return False


def _is_publication_line(text: str, title: str) -> bool:
    """``Green Left Weekly review``: a short line naming a review, right after a title."""
    return (len(text.split()) <= 8 and re.search(r"\breview(s|ed)?\b", text, re.IGNORECASE) is not None
            and not text.endswith(TITLE_END_BAD) and norm(text) != norm(title)
            and byline_names(text) is None)


# ---- the reviewed book -------------------------------------------------------------------

_PAGES = re.compile(r"(?P<pages>\d+\s*(?:pages|pp\.?)|(?:pp\.?|pages)\s*\d+)", re.IGNORECASE)
_PRICE = re.compile(r"(?:[$£€¥]\s?\d|\d+(?:[.,]\d\d)?\s?(?:€|dollars|euros|pounds)|\bRRP\b|\bUS\$)",
                    re.IGNORECASE)
_PUBLISHER_YEAR = re.compile(r"(?P<publisher>[^,]+?),\s*(?P<year>(?:1[5-9]|20)\d\d)\.?")
_CREDIT = re.compile(r"(?:(?:Edited|Translated|Introduced|Selected|Compiled|Illustrated)"
                     r"(?:\s*(?:&|and)\s*\w+)?|(?:With an? )?(?:Introduction|Foreword|Preface|"
                     r"Afterword) by)\b.*", re.IGNORECASE)


_PLACE_PUBLISHER = re.compile(r"(?:London|New York|Boston|Philadelphia|Paris|Edinburgh|Oxford|"
                              r"Cambridge|Chicago|Berlin|Leipzig|Glasgow|Dublin|Baltimore|Toronto|"
                              r"Sydney|Melbourne|Washington|Cincinnati|Hartford|Amsterdam|Geneva|"
                              r"Stuttgart|Munich|Vienna|Madrid|Rome|Florence|Milan|San Francisco)"
                              r"\s*:\s*[A-Z].{2,80}")


def _is_book_detail(text: str) -> bool:
    return bool(byline_names(text) or _PUBLISHER_YEAR.fullmatch(text) or _PAGES.search(text)
                or _PLACE_PUBLISHER.fullmatch(text) or re.fullmatch(r"(?:par|von|di|de)\s+[A-Z].{2,60}", text, re.IGNORECASE)
                or _PRICE.search(text) or _CREDIT.fullmatch(text) or re.search(r"\bISBN\b", text))


def book_of(texts: list[str], strict: bool = False) -> Book | None:
    """The reviewed book from its block: a title line then detail lines, or one catalogue line
    (perhaps after a date line). ``strict``ly (when no word says the piece is a review), only
    a block with a detail no byline has: a publisher and year, pages, a price, an ISBN."""
    texts = [t.replace("_", "") for t in texts if not is_date_line(t)]
    if not texts or any(source_text(t) or byline_names(t) and len(texts) == 1 for t in texts):
        return None  # a source line, a byline: the header's own lines
    if len(texts) > 1 and len(texts[0]) <= 200 and all(_is_book_detail(t) for t in texts[1:]):
        if not strict or any(_is_publication_detail(t) for t in texts[1:]):
            return _book_from_lines(texts)
        return None
    joined = " ".join(texts)
    m = BOOK_WITH_AUTHOR.fullmatch(joined)
    if m and len(joined) <= 400:  # "Title. By HENRY HALLAM. In 2 vols. 1827"
        return Book(m.group("title").strip(), (name_case(m.group("author").strip()),),
                    details=m.group("details").strip().rstrip("."), year=m.group("year"))
    if len(texts) == 1:
        first = texts[0]
        if len(first) <= 300 and re.search(r",\s*(?:1[5-9]|20)\d\d\.?$", first) and first.count(",") >= 2:
            return _book_from_catalogue_line(first)
    return None


def _is_publication_detail(text: str) -> bool:
    return bool(_PUBLISHER_YEAR.fullmatch(text) or _PLACE_PUBLISHER.fullmatch(text)
                or _PAGES.search(text) or _PRICE.search(text) or re.search(r"\bISBN\b", text))


def _book_from_lines(texts: list[str]) -> Book:
    """Title line, then ``By X`` / ``Publisher, 2001`` / ``364 pages, $77 (hb)`` / credits."""
    authors: tuple[str, ...] = ()
    publisher = year = pages = price = ""
    details: list[str] = []
    for text in texts[1:]:
        foreign = re.fullmatch(r"(?:par|von|di|de)\s+(?P<names>[A-Z].{2,60})", text, re.IGNORECASE)
        names = byline_names(text) or (_names(foreign.group("names")) if foreign else None)
        pm = _PUBLISHER_YEAR.fullmatch(text)
        if names and not authors:
            authors = names
            if foreign:
                details.append(text)  # "Par Victor Cousin" as printed
        elif pm and not publisher:
            publisher, year = pm.group("publisher").strip(), pm.group("year")
        elif _PLACE_PUBLISHER.fullmatch(text) and not publisher:
            publisher = text
        elif (_PAGES.search(text) or _PRICE.search(text)) and not (pages or price):
            pages, price, rest = _pages_and_price(text)
            if rest:
                details.append(rest)
        else:
            details.append(text)
    return Book(texts[0], authors, publisher, year, pages, price, "; ".join(details))


def _pages_and_price(text: str) -> tuple[str, str, str]:
    pages = price = ""
    rest: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if _PAGES.fullmatch(part) and not pages:
            pages = part
        elif _PRICE.search(part) and not price:
            price = part
        elif part:
            rest.append(part)
    return pages, price, ", ".join(rest)


def _book_from_catalogue_line(text: str) -> Book:
    """``Author, Title (credits), Publisher, 2011`` → the fields; unclear parts stay in title."""
    body = text.rstrip(" .")
    ym = re.search(r",\s*((?:1[5-9]|20)\d\d)$", body)
    year = ym.group(1) if ym else ""
    body = body[:ym.start()] if ym else body
    details = [d.strip() for d in re.findall(r"\(([^()]*)\)", body)]
    body = re.sub(r"\s*\([^()]*\)", "", body)
    parts = [p.strip() for p in body.split(",") if p.strip()]
    publisher = parts.pop() if len(parts) >= 2 else ""
    authors: tuple[str, ...] = ()
    if len(parts) >= 2 and is_name(parts[0]) and ":" not in parts[0]:
        authors = (parts.pop(0),)
    by = [p for p in parts if p.lower().startswith("by ")]
    if by and not authors and (names := byline_names(by[0])):
        authors = names
        parts.remove(by[0])
    return Book(", ".join(parts), authors, publisher, year, "", "", "; ".join(details))


def references_in(text: str) -> list[re.Match[str]]:
    return list(REFERENCE.finditer(text))


__all__ = ["read_header", "byline_names", "dash_names", "source_text", "parse_source",
           "note_item", "is_notes_heading", "is_title", "title_style", "label_of", "clean_title",
           "is_date_line", "iso_date", "is_name", "norm", "split_title_mark", "book_of",
           "block_text"]

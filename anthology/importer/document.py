"""Turn a document pandoc has read (its AST) and what its properties say into a piece: the
title, authors, source and date from the properties first and the top of the text second,
the body and notes as the manuscript's Markdown, the pictures it shows named for the
manuscript's ``images/``. Every format pandoc reads (Word, OpenDocument, Markdown, a saved
page's article) ends here.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..manuscript.images import picture_damage
from .conventions import IMAGE_TYPES, KIND_WORDS
from .headers import HEADER_BLOCKS_MAX, clean_title, continues, read_header
from .names import is_caps
from .pandoc import PLACEHOLDER, Markdown, meta_text, printed_lines
from .records import Header, Line, PieceText
from .report import Log
from .write import slug


def keep_image(path: Path, src: str, data: bytes | None, images: dict[str, tuple[str, bytes]],
                log: Log) -> str | None:
    """A picture copied into the manuscript's images/ (by a name of its own), or None."""
    if data is None:
        log.warn(0, "import-image-dropped", f"the picture {src!r} is missing or too large",
                 "add it to the manuscript's images/ by hand")
        return None
    suffix = next((s for magic, s in IMAGE_TYPES.items() if data.startswith(magic)), None)
    if suffix is None:
        log.warn(0, "import-image-dropped", f"the picture {src!r} is not PNG, JPEG or GIF "
                 "(an SVG may carry scripts)", "convert it to PNG and add it by hand")
        return None
    damage = picture_damage(data)
    if damage:  # a build would refuse it (image-damaged): the manuscript must build
        log.warn(0, "import-image-dropped", f"the picture {src!r} cannot be read: {damage}",
                 "save it again from an image editor and add it by hand")
        return None
    if src in images:
        return images[src][0]
    stem = slug(Path(src).stem) or "image"
    name = f"images/{slug(path.stem)[:24]}-{stem[:24]}{suffix}"
    k = 2
    while any(n == name for n, _ in images.values()):
        name = f"images/{slug(path.stem)[:24]}-{stem[:24]}-{k}{suffix}"
        k += 1
    images[src] = (name, data)
    return name


def piece_from_ast(path: Path, ast: dict, title: str, authors: tuple[str, ...], where: str,
                   image, images: dict[str, tuple[str, bytes]], log: Log, placeholder: str = "",
                   note_ids: dict[str, int] | None = None,
                   extra_notes: list[str] | None = None, subtitle: str = "",
                   source: str = "") -> PieceText:
    """A document's AST, and what its properties say, as a piece."""
    meta = ast.get("meta", {})
    if not title and meta_text(meta, "title"):
        title, where = meta_text(meta, "title")[0], "the document's title"
    if not authors and meta_text(meta, "author"):
        authors = tuple(meta_text(meta, "author"))
    blocks = _unwrap(list(ast.get("blocks", [])), placeholder)
    top = text_header(blocks, title, log)
    title_notes: list[str] = []
    fields: dict = {"subtitle": (meta_text(meta, "subtitle") or [subtitle])[0], "source": source}
    if top is not None:
        header, used = top
        blocks = blocks[used:]
        fields.update({k: v for k, v in header_fields(header).items() if v})
        # a note on the title (a page's "<h1>Title<sup>1</sup></h1>"): the title without its
        # mark, the note kept as the title's
        title_notes = [str(note_ids[k]) for k in PLACEHOLDER.findall(header.title)
                       if k in (note_ids or {})]
        heading = " ".join(PLACEHOLDER.sub("", header.title).split())
        if heading and (not title or not same_title(heading, title) or is_caps(title) or
                        _words(heading) != _words(title)):
            if title:
                log.warn(1, "import-title-from-text", f"the text's heading {heading!r} is "
                         f"the title ({where} says {title!r})", "correct title if that is wrong")
            title, where = heading, "the text's heading"
        authors = _printed_names(header.authors, authors, log)
    supplied = not title
    if supplied:
        title = clean_title(path.stem.replace("-", " ").replace("_", " ").strip()) or "Untitled"
        log.warn(1, "import-title-supplied", f"no title in the document; called it {title!r} "
                 "after the file", "set title in its front matter")
    else:
        log.warn(1, "import-metadata", f"title {title!r} and "
                 f"{'authors ' + ', '.join(authors) if authors else 'no author'} from {where}",
                 "correct the front matter if that is wrong")
    walker = Markdown(image, placeholder)
    if note_ids:
        walker.walk.note_ids = dict(note_ids)
    for text in extra_notes or []:
        walker.walk.notes.append(text)
    while blocks and blocks[0].get("t") == "HorizontalRule":
        blocks = blocks[1:]  # a rule under the heading, or above the notes, is no section break
    while blocks and blocks[-1].get("t") == "HorizontalRule":
        blocks = blocks[:-1]
    levels = _heading_levels(blocks)
    body = walker.blocks(blocks, 2 - min(levels) if levels else 0)  # the first level is ##
    notes = walker.notes_markdown()
    for what, n in sorted(walker.walk.dropped.items()):
        log.warn(0, "import-dropped", f"left out {n} × {what}", "")
    for src, alt, _caption in walker.walk.images:
        if not alt:
            log.warn(0, "import-image-without-alt", f"the picture {src!r} has no alternative text",
                     "describe it: ![what it shows](…) in the piece")
    front = {"title": title, "title_supplied": supplied}
    if title_notes:
        front["title_notes"] = title_notes
    if fields.get("label"):
        front["label"] = fields.pop("label")
    front.update({"subtitle": fields.get("subtitle", ""), "authors": list(authors),
                  **({"byline": fields["byline"]} if fields.get("byline") else {}),
                  "kind": "review" if fields.get("reviewed") else _kind(title),
                  "source": fields.get("source", ""), "publication": fields.get("publication", ""),
                  "issue": fields.get("issue", ""), "date": fields.get("date", "")})
    if fields.get("reviewed"):
        front["reviewed"] = fields["reviewed"]
    return PieceText(front, "\n\n".join(x for x in (body, notes) if x), 1, str(path),
                     tuple(images[src] for src in dict.fromkeys(s for s, _a, _c in walker.walk.images)
                           if src in images))


def _heading_levels(blocks: list) -> set[int]:
    """The levels of the headings in pandoc blocks, at any depth."""
    found: set[int] = set()
    for block in blocks:
        if block.get("t") == "Header":
            found.add(block["c"][0])
        elif block.get("t") in ("Div", "BlockQuote"):
            found |= _heading_levels(block["c"][1] if block["t"] == "Div" else block["c"])
    return found


def _kind(title: str) -> str:
    for name, pattern in KIND_WORDS:
        if pattern.search(title):
            return name
    return "essay"


def _unwrap(blocks: list, placeholder: str) -> list:
    """Wrapper divisions taken away (they carry nothing the manuscript keeps), so that the
    text's first blocks are its header, however deep a page or a document nested them."""
    out: list = []
    for block in blocks:
        if block["t"] == "Div" and not (placeholder and block["c"][0][0].startswith(placeholder)) \
                and "section-break" not in block["c"][0][1]:
            out.extend(_unwrap(block["c"][1], placeholder))
        else:
            out.append(block)
    return out


# ---- the text's own header ---------------------------------------------------------------

TITLE_PAGE_LINES_MAX = 3  # lines above the title (a series, a kicker) left out as title page


def text_header(blocks: list, title: str, log: Log) -> tuple[Header, int] | None:
    """The header the text opens with — label, title, subtitle, byline, source line, date, a
    reviewed book — read by the dump importer's own rules (:func:`~.headers.read_header`),
    and how many blocks it takes (with the title page's lines above it and a heading that
    repeats the title after it). None when the text opens with no header, or with one that
    neither names the properties' title nor has a byline, source line or label to show it
    is a header."""
    zone = _zone(blocks)
    candidates: list[tuple[int, Header, int]] = []
    for start in range(min(len(zone), TITLE_PAGE_LINES_MAX + 1)):
        found = read_header([b for _k, b in zone[start:]], 0)
        if found is not None:
            candidates.append((start, found[0], found[1]))
        if _prose(zone[start][1]):
            break
    named = [c for c in candidates if title and c[1].title and same_title(c[1].title, title)]
    strong = [c for c in candidates if c[1].strong or c[1].label]
    untitled = [c for c in candidates if not title and c[1].title]
    pick = (named or strong or untitled or [None])[0]
    if pick is None or (pick[0] and not named and pick is not candidates[0]):
        return None
    start, header, end = pick
    for _k, block in zone[:start]:  # a series line, a kicker above the title
        for line in block:
            log.drop(0, line.text, "a line of the title page above the title",
                     "import-title-page", f"left out {line.text!r} above the title")
    for no, was, now in header.changed:
        if now and was.rstrip(".") != now:
            log.warn(0, "import-case-changed", f"{was!r} is written {now!r}",
                     "correct it by hand if it is wrong")
    used = zone[start + end - 1][0] + 1 if start + end - 1 < len(zone) else len(blocks)
    return header, _after_header(blocks, used, header.title or title, log)


def _zone(blocks: list) -> list[tuple[int, tuple[Line, ...]]]:
    """The text's first blocks as the dump importer sees a dump's: (AST index, lines)."""
    out: list[tuple[int, tuple[Line, ...]]] = []
    for k, block in enumerate(blocks):
        if len(out) >= HEADER_BLOCKS_MAX:
            break
        if block["t"] == "HorizontalRule":
            out.append((k, (Line(k + 1, "* * *", 0, 1),)))
            continue
        if block["t"] not in ("Header", "Para", "Plain"):
            break
        lines = printed_lines(block["c"][2] if block["t"] == "Header" else block["c"])
        if block["t"] != "Header":  # a source line broken in two is one line
            joined: list[str] = []
            for line in lines:
                if joined and continues(joined[-1], line):
                    joined[-1] += " " + line
                else:
                    joined.append(line)
            lines = joined
        if lines:
            out.append((k, tuple(Line(k + 1, text, 0, 1 if j == 0 else 0)
                                 for j, text in enumerate(lines))))
    return out


def _prose(block: tuple[Line, ...]) -> bool:
    return len(" ".join(line.text for line in block).split()) > 40


def _after_header(blocks: list, used: int, title: str, log: Log) -> int:
    """Past the header: empty paragraphs, rules, and a heading that prints the title again."""
    k = used
    while k < len(blocks) and (blocks[k]["t"] == "HorizontalRule" or (
            blocks[k]["t"] in ("Para", "Plain") and not printed_lines(blocks[k]["c"]))):
        k += 1
    if k < len(blocks) and blocks[k]["t"] == "Header" and title and \
            same_title(" ".join(printed_lines(blocks[k]["c"][2])), title):
        log.warn(0, "import-duplicate-title", "dropped the heading that repeats the title", "")
        return k + 1
    return used


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.casefold())


def same_title(a: str, b: str) -> bool:
    """The same title, in any case or punctuation, with or without a leading article, a
    label before it ("XVII: …", "Schopenhauer: …") or a site's name after it."""
    def words(text: str) -> list[str]:
        found = re.findall(r"[^\W_]+", text.casefold())
        return found[1:] if found[:1] in (["a"], ["an"], ["the"]) else found

    x, y = words(a), words(b)
    if not x or not y:
        return False
    short, long_ = sorted((x, y), key=len)
    if len(long_) - len(short) > 4:
        return False
    return long_ == short or long_[-len(short):] == short or long_[:len(short)] == short


def _printed_names(printed: tuple[str, ...], known: tuple[str, ...], log: Log) -> tuple[str, ...]:
    """The authors as the text prints them, where the properties name the same people; a
    surname alone is completed from the properties."""
    if not printed:
        return known
    if not known:
        return printed
    last = lambda name: name.split()[-1].casefold() if name.split() else ""  # noqa: E731
    if sorted(map(last, printed)) != sorted(map(last, known)):
        log.warn(1, "import-authors-differ", f"the text's byline names {', '.join(printed)}; "
                 f"the properties name {', '.join(known)}: the byline is used",
                 "correct authors if that is wrong")
        return printed
    full = {last(n): n for n in known}
    return tuple(full[last(n)] if len(n.split()) == 1 else n for n in printed)


def header_fields(header: Header) -> dict:
    """A header's facts as the front matter writes them."""
    from .headers import parse_source

    publication, issue, date = parse_source(header.source) if header.source else ("", "", "")
    out: dict = {"label": header.label, "subtitle": header.subtitle, "byline": header.byline,
                 "source": header.source, "publication": header.publication_line or publication,
                 "issue": issue, "date": header.date or date}
    if header.book is not None:
        b = header.book
        out["reviewed"] = {"title": b.title, "authors": list(b.authors), "publisher": b.publisher,
                           "year": b.year, "pages": b.pages, "price": b.price, "details": b.details}
    return out

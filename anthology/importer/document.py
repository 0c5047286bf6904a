"""Turn a document pandoc has read (its AST) and what its properties say into a piece: the
title, authors, source and date from the properties first and the top of the text second,
the body and notes as the manuscript's Markdown, the pictures it shows named for the
manuscript's ``images/``. Every format pandoc reads (Word, OpenDocument, Markdown, a saved
page's article) ends here.
"""

from __future__ import annotations

from pathlib import Path

from .conventions import IMAGE_TYPES, KIND_WORDS
from .headers import byline_names, clean_title, is_date_line, norm, source_text
from .pandoc import Markdown, meta_text, text_of
from .records import PieceText
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


def piece_from_ast(path: Path, ast: dict, title: str, authors: tuple[str, ...], where: str, image,
           images: dict[str, tuple[str, bytes]], log: Log, placeholder: str = "",
           note_ids: dict[str, int] | None = None, extra_notes: list[str] | None = None) -> PieceText:
    """A document's AST, and what its properties say, as a piece."""
    meta = ast.get("meta", {})
    blocks = list(ast.get("blocks", []))
    subtitle = ""
    if not title and meta_text(meta, "title"):
        title, where = meta_text(meta, "title")[0], "the document's title"
    if not authors and meta_text(meta, "author"):
        authors = tuple(meta_text(meta, "author"))
    subtitle = (meta_text(meta, "subtitle") or [""])[0]
    header = _text_header(blocks, title, authors)
    blocks = blocks[header["used"]:]
    if not title and header["title"]:
        title, where = header["title"], "its first line"
    if not authors and header["authors"]:
        authors = header["authors"]
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
    body = walker.blocks(blocks)
    notes = walker.notes_markdown()
    for what, n in sorted(walker.walk.dropped.items()):
        log.warn(0, "import-dropped", f"left out {n} × {what}", "")
    for src, alt, _caption in walker.walk.images:
        if not alt:
            log.warn(0, "import-image-without-alt", f"the picture {src!r} has no alternative text",
                     "describe it: ![what it shows](…) in the piece")
    front = {"title": title, "title_supplied": supplied, "subtitle": subtitle,
             "authors": list(authors), "kind": _kind(title), "source": header["source"],
             "publication": "", "issue": "", "date": header["date"]}
    return PieceText(front, "\n\n".join(x for x in (body, notes) if x), 1, str(path),
                     tuple(images[src] for src in dict.fromkeys(s for s, _a, _c in walker.walk.images)
                           if src in images))


def _kind(title: str) -> str:
    for name, pattern in KIND_WORDS:
        if pattern.search(title):
            return name
    return "essay"


def _text_header(blocks: list, title: str, authors: tuple[str, ...]) -> dict:
    """A title, byline, source and date line at the top of the text: taken, where they say
    what the properties do not (or say it again)."""
    out = {"title": "", "authors": (), "source": "", "date": "", "used": 0}
    for k, block in enumerate(blocks[:5]):
        if block["t"] not in ("Header", "Para", "Plain"):
            break
        inlines = block["c"][2] if block["t"] == "Header" else block["c"]
        text = " ".join(text_of(inlines).split())
        if not text:
            out["used"] = k + 1
            continue
        if k == out["used"] and not out["title"] and (
                block["t"] == "Header" or (len(text.split()) <= 15 and not text.endswith("."))) \
                and not byline_names(text) and (not title or norm(text) == norm(title)):
            out["title"] = clean_title(text)
        elif (names := byline_names(text)) and (not authors or set(names) == set(authors)):
            out["authors"] = names
        elif source_text(text) and not out["source"]:
            out["source"] = source_text(text) or ""
        elif is_date_line(text) and not out["date"]:
            out["date"] = text
        else:
            break
        out["used"] = k + 1
    if title and not out["title"] and out["used"] == 0:
        return out
    return out

"""Turn the pieces found into the manuscript's files: ``volume.toml`` and ``pieces/NN-slug.md``.

Whatever is written builds: file names (and so piece ids) are unique, the TOML is written
by tomli-w, every note is defined once and referenced, and the text is escaped so that every
word renders as written.
"""

from __future__ import annotations

import re

import tomli_w

from .. import names
from .conventions import NAME_PARTICLES
from .body import body_markdown, note_markdown
from .headers import iso_date, parse_source
from .inline import escape, safe_start
from .kinds import join_names
from .names import similar_names
from .records import TITLE, Found, Layout, NoteText, Piece, PieceText, VolumeText
from .report import Log


def slug(text: str) -> str:
    """A file name's words: the book's one slug, accents folded, at most 40 characters."""
    return names.slug(text, fold=True)[:40].strip("-")


def surname(name: str) -> str:
    """The name a person is filed under: ``Thomas De Quincey`` → De Quincey, ``Ludwig van
    Beethoven`` → van Beethoven, ``Pliny the Younger`` → Pliny, ``John Smith Jr.`` → Smith."""
    words = name.split()
    while len(words) > 1 and words[-1].lower().rstrip(".") in {"jr", "sr", "ii", "iii", "iv"}:
        words = words[:-1]
    if len(words) > 2 and words[-2].lower() == "the":
        return words[0]  # an epithet: "Pliny the Younger"
    k = len(words) - 1
    while k > 1 and words[k - 1].lower() in NAME_PARTICLES:
        k -= 1
    return " ".join(words[k:]) if words else ""


def piece_names(pieces: list[PieceText]) -> list[str]:
    """``pieces/NN-base.md``, the base unique (it is the piece's id once NN- is off): the
    first author's surname, then the kind, then the title's first words where those repeat,
    else the title's first words; a number where even those repeat."""
    def title_words(p: PieceText, n: int) -> str:
        stop = {"a", "an", "the", "of", "on", "and"}
        words = [w for w in re.findall(r"[a-z0-9]+", slug(p.front["title"]).replace("-", " "))
                 if w not in stop and len(w) > 1]  # "Serge's" → serge, not serge-s
        return "-".join(words[:n])

    bases = [slug(surname(p.authors[0])) if p.authors else title_words(p, 4) for p in pieces]
    bases = [b or "piece" for b in bases]
    for refine in (lambda p, b: f"{b}-{p.front['kind']}" if p.authors else b,
                   lambda p, b: "-".join(x for x in (b, title_words(p, 3)) if x)):
        repeated = {b for b in bases if bases.count(b) > 1}
        bases = [refine(p, b) if b in repeated else b for p, b in zip(pieces, bases)]
    seen: dict[str, int] = {}
    out: list[str] = []
    for i, base in enumerate(bases):
        seen[base] = seen.get(base, 0) + 1
        unique = base if bases.count(base) == 1 else f"{base}-{seen[base]}"
        out.append(f"pieces/{i + 1:02d}-{unique}.md")
    return out


def dump_texts(found: Found, layout: Layout, log: Log) -> tuple[list[PieceText], VolumeText]:
    """The pieces of a dump as front matter and Markdown, and what it says of its volume."""
    pieces = []
    for piece in found.pieces:
        parts = [body_markdown(piece, layout, log), _notes_markdown(piece, layout)]
        pieces.append(PieceText(_front_matter(piece), "\n\n".join(p for p in parts if p),
                                piece.header.title_line or piece.header.first_line, log.path))
    front = found.front
    parts = ()
    if found.parts and all(p.part >= 0 for p in found.pieces):
        parts = tuple((t, tuple(i for i, p in enumerate(found.pieces) if p.part == k))
                      for k, (t, _line) in enumerate(found.parts))
    volume = VolumeText(
        title=front.title, title_line=front.title_line, subtitle=front.subtitle,
        editors=front.editors, authors=front.authors,
        editorial_note=_editorial_markdown(front) if front.note else "", parts=parts,
        removed=tuple((no, text, why, "") for no, text, why in sorted(log.removed)))
    return pieces, volume


def manuscript_files(pieces: list[PieceText], volume: VolumeText, log: Log,
                     named: str = "the dump") -> dict[str, bytes]:
    """``volume.toml`` and ``pieces/NN-slug.md`` (and any images) for the pieces given."""
    files: dict[str, bytes] = {}
    names = piece_names(pieces)
    for name, piece in zip(names, pieces):
        front_matter = "+++\n" + tomli_w.dumps(piece.front, multiline_strings=False) + "+++\n"
        text = front_matter + "\n" + piece.markdown + ("\n" if piece.markdown else "")
        files[name] = text.encode("utf-8")
        for image, data in piece.images:
            files[image] = data
    files["volume.toml"] = _volume_toml(pieces, volume, names, log, named).encode("utf-8")
    return files


def _front_matter(piece: Piece) -> dict:
    h = piece.header
    publication, issue, date = parse_source(h.source) if h.source else ("", "", "")
    if h.publication_line:
        # the header's own line, verbatim ("Green Left Weekly review"): no word is dropped
        publication = h.publication_line
    doc: dict = {"title": h.title, "title_supplied": h.title_supplied}
    if h.label:
        doc["label"] = h.label
    notes = [piece.links[(TITLE, k)][0][2] for k in range(len(h.title_marks))
             if (TITLE, k) in piece.links]
    if notes:
        doc["title_notes"] = notes
    unanswered = "".join(printed for k, (_l, printed) in enumerate(h.title_marks)
                         if (TITLE, k) not in piece.links)
    if unanswered:
        doc["title"] = h.title + unanswered  # a mark no note answers stays as printed
    doc.update({
        "subtitle": h.subtitle,
        "authors": list(h.authors),
        **({"byline": h.byline} if h.byline else {}),
        "kind": piece.kind,
        "source": h.source,
        "publication": publication or piece.publication,
        "issue": issue or piece.issue,
        "date": h.date or date,
    })
    if h.book is not None:
        b = h.book
        doc["reviewed"] = {"title": b.title, "authors": list(b.authors), "publisher": b.publisher,
                           "year": b.year, "pages": b.pages, "price": b.price, "details": b.details}
    return doc


def _notes_markdown(piece: Piece, layout: Layout) -> str:
    return "\n\n".join(note_markdown(note, ni, piece.links, layout)
                       for ni, note in enumerate(piece.notes))


def _volume_toml(pieces: list[PieceText], volume: VolumeText, names: list[str], log: Log,
                 named: str) -> str:
    title = volume.title
    if not title:
        title = next((p.front["title"] for p in pieces if not p.front.get("title_supplied")), "")
        title = title or "Untitled volume"
        log.warn(pieces[0].line if pieces else 0, "import-volume-title-guessed",
                 f"{named} has no title of its own; the volume is called {title!r}",
                 "set title in volume.toml")
    doc: dict = {"title": title}
    if volume.subtitle:
        doc["subtitle"] = volume.subtitle
    if volume.editors:
        doc["editors"] = list(volume.editors)
    doc["language"] = "en"
    dates = [d for p in pieces for d in (iso_date(p.front.get("date", "")),
                                         iso_date(parse_source(p.front.get("source", ""))[2])) if d]
    if dates:
        doc["date"] = max(dates)
    if volume.editorial_note:
        doc["editorial_note"] = volume.editorial_note
    if volume.parts:
        doc["parts"] = [{"title": t, "pieces": [names[i] for i in members]}
                        for t, members in volume.parts if members]
    else:
        doc["pieces"] = names
    # everyone the text names as an author, the title page's included
    authors = list(dict.fromkeys([a for p in pieces for a in p.authors] + list(volume.authors)))
    if authors:
        doc["contributors"] = [{"name": a} for a in authors]
    for a, b in similar_names(authors):
        log.warn(0, "import-contributor-similar", f"{a!r} and {b!r} may be one person",
                 "if so, write the name the same way in every piece's front matter")
    if volume.removed:
        doc["removed"] = [{"line": no, "text": text, "why": why, **({"source": origin} if origin else {})}
                          for no, text, why, origin in volume.removed]
    return tomli_w.dumps(doc, multiline_strings=True)


def _editorial_markdown(front) -> str:
    """The bracketed note without its brackets, as Markdown paragraphs."""
    paragraphs = [[ln.text for ln in block] for block in front.note]
    paragraphs[0][0] = paragraphs[0][0][1:].lstrip()
    paragraphs[-1][-1] = paragraphs[-1][-1][:-1].rstrip()
    return "\n\n".join("\n".join(safe_start(escape(t)) for t in p if t) for p in paragraphs)


__all__ = ["dump_texts", "manuscript_files", "slug", "piece_names", "join_names", "NoteText"]

"""Turn what the text says about each piece into its kind, its closing source line and
signature, and a title where it has none.

Kinds are never guessed from a piece's place in the dump: a piece is an essay unless the text
says otherwise — a word in its title or publication line (letter, preface, introduction,
review, reply/response, rejoinder, afterword, chapter), a reviewed book's block, a
salutation and a signature (a letter), or the editorial note naming it ("a response from
Ernie Haberkern"). A source line closing a piece is its source when the header gave none; a
name signed at its end is its author when no byline gave one.
"""

from __future__ import annotations

import re

from .blocks import is_indented, is_separator, is_verse
from .conventions import (KIND_IN_NOTE, KIND_WORDS, LETTERS_TITLE, SALUTATION, SIGNATURE_WORDS_MAX,
                          VALEDICTION)
from .headers import dash_names, is_date_line, is_name, norm, parse_source, source_text
from .names import name_case
from .records import Block, Front, Layout, Piece
from .report import Log


def take_closing_lines(piece: Piece, layout: Layout, log: Log) -> None:
    """A source line closing the piece is its source, unless the header already gave one;
    a signature at its end names its author when nothing else does (it stays in the text)."""
    body = [b for b in piece.body]
    while body and (not body[-1] or is_separator(body[-1])):
        body.pop()
    if not body:
        return
    last = body[-1]
    source = source_text(last[-1].text)
    if source is not None:
        if piece.header.source:
            log.warn(last[-1].no, "import-source-kept", "a second source line is kept as text",
                     "move it into the front matter by hand if it is a source")
        else:
            piece.header.source = source
            piece.body = body[:-1] + ([last[:-1]] if len(last) > 1 else [])
            body = piece.body
    piece.signature = _signature(body, layout)


def _signature(body: list[Block], layout: Layout) -> tuple[str, ...]:
    """The names a piece is signed with: ``— Ann Lee``, or a short name line at its very end
    (after a valediction such as "Yours truly,", or standing apart; not the name under a
    verse epigraph, nor a place and date line after the signature)."""
    blocks = [b for b in body if b and not all(is_date_line(ln.text) for ln in b)]
    while len(blocks) >= 2 and len(blocks[-1]) == 1 and (
            is_verse(blocks[-2], layout) or is_indented(blocks[-2], layout)):
        blocks = blocks[:-2]  # a quotation and the name of its author
    for block in reversed(blocks[-2:]):
        for ln in reversed(block):
            text = ln.text.strip()
            names = dash_names(text)
            if names:
                return names
            if VALEDICTION.fullmatch(text) or len(text.split()) > SIGNATURE_WORDS_MAX:
                return ()
            bare = text.rstrip(",")
            candidate = name_case(bare if re.search(r"\b[A-Z]\.$", bare) else bare.rstrip("."))
            if is_name(candidate) and len(candidate.split()) >= 2 and \
                    not re.search(r"\d", candidate):
                return (candidate,)
            if text.endswith((".", "!", "?")) and not re.fullmatch(r"[A-Z]\.\s*", text):
                return ()
    return ()


def assign_kinds(pieces: list[Piece], front: Front, log: Log) -> None:
    """Each piece's kind, from what its own text or the editorial note says; else essay."""
    named = _kinds_in_note(front, pieces)
    for i, piece in enumerate(pieces):
        h = piece.header
        kind = ""
        for name, pattern in KIND_WORDS:
            if any(pattern.search(cue) for cue in (h.label, h.title, h.publication_line) if cue):
                kind = name
                break
        if h.book is not None and kind in ("", "essay"):
            kind = "review"
        if not kind and i in named:
            kind = named[i]
            log.warn(h.title_line or h.first_line, "import-kind-from-note",
                     f"piece {i + 1} is taken to be a {kind}, as the editorial note says",
                     "set kind in its front matter if that is wrong")
        numbered = bool(h.label) or bool(re.fullmatch(r"[IVXLCDM]+|\d+", h.title))
        if not kind and (_is_letter(piece) or (LETTERS_TITLE.search(front.title) and numbered)):
            kind = "letter"  # a letter by its salutation, or a numbered piece of "Letters of …"
        piece.kind = kind or "essay"


def _is_letter(piece: Piece) -> bool:
    """Opens with a salutation and closes with a signature."""
    blocks = [b for b in piece.body if b and not is_separator(b)]
    return bool(blocks) and SALUTATION.fullmatch(blocks[0][0].text) is not None and \
        bool(piece.signature)


def _kinds_in_note(front: Front, pieces: list[Piece]) -> dict[int, str]:
    """"Following that is a response from Ernie Haberkern and reply by Susan Weissman": the
    first piece after the first that each named author wrote gets that kind."""
    note = " ".join(ln.text for block in front.note for ln in block)
    out: dict[int, str] = {}
    for m in KIND_IN_NOTE.finditer(note):
        word = m.group("word").lower()
        kind = {"reply": "response", "answer": "response"}.get(word, word)
        name = norm(m.group("name"))
        for i, piece in enumerate(pieces):
            if i == 0 or i in out:
                continue
            if any(norm(a) == name or norm(a).startswith(name) for a in piece.header.authors):
                if kind == "response" and any(k == "response" for k in out.values()) and \
                        _wrote_earlier(pieces, i):
                    kind = "rejoinder"
                out[i] = kind
                break
    return out


def _wrote_earlier(pieces: list[Piece], i: int) -> bool:
    authors = set(pieces[i].header.authors)
    return any(authors & set(p.header.authors) for p in pieces[:i])


def apply_editorial_source(pieces: list[Piece], front: Front, log: Log) -> None:
    """"The first essay … first appeared in X, issue 3, May 2008." gives piece 1 its source."""
    note = " ".join(ln.text for block in front.note for ln in block)
    m = re.search(r"\bfirst (?:essay|article|piece|text)\b[^.]*?\b(?:appeared|published|printed) "
                  r"in\s+(?P<src>[A-Z][^.]*?\d{4})", note, re.IGNORECASE)
    if not pieces or not m or pieces[0].header.source:
        return
    publication, issue, date = parse_source(m.group("src"))
    if not publication:
        return
    first = pieces[0]
    first.publication, first.issue = publication, issue
    if not first.header.date:
        first.header.date = date
    log.warn(front.note[0][0].no, "import-source-from-note",
             f"publication of piece 1 taken from the editorial note: {m.group('src')!r}",
             "check publication, issue and date in its front matter")


def fill_authors(pieces: list[Piece], front: Front, log: Log) -> None:
    """A piece without a byline: the name it is signed with, else the title page's author."""
    for i, piece in enumerate(pieces):
        h = piece.header
        if h.authors:
            continue
        if piece.signature:
            h.authors = piece.signature
            log.warn(h.title_line or h.first_line, "import-author-from-signature",
                     f"piece {i + 1} has no byline; its author is taken from its signature: "
                     f"{' and '.join(piece.signature)}", "set authors in its front matter if wrong")
        elif front.authors:
            h.authors = front.authors
    _full_names(pieces, front, log)
    used = {a for p in pieces for a in p.header.authors}
    if front.authors and not used & set(front.authors) and not front.editors:
        # every piece names its own author: the title page's "By …" is the volume's maker
        front.editors, front.authors = front.authors, ()
        log.warn(front.title_line, "import-editor-guessed",
                 f"{' and '.join(front.editors)}, named on the title page, wrote none of the "
                 "pieces: taken to be the volume's editor", "set editors in volume.toml if wrong")


def _full_names(pieces: list[Piece], front: Front, log: Log) -> None:
    """"HAMILTON" under a paper, "Alexander Hamilton" on the title page: one person, named in
    full, when exactly one full name has that surname."""
    full = list(dict.fromkeys(a for a in front.authors + front.editors + tuple(
        a for p in pieces for a in p.header.authors) if len(a.split()) > 1))
    for piece in pieces:
        names = []
        for a in piece.header.authors:
            matches = [f for f in full if f != a and _same_person(a, f)]
            names.append(matches[0] if len(matches) == 1 else a)
        if tuple(names) != piece.header.authors:
            log.warn(piece.header.title_line or piece.header.first_line, "import-name-completed",
                     f"{' and '.join(piece.header.authors)} is taken to be {' and '.join(names)}, "
                     "named so elsewhere in the dump", "correct authors in its front matter if wrong")
            piece.header.authors = tuple(names)


def _same_person(short: str, full: str) -> bool:
    """"HAMILTON" and "Alexander Hamilton"; "W. Crookes" and "William Crookes": the same
    surname, and the shorter name's initials those of the fuller one's names."""
    a, b = short.split(), full.split()
    if a[-1].lower() != b[-1].lower() or len(a) > len(b):
        return False
    if len(a) == 1:
        return True
    given = [w for w in a[:-1]]
    return all(w.endswith(".") and len(w) <= 3 for w in given) and \
        [w[0].lower() for w in given] == [w[0].lower() for w in b[:len(given)]] and len(a) < len(b) + 1 \
        and any(not w.endswith(".") for w in b[:-1])


def supply_titles(pieces: list[Piece], log: Log) -> None:
    """A piece without a title gets a placeholder the editor must replace."""
    for i, piece in enumerate(pieces):
        h = piece.header
        if h.title:
            continue
        by = f" by {join_names(h.authors)}" if h.authors else ""
        h.title = f"Untitled {piece.kind}{by}"
        h.title_supplied = True
        log.warn(h.first_line, "import-title-supplied",
                 f"piece {i + 1} has no title; called it {h.title!r}",
                 "supply the title in its front matter (title_supplied = true marks it)")


def join_names(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

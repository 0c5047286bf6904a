"""Turn Markdown texts into sanitised XHTML fragments, with the note references linked.

Python-Markdown and the sanitiser give the same fragment for the same text (and, for a
piece's body, the same piece id and note numbers). So a process converts a text once (a
title appears in its piece, the contents and the imprint), and the fragments a build made
are kept in the user's cache folder for the next build: an editor who corrected one piece
has only that piece converted again, and a build whose texts are all known neither imports
Markdown nor the sanitiser. Kept fragments are found by their text, under a key of
everything that shapes them (anthology's own files and the versions of Python-Markdown and
nh3); a fragment the sanitiser changed is never kept, so every removal is still reported.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from functools import lru_cache
from typing import TYPE_CHECKING

from ..cache import keep, user_cache

if TYPE_CHECKING:
    from ..model import Piece

log = logging.getLogger(__name__)

# text, piece id (None: no note references), the piece's (note label, number) pairs
Key = tuple[str, "str | None", tuple[tuple[str, int], ...]]
# the fragment, and the reference ids each note label got in it
Fragment = tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]

KEPT_MAX = 20_000  # fragments in the cache file; beyond it, only the last build's are kept

_NOTEREF = r"(?<!\\)\[\^([^\]\s\\]+)\]"
# what Markdown lets a backslash escape; in a picture's title (its caption) Markdown keeps it
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!\"'<>|:])")


class _Store:
    """The fragments known to this process: read from the cache file at the first lookup,
    written back (whole, atomically) by :func:`save` when a build converted new ones."""

    def __init__(self) -> None:
        self.fragments: dict[Key, Fragment] = {}
        self.used: set[Key] = set()
        self.loaded = False
        self.changed = False
        self.lock = threading.Lock()

    def path(self):
        folder = user_cache("fragments")
        return folder / f"{_code_key()}.json" if folder is not None else None

    def load(self) -> None:
        self.loaded = True
        path = self.path()
        if path is None:
            return
        try:
            rows = json.loads(path.read_text("utf-8"))["fragments"]
            for text, piece_id, notes, html, refs in rows:
                key = (text, piece_id, tuple((label, number) for label, number in notes))
                self.fragments.setdefault(key, (html, tuple((label, tuple(ids))
                                                            for label, ids in refs)))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no file yet, or not one this code wrote: convert again

    def get(self, key: Key) -> Fragment | None:
        with self.lock:
            if not self.loaded:
                self.load()
            hit = self.fragments.get(key)
            if hit is not None:
                self.used.add(key)
            return hit

    def put(self, key: Key, fragment: Fragment) -> None:
        with self.lock:
            if len(self.fragments) >= 2 * KEPT_MAX:  # a long-lived process: forget the old
                self.fragments = {k: v for k, v in self.fragments.items() if k in self.used}
            self.fragments[key] = fragment
            self.used.add(key)
            self.changed = True

    def save(self) -> None:
        with self.lock:
            path = self.path() if self.changed else None
            self.changed = False
            if path is None:
                return
            keys = list(self.fragments) if len(self.fragments) <= KEPT_MAX else \
                [k for k in self.fragments if k in self.used]
            rows = [[k[0], k[1], [list(n) for n in k[2]], self.fragments[k][0],
                     [[label, list(ids)] for label, ids in self.fragments[k][1]]]
                    for k in keys]
            keep(path, json.dumps({"fragments": rows}, ensure_ascii=False).encode("utf-8"))


_store = _Store()


@lru_cache(maxsize=1)
def _code_key() -> str:
    """What shapes a fragment besides its text: anthology's files, Markdown and nh3."""
    from ..cache import library_versions, package_digest

    versions = sorted(library_versions(["markdown", "nh3"]).items())
    return hashlib.sha256(f"{package_digest()} {versions}".encode()).hexdigest()[:32]


def convert(text: str, piece: Piece | None = None,
            refs: dict[str, list[str]] | None = None) -> str:
    """Markdown to an XHTML-ready fragment, cleaned by the sanitiser; removals are logged.

    With ``piece``, ``[^label]`` becomes a link to the piece's note, recorded in ``refs``.
    """
    if refs is None:
        refs = {}
    key: Key | None = None
    if not refs:  # reference ids count the references already in refs
        key = (text, None, ()) if piece is None else \
            (text, piece.id, tuple((n.label, n.number) for n in piece.notes))
        hit = _store.get(key)
        if hit is not None:
            html, seen = hit
            for label, ids in seen:
                refs[label] = list(ids)
            return html
    from .sanitize import display, log as sanitize_log, sanitize

    html = _converters().convert(text, piece, refs)
    cleaned = sanitize(html)
    if cleaned.removed:
        where = display(piece.path) if piece is not None else "manuscript"
        for removal in cleaned.removed:
            sanitize_log.warning("%s", removal.diagnostic(where))
    elif key is not None:
        _store.put(key, (cleaned.html, tuple((label, tuple(ids)) for label, ids in refs.items())))
    return cleaned.html


def save() -> None:
    """Keep the fragments of this build for the next (when it converted new ones)."""
    _store.save()


_local = threading.local()


def _converters():
    """This thread's Markdown converters, made once (making one costs more than most texts)."""
    converters = getattr(_local, "converters", None)
    if converters is None:
        converters = _local.converters = _make_converters()
    return converters


def _make_converters():
    """Python-Markdown, imported only when a text has to be converted: ``plain`` for notes,
    titles and the apparatus, ``body`` with the note references.

    Extensions are given as objects, not by name: a name sends Markdown through the installed
    packages' entry points, which costs more than the whole book's Markdown."""
    import xml.etree.ElementTree as ET

    import markdown
    from markdown.blockprocessors import BlockProcessor
    from markdown.extensions import Extension
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.inlinepatterns import InlineProcessor
    from markdown.treeprocessors import Treeprocessor

    class LineBlock(BlockProcessor):
        """pandoc's line blocks: a paragraph whose every line begins with ``|`` keeps its
        lines (verse, an address), each line's leading spaces kept as no-break spaces."""

        def test(self, parent, block):  # noqa: D102 (Markdown's API)
            return all(line == "|" or line.startswith("| ") for line in block.split("\n"))

        def run(self, parent, blocks):  # noqa: D102
            lines = [line[2:] for line in blocks.pop(0).split("\n")]
            p = ET.SubElement(parent, "p")
            p.set("class", "verse")
            p.text = "  \n".join("\u00a0" * (len(t) - len(t.lstrip(" "))) + t.lstrip(" ")
                                 for t in lines)

    class LineBlocks(Extension):
        def extendMarkdown(self, md):  # noqa: N802 (Markdown's API)
            # before paragraphs (10) and block quotations (20): "> | …" is verse in a quotation
            md.parser.blockprocessors.register(LineBlock(md.parser), "anthology-lineblock", 25)

    class Figure(Treeprocessor):
        """A paragraph that is one picture alone becomes a figure, the picture's title its
        caption: ``![alt](images/NAME "caption")`` on its own. A picture among words stays
        in the line, its title a title."""

        def run(self, root):  # noqa: D102 (Markdown's API)
            for p in root.iter("p"):
                if (len(p) == 1 and p[0].tag == "img" and not (p.text or "").strip()
                        and not (p[0].tail or "").strip()):
                    img = p[0]
                    p.tag, p.text, img.tail = "figure", None, None
                    caption = " ".join(_ESCAPED.sub(r"\1", img.attrib.pop("title", "")).split())
                    if caption:
                        ET.SubElement(p, "figcaption").text = caption

    class Figures(Extension):
        def extendMarkdown(self, md):  # noqa: N802 (Markdown's API)
            # after the inline patterns (20) have made the <img>
            md.treeprocessors.register(Figure(md), "anthology-figure", 15)

    class NoteRefPattern(InlineProcessor):
        """``[^label]`` as a link to the note, for the piece set with :meth:`use`."""

        def __init__(self) -> None:
            super().__init__(_NOTEREF)
            self.use(None, {})

        def use(self, piece, refs: dict[str, list[str]]) -> None:
            self.piece = piece
            self.numbers = {n.label: n.number for n in piece.notes} if piece is not None else {}
            self.refs = refs

        def handleMatch(self, m, data):  # type: ignore[override]
            label = m.group(1)
            number = self.numbers.get(label)
            if self.piece is None or number is None:  # the reader refused such a manuscript
                return None, None, None
            seen = self.refs.setdefault(label, [])
            ref_id = f"{self.piece.id}-noteref-{number}" + (f"-{len(seen) + 1}" if seen else "")
            seen.append(ref_id)
            a = ET.Element("a")
            a.set("href", f"#{self.piece.id}-note-{number}")
            a.set("id", ref_id)
            a.set("class", "noteref")
            a.set("epub:type", "noteref")
            a.set("role", "doc-noteref")
            a.text = label
            return a, m.start(0), m.end(0)

    class NoteRefs(Extension):
        def __init__(self) -> None:
            super().__init__()
            self.pattern = NoteRefPattern()

        def extendMarkdown(self, md):  # noqa: N802 (Markdown's API)
            # above links (160) so "[^1]" is never read as a link, above emphasis so "[^*]"
            # is safe
            md.inlinePatterns.register(self.pattern, "anthology-noteref", 175)

    class Converters:
        def __init__(self) -> None:
            self.plain = markdown.Markdown(
                extensions=[SaneListExtension(), LineBlocks(), Figures()], output_format="xhtml")
            self.noterefs = NoteRefs()
            self.body = markdown.Markdown(
                extensions=[SaneListExtension(), LineBlocks(), Figures(), self.noterefs],
                output_format="xhtml")

        def convert(self, text: str, piece, refs: dict[str, list[str]]) -> str:
            if piece is None:
                return self.plain.reset().convert(text)
            self.noterefs.pattern.use(piece, refs)
            try:
                return self.body.reset().convert(text)
            finally:
                self.noterefs.pattern.use(None, {})

    return Converters()

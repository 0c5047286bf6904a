"""Turn a Volume into a Book: one shared HTML, cut into documents, for every writer.

The EPUB and the PDF are both made from what this stage returns: the same XHTML for every
piece, with endnotes linked both ways and the typography pass applied to the text. Internal
links are written ``#anchor`` (the shared HTML is one page); the EPUB writer only splits and
re-points them.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone

import jinja2
import lxml.html
import markdown
from lxml import etree
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from .model import Book, Creator, Document, Piece, Stylesheet, TocEntry, Volume
from .resources import fonts_dir, styles_dir, templates_dir
from .typography import smarten

_NUMBER_WORDS = ["One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
                 "Eleven", "Twelve"]
_SKIP_TYPOGRAPHY = {"code", "pre", "kbd", "samp", "script", "style"}
_BLOCKS = {"p", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "td", "th",
           "div", "section", "header", "figcaption", "ol", "ul"}
_NOTEREF = r"(?<!\\)\[\^([^\]\s\\]+)\]"


# ---- Markdown with linked note references -------------------------------------------------


class _NoteRefPattern(InlineProcessor):
    def __init__(self, piece: Piece, refs: dict[str, list[str]]):
        super().__init__(_NOTEREF)
        self.piece = piece
        self.numbers = {n.label: n.number for n in piece.notes}
        self.refs = refs

    def handleMatch(self, m, data):  # type: ignore[override]
        label = m.group(1)
        number = self.numbers.get(label)
        if number is None:  # the reader already refused such a manuscript
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


class _NoteRefs(Extension):
    def __init__(self, piece: Piece, refs: dict[str, list[str]]):
        super().__init__()
        self.piece, self.refs = piece, refs

    def extendMarkdown(self, md):  # noqa: N802 (Markdown's API)
        # above links (160) so "[^1]" is never read as a link, above emphasis so "[^*]" is safe
        md.inlinePatterns.register(_NoteRefPattern(self.piece, self.refs), "anthology-noteref", 175)


def _markdown(text: str, extensions: list | None = None) -> str:
    return markdown.markdown(text, extensions=["sane_lists", *(extensions or [])],
                             output_format="xhtml")


# ---- the typography pass and heading levels, on the parsed fragment --------------------------


def _smarten_tree(el: etree._Element, prev: str = "") -> str:
    """Typeset every text node under ``el``; return the last character written."""
    if el.tag in _SKIP_TYPOGRAPHY:
        return prev
    if el.tag in _BLOCKS:
        prev = ""
    if el.text:
        el.text = smarten(el.text, prev)
        prev = el.text[-1]
    for child in el:
        prev = _smarten_tree(child, prev)
        if child.tail:
            if child.tag in _BLOCKS:
                prev = ""
            child.tail = smarten(child.tail, prev)
            prev = child.tail[-1]
    return prev


def finish_html(html: str, *, shift: int = 0, heading_prefix: str = "") -> str:
    """Parse a fragment, apply typography, shift heading levels, give headings ids."""
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    _smarten_tree(root)
    count = 0
    for h in root.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        level = min(6, int(h.tag[1]) + shift)
        h.tag = f"h{level}"
        if heading_prefix and not h.get("id"):
            count += 1
            h.set("id", f"{heading_prefix}-s{count}")
    parts = [etree.tostring(c, encoding="unicode", method="xml") for c in root]
    text = (root.text or "").strip()
    return (f"<p>{text}</p>" if text else "") + "".join(parts)


def _inline(text: str) -> str:
    """Markdown for a one-line field (a title, a source line), typeset, without the <p>."""
    html = finish_html(_markdown(text))
    return re.sub(r"^<p>(.*)</p>$", r"\1", html, flags=re.S)


# ---- documents ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    kind: str
    title: str
    href: str
    byline: str = ""
    children: tuple["_Entry", ...] = ()


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir())),
                              autoescape=True, keep_trailing_newline=False,
                              undefined=jinja2.StrictUndefined)


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def _reviewed_lines(piece: Piece) -> list[str]:
    r = piece.reviewed
    if r is None:
        return []
    lines = [r.title]
    if r.authors:
        lines.append("By " + " and ".join(r.authors))
    if r.details:
        lines.append(r.details)
    lines.append(", ".join(x for x in (r.publisher, r.year) if x))
    lines.append(", ".join(x for x in (r.pages, r.price) if x))
    return [smarten(line) for line in lines if line]


def _notes_html(piece: Piece, refs: dict[str, list[str]]) -> list[dict[str, str]]:
    out = []
    for note in piece.notes:
        note_id = f"{piece.id}-note-{note.number}"
        html = finish_html(_markdown(note.markdown))
        targets = refs.get(note.label, [])
        if targets:
            number = (f'<a class="note-number" href="#{targets[0]}" epub:type="backlink" '
                      f'role="doc-backlink" aria-label="Note {note.label}, back to the text">'
                      f"{_marker(note.label)}</a> ")
        else:
            number = f'<span class="note-number">{_marker(note.label)}</span> '
        extra = "".join(
            f' <a class="backlink" href="#{t}" epub:type="backlink" role="doc-backlink" '
            f'aria-label="Back to reference {i} of note {note.label}">↩︎{i}</a>'
            for i, t in enumerate(targets[1:], 2))
        if html.startswith("<p>"):
            html = "<p>" + number + html[3:]
        else:
            html = f"<p>{number}</p>" + html
        if extra:
            html = re.sub(r"</p>(?!.*</p>)", extra + "</p>", html, flags=re.S)
        out.append({"id": note_id, "html": html})
    return out


def _marker(label: str) -> str:
    """How a note's label stands before its text: "12." for numbers, "*" as printed."""
    return f"{label}." if label.isdigit() else label


def _source_lines(piece: Piece) -> list[str]:
    """What the piece's header says of where it appeared: its dateline, then its source line.

    The dateline (publication, issue, date from the header block) is left out when the
    source line already gives that date, so an ordinary piece shows its source line once.
    """
    dateline = ", ".join(x for x in (piece.publication, piece.issue, piece.date) if x)
    if piece.source and (not piece.date or piece.date in piece.source):
        dateline = ""
    return [line for line in (dateline, piece.source) if line]


def _piece_document(env: jinja2.Environment, piece: Piece, level: int) -> Document:
    refs: dict[str, list[str]] = {}
    body = finish_html(_markdown(piece.body, [_NoteRefs(piece, refs)]),
                       shift=level - 1, heading_prefix=piece.id)
    notes = _notes_html(piece, refs)
    doc_id = f"piece-{piece.id}"
    html = env.get_template("piece.html").render(
        doc_id=doc_id, piece=piece, level=level, title_html=_inline(piece.title),
        byline=smarten(piece.byline or ("By " + " and ".join(piece.authors) if piece.authors else "")),
        source_lines=[_inline(line) for line in _source_lines(piece)],
        reviewed_lines=_reviewed_lines(piece), body_html=body, notes=notes)
    return Document(id=doc_id, title=_plain(_inline(piece.title)), body=html)


def _modified(volume: Volume) -> str:
    if volume.date:
        return f"{volume.date}T00:00:00Z"
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    stamp = int(epoch) if epoch.isdigit() else 315532800  # 1980-01-01, the zip epoch
    return datetime.fromtimestamp(stamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _byline(piece: Piece) -> str:
    return " and ".join(piece.authors)


def render(volume: Volume) -> Book:
    """Render every document of the volume once, in reading order."""
    env = _env()
    docs: list[Document] = []
    authors = volume.authors
    docs.append(Document(
        id="titlepage", title=volume.title, landmark="titlepage", landmark_title="Title page",
        body=env.get_template("titlepage.html").render(
            volume=_TypesetVolume(volume), authors=smarten(", ".join(authors)))))
    if volume.editorial_note.strip():
        docs.append(Document(
            id="editorial-note", title="Editorial note",
            body=env.get_template("editorial-note.html").render(
                note_html=finish_html(_markdown(volume.editorial_note)))))

    titled_parts = [p for p in volume.parts if p.title]
    level = 3 if titled_parts else 2
    entries: list[_Entry] = []
    toc: list[TocEntry] = []
    body_docs: list[Document] = []
    for n, part in enumerate(volume.parts, 1):
        children: list[_Entry] = []
        piece_docs = [_piece_document(env, piece, level) for piece in part.pieces]
        for piece, doc in zip(part.pieces, piece_docs):
            children.append(_Entry("piece", doc.title, f"#{doc.id}", smarten(_byline(piece))))
        if part.title:
            part_id = f"part-{n}"
            body_docs.append(Document(
                id=part_id, title=smarten(part.title),
                body=env.get_template("part.html").render(
                    part_id=part_id, part=_TypesetPart(part.title),
                    number_word=_NUMBER_WORDS[n - 1] if n <= len(_NUMBER_WORDS) else str(n))))
            entries.append(_Entry("part", smarten(part.title), f"#{part_id}", "", tuple(children)))
            toc.append(TocEntry(smarten(part.title), f"#{part_id}",
                                tuple(TocEntry(c.title, c.href) for c in children)))
        else:
            entries.extend(children)
            toc.extend(TocEntry(c.title, c.href) for c in children)
        body_docs.extend(piece_docs)

    if volume.contributors:
        body_docs.append(Document(
            id="contributors", title="Contributors", landmark="",
            body=env.get_template("contributors.html").render(contributors=[
                {"name": smarten(c.name), "bio_html": finish_html(_markdown(c.bio))}
                for c in volume.contributors])))
        toc.append(TocEntry("Contributors", "#contributors"))

    docs.append(Document(id="contents", title="Contents", landmark="toc",
                         landmark_title="Contents",
                         body=env.get_template("contents.html").render(entries=entries)))
    first = body_docs[0]
    body_docs[0] = Document(id=first.id, title=first.title, body=first.body,
                            landmark="bodymatter", landmark_title="Start of the text")
    docs.extend(body_docs)
    front_toc = [TocEntry(d.title, f"#{d.id}") for d in docs if d.id in ("editorial-note",)]

    creators = [Creator(a, "aut", _file_as(a)) for a in authors]
    creators += [Creator(e, "edt", _file_as(e)) for e in volume.editors]
    sources = tuple(smarten(p.source) for p in volume.pieces if p.source)
    styles = styles_dir()
    return Book(
        title=smarten(volume.title), subtitle=smarten(volume.subtitle), language=volume.language,
        identifier=volume.identifier, modified=_modified(volume), documents=tuple(docs),
        toc=tuple(front_toc + toc),
        stylesheets=(Stylesheet("base.css", (styles / "base.css").read_text("utf-8")),
                     Stylesheet("epub.css", (styles / "epub.css").read_text("utf-8"))),
        fonts=tuple(sorted(fonts_dir().glob("*.ttf"))),
        creators=tuple(creators), sources=sources,
        description=_plain(_inline(volume.subtitle)) if volume.subtitle else "",
        publisher=volume.publisher, rights=volume.rights, date=_modified(volume)[:10])


def _file_as(name: str) -> str:
    parts = name.split()
    return f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 else name


class _TypesetVolume:
    """The volume's display fields, typeset, for the title page template."""

    def __init__(self, volume: Volume):
        self.title = smarten(volume.title)
        self.subtitle = smarten(volume.subtitle)
        self.editors = [smarten(e) for e in volume.editors]
        self.publisher = smarten(volume.publisher)


class _TypesetPart:
    def __init__(self, title: str):
        self.title = smarten(title)


def shared_html(book: Book, layers: tuple[str, ...] = ("base.css",)) -> str:
    """The whole book as one HTML page (the ``--html`` output and the PDF's input)."""
    env = _env()
    sheets = [s for s in book.stylesheets if s.name in layers]
    metas = [("author", ", ".join(c.name for c in book.creators if c.role == "aut")),
             ("dcterms.modified", book.modified)]
    return env.get_template("shared.html").render(book=book, stylesheets=sheets, metas=metas)

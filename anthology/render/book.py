"""Turn a Volume into a Book: one shared HTML, cut into documents, for every writer.

The EPUB and the PDF are both made from what this stage returns: the same XHTML for every
piece, with endnotes linked both ways and the typography pass applied to the text. Internal
links are written ``#anchor`` (the shared HTML is one page); the EPUB writer only splits and
re-points them.
"""

from __future__ import annotations

import re
from html import escape
from dataclasses import dataclass, replace
from functools import lru_cache

import jinja2
import lxml.html
from lxml import etree

from collections import Counter

from .. import __version__, dates
from . import fragments
from .apparatus import glossary, note_on_text
from ..errors import Diagnostic, InputError
from ..model import (Book, Creator, Document, Image, IndexEntry, IndexTerm, Piece, Stylesheet,
                    TocEntry, Volume)
from ..cache import user_cache
from ..names import roman_value, slug
from ..resources import fonts_dir, styles_dir, templates_dir
from .typography import NBSP, smarten

_NUMBER_WORDS = ["One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
                 "Eleven", "Twelve"]
_SKIP_TYPOGRAPHY = {"code", "pre", "kbd", "samp", "script", "style"}
_BLOCKS = {"p", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "td", "th",
           "div", "section", "header", "figcaption", "ol", "ul"}


# ---- Markdown ---------------------------------------------------------------------------


def _markdown(text: str, piece: Piece | None = None,
              refs: dict[str, list[str]] | None = None) -> str:
    """Markdown to an XHTML-ready fragment (see fragments.py)."""
    return fragments.convert(text, piece, refs)


# ---- the typography pass and heading levels, on the parsed fragment --------------------------


def _tally(stats: Counter[str] | None, before: str, after: str) -> None:
    """Count what the typography pass changed, for the note on the text."""
    if stats is None or before == after:
        return
    stats["quotes"] += sum(before.count(c) for c in "'\"`")
    stats["dashes"] += after.count("\u2014") + after.count("\u2013") - \
        before.count("\u2014") - before.count("\u2013")
    stats["ellipses"] += after.count("\u2026") - before.count("\u2026")
    stats["spaces"] += after.count(NBSP) - before.count(NBSP)


def _smarten_tree(el: etree._Element, prev: str = "", stats: Counter[str] | None = None) -> str:
    """Typeset every text node under ``el``; return the last character written."""
    if el.tag in _SKIP_TYPOGRAPHY:
        return prev
    if el.tag in _BLOCKS:
        prev = ""
    if el.text:
        text = smarten(el.text, prev)
        _tally(stats, el.text, text)
        el.text = text
        prev = text[-1]
    for child in el:
        prev = _smarten_tree(child, prev, stats)
        if child.tail:
            if child.tag in _BLOCKS:
                prev = ""
            text = smarten(child.tail, prev)
            _tally(stats, child.tail, text)
            child.tail = text
            prev = text[-1]
    return prev


class Indexer:
    """Anchors every occurrence of the volume's index terms, and remembers where they are."""

    def __init__(self, terms: tuple[IndexTerm, ...]):
        self.terms = terms
        spellings = sorted({m for t in terms for m in t.matches}, key=lambda m: (-len(m), m))
        self.term_of = {m: t for t in terms for m in t.matches}
        self.pattern = (re.compile(r"(?<![\w’'])(" + "|".join(map(re.escape, spellings)) +
                                   r")(?![\w])") if spellings else None)
        self.occurrences: dict[str, list[tuple[str, str]]] = {t.heading: [] for t in terms}
        self.counts: Counter[str] = Counter()

    def _span(self, match: str, piece_id: str) -> etree._Element:
        term = self.term_of[match]
        key = slug(term.heading, "term")
        self.counts[key] += 1
        anchor = f"ix-{key}-{self.counts[key]}"
        self.occurrences[term.heading].append((anchor, piece_id))
        span = etree.Element("span")
        span.set("id", anchor)
        span.set("class", "ix")
        span.text = match
        return span

    def _split(self, text: str, piece_id: str) -> tuple[str, list[etree._Element]]:
        assert self.pattern is not None
        spans: list[etree._Element] = []
        pieces = self.pattern.split(text)
        head = pieces[0]
        for i in range(1, len(pieces), 2):
            span = self._span(pieces[i], piece_id)
            span.tail = pieces[i + 1]
            spans.append(span)
        return head, spans

    def anchor(self, el: etree._Element, piece_id: str) -> None:
        if self.pattern is None or el.tag in _NO_INDEX:
            return
        if el.text:
            el.text, spans = self._split(el.text, piece_id)
            for i, span in enumerate(spans):
                el.insert(i, span)
        for child in list(el):
            if child.get("class") == "ix":
                continue
            self.anchor(child, piece_id)
            if child.tail:
                child.tail, spans = self._split(child.tail, piece_id)
                for i, span in enumerate(spans, el.index(child) + 1):
                    el.insert(i, span)


_NO_INDEX = {"a", "h1", "h2", "h3", "h4", "h5", "h6", "code", "pre", "cite"}


def finish_html(html: str, *, shift: int = 0, heading_prefix: str = "",
                stats: Counter[str] | None = None, indexer: Indexer | None = None,
                paragraph_prefix: str = "", number_paragraphs: bool = False) -> str:
    """Parse a fragment, typeset it, shift headings, give headings and paragraphs ids."""
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    _smarten_tree(root, stats=stats)
    count = 0
    # the levels a text uses, made consecutive from ## down (a piece whose first heading is
    # ### would skip a level under its title: screen readers and Ace count that an error)
    used = sorted({int(h.tag[1]) for h in root.iter("h1", "h2", "h3", "h4", "h5", "h6")})
    rank = {n: 2 + k for k, n in enumerate(used)}
    for h in root.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        level = min(6, rank[int(h.tag[1])] + shift)
        h.tag = f"h{level}"
        if heading_prefix and not h.get("id"):
            count += 1
            h.set("id", f"{heading_prefix}-s{count}")
    if paragraph_prefix:
        for n, para in enumerate(root.iter("p"), 1):
            para.set("id", f"{paragraph_prefix}-para-{n}")
            if number_paragraphs:
                mark = etree.Element("span")
                mark.set("class", "para-number")
                mark.text = str(n)
                mark.tail = (para.text or "")
                para.text = None
                para.insert(0, mark)
    if indexer is not None:
        indexer.anchor(root, heading_prefix or paragraph_prefix)
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


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    """The one template environment of the process: each template is compiled once, when first
    used (the loader still notices a template file that changed)."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir())),
                              autoescape=True, keep_trailing_newline=False,
                              undefined=jinja2.StrictUndefined, bytecode_cache=_bytecode_cache())


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs, as Python keeps .pyc files: compiling the
    templates costs a build a tenth of a second. Jinja keys each entry by the template's
    name and a checksum of its source, so a changed template is compiled again; the
    output does not depend on the cache. No cache where no cache folder can be made."""
    folder = user_cache(f"templates-{jinja2.__version__}")
    return jinja2.FileSystemBytecodeCache(str(folder)) if folder is not None else None


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


@dataclass
class _Context:
    """What one render pass shares: templates, typography counts, index anchors, options."""

    env: jinja2.Environment
    stats: Counter[str]
    indexer: Indexer
    number_paragraphs: bool


def _notes_html(ctx: _Context, piece: Piece, refs: dict[str, list[str]]) -> list[dict[str, str]]:
    # every note first (a note may refer to another, before or after it), then the backlinks
    converted = [_markdown(note.markdown, piece, refs) if "[^" in note.markdown
                 else _markdown(note.markdown) for note in piece.notes]
    out = []
    for note, fragment in zip(piece.notes, converted):
        note_id = f"{piece.id}-note-{note.number}"
        html = finish_html(fragment, stats=ctx.stats, indexer=ctx.indexer,
                           paragraph_prefix=note_id)
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
        html = re.sub(r"^<p( [^>]*)?>", lambda m: m.group(0) + number, html, count=1) \
            if html.startswith("<p") else f"<p>{number}</p>" + html
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


def _piece_document(ctx: _Context, piece: Piece, level: int) -> Document:
    refs: dict[str, list[str]] = {}
    body = finish_html(_markdown(piece.body, piece, refs),
                       shift=level - 1, heading_prefix=piece.id, stats=ctx.stats,
                       indexer=ctx.indexer, paragraph_prefix=piece.id,
                       number_paragraphs=ctx.number_paragraphs)
    title_html = _inline(piece.title)
    numbers = {n.label: n.number for n in piece.notes}
    for label in piece.title_notes:
        # a marker the source prints on the title: the note's first reference
        number = numbers[label]
        ref_id = f"{piece.id}-noteref-{number}-title"
        refs.setdefault(label, []).insert(0, ref_id)
        title_html += (f'<a href="#{piece.id}-note-{number}" id="{ref_id}" class="noteref" '
                       f'epub:type="noteref" role="doc-noteref">{escape(label)}</a>')
    notes = _notes_html(ctx, piece, refs)
    doc_id = f"piece-{piece.id}"
    html = ctx.env.get_template("piece.html").render(
        doc_id=doc_id, piece=piece, level=level, title_html=title_html,
        byline=smarten(piece.byline or ("By " + " and ".join(piece.authors) if piece.authors else "")),
        source_lines=[_inline(line) for line in _source_lines(piece)],
        reviewed_lines=_reviewed_lines(piece), body_html=body, notes=notes)
    return Document(id=doc_id, title=_plain(_inline(piece.title)), body=html)


def _byline(piece: Piece) -> str:
    return " and ".join(piece.authors)


def _front_matter(ctx: _Context, volume: Volume) -> list[Document]:
    env = ctx.env
    docs = [
        Document(id="halftitle", title=smarten(volume.title),
                 body=env.get_template("halftitle.html").render(title=smarten(volume.title))),
        Document(id="titlepage", title=smarten(volume.title), landmark="titlepage",
                 landmark_title="Title page",
                 body=env.get_template("titlepage.html").render(
                     volume=_TypesetVolume(volume), authors=smarten(", ".join(volume.authors)))),
    ]
    sources = [{"title": _inline(p.title), "author": smarten(_byline(p)),
                "line": _inline(" ".join(_source_lines(p)))}
               for p in volume.pieces if _source_lines(p)]
    for s in sources:
        s["title"] = _plain(s["title"])
    docs.append(Document(id="imprint", title="Imprint", body=env.get_template("imprint.html").render(
        title=smarten(volume.title), subtitle=smarten(volume.subtitle),
        editors=smarten(" and ".join(volume.editors)), edition=smarten(volume.edition),
        date=volume.date, identifier=volume.identifier, sources=sources,
        rights=_inline(volume.rights) if volume.rights else "", version=__version__)))
    return docs


def _editorial_documents(ctx: _Context, volume: Volume) -> list[Document]:
    """The source's editorial note, then the note on the text (written after the body)."""
    docs = []
    if volume.editorial_note.strip():
        docs.append(Document(
            id="editorial-note", title="Editorial note",
            body=ctx.env.get_template("editorial-note.html").render(
                note_html=finish_html(_markdown(volume.editorial_note), stats=ctx.stats,
                                      paragraph_prefix="editorial-note"))))
    note = note_on_text(volume, ctx.stats)
    docs.append(Document(id="note-on-the-text", title="A note on the text",
                         body=ctx.env.get_template("section.html").render(
                             id="note-on-the-text", classes="frontmatter note-on-the-text",
                             epub_type="preface", role="doc-preface", title="A note on the text",
                             html=finish_html(_markdown(note), paragraph_prefix="note-on-the-text"))))
    return docs


def _back_matter(ctx: _Context, volume: Volume, piece_docs: dict[str, Document]) -> list[Document]:
    env = ctx.env
    docs: list[Document] = []
    if volume.contributors:
        contributors = []
        for c in volume.contributors:
            mine = [p for p in volume.pieces if c.name in p.authors]
            contributors.append({
                "name": smarten(c.name),
                "bio_html": finish_html(_markdown(c.bio), paragraph_prefix=f"contrib-{slug(c.name, 'x')}"),
                "pieces": [{"href": f"#piece-{p.id}", "title": piece_docs[p.id].title} for p in mine]})
        docs.append(Document(id="contributors", title="Contributors",
                             body=env.get_template("contributors.html").render(
                                 contributors=contributors)))
    entries = glossary(volume)
    if entries:
        docs.append(Document(id="glossary", title="Glossary", landmark="glossary",
                             landmark_title="Glossary",
                             body=env.get_template("glossary.html").render(entries=[
                                 {"id": slug(e.term, "x"), "term": e.term, "expansion": smarten(e.expansion)}
                                 for e in entries])))
    titles = {p.id: piece_docs[p.id].title for p in volume.pieces}
    groups = []
    for author in {t.author for t in volume.index if t.kind == "work" and t.author}:
        works = []
        for t in sorted((t for t in volume.index if t.kind == "work" and t.author == author),
                        key=lambda t: _sort_key(t.heading)):
            where = list(dict.fromkeys(titles[pid] for _, pid in ctx.indexer.occurrences[t.heading]
                                       if pid in titles))
            if where:
                works.append({"title": smarten(t.heading), "where": "; ".join(where)})
        if works:
            groups.append({"author": smarten(author), "slug": slug(author, "x"), "works": works})
    if groups:
        # the author with the most works mentioned first: in a volume about a writer, theirs
        groups.sort(key=lambda g: (-len(g["works"]), _sort_key(g["author"])))
        docs.append(Document(id="works", title="Works mentioned",
                             body=env.get_template("works.html").render(groups=groups)))
    if volume.index:
        docs.append(_index_document(env, _index_terms(ctx, volume), {}))  # see with_index_pages
    return docs


def _sort_key(heading: str) -> str:
    return re.sub(r"^(the\s+|an?\s+|le\s+|la\s+|les\s+|l’|l')", "", heading.lower())


def _index_terms(ctx: _Context, volume: Volume) -> tuple[IndexEntry, ...]:
    """Each indexed term that occurs, with the anchors of its occurrences in reading order."""
    terms = []
    for term in sorted(volume.index, key=lambda t: _sort_key(t.heading)):
        anchors = tuple(anchor for anchor, _ in ctx.indexer.occurrences[term.heading])
        if anchors:
            terms.append(IndexEntry(smarten(term.heading), term.kind, anchors))
    return tuple(terms)


def _index_document(env: jinja2.Environment, terms: tuple[IndexEntry, ...],
                    page_of: dict[str, str]) -> Document:
    """Each term with a link to every occurrence: print page numbers where a layout is known."""
    entries = []
    for term in terms:
        refs, seen = [], set()
        for n, anchor in enumerate(term.anchors, 1):
            label = page_of.get(anchor, "")
            if label and label in seen:
                continue  # one link a page: the first occurrence on it
            seen.add(label)
            refs.append({"anchor": anchor, "label": label or str(n)})
        if page_of:  # pages in the order they come (a footnote's page may come first)
            refs.sort(key=lambda ref: _page_order(ref["label"]))
        entries.append({"heading": term.heading, "kind": term.kind, "refs": refs})
    how = ("Numbers are the pages of the print edition; each links to the place."
           if page_of else "Numbers count the occurrences of each term; each links to the place.")
    return Document(id="index", title="Index", landmark="index", landmark_title="Index",
                    body=env.get_template("index.html").render(entries=entries, how=how))


def _page_order(label: str) -> tuple[int, int]:
    """Roman folios (the front matter) before arabic ones, each in numeric order."""
    if label.isdigit():
        return 1, int(label)
    return 0, roman_value(label)


def with_index_pages(book: Book, page_of: dict[str, str]) -> Book:
    """The book with its index giving print page numbers (``page_of``: anchor → page label)
    instead of occurrence counts; only the index document is made again."""
    if not book.index_terms:
        return book
    index = _index_document(_env(), book.index_terms, page_of)
    return replace(book, documents=tuple(index if d.id == "index" else d for d in book.documents))


def render(volume: Volume, *, number_paragraphs: bool = False) -> Book:
    """Render every document of the volume once, in reading order. The index counts each
    term's occurrences; :func:`with_index_pages` gives it print page numbers."""
    ctx = _Context(env=_env(), stats=Counter(), indexer=Indexer(volume.index),
                   number_paragraphs=number_paragraphs)
    env = ctx.env
    front = _front_matter(ctx, volume)

    titled_parts = [p for p in volume.parts if p.title]
    level = 3 if titled_parts else 2
    entries: list[_Entry] = []
    toc: list[TocEntry] = []
    body_docs: list[Document] = []
    piece_docs: dict[str, Document] = {}
    for n, part in enumerate(volume.parts, 1):
        children: list[_Entry] = []
        docs = [_piece_document(ctx, piece, level) for piece in part.pieces]
        for piece, doc in zip(part.pieces, docs):
            piece_docs[piece.id] = doc
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
        body_docs.extend(docs)

    editorial = _editorial_documents(ctx, volume)  # after the body: it reports the counts
    back = _back_matter(ctx, volume, piece_docs)
    first = body_docs[0]
    body_docs[0] = Document(id=first.id, title=first.title, body=first.body,
                            landmark="bodymatter", landmark_title="Start of the text")
    front_entries = [_Entry("front", d.title, f"#{d.id}") for d in editorial]
    back_entries = [_Entry("back", d.title, f"#{d.id}") for d in back]
    contents = Document(id="contents", title="Contents", landmark="toc", landmark_title="Contents",
                        body=env.get_template("contents.html").render(
                            entries=front_entries + entries + back_entries))
    docs = front + [contents] + editorial + body_docs + back
    toc_all = ([TocEntry(d.title, f"#{d.id}") for d in editorial] + toc +
               [TocEntry(d.title, f"#{d.id}") for d in back])

    creators = [Creator(a, "aut", _file_as(a)) for a in volume.authors]
    creators += [Creator(e, "edt", _file_as(e)) for e in volume.editors]
    sources = tuple(smarten(p.source) for p in volume.pieces if p.source)
    styles = styles_dir()
    subjects = tuple(dict.fromkeys(t.heading for t in volume.index if t.kind == "name"))[:5]
    book = Book(
        title=smarten(volume.title), subtitle=smarten(volume.subtitle), language=volume.language,
        identifier=volume.identifier, modified=dates.modified(volume.date), documents=tuple(docs),
        toc=tuple(toc_all),
        stylesheets=(Stylesheet("base.css", (styles / "base.css").read_text("utf-8")),
                     Stylesheet("epub.css", (styles / "epub.css").read_text("utf-8"))),
        fonts=tuple(sorted(fonts_dir().glob("*.ttf"))),
        creators=tuple(creators), sources=sources,
        description=_plain(_inline(volume.subtitle)) if volume.subtitle else "",
        publisher=volume.publisher, rights=_plain(_inline(volume.rights)) if volume.rights else "",
        date=dates.modified(volume.date)[:10], subjects=subjects,
        index_terms=_index_terms(ctx, volume) if volume.index else (),
        images=_shown_images(volume, docs))
    fragments.save()  # for the next build
    return book


_IMG_SRC = re.compile(r'<img\b[^>]*?\bsrc="images/([^"]+)"')


def _shown_images(volume: Volume, docs: list[Document]) -> tuple[Image, ...]:
    """The volume's pictures that the documents show, as the reader read and checked them.

    The reader finds every picture a text shows (manuscript/images.py); a picture in some
    other place Markdown reads (a title, a source line) it has not checked, and the build
    stops there rather than show a file nobody looked at."""
    known = {image.name: image for image in volume.images}
    shown: dict[str, str] = {}  # name → the id of the first document showing it
    for doc in docs:
        for name in _IMG_SRC.findall(doc.body):
            shown.setdefault(name, doc.id)
    unknown = [name for name in shown if name not in known]
    if unknown:
        from .sanitize import display

        paths = {f"piece-{p.id}": p.path for p in volume.pieces}
        raise InputError([Diagnostic(
            display(paths.get(shown[name], volume.path / "volume.toml")), 0, "image-unchecked",
            f"the image 'images/{name}' is shown where the manuscript's pictures are not read",
            "show pictures in the text of a piece, its notes, the editorial note or a "
            "contributor's bio") for name in unknown])
    return tuple(image for image in volume.images if image.name in shown)


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
    # a layer the book does not carry (the HTML output's html.css) is read from styles/
    known = {s.name: s for s in book.stylesheets}
    sheets = [known[name] if name in known else
              Stylesheet(name, (styles_dir() / name).read_text("utf-8")) for name in layers]
    metas = [("author", ", ".join(c.name for c in book.creators if c.role == "aut")),
             ("dcterms.modified", book.modified)]
    return env.get_template("shared.html").render(book=book, stylesheets=sheets, metas=metas)

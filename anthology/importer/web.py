"""Turn a saved web page into a piece: the article without the site's furniture, its notes
linked, its pictures copied from the page's own folder.

A page is read with lxml's HTML parser (no network, no external entities) and cut down in
this order, each removal counted in the report:

1. what can run or fetch goes: scripts, styles, frames, objects, forms, ``<svg>``,
   ``<noscript>``, ``<meta>``, ``<base>``, ``<link>``;
2. the site's furniture goes: ``<nav>``, ``<aside>``, ``<header>``, ``<footer>``, dialogs,
   and any element whose class or id says it is a menu, a share row, a cookie notice, a
   sidebar, comments … (:data:`~.conventions.CHROME`), unless it holds half the page's text
   (then it is a wrapper, whatever its class says);
3. the article is the ``<article>``, ``[itemprop=articleBody]`` or ``<main>`` holding most
   of the text left, else the smallest element holding nearly all of it;
4. notes: a link to an element of the same page whose text is a note mark (``1``,
   ``[1]``, ``*``, ``a``), or that says it is a note reference (``role="doc-noteref"``,
   ``epub:type="noteref"``, a class naming a footnote), is a reference; the element it
   points to (its paragraph, list item or note box) is the note, taken out of the text with
   its back-links and its printed label; an emptied notes list and its "Notes" heading go;
5. pictures: a relative path inside the page's folder (``NAME_files/``) or a ``data:`` PNG,
   JPEG or GIF is copied; anything remote, ``file:``, SVG or outside the folder is dropped,
   never read or fetched.

What is left goes to pandoc as HTML and is walked like any other document.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

from ..errors import Diagnostic, InputError
from .conventions import (AFTER_NOTES_WORDS_MAX, BYLINE_NOT_NAMES, BYLINE_NOT_PARTS, BYLINE_PARTS,
                          CHROME, GUTENBERG_END, GUTENBERG_START, HEADER_FACT, IMAGE_BYTES_MAX,
                          NOTES_HEADING, SMALL_PRINT_END, SMALL_PRINT_START, SOURCE_CLASS,
                          SUBTITLE_CLASS, TEASERS_MIN, TEASER_WORDS_MAX, TEXT_PARAGRAPH_WORDS,
                          TEXT_WORDS_MIN, TITLE_SUFFIX, WEB_CRUFT, WEB_CRUFT_MAX)
from .document import keep_image, piece_from_ast, same_title
from .headers import byline_names, clean_title, is_name, norm, source_text
from .names import is_caps, name_case
from .pandoc import Markdown, read_ast
from .records import PieceText
from .report import Log

# what can run, fetch or ask: never part of a text
ACTIVE = ("script", "style", "noscript", "iframe", "frame", "frameset", "object", "embed",
          "applet", "form", "input", "button", "select", "textarea", "template", "svg", "math",
          "canvas", "video", "audio", "link", "meta", "base", "dialog", "portal")
# elements that hold nothing, whatever the parser made of them
VOID = ("embed", "input", "link", "meta", "base", "source", "param", "track", "wbr", "img",
        "br", "hr", "area", "col", "keygen")
# a page's furniture by its element
FURNITURE = ("nav", "aside", "header", "footer", "menu")
FURNITURE_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog",
                   "alertdialog", "menu", "menubar", "toolbar"}
# what a page lays its article out in: an old page's layout table, a <center>, a <font>
LAYOUT = {"main", "div", "table", "tbody", "thead", "tr", "td", "th", "center", "font", "form",
          "section", "article", "span"}
TEXT_BLOCKS = ("p", "li", "blockquote", "pre", "dd", "td", "h2", "h3", "h4", "h5", "h6")
BLOCKS = {"p", "li", "div", "aside", "section", "dd", "dt", "blockquote", "td", "footer",
          "article", "figure", "body"}
NOTE_MARK = re.compile(r"[\[(]?(?:\d{1,3}|[a-z]|[ivxlc]{1,6}|[*†‡§‖¶]{1,3})[\])]?\.?",
                       re.IGNORECASE)
NOTE_CLASS = re.compile(r"foot-?note|end-?note|noteref|fnanchor|fn-?ref|footnote-ref|"
                        r"\bfn\b|\breference\b|\bnote-?ref", re.IGNORECASE)
BACKLINK_CLASS = re.compile(r"back-?ref|back-?link|footnote-back|cite-backlink|return",
                            re.IGNORECASE)
BACKLINK_TEXT = re.compile(r"\s*(?:↩\ufe0e?\ufe0f?|⤴|↑|\^|back|return|top)\s*", re.IGNORECASE)
# short chrome lines by what they say: "9 min read", "Posted on 4 March 2019", "Advertisement"
CHROME_TEXT = [re.compile(p, re.IGNORECASE) for p in (
    r"\d{1,3}\s*min(?:ute)?s?\s+read", r"(?:posted|published|updated)\s+(?:on|in|by)\b.{0,80}",
    r"(?:filed|posted)\s+under\b.{0,120}", r"tag(?:ged|s)\s*(?:with|:).{0,120}",
    r"advertisement", r"related\s+(?:articles|posts|stories|reading)\W*",
    r"(?:enjoyed|liked) this.{0,60}", r"share\s+(?:this|it)\b.{0,60}",
    r"\d+(?:[.,]\d)?\s*[KkM]",  # a count of claps, likes or views: "1.2K"
)]
NOTE_PREFIX = "anthology-note-"
# a printed edition's page number kept in a page ("[Pg 12]", EPUB page breaks)
PAGE_NUMBER = re.compile(r"\bpage-?num(?:ber)?s?\b|\bpageno\b|\bpagebreak\b|doc-pagebreak",
                         re.IGNORECASE)


def web_piece(path: Path, data: bytes, log: Log) -> PieceText:
    """A saved page's article as a piece (InputError if the page holds no article text)."""
    return page_piece(path, parse_page(data, str(path)), log, _folder_pictures(path))


def page_piece(path: Path, root, log: Log, picture, authors_default: tuple[str, ...] = ()
               ) -> PieceText:
    """A parsed page's article as a piece. ``picture(src)`` gives a picture's bytes, or None
    with the reason it is not read (an e-book's chapter reads them from its archive, a saved
    page from its folder)."""
    import lxml.html

    title, authors, where, sites = _metadata(root)
    _strip_active(root, log)
    body = root.find("body")
    if body is None:
        body = root
    facts = _distributor(body, log)
    if facts.get("title") and (not title or same_title(facts["title"], title)):
        title, where = facts["title"], "the distributor's header in the page"
    if facts.get("author") and not authors:
        authors = tuple(a for a in re.split(r"\s+and\s+|\s*;\s*", facts["author"]) if is_name(a))
    heading, printed, header_source = _article_header(body)
    byline = printed or _byline(body)
    article = _article(body, title, sites, log)
    if _words(article) < TEXT_WORDS_MIN:
        raise InputError(Diagnostic(str(path), 0, "import-no-article",
                                    "no article text in the page (only the site's menus, "
                                    "notices and sidebars; a page drawn by JavaScript is saved "
                                    "empty)", "save the page again once its text shows, or "
                                    "copy the text into a .md or .txt file"))
    if not authors and byline:
        authors = byline
    authors = authors or authors_default
    _page_numbers(article, log)
    _paragraphs_at_breaks(article)
    subtitle = _set_apart(article, SUBTITLE_CLASS)
    source = _set_apart(article, SOURCE_CLASS) or header_source
    if heading and not article_has(article, heading):
        title, where = heading, "the article's header"
    refs = _notes(article, _page_urls(root), log)
    images = _pictures(article, path, log, picture)
    for el in list(article.iter()):
        if not isinstance(el.tag, str):
            continue
        if re.search(r"font-variant\s*:\s*small-caps", el.get("style", ""), re.IGNORECASE):
            el.set("class", f"{el.get('class', '')} smallcaps".strip())  # the style goes
        for name in list(el.attrib):
            if name not in ("id", "src", "alt", "title", "class", "colspan", "rowspan", "start"):
                del el.attrib[name]
    html = lxml.html.tostring(article, encoding="utf-8")
    ast = read_ast(html, "html", str(path))
    blocks = ast.get("blocks", [])
    note_ids: dict[str, int] = {}
    texts: list[str] = []
    for block in _note_divs(blocks):
        walker = Markdown(_named(images))
        note_ids[block["c"][0][0][len(NOTE_PREFIX):]] = len(texts) + 1
        texts.append((walker.blocks(block["c"][1]) or refs.get(block["c"][0][0], "")).strip())
    return piece_from_ast(path, ast, title, authors, where, _named(images), images, log,
                          placeholder=NOTE_PREFIX, note_ids=note_ids, extra_notes=texts,
                          subtitle=subtitle, source=source)


def _note_divs(blocks: list) -> list[dict]:
    """The notes' boxes, wherever pandoc's tree holds them, in order."""
    out: list[dict] = []
    for b in blocks:
        if b["t"] == "Div" and b["c"][0][0].startswith(NOTE_PREFIX):
            out.append(b)
        elif b["t"] in ("Div", "BlockQuote"):
            out.extend(_note_divs(b["c"][1] if b["t"] == "Div" else b["c"]))
    return out


def _named(images: dict[str, tuple[str, bytes]]):
    """The image callback of a page whose pictures are already named for the manuscript."""
    return lambda src: src if src in images else None


def parse_page(data: bytes, path: str):
    """A page's tree, read by lxml's HTML parser in the encoding the page declares."""
    import lxml.html

    encoding = _encoding(data)
    parser = lxml.html.HTMLParser(encoding=encoding, no_network=True, remove_comments=True,
                                  remove_pis=True, huge_tree=False)
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except Exception as exc:  # lxml raises several kinds for pages it cannot make a tree of
        raise InputError(Diagnostic(path, 0, "import-unreadable", f"not a readable web page ({exc})",
                                    "save the page again from the browser")) from None
    return root


def _encoding(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    m = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", data[:4096], re.I)
    if m:
        name = m.group(1).decode("ascii").lower()
        try:
            "".encode(name)
            return "cp1252" if name in ("iso-8859-1", "latin-1", "latin1", "us-ascii") else name
        except LookupError:
            pass
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


# ---- what the page says of itself --------------------------------------------------------


def _metadata(root) -> tuple[str, tuple[str, ...], str, tuple[str, ...]]:
    """The title and authors the page's head gives, where they came from, and the site's
    names (its og:site_name, the part of the <title> that is not the title)."""
    meta: dict[str, str] = {}
    for el in root.iter("meta"):
        value = " ".join((el.get("content") or "").split())
        for key in (el.get("name") or el.get("property") or "").lower().split():
            key = key.replace(":", ".") if key.startswith("dc:") else key  # dc:creator
            if value and key not in meta:
                meta[key] = value
    head_title = " ".join(root.findtext(".//title", "").split())
    h1 = next((" ".join(h.text_content().split()) for h in root.iter("h1")
               if h.text_content().strip()), "")
    titled = meta.get("dc.title") or meta.get("citation_title") or meta.get("og:title") or ""
    title = ""
    sites = [meta[k] for k in ("og:site_name", "application-name") if meta.get(k)]
    if head_title:
        parts = [p for p in TITLE_SUFFIX.split(head_title) if p.strip()]
        site = meta.get("og:site_name", "")
        known = [p for p in parts if norm(p) in (norm(titled), norm(h1)) and p.strip()]
        kept = [p for p in parts if norm(p) != norm(site)] or parts
        title = known[0] if known else kept[0]
        sites.extend(p for p in parts if p != title)
        title = re.sub(r"^The Project Gutenberg e-?Book of\s+|,\s+by\s+[^,]+$", "", title,
                       flags=re.IGNORECASE)
    if titled and (not title or norm(title) not in norm(titled)):
        title = titled
    where = "the page's <title> and <meta> tags"
    if not title and h1:
        title, where = h1, "the page's first heading"
    authors: list[str] = []
    for key in ("author", "citation_author", "dc.creator", "dcterms.creator", "article:author",
                "parsely-author", "sailthru.author", "twitter:creator"):
        value = meta.get(key, "")
        if value and not re.match(r"[a-z]+:|@|www\.", value, re.IGNORECASE):
            authors = [_person(n) for n in re.split(r"\s*;\s*|\s+and\s+|\s*&\s*", value) if n]
            if not all(_person_like(a) for a in authors):  # "Mac & i", a magazine
                authors = [_person(value)]
            break
    authors = list(dict.fromkeys(a for a in authors if _person_like(a)))
    names = {n.strip() for site in sites for n in (site, site.split(",")[0])
             if len(n.strip()) >= 4}
    return clean_title(title) if title else "", tuple(authors), where, tuple(sorted(names))


def _person(name: str) -> str:
    """"Lamb, Charles, 1775-1834" (a catalogue's order) is "Charles Lamb"."""
    name = re.sub(r",?\s*\d{3,4}\??\s*-\s*(?:\d{3,4})?\??\s*$", "", name.strip())
    if name.count(",") == 1:
        last, first = (s.strip() for s in name.split(","))
        if first and " " not in last:
            return f"{first} {last}"
    return name


def _article_header(body) -> tuple[str, tuple[str, ...], str]:
    """What an article's own ``<header>`` (inside its ``<article>`` or ``<section>``) prints:
    the title, the byline's names and a source line. The header goes with the site's
    furniture (it also holds dates, tags, a site's summary); these three are kept."""
    for header in body.iter("header"):
        if not any(a.tag in ("article", "section", "main") for a in header.iterancestors()):
            continue
        heading = next((" ".join(h.text_content().split()) for h in header.iter("h1", "h2", "h3")
                        if h.text_content().strip()), "")
        names: tuple[str, ...] = ()
        source = ""
        for line in header.iter("p", "div", "span", "address"):
            if any(re.search(r"review|book", f"{a.get('class', '')} {a.get('aria-label', '')}",
                             re.IGNORECASE) for a in [line, *line.iterancestors()]):
                continue  # a reviewed book's block names its author, not the review's
            text = " ".join(line.text_content().split())
            if not names and (found := byline_names(text)) and all(map(_person_like, found)):
                names = found
            elif not source and source_text(text):
                source = source_text(text) or ""
        if heading:
            return heading, names, source
    return "", (), ""


def article_has(article, text: str) -> bool:
    """Whether the article still prints ``text`` as a heading of its own."""
    return any(" ".join(h.text_content().split()) == text
               for h in article.iter("h1", "h2", "h3", "h4"))


def _says_byline(what: str) -> bool:
    """Whether a class (itemprop, rel) names a byline: a part of one of its tokens does."""
    for token in what.lower().split():
        parts = set(re.split(r"[-_]", token))
        if parts & BYLINE_PARTS and not parts & BYLINE_NOT_PARTS:
            return True
    return False


def _person_like(name: str) -> bool:
    """A name as a page's metadata or byline gives it that is a person's, not an agency's or
    a site's ("AFP", "NBCNews")."""
    words = name.split()
    if len(words) == 1 and (name.isupper() or any(c.isupper() for c in name[1:])):
        return False
    if any(len(w) == 1 for w in words[:-1]):
        return False  # "J J", "S Sky": initials without their stops are a user's handle
    return is_name(name) and not any(w.lower() in BYLINE_NOT_NAMES for w in words)


def _byline(body) -> tuple[str, ...]:
    """The names a byline element of the page gives ("By Ann Lee", a list of authors with
    their affiliations), read and taken out: they are the piece's metadata, not its text."""
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        if _says_byline(f"{el.get('class', '')} {el.get('itemprop', '')} {el.get('rel', '')}"):
            parts = [x for x in el.iter() if isinstance(x.tag, str) and re.search(
                r"\bname\b|\bauthor\b", f"{x.get('class', '')} {x.get('itemprop', '')}")
                and x is not el] or [el]
            text = " and ".join(" ".join(x.text_content().split()) for x in parts)
            text = re.sub(r"^.*?\b[Bb][Yy]\s+(?=[A-Z])", "By ", text)  # "Post author By Ann Lee"
            text = text.strip(" —–-|·•,:")
            if not _person_like(re.sub(r"^By\s+", "", text)) and len(text.split()) == 1:
                continue  # "AFP", "NBCNews": an agency, whatever case the names come out in
            names = byline_names(text) or byline_names(f"By {text}")
            if not names or not all(_person_like(n) for n in names):
                # "By Ann Lee, Senior Staff Technologist" / "Ann Lee | 4 May 2018"
                first = re.split(r"\s*(?:,|\||·|•|—|–)\s*", text)[0]
                names = byline_names(first) or byline_names(f"By {first}")
            if names and all(_person_like(n) for n in names):
                if _words(el) < TEXT_PARAGRAPH_WORDS and el.getparent() is not None:
                    _remove(el)
                return tuple(dict.fromkeys(name_case(n) if is_caps(n) else n for n in names))
    return ()


# ---- what goes ---------------------------------------------------------------------------


def _strip_active(root, log: Log) -> None:
    counts: dict[str, int] = {}
    head = root.find("head")
    for el in list(root.iter(*VOID)):  # libxml2 nests what follows an <embed> inside it
        parent = el.getparent()
        if len(el) and parent is not None:
            at = parent.index(el) + 1
            for k, child in enumerate(list(el)):
                parent.insert(at + k, child)
    for el in list(root.iter(*ACTIVE)):
        if el.getparent() is None:
            continue
        if head is None or not any(a is head for a in el.iterancestors()):
            counts[el.tag] = counts.get(el.tag, 0) + 1  # the head's are no part of the text
        _remove(el)
    handlers = 0
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for name in list(el.attrib):
            if name.lower().startswith("on") or el.attrib[name].lstrip().lower().startswith(
                    ("javascript:", "vbscript:")):
                del el.attrib[name]
                handlers += 1
    if handlers:
        counts["script attribute (onclick, javascript: …)"] = handlers
    if counts:
        what = ", ".join(f"{n} × {tag if ' ' in tag else '<' + tag + '>'}"
                         for tag, n in sorted(counts.items()))
        log.warn(0, "import-web-removed", f"left out what the page runs or asks for: {what}",
                 "")


def _distributor(body, log: Log) -> dict[str, str]:
    """Project Gutenberg's licence as an older HTML edition sets it, in a block of the page
    (a ``<pre>`` above the title, another after the text): the block holding the ``*** START
    OF …`` line (or the small print) goes, and from the first block holding an ``END OF …``
    line the page goes. The header's facts ("Title:", "Author:") are returned; the text-dump
    importer reads the same lines by the same patterns (``conventions.py``)."""
    facts: dict[str, str] = {}
    blocks = [el for el in body.iter("pre", "p", "div", "section", "header", "footer")
              if not any(c.tag in ("pre", "p", "div", "section", "header", "footer")
                         for c in el.iterdescendants())]
    gone = 0
    for el in blocks:
        if el.getparent() is None:
            continue
        text = el.text_content()
        lines = [ln.strip() for ln in text.splitlines()]
        if any(GUTENBERG_START.match(ln) or SMALL_PRINT_START.match(ln) for ln in lines):
            for ln in lines:
                m = HEADER_FACT.fullmatch(ln)
                if m and m.group("key").lower() in ("title", "author") and m.group("value"):
                    facts.setdefault(m.group("key").lower(), m.group("value").strip())
            _remove(el)
            gone += 1
        elif any(GUTENBERG_END.match(ln) or SMALL_PRINT_END.match(ln) for ln in lines):
            cut = el
            while cut is not None and cut is not body:  # it and all that follows it
                for after in list(cut.itersiblings()):
                    _remove(after)
                cut = cut.getparent()
            _remove(el)
            gone += 1
            break
    if gone:
        log.warn(0, "import-boilerplate", f"left out Project Gutenberg's licence ({gone} "
                 f"block{'s' if gone != 1 else ''} of the page)", "")
    return facts


def _remove(el) -> None:
    """Take an element out, keeping the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    previous = el.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _text_weight(el) -> int:
    """How much readable text an element holds: the letters of its text, a link's counted only
    inside a paragraph (a menu or a list of links elsewhere is the site's, not text)."""
    total = 0
    for node in el.xpath(".//text()"):
        holder = node.getparent()
        if node.is_tail:
            holder = holder.getparent()
        linked = in_text = False
        while holder is not None:
            if holder.tag == "a":
                linked = True
            elif holder.tag in ("p", "blockquote", "dd"):
                in_text = True
            if holder is el:
                break
            holder = holder.getparent()
        if not linked or in_text:
            total += len(re.findall(r"\w", node))
    return total


def _is_furniture(el) -> str:
    """Whether ``el`` is the site's, not the article's: "semantic" if its tag or role says so,
    "class" if only its class or id does (a guess, weighed against the text it holds), ""."""
    says = " ".join(filter(None, (el.get("class"), el.get("id"), el.get("role"),
                                  el.get("epub:type"),
                                  el.get("{http://www.idpf.org/2007/ops}type"))))
    if NOTE_CLASS.search(says) or re.search(r"doc-(?:foot|end)notes?\b", says):
        return ""  # an <aside> footnote, a <footer class="footnotes">: the notes come later
    if el.tag in ("p", "blockquote") and _words(el) >= TEXT_PARAGRAPH_WORDS:
        return ""  # a paragraph of text is the author's, whatever its class says
    semantic = el.tag in FURNITURE or (el.get("role") or "").lower() in FURNITURE_ROLES or \
        (el.get("aria-hidden") or "").lower() == "true"
    what = f"{el.get('class', '')} {el.get('id', '')}"
    if not semantic and not (what.strip() and CHROME.search(what)):
        return ""
    if any(True for _ in el.iter("article", "main")) or any(_is_article_body(d) for d in el.iter()):
        return ""  # it holds the article (a story shown in a "modal", a <header> around all)
    return "semantic" if semantic else "class"


def _is_article_body(el) -> bool:
    """schema.org's mark of the article's text: itemprop="articleBody" (among other names)."""
    return "articleBody" in (el.get("itemprop") or "").split()


def _article(body, title: str, sites: tuple[str, ...], log: Log):
    """The element holding the article, furniture taken out of it."""
    total = _text_weight(body) or 1
    removed: list[str] = []  # the first words of each part taken out

    def sweep(parent) -> None:
        for el in list(parent):
            if not isinstance(el.tag, str):
                continue
            furniture = _is_furniture(el) if el.tag != "article" else ""
            if furniture == "semantic" or furniture and _text_weight(el) * 2 < total:
                if el.tag != "figcaption":  # a caption hidden from readers repeats the alt text
                    removed.append(_first_words(el))
                _remove(el)
            else:
                sweep(el)

    sweep(body)
    left = _text_weight(body) or 1
    candidates = [el for el in body.iter("article", "main", "*")
                  if isinstance(el.tag, str) and (el.tag in ("article", "main") or
                                                  _is_article_body(el) or
                                                  el.get("role") == "main")]
    best = max(candidates, key=_text_weight, default=None)
    if best is not None and _text_weight(best) * 2 >= left:
        # an <article> inside the <main> that holds nearly all of it is the closer fit
        inner = [el for el in best.iter("article") if el is not best and
                 _text_weight(el) * 10 >= _text_weight(best) * 9]
        article = inner[0] if inner else best
    else:
        article = body
        while True:
            heavy = [c for c in article if isinstance(c.tag, str) and
                     _text_weight(c) * 10 >= left * 9]
            if len(heavy) != 1 or heavy[0].tag not in LAYOUT or \
                    _leaves_out_own(article, heavy[0], title):
                break
            article = heavy[0]
    removed += _teasers(article, title)
    removed += _chrome_lines(article, sites)
    if removed:
        shown = "; ".join(repr(w) for w in removed if w)
        log.warn(0, "import-web-removed", f"left out {len(removed)} part"
                 f"{'s' if len(removed) != 1 else ''} of the site's furniture (menus, share rows,"
                 f" notices, sidebars, comments …){': ' + shown if shown else ''}",
                 "copy back by hand anything that was the author's")
    return article


def _is_double_break(el) -> bool:
    """A ``<br>`` followed (across white space only) by another: a blank line between two."""
    after = el.getnext()
    return el.tag == "br" and not (el.tail or "").strip() and after is not None and \
        after.tag == "br"


def _paragraphs_at_breaks(article) -> None:
    """Paragraphs typed as lines with a blank line between (``text<br><br>text``, as blog
    editors and old pages write them) made paragraphs; a single ``<br>`` stays a line break.
    The text between the blocks of such a container becomes paragraphs too."""
    flow = BLOCKS | {"p", "table", "ul", "ol", "pre", "hr", "figure", "h1", "h2", "h3", "h4",
                     "h5", "h6", "center", "form"}
    for el in list(article.iter("div", "p", "blockquote", "td", "dd", "li", "font", "center",
                                "section", "article", "main", "span")):
        kids = [k for k in el if isinstance(k.tag, str)]
        if not any(_is_double_break(k) for k in kids):
            continue
        out: list = []
        run = el.makeelement("p", {})
        run.text = el.text

        def close(run):
            if (run.text or "").strip() or len(run):
                out.append(run)

        after_break = False
        for kid in list(el):
            if isinstance(kid.tag, str) and kid.tag in flow:
                close(run)
                run = el.makeelement("p", {})
                run.text, kid.tail = kid.tail, None
                out.append(kid)
                after_break = False
            elif isinstance(kid.tag, str) and _is_double_break(kid):
                after_break = True
            elif kid.tag == "br" and after_break:
                close(run)
                run = el.makeelement("p", {})
                run.text = (kid.tail or "").lstrip()
                after_break = False
            else:
                after_break = False
                run.append(kid)
        close(run)
        el.text = None
        for child in list(el):
            el.remove(child)
        if el.tag == "p" and el.getparent() is not None:
            parent, at, tail = el.getparent(), el.getparent().index(el), el.tail
            parent.remove(el)
            for k, node in enumerate(out):
                parent.insert(at + k, node)
            if out:
                out[-1].tail = tail
        else:
            if el.tag in ("font", "span", "center"):
                el.tag = "div"  # an inline holder of paragraphs
            el.extend(out)


def _set_apart(article, named) -> str:
    """The piece's subtitle or source line, if the page sets it apart above the text by a
    class ``named`` matches (taken out of the text): looked for only above the first paragraph."""
    for el in article.iter():
        if not isinstance(el.tag, str):
            continue
        what = f"{el.get('class', '')} {el.get('itemprop', '')}"
        text = " ".join(el.text_content().split())
        if named.search(what) and text and len(text) <= WEB_CRUFT_MAX * 2:
            _remove(el)
            return text
        if el.tag == "p" and _words(el) >= TEXT_WORDS_MIN:
            return ""
    return ""


def _teasers(article, title: str) -> list[str]:
    """Other pages' teasers ("More from…", "Recommended", a news site's list of stories): three
    or more items side by side, each under a heading that is wholly a link to another page.
    A piece's own headings seldom link elsewhere, and never as a run of short items."""
    linked = []
    for h in article.iter("h2", "h3", "h4", "h5", "h6"):
        text = " ".join(h.text_content().split())
        links = [a for a in h.iter("a") if not (a.get("href") or "#").startswith("#")]
        words = " ".join(" ".join(a.text_content().split()) for a in links)
        if text and links and re.sub(r"\W+", "", words) == re.sub(r"\W+", "", text) and \
                not (title and same_title(text, title)):
            linked.append(h)
    # container → its items with a linked heading (the dict keeps each element's proxy alive,
    # so that lxml hands back the same one: an id() of a dropped proxy could be reused)
    items: dict = {}
    for h in linked:
        child = h
        for parent in h.iterancestors():
            if parent is article or not any(x is article for x in parent.iterancestors()):
                break
            items.setdefault(parent, [])
            if all(c is not child for c in items[parent]):
                items[parent].append(child)
            child = parent
    removed: list[str] = []
    for h in linked:
        child = h
        for parent in h.iterancestors():
            if parent is article or not any(x is article for x in parent.iterancestors()):
                break
            if len(items.get(parent, [])) >= TEASERS_MIN:
                if child.getparent() is not None and _words(child) <= TEASER_WORDS_MAX:
                    removed.append(_first_words(child))
                    _remove(child)
                break
            child = parent
    return removed


def _leaves_out_own(parent, heavy, title: str) -> bool:
    """Whether taking ``heavy`` alone would leave out what is the piece's own: the notes its
    references point to, or the heading that is its title."""
    names = {(a.get("href") or "")[1:] for a in heavy.iter("a")
             if (a.get("href") or "").startswith("#")}
    for sibling in parent:
        if sibling is heavy or not isinstance(sibling.tag, str):
            continue
        for el in sibling.iter():
            if not isinstance(el.tag, str):
                continue
            if (el.get("id") or el.get("name")) in names:
                return True
            if title and el.tag in ("h1", "h2", "h3", "b", "strong", "font", "center", "p") and \
                    same_title(" ".join(el.text_content().split()), title):
                return True
    return False


def _first_words(el, limit: int = 40) -> str:
    text = " ".join(" ".join(el.itertext()).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _chrome_lines(article, sites: tuple[str, ...]) -> list[str]:
    """Short blocks that say they are furniture ("Share this:", "9 min read", "From
    Wikisource": a short line naming the site is the site speaking)."""
    named = [site.casefold() for site in sites]
    removed: list[str] = []
    for el in list(article.iter("p", "div", "span", "li", "h2", "h3", "h4", "h5", "h6", "ul")):
        if el.getparent() is None:
            continue
        text = " ".join(el.text_content().split())
        if not text or len(text) > WEB_CRUFT_MAX:
            continue
        if any(p.fullmatch(text) for p in WEB_CRUFT + CHROME_TEXT) or _links_only(el, text) or \
                _site_remark(el, text) or \
                (len(text.split()) <= 8 and any(n in text.casefold() for n in named)):
            removed.append(_first_words(el))
            _remove(el)
    return removed


def _site_remark(el, text: str) -> bool:
    """A short paragraph in square brackets that links elsewhere is the site's remark on the
    text ("[This is only the second half of the essay. The first half is here.]")."""
    return el.tag in ("p", "div") and text.startswith("[") and text.endswith("]") and \
        len(text.split()) <= 40 and any(not (a.get("href") or "#").startswith("#")
                                        for a in el.iter("a"))


def _links_only(el, text: str) -> bool:
    """A short line made only of links elsewhere ("[Listen] [View Lilypond]", "Read more")."""
    if el.tag not in ("p", "div") or len(text.split()) > 12 or list(el.iter("img")):
        return False
    links = [a for a in el.iter("a") if not (a.get("href") or "#").startswith("#")]
    linked = " ".join(" ".join(a.itertext()) for a in links)
    rest = re.sub(r"[\W_]+", "", text)
    return bool(links) and rest == re.sub(r"[\W_]+", "", linked)


def _words(el) -> int:
    return len(re.findall(r"[^\W\d_]{2,}", el.text_content()))


def _page_numbers(article, log: Log) -> None:
    """A print edition's page numbers ("[Pg 12]", a page-break marker) are not the text."""
    found = [el for el in article.iter() if isinstance(el.tag, str) and (
        PAGE_NUMBER.search(f"{el.get('class', '')} {el.get('role', '')} "
                           f"{el.get('epub:type', '')} "
                           f"{el.get('{http://www.idpf.org/2007/ops}type', '')}"))]
    for el in found:
        _remove(el)
    if found:
        log.warn(0, "import-web-removed", f"left out {len(found)} page number"
                 f"{'s' if len(found) != 1 else ''} of the printed edition the page was made from", "")


# ---- notes -------------------------------------------------------------------------------


def _page_urls(root) -> set[str]:
    """The addresses the page gives for itself (its canonical link, og:url): a link to one of
    them with a fragment is a link inside the page."""
    urls = {el.get("href", "") for el in root.iter("link")
            if "canonical" in (el.get("rel") or "").lower().split()}
    urls |= {el.get("content", "") for el in root.iter("meta")
             if (el.get("property") or el.get("name") or "").lower() == "og:url"}
    return {u.strip().rstrip("/") for u in urls if u.strip()}


def _in_page(href: str, page_urls: set[str], ids: dict) -> str | None:
    """The fragment ``href`` names inside the page, or None if it leads elsewhere. A web
    address with a fragment the page holds is the page's own (the site wrote its links whole)."""
    base, hash_, fragment = href.strip().partition("#")
    if not hash_ or not fragment:
        return None
    if not base or base.rstrip("/") in page_urls or \
            (re.match(r"https?://", base, re.IGNORECASE) and fragment in ids):
        return fragment
    return None


def _notes(article, page_urls: set[str], log: Log) -> dict[str, str]:
    """Note references swapped for placeholders ``⟦nK⟧`` and each note moved into a
    ``<div id="anthology-note-nK">`` at the article's end. Returns placeholder → mark.
    A reference to a note in another file (an e-book's endnotes.xhtml) is kept as its mark in
    brackets, and said."""
    ids = {el.get("id"): el for el in article.iter() if isinstance(el.tag, str) and el.get("id")}
    for el in article.iter("a"):  # old pages name their anchors
        if el.get("name") and el.get("name") not in ids:
            ids[el.get("name")] = el
    order = {el: k for k, el in enumerate(article.iter())}
    refs: list[tuple[object, object]] = []
    for a in list(article.iter("a")):
        href = a.get("href") or ""
        fragment = _in_page(href, page_urls, ids)
        if fragment is None and "#" in href and _looks_like_reference(a):
            _unresolved(a, href, log)
            continue
        if fragment is None or fragment not in ids:
            continue
        target = ids[fragment]
        if not _is_reference(a, target, order):
            continue
        refs.append((a, target))
    targets = {id(t) for _a, t in refs}
    notes: dict[int, tuple[str, object]] = {}  # id(note block) → (key, block)
    out: dict[str, str] = {}
    ref_ids = set()
    for a, _t in refs:
        for el in (a, a.getparent()):
            if el is not None and el.get("id"):
                ref_ids.add(el.get("id"))
        if a.get("name"):
            ref_ids.add(a.get("name"))
    dangling = 0
    for a, target in refs:
        block = _note_block(target, article, targets, {id(r) for r, _t in refs})
        if block is None:
            dangling += 1
            continue
        key, _ = notes.setdefault(id(block), (f"n{len(notes) + 1}", block))
        mark = " ".join(a.text_content().split())
        holder = a.getparent() if a.getparent() is not None and a.getparent().tag == "sup" and \
            " ".join(a.getparent().text_content().split()) == mark else a
        placeholder = holder.makeelement("span", {})
        placeholder.text = f"⟦{key}⟧"
        placeholder.tail = holder.tail
        holder.getparent().replace(holder, placeholder)
        out.setdefault(key, mark)
    if notes:
        _after_notes(article, max((b for _k, b in notes.values()), key=lambda b: order[b]), log)
    for key, block in notes.values():
        _clean_note(block, ref_ids, out.get(key, ""))
        box = block.makeelement("div", {"id": NOTE_PREFIX + key})
        parent = block.getparent()
        if block.tag in ("li", "aside", "div", "section", "dd", "footer"):
            box.text = block.text
            for child in list(block):
                box.append(child)
            _remove(block)
        else:
            _remove(block)
            block.tail = None
            box.append(block)
        article.append(box)
        _prune(parent, article)
    if dangling:
        log.warn(0, "import-note-outside", f"{dangling} note reference{'s' if dangling != 1 else ''}"
                 " point to notes not found in the page: kept as printed", "add the notes by hand")
    return out


def _after_notes(article, last, log: Log) -> None:
    """A short line after the page's last note is the site speaking, not the author ("(Next
    week: the second letter)", "Comments are closed"): the notes end the piece."""
    after = []
    el = last
    while el is not None and el is not article:
        after.extend(x for x in el.itersiblings() if isinstance(x.tag, str))
        el = el.getparent()
    words = sum(_words(x) for x in after)
    kept_pictures = [img for x in after for img in x.iter("img")
                     if not re.match(r"(?:[a-z]+:)?//", img.get("src", ""), re.IGNORECASE)]
    if after and words <= AFTER_NOTES_WORDS_MAX and not kept_pictures:
        shown = "; ".join(repr(_first_words(x)) for x in after if _words(x))
        for x in after:
            _remove(x)
        if shown:
            log.warn(0, "import-web-removed", f"left out what follows the notes: {shown}",
                     "copy it back by hand if it was the author's")


def _is_reference(a, target, order: dict) -> bool:
    if target is a or any(t is target for t in a.iterancestors()):
        return False
    if order.get(target, 0) < order.get(a, 0):
        return False  # notes come after their references (a link back is a back-link)
    role = f"{a.get('role', '')} {a.get('class', '')}"
    if "doc-backlink" in role or BACKLINK_CLASS.search(role):
        return False
    if target.tag in ("h1", "h2", "h3", "h4", "h5", "h6", "article", "main", "body"):
        return False
    if any(h.tag in ("h1", "h2", "h3") for h in target.iter()) and target.tag != "a":
        return False
    return _looks_like_reference(a)


def _looks_like_reference(a) -> bool:
    """A link that reads as a note's reference: marked so, or a short mark set as superscript."""
    mark = " ".join(a.text_content().split())
    if _says_note(a) and len(mark) <= 12:
        return True
    return bool(NOTE_MARK.fullmatch(mark)) and (
        a.getparent() is not None and a.getparent().tag == "sup" or
        any(x.tag == "sup" for x in a.iter()) or mark.startswith(("[", "(")) or
        bool(re.fullmatch(r"[*†‡§‖¶]+", mark)))


def _unresolved(a, href: str, log: Log) -> None:
    """A reference to a note the page does not hold: its mark kept in brackets, said."""
    mark = " ".join(a.text_content().split()).strip("[]() ")
    holder = a.getparent() if a.getparent() is not None and a.getparent().tag == "sup" and \
        " ".join(a.getparent().text_content().split()).strip("[]() ") == mark else a
    marker = holder.makeelement("span", {})
    marker.text = f"[{mark}]"
    marker.tail = holder.tail
    holder.getparent().replace(holder, marker)
    log.warn(0, "import-note-outside", f"the note reference {mark!r} points to {href!r}, which "
             f"is not in the page: kept as [{mark}]", "add the note by hand, or save the "
             "page that holds the notes beside this one and import both")


def _says_note(a) -> bool:
    what = " ".join(filter(None, (a.get("class"), a.get("role"), a.get("epub:type"),
                                  a.get("{http://www.idpf.org/2007/ops}type"),
                                  a.get("id"), (a.getparent().get("class") if
                                                a.getparent() is not None else ""))))
    return bool(NOTE_CLASS.search(what)) or "doc-noteref" in what


def _note_block(target, article, targets: set[int], ref_ids: set[int]):
    """The block that is the note ``target`` names: the target itself if it is a block,
    else its nearest block; grown to a note box that holds no other note."""
    block = target
    while block is not None and block.tag not in BLOCKS:
        block = block.getparent()
    if block is None or block is article or any(
            id(el) in targets for el in block.iter() if el is not target):
        # notes written inline one after another (<sup id="fn1">1. … ↩</sup><br/><sup …>):
        # the element the reference names is the note
        if target.tag in ("a", "br") or _words(target) == 0:
            return None
        target.tag = "span"
        return target
    while True:
        parent = block.getparent()
        if parent is None or parent is article or parent.tag in ("ol", "ul", "body") or \
                parent.tag not in ("div", "aside", "section", "footer"):
            break
        inside = [el for el in parent.iter() if el is not block]
        if any(id(el) in targets or id(el) in ref_ids for el in inside if el not in block.iter()):
            break
        if any(el.tag in ("h1", "h2", "h3", "h4", "h5", "h6", "hr") for el in inside):
            break
        block = parent
    if any(id(el) in ref_ids for el in block.iter()):
        return None  # a "note" holding a reference of the text is text
    return block


def _clean_note(block, ref_ids: set[str], mark: str) -> None:
    """A note without its back-links and its printed label."""
    for a in list(block.iter("a")):
        href = (a.get("href") or "").lstrip("#")
        text = " ".join(a.text_content().split())
        role = f"{a.get('role', '')} {a.get('class', '')}"
        if href in ref_ids or "doc-backlink" in role or BACKLINK_CLASS.search(role) or \
                (href and BACKLINK_TEXT.fullmatch(text)):
            parent = a.getparent()
            _remove(a)
            while parent is not None and parent is not block and parent.tag in ("span", "sup", "b",
                                                                              "strong"):
                if " ".join(parent.text_content().split()).strip("^ ") or len(parent):
                    break
                up = parent.getparent()
                _remove(parent)
                parent = up
    bare = mark.strip("[](). ")
    for el in block.iter():  # the reference's mark printed again before the text: "1.", "[1]"
        lead = (el.text or "").lstrip()
        m = NOTE_MARK.match(lead)
        if m and m.group(0).strip("[](). ") == bare and bare and \
                lead[m.end():m.end() + 1] in (" ", "\u00a0", ""):
            el.text = lead[m.end():].lstrip()
        if (el.text or "").strip():
            break
    if block.text:
        block.text = block.text.lstrip()


def _prune(el, article) -> None:
    """Take out what the notes left empty: their list, its box, its 'Notes' heading and rule."""
    while el is not None and el is not article:
        parent = el.getparent()
        if el.text_content().strip() or list(el.iter("img")):
            break
        _remove(el)
        el = parent
    _trim_end(article)


def _trim_end(el) -> None:
    """A "Notes" heading, a rule or an empty box left at the end of the text (at any depth)."""
    while True:
        kids = [c for c in el if isinstance(c.tag, str) and
                not (c.get("id") or "").startswith(NOTE_PREFIX)]
        if not kids:
            return
        last = kids[-1]
        text = " ".join(last.text_content().split())
        if last.tag == "hr" or (not text and not list(last.iter("img"))) or \
                (last.tag in ("h2", "h3", "h4", "h5", "h6", "p") and NOTES_HEADING.fullmatch(text)):
            _remove(last)
            continue
        if last.tag in ("div", "section") and not (last.tail or "").strip():
            _trim_end(last)
        return


# ---- pictures ----------------------------------------------------------------------------


def _folder_pictures(path: Path):
    """A saved page's pictures: files inside the page's own folder (its ``NAME_files/``)."""
    folder = path.parent.resolve()

    def picture(src: str) -> tuple[bytes | None, str]:
        from urllib.parse import unquote

        target = (folder / unquote(src.split("#")[0].split("?")[0])).resolve()
        if folder not in target.parents or not target.is_file():
            return None, f"the picture {src[:60]!r} is not in the page's folder"
        return (target.read_bytes() if target.stat().st_size <= IMAGE_BYTES_MAX else None), ""
    return picture


def _pictures(article, path: Path, log: Log, picture) -> dict[str, tuple[str, bytes]]:
    """Each picture's ``src`` made the manuscript's name for it, or the picture dropped."""
    images: dict[str, tuple[str, bytes]] = {}
    for img in list(article.iter("img")):
        src = (img.get("src") or "").strip()
        data = None
        if src.lower().startswith("data:"):
            m = re.match(r"data:image/(png|jpeg|jpg|gif);base64,(.*)", src, re.I | re.S)
            if m:
                try:
                    data = base64.b64decode(re.sub(r"\s", "", m.group(2)), validate=True)
                except ValueError:
                    data = None
            if data is None or len(data) > IMAGE_BYTES_MAX:
                _drop_picture(img, log, "a picture in the page that is not PNG, JPEG or GIF "
                              "(an SVG may carry scripts)")
                continue
            key = f"data-{len(images) + 1}.{m.group(1).lower() if m else 'png'}"
        elif not src or re.match(r"[a-z][a-z0-9+.-]*:|//", src, re.I) or src.startswith("/"):
            _drop_picture(img, log, f"the picture {src[:60]!r} is not in the page's folder: "
                          "never read or fetched")
            continue
        else:
            data, why = picture(src)
            if why:
                _drop_picture(img, log, why)
                continue
            key = src
        name = keep_image(path, key, data, images, log)
        if name is None:
            _drop_picture(img, None, "")
            continue
        img.set("src", name)
    return {name: (name, data) for name, data in images.values()}


def _drop_picture(img, log: Log | None, why: str) -> None:
    if log is not None:
        log.warn(0, "import-image-dropped", why, "save the picture beside the page and link it")
    figure = img.getparent()
    _remove(img)
    while figure is not None and figure.tag in ("figure", "p", "a", "picture") and \
            not figure.text_content().strip() and not list(figure.iter("img")):
        up = figure.getparent()
        _remove(figure)
        figure = up

"""Turn raw HTML in a manuscript into the EPUB-safe subset, and say what was removed.

Markdown passes raw HTML through, and its own links and images may point anywhere. Everything
``_markdown`` makes goes through :func:`sanitize` before it is typeset, so the EPUB, the PDF and
the HTML hold only what an XHTML content document accepts and nothing that is fetched or run:

* tags: only those Markdown writes (and a few inline ones an editor may type); any other tag is
  unwrapped (its text kept), except script-like ones (``script``, ``style``, ``iframe``, …), which
  go with their content;
* attributes: ``id``, ``class``, ``lang``, ``dir``, ``title`` anywhere, ``start`` on lists,
  ``colspan``/``rowspan`` on cells, and the note-reference attributes on links; never ``on…``
  handlers or ``style``;
* links: only internal ``#anchor`` links keep their target. ``http(s):``, ``mailto:``,
  ``file:``, ``javascript:`` and relative paths (``../../secret``) lose it; the link text stays.
  An e-book is read offline and the build reads nothing outside the manuscript;
* images: ``<img>`` keeps ``src`` only when it is ``images/NAME``, a picture of the
  manuscript's ``images/`` folder (the reader has checked each one: see
  ``manuscript/images.py``), with ``alt`` and ``title``; any other image is dropped, with a
  warning. ``<figure>`` and ``<figcaption>`` hold a picture shown on its own.

The cleaning is done by nh3 (ammonia, an HTML5 parser and sanitiser in Rust); lxml only reads
the fragment to list, for the user, what was taken out.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import lxml.html
import nh3
from lxml import etree

from ..errors import Diagnostic
from ..manuscript import IMAGE_SRC

log = logging.getLogger(__name__)  # "anthology.sanitize": one WARNING per removal, until the
# build collects them as Diagnostics

TAGS = frozenset({
    "p", "br", "hr", "em", "strong", "i", "b", "u", "s", "small", "mark", "del", "ins",
    "a", "blockquote", "ul", "ol", "li", "dl", "dt", "dd",
    "h1", "h2", "h3", "h4", "h5", "h6", "code", "pre", "kbd", "samp", "var",
    "sup", "sub", "cite", "q", "abbr", "dfn", "span", "div",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
    "img", "figure", "figcaption",
})
# removed together with everything inside them: code, styling, embedded documents
DROP_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript",
    "template", "textarea", "select", "svg", "math", "audio", "video", "canvas", "head", "title",
})
GENERIC_ATTRIBUTES = frozenset({"id", "class", "lang", "dir", "title"})
ATTRIBUTES = {
    "a": {"href", "role", "epub:type"},
    "img": {"src", "alt"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
_NH3_ATTRIBUTES = {tag: set(ATTRIBUTES.get(tag, ())) | set(GENERIC_ATTRIBUTES) for tag in TAGS}


@dataclass(frozen=True)
class Removal:
    """One thing taken out of the HTML: a code for machines, words for the editor."""

    code: str  # unsafe-html | external-link | image | malformed-html
    what: str

    def diagnostic(self, path: str, line: int = 0) -> Diagnostic:
        hints = {
            "unsafe-html": "an e-book holds no scripts, styles, embedded pages or event handlers",
            "external-link": "the link text is kept; only #anchors inside the volume stay links",
            "image": "only pictures in the manuscript's images/ are shown, as images/NAME; "
                     "this one was left out",
            "malformed-html": "close every tag you open in raw HTML",
        }
        return Diagnostic(path, line, self.code, self.what, hints.get(self.code, ""), "warning")


@dataclass(frozen=True)
class Cleaned:
    html: str
    removed: tuple[Removal, ...]


def display(path: Path | str) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def _short(value: str, limit: int = 60) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _internal(href: str) -> bool:
    return href.startswith("#") and len(href) > 1


def _shown(src: str) -> bool:
    """Whether an image's ``src`` is a picture of the manuscript (see the module's docstring)."""
    return bool(IMAGE_SRC.match(src))


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href":
        return value if _internal(value.strip()) else None
    if attribute == "src":
        return value if _shown(value) else None
    return value


def _removals(fragment: str) -> list[Removal]:
    """List, for the user, what :func:`sanitize` takes out of ``fragment``."""
    if "<" not in fragment:
        return []
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):  # pragma: no cover - lxml reads almost anything
        return [Removal("unsafe-html", "unreadable HTML was cleaned")]
    found: list[Removal] = []
    for el in root.iterdescendants():
        if not isinstance(el.tag, str):  # comments and processing instructions: dropped silently
            continue
        tag = el.tag.lower()
        if tag in DROP_WITH_CONTENT:
            found.append(Removal("unsafe-html", f"removed <{tag}> and its content"))
            continue
        if tag == "img" and not _shown(el.get("src", "")):
            src = el.get("src", "")
            found.append(Removal("image", f"removed image {_short(src)!r}"
                                 + (f" (alt text {_short(el.get('alt', ''))!r})"
                                    if el.get("alt") else "")))
            continue
        if tag not in TAGS:
            found.append(Removal("unsafe-html", f"removed <{tag}> tag, kept its text"))
        allowed = _NH3_ATTRIBUTES.get(tag, set())
        for name, value in el.attrib.items():
            name = name.lower()
            if tag not in TAGS:
                if name.startswith("on") or name == "style":
                    found.append(Removal("unsafe-html", f"removed {name} attribute of <{tag}>"))
                continue
            if name == "href" and tag == "a":
                if not _internal(value.strip()):
                    scheme = value.strip().split(":", 1)[0].lower() if ":" in value else ""
                    code = ("unsafe-html" if scheme in ("javascript", "vbscript", "data")
                            else "external-link")
                    found.append(Removal(code, f"removed link target {_short(value)!r}"))
            elif name not in allowed:
                found.append(Removal("unsafe-html", f"removed {name} attribute of <{tag}>"))
    return list(dict.fromkeys(found))  # once each, in order


_PHRASING = frozenset({"a", "em", "strong", "i", "b", "u", "s", "small", "mark", "del", "ins",
                       "code", "kbd", "samp", "var", "sup", "sub", "cite", "q", "abbr", "dfn",
                       "span"})
_FLOW_ONLY = frozenset({"p", "div", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "pre",
                        "hr", "table", "h1", "h2", "h3", "h4", "h5", "h6"})
_LIST_PARENTS = {"li": {"ul", "ol"}, "dt": {"dl"}, "dd": {"dl"}}


def _without_bare_images(html: str) -> str:
    """Drop every ``<img>`` the cleaning left without a ``src`` (its ``src`` was not a picture
    of the manuscript): an image with nothing to show is not allowed in an EPUB."""
    if "<img" not in html:
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    bare = [el for el in root.iter("img") if not el.get("src")]
    if not bare:
        return html
    for el in bare:
        el.drop_tree()  # its tail stays
    return (root.text or "") + "".join(
        lxml.html.tostring(c, encoding="unicode", method="html") for c in root)


def _repair(html: str) -> tuple[str, list[Removal]]:
    """Unwrap what an HTML5 parser builds from bad nesting but XHTML does not accept.

    ``<div><em>open</div><p>next</p>`` parses as ``<em><p>next</p></em>``: a block inside an
    inline element. Such inline elements (and a stray ``<li>``, ``<dt>``, ``<dd>`` outside its
    list) are unwrapped, their text kept.
    """
    if "<" not in html:
        return html, []
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    bad = [el for el in root.iterdescendants() if isinstance(el.tag, str) and (
        (el.tag in _PHRASING and any(isinstance(d.tag, str) and d.tag in _FLOW_ONLY
                                     for d in el.iterdescendants()))
        or (el.tag in _LIST_PARENTS and el.getparent().tag not in _LIST_PARENTS[el.tag]))]
    if not bad:
        return html, []
    for el in bad:
        el.drop_tag()
    out = (root.text or "") + "".join(
        lxml.html.tostring(c, encoding="unicode", method="html") for c in root)
    tags = ", ".join(dict.fromkeys(f"<{el.tag}>" for el in bad))
    return out, [Removal("malformed-html", f"unwrapped badly nested {tags}, kept its text")]


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    """The sanitiser, configured once: ``nh3.clean`` would build it again for every fragment,
    which costs more than cleaning one."""
    return nh3.Cleaner(
        tags=set(TAGS),
        clean_content_tags=set(DROP_WITH_CONTENT),
        attributes=_NH3_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        strip_comments=True,
        link_rel=None,
        url_schemes=set(),
    )


def sanitize(fragment: str) -> Cleaned:
    """Clean an HTML fragment (Markdown's output) to the EPUB-safe subset.

    Returns the cleaned fragment (HTML syntax; ``finish_html`` re-serialises it as XHTML) and
    what was removed, once per distinct removal, in document order.
    """
    html = _without_bare_images(_cleaner().clean(fragment))
    html, repaired = _repair(html)
    return Cleaned(html, tuple(_removals(fragment) + repaired))

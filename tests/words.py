"""Words as the authors wrote them, for the tests that prove no word is lost.

Typography may change quotes, dashes, spaces and ellipses; it never changes a letter or digit.
So a text's words are its runs of letters and digits, after folding compatibility forms.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

from lxml import etree


def words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", unicodedata.normalize("NFKC", text)))


def missing(expected: Counter[str], actual: Counter[str]) -> Counter[str]:
    """The words of ``expected`` that ``actual`` lacks, with how many times each is short."""
    return Counter({w: n - actual[w] for w, n in expected.items() if actual[w] < n})


XHTML = "{http://www.w3.org/1999/xhtml}"


def _show_list_numbers(root: etree._Element) -> None:
    """Write each numbered list's markers into the text, as a reader sees them."""
    for ol in root.iter(f"{XHTML}ol"):
        if "none" in (ol.get("class") or "") or ol.get("class") in ("endnotes-list", "contents-list"):
            continue
        start = int(ol.get("start") or 1)
        for n, li in enumerate(ol.findall(f"{XHTML}li"), start):
            li.text = f"{n}. " + (li.text or "")


_BLOCKS = {f"{XHTML}{t}" for t in ("p", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
                                   "div", "section", "blockquote", "header", "nav", "td", "th")}


def epub_text(path: Path, marks_apart: bool = False) -> str:
    """The text of every XHTML document in the EPUB, as a reader sees it: inline markup joins
    its text without a space, blocks are separated, numbered lists show their numbers.
    With ``marks_apart``, a note reference stands apart from the word after it too."""
    out = []
    with zipfile.ZipFile(path) as z:
        for name in sorted(z.namelist()):
            if name.endswith(".xhtml"):
                root = etree.fromstring(z.read(name))
                if not name.endswith("nav.xhtml"):
                    _show_list_numbers(root)
                for el in root.iter():
                    if el.tag in _BLOCKS:
                        el.tail = "\n" + (el.tail or "")
                    elif el.get("{http://www.idpf.org/2007/ops}type") == "noteref":
                        el.text = " " + (el.text or "")  # a superscript stands apart
                        if marks_apart:
                            el.tail = " " + (el.tail or "")
                out.append("".join(root.itertext()))
    return "\n".join(out)


def pdf_words(path: Path) -> Counter[str]:
    """The words of a PDF's body text, hyphenation undone.

    Running heads and folios (the top and bottom 8.5 % of each page) are left out. pypdf
    keeps a hyphen at a line end as it is (poppler's pdftotext silently joins "top-" +
    "down"). A word broken at a line or page end is counted whole; a compound that broke at
    its own hyphen keeps its halves too, so both readings count. Words are case-folded:
    text set in small caps comes out of a PDF in capitals.
    """
    from pypdf import PdfReader

    chunks: list[str] = []
    for page in PdfReader(path).pages:
        height = float(page.mediabox.height)
        low, high = 0.085 * height, 0.915 * height

        def keep(text, cm, tm, font, size) -> None:
            y = tm[5] * cm[3] + cm[5]
            if low < y < high or not text.strip():
                chunks.append(text)

        page.extract_text(visitor_text=keep)
        chunks.append("\n")
    raw = "".join(chunks)
    # WeasyPrint marks its own hyphenation with U+2010; a text's hyphen is U+002D
    # (a note call's number may come between the halves of a word broken across pages)
    raw = re.sub(r"(\w)[\u2010\u00ad]\s*((?:\d+\s+)*)(\w+)",
                 lambda m: f"{m.group(1)}{m.group(3)} {m.group(2)}", raw)
    joined = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", raw)
    a, b = words(raw.casefold()), words(joined.casefold())
    return Counter({w: max(a[w], b[w]) for w in a.keys() | b.keys()})

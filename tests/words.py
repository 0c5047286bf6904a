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


def epub_text(path: Path) -> str:
    """The text of every XHTML document in the EPUB, nav included, list numbers shown."""
    out = []
    with zipfile.ZipFile(path) as z:
        for name in sorted(z.namelist()):
            if name.endswith(".xhtml"):
                root = etree.fromstring(z.read(name))
                if not name.endswith("nav.xhtml"):
                    _show_list_numbers(root)
                out.append(" ".join(root.itertext()))
    return "\n".join(out)

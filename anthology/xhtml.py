"""Turn a document's XHTML fragment into an lxml tree: one parser, one set of namespaces.

The render stage writes each document as one XHTML element (``epub:type`` attributes
included); the EPUB writer and the page breaks of the page map parse it here, with entity
expansion and network access off. The helpers for class lists work on any lxml element,
HTML or XHTML (the print HTML uses them).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
XML_NS = "http://www.w3.org/XML/1998/namespace"
EPUB_TYPE = f"{{{EPUB_NS}}}type"
XML_LANG = f"{{{XML_NS}}}lang"


def parse_fragment(fragment: str) -> etree._Element:
    """``fragment`` inside a ``<div>`` in the XHTML namespace (``epub:`` bound), parsed;
    raises ``etree.XMLSyntaxError`` if it is not well-formed."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    wrapped = f'<div xmlns="{XHTML_NS}" xmlns:epub="{EPUB_NS}">{fragment}</div>'
    return etree.fromstring(wrapped.encode("utf-8"), parser)  # a parser a call: threads


def local_name(tag: Any) -> str | None:
    """An element's tag without its namespace, lower-cased; None for comments and
    processing instructions (works on ElementTree and lxml trees alike)."""
    if not isinstance(tag, str):
        return None
    return tag.rsplit("}", 1)[-1].lower()


def class_names(element: Any) -> set[str]:
    """The element's classes."""
    return set((element.get("class") or "").split())


def add_class(element: Any, name: str) -> None:
    """Give the element class ``name``, after the classes it has, unless it has it."""
    if name not in class_names(element):
        element.set("class", " ".join([*(element.get("class") or "").split(), name]))

"""xhtml.py: one XHTML parse for every stage, and the class-list helpers."""

import lxml.html
import pytest
from lxml import etree

from anthology.xhtml import EPUB_TYPE, XHTML_NS, add_class, class_names, local_name, parse_fragment


def test_a_fragment_parses_in_the_xhtml_namespace_with_epub_bound() -> None:
    root = parse_fragment('<section id="s" epub:type="chapter"><p>a &amp; b</p></section>')
    (section,) = root
    assert section.tag == f"{{{XHTML_NS}}}section" and section.get(EPUB_TYPE) == "chapter"
    assert local_name(section.tag) == "section" and local_name(etree.Comment("x").tag) is None
    assert section[0].text == "a & b"


def test_what_is_not_well_formed_or_reaches_out_is_refused() -> None:
    with pytest.raises(etree.XMLSyntaxError):
        parse_fragment("<p>open")
    with pytest.raises(etree.XMLSyntaxError):  # no entity expansion: nothing read from disk
        parse_fragment('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><p>&e;</p>')


def test_classes_are_added_once_after_those_there() -> None:
    p = lxml.html.fragment_fromstring('<p class="a b">x</p>')
    add_class(p, "c")
    add_class(p, "a")
    add_class(p, "c")
    assert p.get("class") == "a b c" and class_names(p) == {"a", "b", "c"}
    bare = lxml.html.fragment_fromstring("<p>x</p>")
    add_class(bare, "only")
    assert bare.get("class") == "only"

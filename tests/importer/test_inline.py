"""inline: emphasis, note references and escaping."""

from anthology.importer.inline import join_lines, safe_start, to_markdown


def test_emphasis_from_underscores_and_stars() -> None:
    assert to_markdown("An _Essay on Man_ and *this*.", []) == "An *Essay on Man* and *this*."
    assert to_markdown("snake_case_name and 5 * 3 * 2", []) == "snake\\_case\\_name and 5 \\* 3 \\* 2"


def test_references_replace_their_marks() -> None:
    text = "A claim.(1) And a page (45)."
    assert to_markdown(text, [(8, 11, "1")]) == "A claim.[^1] And a page (45)."


def test_escapes() -> None:
    assert to_markdown("[sic] <b> &amp; `x`", []) == "\\[sic\\] &lt;b> &amp;amp; \\`x\\`"
    assert safe_start("# hash") == "\\# hash" and safe_start("1917. The year") == "1917\\. The year"
    assert safe_start("| bar") == "&#124; bar"


def test_join_lines() -> None:
    assert join_lines(["a well-", "known fact--", "and more"]) == ("a well-known fact--and more", [0, 7, 19])

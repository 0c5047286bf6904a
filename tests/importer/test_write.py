"""write: files that build: unique names, valid TOML, escaped Markdown."""

from __future__ import annotations

import tomllib

from .helpers import imp, pieces, volume

PROSE = "The afternoon was warm and the river ran slow under the bridge by the mill."


def test_valid_toml_with_contributors_once_each() -> None:
    text = ("Vol\n\n\nOne\n\nBy Ann Example\n\n" + PROSE + "\n\nTwo\n\nBY ANN EXAMPLE\n\n" + PROSE +
            "\n\nThree\n\nby Ben \"The Quote\" Other\n\n" + PROSE + "\n")
    result = imp(text)
    for name, data in result.files.items():
        if name.endswith(".toml"):
            tomllib.loads(data.decode())
    assert [c["name"] for c in volume(result)["contributors"]][:1] == ["Ann Example"]
    assert len({c["name"] for c in volume(result)["contributors"]}) == len(volume(result)["contributors"])


def test_emphasis_verse_and_quotations_in_markdown() -> None:
    text = ("Only\n\nBy Ann Example\n\nAn _Essay on Man_ is quoted here, at some length, by the "
            "writer of this\npiece, who wraps his lines as he goes along and never stops to ask.\n\n"
            "  Know then thyself, presume not God to scan;\n  The proper study of mankind is man.\n"
            "  Placed on this isthmus of a middle state,\n\n" + PROSE + "\n")
    (front, body), = pieces(imp(text))
    assert "An *Essay on Man* is quoted here, at some length, by the writer of this piece," in body
    assert "> | Know then thyself, presume not God to scan;\n> | The proper study" in body

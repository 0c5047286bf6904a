"""The importer's promise, on random dumps in the conventions it knows: whatever it writes,
`anthology build` accepts, every note is linked both ways, and no word is lost.

Dumps are put together from pieces of the real conventions: separators of every kind, titles
in capitals or not (with chapter labels and note markers), bylines in any case, source lines,
bodies of prose, verse and indented quotations with ``_emphasis_``, notes in each marker
style (listed after the piece, under a heading or bare, or as Gutenberg footnote blocks),
editorial brackets, and Project Gutenberg's licence around it all.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anthology.build import BuildOptions, build
from anthology.errors import InputError
from anthology.importer import import_dump
from validators import linked_notes
from words import epub_text, words

WORDS = ["river", "lantern", "harvest", "meadow", "quarrel", "bishop", "engine", "orchard",
         "sailor", "letter", "mirror", "pardon", "thunder", "cottage", "ledger", "parlour"]
NAMES = ["Ann Example", "Ben Other", "Cora Lindqvist", "Dmitri Okafor"]
SEPARATORS = ["* * *", "***", "—", "----", "====", "\f", "\n\n", "*       *       *"]
MARKS = {  # reference style → (reference, listed note)
    "paren": ("({n})", "({n}) "),
    "bracket": ("[{n}]", "[{n}] "),
    "dotted": ("({n})", "{n}. "),
    "letter": ("[{a}]", "[{a}] "),
    "super": ("{s}", "{s} "),
}
SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


@st.composite
def sentence(draw, n_words=(4, 12)) -> str:
    ws = draw(st.lists(st.sampled_from(WORDS), min_size=n_words[0], max_size=n_words[1]))
    if draw(st.booleans()):
        k = draw(st.integers(0, len(ws) - 1))
        ws[k] = f"_{ws[k]}_"
    return ws[0].capitalize() + " " + " ".join(ws[1:]) + "."


@st.composite
def piece(draw, index: int) -> tuple[str, int]:
    """One piece as a dump prints it, and how many notes it lists."""
    title = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4))).title()
    shape = draw(st.sampled_from(["plain", "caps", "label"]))
    if shape == "caps":
        title = title.upper() + draw(st.sampled_from(["", "."]))
    elif shape == "label":
        title = f"CHAPTER {['I', 'II', 'III', 'IV', 'V'][index]}.\n\n{title.upper()}."
    name = draw(st.sampled_from(NAMES))
    byline = draw(st.sampled_from([f"By {name}", f"by {name}", f"BY {name.upper()}", f"— {name}"]))
    gap = draw(st.sampled_from(["\n", "\n\n", "\n\n\n"]))
    head = f"{title}{gap}{byline}"
    if draw(st.booleans()):
        head += "\n\n" + draw(st.sampled_from([
            "First published in The Ledger, 1901.", "Originally appeared in Harper's, 1899.",
            "Reprinted from The Quarterly, 1877.", "[From The Monthly, 12, May 1888.]"]))
    style = draw(st.sampled_from(sorted(MARKS)))
    notes = draw(st.integers(0, 3))
    paras: list[str] = []
    for n in range(1, notes + 2):
        text = " ".join(draw(st.lists(sentence(), min_size=1, max_size=3)))
        if n <= notes:
            ref = MARKS[style][0].format(n=n, a="ABCD"[n - 1], s=str(n).translate(SUP))
            text = text[:-1] + ref + "."
        if draw(st.integers(0, 5)) == 0:
            text += " The year [1862] and [sic] stay."
        paras.append(text)
    if draw(st.booleans()):  # verse, indented
        paras.insert(1, "\n".join("    " + draw(sentence((3, 5))) for _ in range(3)))
    if draw(st.booleans()):
        paras.insert(1, draw(st.sampled_from(["* * *", "***"])))  # a section break
    body = "\n\n".join(paras)
    listed = ""
    if notes:
        items = [MARKS[style][1].format(n=n, a="ABCD"[n - 1], s=str(n).translate(SUP))
                 + draw(sentence()) for n in range(1, notes + 1)]
        if style == "bracket" and draw(st.booleans()):  # Project Gutenberg's footnote blocks
            body += "\n\n" + "\n\n".join(f"[Footnote {n}: {draw(sentence())}]"
                                         for n in range(1, notes + 1))
        else:
            heading = draw(st.sampled_from(["Notes", "NOTES", "Endnotes", "References", ""]))
            listed = "\n\n" + (heading + "\n\n" if heading else "") + "\n".join(items)
            if style == "letter" and not heading:
                listed = "\n\nNotes\n\n" + "\n".join(items)  # bare letters need a heading
    return f"{head}\n\n{body}{listed}", notes


@st.composite
def dump(draw) -> str:
    count = draw(st.integers(1, 4))
    separator = draw(st.sampled_from(SEPARATORS))
    parts = [draw(piece(i)) for i in range(count)]
    glue = "\n\n\n\n" if separator == "\n\n" else f"\n\n{separator}\n\n"
    text = draw(st.sampled_from(["Collected Pieces", "THE COLLECTION"])) + "\n\n\n" + \
        glue.join(p for p, _ in parts)
    if draw(st.booleans()):
        text = ("The Project Gutenberg EBook of a collection\n\nThis eBook is for the use of "
                "anyone anywhere.\n\n*** START OF THIS PROJECT GUTENBERG EBOOK X ***\n\n"
                "Produced by Somebody\n\n\n" + text +
                "\n\n\nEnd of the Project Gutenberg EBook of X\n\n*** END OF THIS PROJECT "
                "GUTENBERG EBOOK X ***\n\nSection 1. General Terms of Use.\n")
    return text


def _words(text: str) -> Counter[str]:
    text = re.sub(r"\[\s*Footnote\s+\w+\s*:", " ", text).replace("_", " ")
    text = re.sub(r"^(?:end)?notes|^references", " ", text, flags=re.IGNORECASE | re.MULTILINE)
    text = re.sub("[⁰¹²³⁴⁵⁶⁷⁸⁹]+", " ", text)
    return Counter({w: n for w, n in words(text.casefold()).items() if not w.isdigit()})


@settings(max_examples=int(__import__("os").environ.get("ANTHOLOGY_PROPERTY_EXAMPLES", "40")), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(dump())
def test_whatever_import_writes_builds_and_keeps_every_word(tmp_path: Path, text: str) -> None:
    try:
        imported = import_dump(text.encode("utf-8"), "dump.txt")
    except InputError as error:  # refusing is allowed, crashing is not
        assert all(d.code.startswith("import-") for d in error.diagnostics)
        return
    ms = tmp_path / f"ms{abs(hash(text))}"
    for name, data in imported.files.items():
        (ms / name).parent.mkdir(parents=True, exist_ok=True)
        (ms / name).write_bytes(data)
    result = build(ms, BuildOptions(formats=("epub",), outdir=ms / "out", cache=False))
    # every note linked both ways: no note the build finds unreferenced
    assert not [w for w in result.warnings if w.code.startswith("note-")], result.warnings
    epub = next(p for p in result.outputs if p.suffix == ".epub")
    _refs, notes = linked_notes(epub)
    assert len(notes) == imported.report.notes_linked
    volume = tomllib.loads(imported.files["volume.toml"].decode("utf-8"))
    removed = {r["line"] for r in volume.get("removed", [])}
    lines = text.split("\n")  # numbered as the importer numbers them (a form feed is no line end)
    kept = "\n".join(line for n, line in enumerate(lines, 1) if n not in removed)
    book = _words(epub_text(epub, marks_apart=True))
    lost = {w: n - book[w] for w, n in _words(kept).items() if book[w] < n and w != "by"}
    assert not lost, lost

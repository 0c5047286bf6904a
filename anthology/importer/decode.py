"""Turn a dump's bytes into numbered lines: decoded, line ends unified, control characters out.

UTF-8 is expected (a byte-order mark is skipped). A dump that is not UTF-8 is read in the
encoding it declares for itself (Project Gutenberg's header says "Character set encoding:
ISO-8859-1"), with a warning; without such a declaration it is refused with the line and
byte of the first bad sequence. CRLF and a bare CR end lines as LF does. Each form feed
becomes a line of its own, a separator. Empty, whitespace-only and binary input is refused.
"""

from __future__ import annotations

import codecs

from ..errors import Diagnostic, InputError
from ..manuscript import NOT_XML
from ..render.typography import tex_quotes
from .conventions import DECLARED_ENCODING, TAB_WIDTH
from .records import Line
from .report import Log


def decode(data: bytes, path: str, log: Log) -> str:
    """Bytes → text with LF line ends; anything that is not text is an InputError."""
    if not data.strip():
        what = "empty" if not data else "whitespace only"
        raise InputError(Diagnostic(path, 0, "import-empty", f"the dump is {what}",
                                    "give a text file with the pieces to import"))
    if b"\x00" in data:
        at = data.index(b"\x00")
        raise InputError(Diagnostic(
            path, data[:at].count(b"\n") + 1, "import-binary",
            f"the dump is binary (a NUL byte at byte offset {at})",
            "give a plain-text export, not a word-processor or PDF file"))
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = _declared(data, path, exc, log)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(Diagnostic(path, 0, "import-empty", "the dump is whitespace only",
                                    "give a text file with the pieces to import"))
    return text


def _declared(data: bytes, path: str, exc: UnicodeDecodeError, log: Log) -> str:
    """The text in the encoding it declares, or the InputError that names the bad byte."""
    line = data[:exc.start].count(b"\n") + 1
    m = DECLARED_ENCODING.search(data[:20_000])
    if m:
        name = m.group("name").decode("ascii").lower()
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            codec = ""
        if codec == "latin-1" or codec == "iso8859-1":
            codec = "cp1252"  # what such files hold in practice (curly quotes in 0x80–0x9f)
        if codec and codec != "utf-8":
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                pass
            else:
                log.warn(data[:m.start()].count(b"\n") + 1, "import-encoding-declared",
                         f"read as {name}, as the text declares (it is not UTF-8)",
                         "check accented letters; save the file as UTF-8 to be sure")
                return text
    raise InputError(Diagnostic(
        path, line, "import-encoding",
        f"the dump is not UTF-8 (byte 0x{data[exc.start]:02x} at byte offset {exc.start})",
        "save the file as UTF-8, e.g. iconv -f latin1 -t utf-8")) from None


def read_lines(text: str, log: Log) -> list[Line]:
    """Non-blank lines, stripped, TeX quotes curly, each knowing its indentation and how many
    blank lines precede it. Control characters, which no EPUB or PDF can hold, are dropped
    (and reported); a form feed is kept as a line of its own."""
    out: list[Line] = []
    blanks = 1
    for no, raw in enumerate(text.split("\n"), start=1):
        pieces = raw.split("\f")
        for k, part in enumerate(pieces):
            if k:  # a form feed: a separator line of its own
                out.append(Line(no, "\f", 0, blanks))
                blanks = 0
            controls = sorted(set(NOT_XML.findall(part)))
            if controls:
                part = NOT_XML.sub("", part)
                names = ", ".join(f"U+{ord(c):04X}" for c in controls)
                log.warn(no, "import-controls-removed",
                         f"dropped control characters ({names}): no EPUB or PDF can hold them",
                         "they are invisible; check that the line reads as it should")
            expanded = part.expandtabs(TAB_WIDTH).rstrip()
            stripped = expanded.strip()
            if not stripped:
                if k == 0 and len(pieces) == 1:
                    blanks += 1
                continue
            indent = len(expanded) - len(expanded.lstrip())
            out.append(Line(no, tex_quotes(stripped), indent, blanks))
            blanks = 0
    return out

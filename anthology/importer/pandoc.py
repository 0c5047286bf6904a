"""Turn a document pandoc reads (Word, OpenDocument, HTML, Markdown, EPUB) into a piece's
Markdown, by walking pandoc's JSON AST.

pandoc (bundled by the ``pypandoc-binary`` wheel) reads the file in a process of its own,
with a time and a memory limit, from standard input (so it opens no other file) and with no
option that would make it fetch anything. Its AST is walked into the manuscript's Markdown:
paragraphs; ``##`` headings; ``>`` quotations; lists; tables as HTML; verse (a line block, or
a paragraph broken into lines) as ``| `` lines; emphasis, strong, small capitals,
superscripts; footnotes and endnotes as ``[^n]`` with their text at the end; pictures as
``![alt](images/… "caption")``. Raw HTML, comments and fields are dropped and counted.
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
from dataclasses import dataclass, field

from ..errors import Diagnostic, InputError
from .conventions import PANDOC_MEMORY, PANDOC_SECONDS, SEPARATOR
from .inline import escape, safe_start

SMALL_CAPS = {"smallcaps", "smcap", "smcaps", "small-caps", "sc", "caps-small"}  # Span classes
PLACEHOLDER = re.compile(r"⟦([^⟦⟧\s]{1,20})⟧")  # a web page's note reference, set by .web


def pandoc_path() -> str:
    import pypandoc  # the pypandoc-binary wheel: pandoc itself, pinned with it

    return pypandoc.get_pandoc_path()


def read_ast(data: bytes, fmt: str, path: str, extra: tuple[str, ...] = ()) -> dict:
    """pandoc's JSON AST of ``data`` read as ``fmt``; InputError if pandoc cannot read it."""
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    cap = PANDOC_MEMORY if hard == resource.RLIM_INFINITY else min(PANDOC_MEMORY, hard)

    def limits() -> None:  # runs in the child before pandoc starts
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    command = [pandoc_path(), "--from", fmt, "--to", "json", "--sandbox", *extra]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=PANDOC_SECONDS,
                              preexec_fn=limits, check=False)
    except subprocess.TimeoutExpired:
        raise InputError(Diagnostic(path, 0, "import-too-slow",
                                    f"reading it took pandoc more than {PANDOC_SECONDS} s",
                                    "the file is unusually large or complex")) from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(Diagnostic(path, 0, "import-unreadable",
                                    f"pandoc cannot read it: {message[-1] if message else done.returncode}",
                                    "save it again from the program that made it"))
    return json.loads(done.stdout)


INDENT_MARK = "\u2001"  # stands, in a line, for one space of a verse line's indent


def flat_spans(inlines: list) -> list:
    """Inlines with plain spans opened (a poem's ``<span class="i2">line<br></span>``): a
    span that indents a verse line (class ``iN``) leaves N indent marks at its start."""
    out: list = []
    for node in inlines:
        if node["t"] == "Span" and not (SMALL_CAPS & set(node["c"][0][1])) and not \
                ({"comment-start", "comment-end"} & set(node["c"][0][1])):
            indent = next((int(m.group(1)) for cls in node["c"][0][1]
                           if (m := re.fullmatch(r"i(\d{1,2})", cls))), 0)
            inner = flat_spans(node["c"][1])
            if indent:
                out.append({"t": "Str", "c": INDENT_MARK * indent})
            out.extend(inner)
        else:
            out.append(node)
    return out


LIFTABLE = ("Emph", "Strong", "Underline", "Strikeout", "SmallCaps")


def lift_breaks(inlines: list) -> list:
    """Line breaks brought out of the emphasis around them (``<i>line<br>line</i>``, a quoted
    stanza set in italics): each line keeps its emphasis, and the lines can be a line block."""
    out: list = []
    for node in inlines:
        if node["t"] in LIFTABLE:
            inner = lift_breaks(node["c"])
            if any(i["t"] == "LineBreak" for i in inner):
                part: list = []
                for i in inner + [{"t": "LineBreak"}]:
                    if i["t"] == "LineBreak":
                        if part:
                            out.append({"t": node["t"], "c": part})
                        out.append(i)
                        part = []
                    else:
                        part.append(i)
                out.pop()  # the break added to close the last part
                continue
        out.append(node)
    return out


def text_of(inlines: list) -> str:
    """The plain text of inlines."""
    out: list[str] = []
    for node in inlines:
        t = node["t"]
        c = node.get("c")
        if t == "Str":
            out.append(c)
        elif t in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif t in ("Emph", "Strong", "Underline", "Strikeout", "SmallCaps", "Superscript",
                   "Subscript"):
            out.append(text_of(c))
        elif t == "Quoted":
            q = "“”" if c[0]["t"] == "DoubleQuote" else "‘’"
            out.append(q[0] + text_of(c[1]) + q[1])
        elif t in ("Span", "Link"):
            out.append(text_of(c[1]))
        elif t == "Cite":
            out.append(text_of(c[1]))
        elif t in ("Code", "Math"):
            out.append(c[1])
    return "".join(out)


def printed_lines(inlines: list) -> list[str]:
    """The lines of a heading or paragraph as printed: broken where the text breaks, a short
    line set wholly in small capitals (a name: "Hamilton") in capitals; empty lines left out."""
    def caps(nodes: list) -> str:
        text = walk(nodes)
        return text.upper() if len(text.split()) <= 4 and "\n" not in text else text

    def walk(nodes: list) -> str:
        out: list[str] = []
        for node in nodes:
            t, c = node["t"], node.get("c")
            if t == "LineBreak":
                out.append("\n")
            elif t == "SmallCaps":
                out.append(caps(c))
            elif t in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript"):
                out.append(walk(c))
            elif t == "Span" and SMALL_CAPS & set(c[0][1]):
                out.append(caps(c[1]))
            elif t in ("Span", "Link", "Cite"):
                out.append(walk(c[1]))
            elif t == "Quoted":
                q = "“”" if c[0]["t"] == "DoubleQuote" else "‘’"
                out.append(q[0] + walk(c[1]) + q[1])
            else:
                out.append(text_of([node]))
        return "".join(out)

    return [" ".join(line.split()) for line in walk(inlines).split("\n") if line.strip()]


def meta_text(meta: dict, key: str) -> list[str]:
    """A metadata field's values as plain text (pandoc's MetaInlines, MetaList …)."""
    value = meta.get(key)
    if value is None:
        return []

    def one(v: dict) -> list[str]:
        t, c = v["t"], v.get("c")
        if t in ("MetaInlines",):
            return [text_of(c)]
        if t == "MetaString":
            return [c]
        if t == "MetaList":
            return [s for x in c for s in one(x)]
        if t == "MetaBlocks":
            return [" ".join(text_of(b["c"]) for b in c if b["t"] in ("Para", "Plain"))]
        if t == "MetaMap":
            return one(c["name"]) if "name" in c else []
        return []

    return [" ".join(s.split()) for s in one(value) if s.strip()]


@dataclass
class Walk:
    """Where one document's walk keeps what it finds besides the body."""

    notes: list[str] = field(default_factory=list)  # each note's Markdown, numbered in order
    images: list[tuple[str, str, str]] = field(default_factory=list)  # (source, alt, caption)
    dropped: dict[str, int] = field(default_factory=dict)  # what was left out, how often
    note_ids: dict[str, int] = field(default_factory=dict)  # placeholder id → note number
    image_names: dict[str, str] = field(default_factory=dict)  # source → images/NAME

    def drop(self, what: str) -> None:
        self.dropped[what] = self.dropped.get(what, 0) + 1


class Markdown:
    """pandoc's AST to the manuscript's Markdown. ``image`` maps a picture's source (as the
    AST names it) to its path in the manuscript, or None to leave it out."""

    def __init__(self, image=None, placeholder: str = "") -> None:
        self.walk = Walk()
        self.image = image or (lambda src: None)
        self.placeholder = placeholder  # a Div with an id starting so is a web page's note

    # ---- blocks ---------------------------------------------------------------------------

    def blocks(self, blocks: list, shift: int = 0) -> str:
        out = [self.block(b, shift) for b in blocks]
        return "\n\n".join(o for o in out if o)

    def block(self, node: dict, shift: int = 0) -> str:
        t, c = node["t"], node.get("c")
        if t in ("Para", "Plain"):
            if SEPARATOR.fullmatch(text_of(c).strip()):
                return "* * *"  # a paragraph of "* * *" or "⁂" typed as a section break
            c = lift_breaks(flat_spans(c))
            if any(i["t"] == "LineBreak" for i in c):
                return self.line_block(c)
            figure = self.lone_image(c)
            if figure is not None:
                return figure
            return "\n".join(safe_start(line) for line in self.inlines(c).split("\n"))
        if t == "LineBlock":
            return "\n".join("| " + self.inlines(line) if line else "|" for line in c)
        if t == "Header":
            level = min(max(c[0] + shift, 2), 4)
            return "#" * level + " " + self.inlines(c[2]).replace("\n", " ")
        if t == "BlockQuote":
            inner = self.blocks(c, shift)
            return "\n".join(">" + (" " + ln if ln else "") for ln in inner.split("\n"))
        if t in ("BulletList", "OrderedList"):
            items = c if t == "BulletList" else c[1]
            start = 1 if t == "BulletList" else c[0][0]
            out = []
            for k, item in enumerate(items):
                mark = "- " if t == "BulletList" else f"{start + k}. "
                inner = self.blocks(item, shift).split("\n")
                out.append(mark + inner[0] + "".join("\n" + ("    " + ln if ln else "")
                                                      for ln in inner[1:]))
            return "\n".join(out)
        if t == "DefinitionList":
            return "\n\n".join(self.inlines(term) + "\n\n" + "\n\n".join(
                self.blocks(d, shift) for d in defs) for term, defs in c)
        if t == "HorizontalRule":
            return "* * *"
        if t == "Table":
            return self.table(c)
        if t == "Figure":
            return self.figure(c)
        if t == "Div":
            ident = c[0][0]
            if self.placeholder and ident.startswith(self.placeholder):
                return ""  # a web page's note, taken out before
            if "section-break" in c[0][1]:
                return "* * *"
            return self.blocks(c[1], shift)
        if t == "CodeBlock":
            return "\n".join("    " + ln for ln in c[1].split("\n"))
        if t == "RawBlock":
            self.walk.drop("raw HTML or code")
            return ""
        if t == "Null":
            return ""
        self.walk.drop(t)
        return ""

    def line_block(self, inlines: list) -> str:
        lines: list[list] = [[]]
        for node in inlines:
            if node["t"] == "LineBreak":
                lines.append([])
            else:
                lines[-1].append(node)
        out = []
        for line in lines:
            while line and line[0]["t"] in ("Space", "SoftBreak"):
                line = line[1:]
            while line and line[-1]["t"] in ("Space", "SoftBreak"):
                line = line[:-1]
            indent = 0
            if line and line[0]["t"] == "Str" and line[0]["c"].startswith(INDENT_MARK):
                indent = len(line[0]["c"]) - len(line[0]["c"].lstrip(INDENT_MARK))
                line = [{"t": "Str", "c": line[0]["c"][indent:]}, *line[1:]]
            if line:
                out.append("| " + " " * indent + self.inlines(line).replace("\n", " "))
            elif out and out[-1] != "|":
                out.append("|")
        while out and out[-1] == "|":
            out.pop()
        return "\n".join(out)

    def table(self, c: list) -> str:
        """A table as plain HTML (the sanitiser keeps table markup)."""
        import html as html_module

        def cells(row: list) -> list[str]:
            return [html_module.escape(" ".join(
                text_of(b["c"]) for b in cell[4] if b["t"] in ("Para", "Plain"))) for cell in row[1]]

        head_rows = c[3][1]
        bodies = [row for body in c[4] for row in body[2] + body[3]]
        out = ["<table>"]
        for row in head_rows:
            out.append("<tr>" + "".join(f"<th>{x}</th>" for x in cells(row)) + "</tr>")
        for row in bodies:
            out.append("<tr>" + "".join(f"<td>{x}</td>" for x in cells(row)) + "</tr>")
        out.append("</table>")
        return "\n".join(out)

    def lone_image(self, inlines: list) -> str | None:
        real = [i for i in inlines if i["t"] not in ("Space", "SoftBreak")]
        if len(real) == 1 and real[0]["t"] == "Image":
            return self.image_markdown(real[0], "")
        return None

    def figure(self, c: list) -> str:
        caption = " ".join(text_of(b["c"]) for b in c[1][1] if b["t"] in ("Para", "Plain"))
        images = [i for b in c[2] if b["t"] in ("Para", "Plain") for i in b["c"] if i["t"] == "Image"]
        if not images:
            return self.blocks(c[2])
        return "\n\n".join(self.image_markdown(img, caption) for img in images)

    def image_markdown(self, node: dict, caption: str) -> str:
        _attr, alt_inlines, (src, title) = node["c"]
        alt = " ".join(text_of(alt_inlines).split())
        caption = caption or (title if title and title != "fig:" else "")
        target = self.image(src)
        if target is None:
            return ""
        self.walk.images.append((src, alt, caption))
        alt_md = escape(alt)
        title_md = f' "{caption.replace(chr(34), chr(8221))}"' if caption else ""
        return f"![{alt_md}]({target}{title_md})"

    # ---- inlines --------------------------------------------------------------------------

    def inlines(self, inlines: list) -> str:
        out: list[str] = []
        for node in inlines:
            out.append(self.inline(node))
        return "".join(out)

    def inline(self, node: dict) -> str:
        t, c = node["t"], node.get("c")
        if t == "Str":
            c = c.replace(INDENT_MARK, "")
            if self.placeholder and "⟦" in c:
                return "".join(self.note_mark(part) if k % 2 else escape(part)
                               for k, part in enumerate(PLACEHOLDER.split(c)))
            return escape(c)
        if t in ("Space", "SoftBreak"):
            return " "
        if t == "LineBreak":
            return "\n"
        if t == "Emph":
            inner = self.inlines(c)
            return f"*{inner}*" if inner.strip() else inner
        if t == "Strong":
            inner = self.inlines(c)
            return f"**{inner}**" if inner.strip() else inner
        if t == "Underline":
            return self.inlines(c)
        if t == "Strikeout":
            self.walk.drop("struck-out text (kept as ordinary text)")
            return self.inlines(c)
        if t == "SmallCaps":
            return f'<span class="smallcaps">{self.inlines(c)}</span>'
        if t in ("Superscript", "Subscript"):
            tag = "sup" if t == "Superscript" else "sub"
            return f"<{tag}>{self.inlines(c)}</{tag}>"
        if t == "Quoted":
            q = "“”" if c[0]["t"] == "DoubleQuote" else "‘’"
            return q[0] + self.inlines(c[1]) + q[1]
        if t == "Cite":
            return self.inlines(c[1])
        if t == "Code":
            return "`" + c[1].replace("`", "'") + "`"
        if t == "Math":
            return escape(c[1])
        if t == "Link":
            return self.inlines(c[1])  # the text stays; the book keeps no outside links
        if t == "Image":
            return self.image_markdown(node, "")
        if t == "Note":
            self.walk.notes.append(self.blocks(c))
            return f"[^{len(self.walk.notes)}]"
        if t == "Span":
            classes = c[0][1]
            if {"comment-start", "comment-end"} & set(classes):
                return ""
            if SMALL_CAPS & set(classes):
                return f'<span class="smallcaps">{self.inlines(c[1])}</span>'
            return self.inlines(c[1])
        if t == "RawInline":
            self.walk.drop("raw HTML or code")
            return ""
        self.walk.drop(t)
        return ""

    def note_mark(self, key: str) -> str:
        number = self.walk.note_ids.get(key)
        return f"[^{number}]" if number is not None else escape(f"⟦{key}⟧")

    def notes_markdown(self) -> str:
        """The notes as definitions, continuation lines indented."""
        out = []
        for n, text in enumerate(self.walk.notes, 1):
            lines = text.split("\n")
            out.append(f"[^{n}]: " + lines[0] + "".join(
                "\n" + ("    " + ln if ln else "") for ln in lines[1:]))
        return "\n\n".join(out)

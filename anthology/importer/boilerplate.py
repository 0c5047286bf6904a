"""Turn a dump's lines into the authors' lines: licence, credits and web chrome left out.

What goes, each run of lines named in the report and every line kept in ``[[removed]]``:

* Project Gutenberg's licence header (up to the ``*** START OF …`` line) and footer (from
  ``End of the Project Gutenberg …`` or ``*** END OF …``);
* near the front and the back of the text, paragraphs that credit the transcription
  ("Produced by …", "Transcriber's note", release dates) or name the distributor (Project
  Gutenberg, Standard Ebooks), and Standard Ebooks' imprint, colophon and uncopyright;
* illustration placeholders (``[Illustration: …]``): the dump has no image to show;
* whole lines of web pages' chrome ("Share this", "Printer-friendly version", …).
"""

from __future__ import annotations

from dataclasses import replace

from .blocks import paragraphs
from .conventions import (ASTERISKS_LINE, CREDIT_PARAGRAPH, DISTRIBUTOR, EBOOK_MATTER,
                          GUTENBERG_END, GUTENBERG_START, HEADER_FACT, OLD_FOOTER, OLD_HEADER_LINES,
                          SMALL_PRINT_END, SMALL_PRINT_START,
                          ILLUSTRATION, PROSE_WORD, SE_SECTION, WEB_CRUFT, WEB_CRUFT_MAX)
from .records import Block, Line
from .report import Log

PROSE_BLOCK_WORDS = 30  # a paragraph this long, naming no distributor, is the authors' text


def strip_boilerplate(lines: list[Line], log: Log) -> tuple[list[Line], dict[str, str]]:
    """The lines without the distributor's and the web page's, every removal reported; and
    the facts a distributor's header gives about the book ("Title:", "Author:" …)."""
    gone: set[int] = set()  # indices into ``lines``
    facts = _licence(lines, gone, log)
    kept = [ln for i, ln in enumerate(lines) if i not in gone]
    gone_lines = _paragraph_boilerplate(paragraphs(kept), log)
    gone_lines |= _web_cruft(kept, gone_lines, log)
    return _close_up(kept, gone_lines), facts


def _licence(lines: list[Line], gone: set[int], log: Log) -> dict[str, str]:
    """Project Gutenberg's header and footer, of either era: the header ends at the
    ``*** START OF …`` line, at the end of a "small print" licence set in front, or (older
    files, whose first lines name Project Gutenberg) at the last line of asterisks among
    the first lines; the footer begins at ``End of the Project Gutenberg …``, ``*** END OF
    …``, the small print, or the header's first line said again, in the second half."""
    n = len(lines)
    half = n // 2
    first = lambda pattern, lo, hi: next(  # noqa: E731
        (i for i in range(lo, hi) if pattern.fullmatch(lines[i].text)), None)
    header = first(GUTENBERG_START, 0, n)
    if header is not None:
        header = _marker_end(lines, header)
    small = first(SMALL_PRINT_END, 0, half)
    if small is not None and (header is None or small > header):
        header = small
    if header is None and any(DISTRIBUTOR.search(ln.text) for ln in lines[:3]):
        stars = [i for i in range(min(n, OLD_HEADER_LINES)) if ASTERISKS_LINE.fullmatch(lines[i].text)]
        header = stars[-1] if stars else None
    facts: dict[str, str] = {}
    if header is not None:
        for ln in lines[:header + 1]:
            m = HEADER_FACT.fullmatch(ln.text)
            if m and m.group("value").strip():
                facts.setdefault(m.group("key").lower(), m.group("value").strip())
        gone.update(range(header + 1))
        log.drop_range([(ln.no, ln.text) for ln in lines[:header + 1]],
                       "the distributor's licence header", "import-licence-dropped",
                       "it is the distributor's, not the authors'")
    # the modern END line anywhere after the header; the older footers' lines, which the
    # header has too, only after it (or, with no header found, in the second half)
    after = header + 1 if header is not None else half
    ends = [i for pattern, lo in ((GUTENBERG_END, header + 1 if header is not None else 0),
                                  (SMALL_PRINT_START, after), (OLD_FOOTER, after))
            if (i := first(pattern, lo, n)) is not None]
    if ends:
        end = min(ends)
        gone.update(range(end, n))
        log.drop_range([(ln.no, ln.text) for ln in lines[end:]],
                       "the distributor's licence footer", "import-licence-dropped",
                       "it is the distributor's, not the authors'")
    return facts


def _marker_end(lines: list[Line], i: int) -> int:
    """A ``***START OF …`` line may run on to a line that ends with the closing stars."""
    if lines[i].text.rstrip().endswith("*"):
        return i
    for k in range(i + 1, min(i + 3, len(lines))):
        if lines[k].gap:
            break
        if lines[k].text.rstrip().endswith("***"):
            return k
    return i


def _paragraph_boilerplate(blocks: list[Block], log: Log) -> set[int]:
    """Credits and distributor paragraphs near either end; placeholders anywhere."""
    prose = [i for i, b in enumerate(blocks) if _is_authors_prose(b)]
    first, last = (prose[0], prose[-1]) if prose else (len(blocks), -1)
    gone: set[int] = set()
    i = 0
    while i < len(blocks):
        block = blocks[i]
        text = " ".join(ln.text for ln in block)
        outside = i < first or i > last
        if ILLUSTRATION.fullmatch(text) or (ILLUSTRATION.match(text) and text.endswith("]")):
            _drop_block(block, "illustration placeholders (the text has no image)",
                        "import-illustration-dropped", log, gone)
        elif outside and len(block) <= 8 and CREDIT_PARAGRAPH.match(text):
            _drop_block(block, "transcription credits", "import-credit-dropped", log, gone)
        elif text.startswith("[Transcriber") or text.startswith("[Note: Project Gutenberg"):
            _drop_block(block, "transcriber's notes", "import-credit-dropped", log, gone)
        elif outside and DISTRIBUTOR.search(text):
            _drop_block(block, "the distributor's matter", "import-distributor-dropped", log, gone)
        elif len(block) == 1 and SE_SECTION.fullmatch(text) and _se_section_end(blocks, i):
            end = _se_section_end(blocks, i)
            run = [ln for b in blocks[i:end] for ln in b]
            log.drop_range([(ln.no, ln.text) for ln in run], "the distributor's pages",
                           "import-distributor-dropped", "it is the distributor's, not the authors'")
            gone.update(ln.no for ln in run)
            i = end
            continue
        i += 1
    return gone


def _is_authors_prose(block: Block) -> bool:
    text = " ".join(ln.text for ln in block)
    return (len(PROSE_WORD.findall(text)) >= PROSE_BLOCK_WORDS and not DISTRIBUTOR.search(text)
            and not CREDIT_PARAGRAPH.match(text))


def _se_section_end(blocks: list[Block], i: int) -> int:
    """Where a Standard Ebooks imprint/colophon/uncopyright section ends (0: it is not one).

    It runs over the paragraphs that speak of the ebook (or are its short lines, such as the
    uncopyright's blessing) up to the next heading or the first paragraph of other prose."""
    end = i + 1
    mentions = False
    while end < len(blocks):
        block = blocks[end]
        text = " ".join(ln.text for ln in block)
        about = bool(EBOOK_MATTER.search(text))
        if len(block) == 1 and (SE_SECTION.fullmatch(text) or _heading_like(text) and not about):
            break
        if _is_authors_prose(block) and not about:
            break
        mentions = mentions or about
        end += 1
    return end if mentions else 0


def _heading_like(text: str) -> bool:
    return len(text.split()) <= 12 and not text.endswith((".", ",", ";", ":")) and \
        text[:1].isupper()


def _drop_block(block: Block, why: str, code: str, log: Log, gone: set[int]) -> None:
    log.drop_range([(ln.no, ln.text) for ln in block], why, code,
                   "put it back by hand if it belongs to the text")
    gone.update(ln.no for ln in block)


def _web_cruft(lines: list[Line], gone: set[int], log: Log) -> set[int]:
    """Whole lines of a web page's chrome."""
    out: set[int] = set()
    for ln in lines:
        if ln.no in gone or len(ln.text) > WEB_CRUFT_MAX:
            continue
        if any(p.fullmatch(ln.text) for p in WEB_CRUFT):
            log.drop(ln.no, ln.text, "web boilerplate", "import-boilerplate-dropped",
                     f"dropped web boilerplate: {ln.text!r}",
                     "put the line back by hand if it belongs to the text")
            out.add(ln.no)
    return out


def _close_up(lines: list[Line], gone: set[int]) -> list[Line]:
    """The lines not gone; a line after a dropped paragraph starts a paragraph of its own."""
    out: list[Line] = []
    gap = False
    for ln in lines:
        if ln.no in gone and ln.text != "\f":
            gap = gap or ln.gap
            continue
        if gap and not ln.gap:
            ln = replace(ln, blanks=1)
        gap = False
        out.append(ln)
    return out

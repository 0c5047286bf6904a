"""Turn a manuscript folder into the requested outputs, written atomically.

A flat list of named steps, as in Sphinx's builders: read and check the whole manuscript,
render the shared HTML once, then hand it to each writer. Nothing is written until every
output has been made in memory, so a failed build leaves the previous outputs untouched.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .errors import Diagnostic, InputError
from .manuscript import read_manuscript
from .model import Book
from .output import atomic_write_all
from .pagemap import PageMap, insert_pagebreaks
from .pdf import PrintOptions
from .render import render, shared_html

log = logging.getLogger(__name__)

FORMATS = ("epub", "pdf", "html")


@dataclass(frozen=True)
class BuildOptions:
    formats: tuple[str, ...] = FORMATS
    outdir: Path = Path("build")
    strict: bool = False
    name: str = ""  # output file stem; default: the manuscript folder's name
    print: PrintOptions = field(default_factory=PrintOptions)
    booklet: str = ""  # "" or the sheet size of an imposed booklet: a4 | a3 | letter | tabloid
    progress: Callable[[str], None] | None = None
    paragraph_numbers: bool = False


@dataclass(frozen=True)
class BuildResult:
    outputs: tuple[Path, ...]
    warnings: tuple[Diagnostic, ...] = field(default_factory=tuple)


def output_name(manuscript: Path) -> str:
    folder = manuscript if manuscript.is_dir() else manuscript.parent
    return re.sub(r"[^A-Za-z0-9._-]+", "-", folder.resolve().name).strip("-.") or "volume"


def check(manuscript: Path, strict: bool = False) -> tuple[Diagnostic, ...]:
    """Read and check the manuscript; return its warnings or raise InputError."""
    checked = read_manuscript(manuscript)
    if strict and checked.warnings:
        raise InputError(checked.warnings)
    return checked.warnings


def _epub(book: Book) -> bytes:
    from .epub import write_epub  # imported late: `check` and `--html` do not need ebooklib

    return write_epub(book)


def _stored_map(path: Path, key: str) -> tuple[PageMap | None, dict[str, str], str]:
    """The page map (and index pages) of the last print layout, if it fits this book."""
    try:
        stored = json.loads(path.read_text("utf-8"))
        pages = PageMap.from_json(json.dumps(stored["page_map"]))
        index_pages = {str(k): str(v) for k, v in stored.get("index_pages", {}).items()}
    except FileNotFoundError:
        return None, {}, "no PDF has been built into this folder yet"
    except OSError as exc:
        return None, {}, f"the stored page map cannot be read ({exc.strerror})"
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return None, {}, f"the stored page map is unreadable ({exc})"
    if pages.key != key:
        return None, {}, "the text, styles or print options changed since the last PDF"
    return pages, index_pages, ""


def build(manuscript: Path, options: BuildOptions) -> BuildResult:
    """Build every requested format of one manuscript.

    The PDF is laid out first when it is asked for: its page map gives the EPUB its print
    page numbers, and its index anchors give the index its page numbers. An EPUB-only build
    reuses the map of the last print layout when nothing it depends on has changed.
    """
    from .pdf import layout_key, print_edition  # WeasyPrint loads only inside print_edition

    log.info("1. reading %s", manuscript)
    checked = read_manuscript(manuscript)
    if options.strict and checked.warnings:
        raise InputError(checked.warnings)
    warnings = list(checked.warnings)
    volume = checked.volume
    log.info("2. rendering the shared HTML")
    book = render(volume, number_paragraphs=options.paragraph_numbers)
    name = options.name or output_name(manuscript)
    made: dict[Path, bytes] = {}
    if options.booklet and "pdf" not in options.formats:
        raise InputError("--booklet: error booklet-without-pdf: a booklet is made from the PDF "
                         "(add --pdf, or leave out every format flag)")
    if "html" in options.formats:
        log.info("3. writing the HTML")
        made[options.outdir / f"{name}.html"] = shared_html(book).encode("utf-8")
    key = layout_key(book, options.print)
    map_path = options.outdir / f".{name}.pagemap.json"
    pages: PageMap | None = None
    index_pages: dict[str, str] = {}
    if "pdf" in options.formats:
        log.info("4. laying out the PDF")
        edition = print_edition(book, options.print, key, progress=options.progress)
        if volume.index and edition.anchors:
            # the index now knows its page numbers; it stands last, so no page before it moves
            log.info("4. laying out the PDF again with the index's page numbers")
            index_pages = edition.anchors
            book = render(volume, number_paragraphs=options.paragraph_numbers,
                          page_of=index_pages)
            edition = print_edition(book, options.print, key, progress=options.progress)
        pages = edition.pages
        made[options.outdir / f"{name}.pdf"] = edition.pdf
        made[map_path] = json.dumps({"page_map": json.loads(pages.to_json()),
                                     "index_pages": index_pages}, sort_keys=True,
                                    ensure_ascii=False, indent=1).encode("utf-8")
        if options.booklet:
            from .booklet import impose

            log.info("5. imposing the booklet")
            made[options.outdir / f"{name}-booklet.pdf"] = impose(edition.pdf, options.booklet)
    elif "epub" in options.formats:
        pages, index_pages, why = _stored_map(map_path, key)
        if pages is None:
            warnings.append(Diagnostic(
                str(options.outdir / f"{name}.epub"), 0, "epub-no-page-list",
                f"the EPUB has no print page numbers: {why}",
                "build the PDF too (--pdf, or no format flag) with the same print options",
                "warning"))
        else:
            log.info("3. reusing the page map of the last print layout (%s)", map_path)
            if index_pages:
                book = render(volume, number_paragraphs=options.paragraph_numbers,
                              page_of=index_pages)
    if "epub" in options.formats:
        log.info("6. packaging the EPUB")
        epub_book = insert_pagebreaks(book, pages) if pages is not None else book
        made[options.outdir / f"{name}.epub"] = _epub(epub_book)
    atomic_write_all(made)  # all outputs, or none: never a new HTML beside an old EPUB
    return BuildResult(tuple(p for p in made if p != map_path), tuple(warnings))

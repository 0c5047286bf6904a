"""Turn a manuscript folder into the requested outputs, written atomically.

A flat list of named steps, as in Sphinx's builders: read and check the whole manuscript,
render the shared HTML once, then hand it to each writer. Nothing is written until every
output has been made in memory, so a failed build leaves the previous outputs untouched.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .errors import Diagnostic, InputError
from .manuscript import read_manuscript
from .model import Book
from .output import atomic_write
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


def build(manuscript: Path, options: BuildOptions) -> BuildResult:
    """Build every requested format of one manuscript."""
    log.info("1. reading %s", manuscript)
    checked = read_manuscript(manuscript)
    if options.strict and checked.warnings:
        raise InputError(checked.warnings)
    log.info("2. rendering the shared HTML")
    book = render(checked.volume, number_paragraphs=options.paragraph_numbers)
    name = options.name or output_name(manuscript)
    made: dict[Path, bytes] = {}
    if "html" in options.formats:
        log.info("3. writing the HTML")
        made[options.outdir / f"{name}.html"] = shared_html(book).encode("utf-8")
    if "epub" in options.formats:
        log.info("3. packaging the EPUB")
        made[options.outdir / f"{name}.epub"] = _epub(book)
    if "pdf" in options.formats:
        from .pdf import write_pdf  # WeasyPrint loads only when a PDF is asked for

        log.info("4. laying out the PDF")
        pdf = write_pdf(book, options.print, progress=options.progress)
        made[options.outdir / f"{name}.pdf"] = pdf
        if options.booklet:
            from .booklet import impose

            log.info("5. imposing the booklet")
            made[options.outdir / f"{name}-booklet.pdf"] = impose(pdf, options.booklet)
    elif options.booklet:
        raise InputError("--booklet: error booklet-without-pdf: a booklet is made from the PDF "
                         "(add --pdf, or leave out every format flag)")
    for path, data in made.items():
        atomic_write(path, data)
    return BuildResult(tuple(made), checked.warnings)

"""Turn a manuscript folder into the requested outputs, written atomically.

A flat list of named steps, as in Sphinx's builders: read and check the whole manuscript,
render the shared HTML once, then hand it to each writer. Nothing is written until every
output has been made in memory, so a failed build leaves the previous outputs untouched.

Before any of it, the build's key is checked against the record of the last build into the
same folder (``cache.py``): when nothing changed, nothing is built. So that this check is
quick, the pipeline's modules (lxml, Markdown, Jinja, WeasyPrint, ebooklib behind them) are
imported only once a build has to run.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from . import cache
from .errors import Diagnostic, InputError
from .timings import Timings

if TYPE_CHECKING:  # the pipeline's modules are imported by build() itself, after the cache check
    from .model import Book, PrintOptions
    from .pdf.pagemap import PageMap

log = logging.getLogger(__name__)

FORMATS = ("epub", "pdf", "html")


@dataclass(frozen=True)
class BuildOptions:
    formats: tuple[str, ...] = FORMATS
    outdir: Path = Path("build")
    strict: bool = False
    name: str = ""  # output file stem; default: the manuscript folder's name
    # a PrintOptions, or its fields by name (the CLI's way, so that a no-op rebuild need not
    # import pdf.py and lxml): build() makes it a PrintOptions once it has to build
    print: PrintOptions | Mapping[str, Any] = field(default_factory=dict)
    booklet: str = ""  # "" or the sheet size of an imposed booklet: a4 | a3 | letter | tabloid
    progress: Callable[[str], None] | None = None
    paragraph_numbers: bool = False
    cache: bool = True  # False: build even when OUT/.NAME.build.json says nothing changed
    timings: Timings | None = None  # the wall time of each stage goes here (--timings)
    jobs: int = 0  # layout worker processes; 0: one a core, at most four (the PDF is the same)


@dataclass(frozen=True)
class BuildResult:
    outputs: tuple[Path, ...]
    warnings: tuple[Diagnostic, ...] = field(default_factory=tuple)
    timings: Timings | None = None
    up_to_date: bool = False  # nothing changed since the last build: the outputs were kept


def output_name(manuscript: Path) -> str:
    folder = manuscript if manuscript.is_dir() else manuscript.parent
    return re.sub(r"[^A-Za-z0-9._-]+", "-", folder.resolve().name).strip("-.") or "volume"


def check(manuscript: Path, strict: bool = False) -> tuple[Diagnostic, ...]:
    """Read and check the manuscript; return its warnings or raise InputError."""
    from .manuscript import read_manuscript

    checked = read_manuscript(manuscript)
    if strict and checked.warnings:
        raise InputError(checked.warnings)
    return checked.warnings


def _epub(book: Book) -> bytes:
    from .epub import write_epub  # imported late: `check` and `--html` do not need ebooklib

    return write_epub(book)


def _stored_map(path: Path, key: str) -> tuple[PageMap | None, dict[str, str], str]:
    """The page map (and index pages) of the last print layout, if it fits this book."""
    from .pdf.pagemap import PageMap

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


def _print_fields(value: PrintOptions | Mapping[str, Any]) -> dict[str, Any]:
    return asdict(value) if is_dataclass(value) else dict(value)


def _cache_key(manuscript: Path, options: BuildOptions, name: str) -> str | None:
    """The build's key (see cache.py): its manuscript, the options that shape its outputs."""
    settings = {"formats": sorted(set(options.formats)), "name": name,
                "booklet": options.booklet, "paragraph_numbers": options.paragraph_numbers,
                "strict": options.strict}
    if "pdf" in options.formats or "epub" in options.formats:  # the EPUB's print page numbers
        settings["print"] = _print_fields(options.print)
    # the files this build writes are not its input, even in a manuscript's own folder
    skip = [options.outdir / f"{name}{end}" for end in (".html", ".pdf", ".epub", "-booklet.pdf")]
    # an EPUB-only build takes its print page numbers from the last print layout's map
    reused = ([options.outdir / f".{name}.pagemap.json"]
              if "epub" in options.formats and "pdf" not in options.formats else [])
    return cache.build_key(manuscript, settings, skip=skip, inputs=reused)


def build(manuscript: Path, options: BuildOptions) -> BuildResult:
    """Build every requested format of one manuscript, unless the last build made them already.

    When ``options.cache`` is on and ``OUT/.NAME.build.json`` shows a build of the same
    manuscript, options and anthology whose outputs are still there unchanged, nothing is
    built: the result is ``up_to_date`` and repeats that build's warnings. Otherwise the
    outputs are made and written, the record with them, as one atomic change.
    """
    timings = options.timings if options.timings is not None else Timings()
    name = options.name or output_name(manuscript)
    record_file = cache.record_path(options.outdir, name)
    where = cache.where(manuscript, options.outdir)
    with timings.stage("cache check"):
        key = _cache_key(manuscript, options, name)
        hit = cache.up_to_date(record_file, key, where) if options.cache and key else None
    if hit is not None:
        cache.replay(hit.logged)
        return BuildResult(tuple(options.outdir / n for n in hit.outputs if not n.startswith(".")),
                           hit.warnings, timings, up_to_date=True)
    with cache.LogCapture() as logged:
        made, warnings = _make(manuscript, options, name, timings)
    with timings.stage("write"):
        from .output import atomic_write_all

        listed = tuple(p for p in made if not p.name.startswith("."))
        if key is not None:
            made[record_file] = cache.record(key, made, warnings, logged.lines, where)
        atomic_write_all(made)  # all outputs, or none: never a new HTML beside an old EPUB
    return BuildResult(listed, tuple(warnings), timings)


def _make(manuscript: Path, options: BuildOptions, name: str,
          timings: Timings) -> tuple[dict[Path, bytes], list[Diagnostic]]:
    """Every requested output, in memory (path → bytes), and the build's warnings.

    The PDF is laid out first when it is asked for: its page map gives the EPUB its print
    page numbers, and its index anchors give the index its page numbers. An EPUB-only build
    reuses the map of the last print layout when nothing it depends on has changed.
    """
    pool = None
    if "pdf" in options.formats:
        # the layout's workers start first, so WeasyPrint's import (in them) overlaps this
        # process's own imports, and the reading and rendering of the manuscript
        from functools import partial

        from .pdf.layout import Pool, default_jobs, folder_fetcher
        from .resources import styles_dir

        pool = Pool(options.jobs or default_jobs(), partial(folder_fetcher, styles_dir()),
                    warm=True)
    try:
        with timings.stage("import"):  # WeasyPrint: only in the layout's workers
            from importlib import import_module

            for module in ("manuscript", "pdf.pagemap", "render") + (
                    ("pdf.html",) if "pdf" in options.formats else ()):
                import_module(f".{module}", __package__)
        if pool is not None:
            from .model import PrintOptions
            from .pdf.html import warm_up_job

            print_options = (options.print if isinstance(options.print, PrintOptions)
                             else PrintOptions(**options.print))
            pool.warm_up(warm_up_job(print_options))
        return _make_with(manuscript, options, name, timings, pool)
    finally:
        if pool is not None:
            pool.close()


def _make_with(manuscript: Path, options: BuildOptions, name: str, timings: Timings,
               pool) -> tuple[dict[Path, bytes], list[Diagnostic]]:
    from .manuscript import read_manuscript
    from .pdf.pagemap import insert_pagebreaks
    from .model import PrintOptions
    from .pdf.pagemap import layout_key
    from .render import render, shared_html, with_index_pages

    if not isinstance(options.print, PrintOptions):
        options = replace(options, print=PrintOptions(**options.print))
    log.info("1. reading %s", manuscript)
    with timings.stage("read"):
        checked = read_manuscript(manuscript)
    if options.strict and checked.warnings:
        raise InputError(checked.warnings)
    warnings = list(checked.warnings)
    volume = checked.volume
    if options.booklet and "pdf" not in options.formats:
        raise InputError("--booklet: error booklet-without-pdf: a booklet is made from the PDF "
                         "(add --pdf, or leave out every format flag)")
    log.info("2. rendering the shared HTML")
    with timings.stage("render"):
        book = render(volume, number_paragraphs=options.paragraph_numbers)
    made: dict[Path, bytes] = {}
    if "html" in options.formats:
        log.info("3. writing the HTML")
        with timings.stage("html"):
            made[options.outdir / f"{name}.html"] = shared_html(book).encode("utf-8")
    map_path = options.outdir / f".{name}.pagemap.json"
    pages: PageMap | None = None
    index_pages: dict[str, str] = {}
    epub_path = options.outdir / f"{name}.epub"

    def package_epub(pages: PageMap | None, index_pages: dict[str, str]) -> None:
        log.info("6. packaging the EPUB")
        with timings.stage("epub"):
            paged = with_index_pages(book, index_pages) if index_pages else book
            made[epub_path] = _epub(insert_pagebreaks(paged, pages) if pages is not None
                                    else paged)

    if "pdf" in options.formats:
        with timings.stage("pdf"):
            from .pdf.html import print_edition

            log.info("4. laying out the PDF")
            # the EPUB is packaged as soon as the page map is known, while the workers draw
            edition = print_edition(
                book, options.print, progress=options.progress, pool=pool,
                timings=timings,
                on_map=package_epub if "epub" in options.formats else None)
            if "epub" in options.formats and epub_path not in made:
                package_epub(edition.pages, edition.anchors)
            pages, index_pages = edition.pages, edition.anchors
            made[options.outdir / f"{name}.pdf"] = edition.pdf
            made[map_path] = json.dumps({"page_map": json.loads(pages.to_json()),
                                         "index_pages": index_pages}, sort_keys=True,
                                        ensure_ascii=False, indent=1).encode("utf-8")
            if options.booklet:
                from .pdf.booklet import impose

                log.info("5. imposing the booklet")
                made[options.outdir / f"{name}-booklet.pdf"] = impose(edition.pdf, options.booklet)
    elif "epub" in options.formats:
        with timings.stage("page map"):
            pages, index_pages, why = _stored_map(map_path, layout_key(book, options.print))
        if pages is None:
            warnings.append(Diagnostic(
                str(options.outdir / f"{name}.epub"), 0, "epub-no-page-list",
                f"the EPUB has no print page numbers: {why}",
                "build the PDF too (--pdf, or no format flag) with the same print options",
                "warning"))
        else:
            log.info("3. reusing the page map of the last print layout (%s)", map_path)
        package_epub(pages, index_pages)
    return made, warnings

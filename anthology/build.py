"""Turn a manuscript folder into the requested outputs, written atomically.

A flat list of named steps, as in Sphinx's builders (see :func:`_make`), in this order:

0. start the layout workers (they import WeasyPrint while this process reads and renders);
1. read and check the whole manuscript;
2. render the shared HTML once;
3. lay out the print edition (a :class:`~anthology.pdf.edition.Printing`, a future: its page
   map comes as soon as every page is laid out, its PDF once every page is drawn);
4. package the EPUB, with the print page numbers (while the workers draw the last pages);
5. the HTML, and beside it in ``images/`` the pictures it shows;
6. write every output in one atomic change (:func:`build`).

Nothing is written until every output has been made in memory, so a failed build leaves the
previous outputs untouched. Before any of it, the build's key is checked against the record
of the last build into the same folder (``cache/``): when nothing changed, nothing is built.
So that this check is quick, the pipeline's modules (lxml, Markdown, Jinja, WeasyPrint,
ebooklib behind them) are imported only once a build has to run.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from . import cache
from .errors import Diagnostic, InputError
from .timings import Timings

if TYPE_CHECKING:  # the pipeline's modules are imported by build() itself, after the cache check
    from .model import Book, PrintOptions, Volume
    from .pdf.edition import Printing
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
    # import pdf/ and lxml): build() makes it a PrintOptions once it has to build
    print: PrintOptions | Mapping[str, Any] = field(default_factory=dict)
    booklet: str = ""  # "" or the sheet size of an imposed booklet: a4 | a3 | letter | tabloid
    progress: Callable[[str], None] | None = None
    paragraph_numbers: bool = False
    cache: bool = True  # False: build even when OUT/.NAME.build.json says nothing changed
    timings: Timings | None = None  # the wall time of each stage goes here (--timings)
    jobs: int = 0  # layout worker processes; 0: one a core, at most four (the PDF is the same)
    # the PDF chunks kept between builds; None: those in OUT/.NAME.chunks/. A program that
    # builds again and again (serve) passes the same one each time: what the last build used
    # stays in memory then. Not used with cache=False (a build from nothing keeps nothing).
    chunks: cache.ChunkCache | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class BuildResult:
    outputs: tuple[Path, ...]
    warnings: tuple[Diagnostic, ...] = field(default_factory=tuple)
    timings: Timings | None = None
    up_to_date: bool = False  # nothing changed since the last build: the outputs were kept


def _folder(manuscript: Path) -> Path:
    """The manuscript folder, whether the folder or its volume.toml was named."""
    return manuscript if manuscript.is_dir() else manuscript.parent


def output_name(manuscript: Path) -> str:
    folder = _folder(manuscript)
    return re.sub(r"[^A-Za-z0-9._-]+", "-", folder.resolve().name).strip("-.") or "volume"


def check(manuscript: Path, strict: bool = False) -> tuple[Diagnostic, ...]:
    """Read and check the manuscript; return its warnings or raise InputError."""
    from .manuscript import read_manuscript

    checked = read_manuscript(manuscript)
    if strict and checked.warnings:
        raise InputError(checked.warnings)
    return checked.warnings


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
    """The build's key (see cache/builds.py): its manuscript, the options that shape its outputs."""
    settings = {"formats": sorted(set(options.formats)), "name": name,
                "booklet": options.booklet, "paragraph_numbers": options.paragraph_numbers,
                "strict": options.strict}
    if "pdf" in options.formats or "epub" in options.formats:  # the EPUB's print page numbers
        settings["print"] = _print_fields(options.print)
    # the files this build writes are not its input, even in a manuscript's own folder; nor
    # are the pictures an HTML build writes beside it, unless that is the manuscript's images/
    # folder itself (an output folder that is the manuscript's): its pictures are input
    skip = [options.outdir / f"{name}{end}" for end in (".html", ".pdf", ".epub", "-booklet.pdf")]
    pictures = options.outdir / "images"
    if os.path.realpath(pictures) != os.path.realpath(_folder(manuscript) / "images"):
        skip.append(pictures)
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
        return BuildResult(tuple(options.outdir / n for n in hit.outputs
                                 if not n.startswith(".") and "/" not in n),
                           hit.warnings, timings, up_to_date=True)
    # the print edition's chunks kept from the last build into the folder (cache/chunks.py)
    kept = (options.chunks or cache.ChunkCache(cache.chunks_path(options.outdir, name))
            if options.cache else None)
    with cache.LogCapture() as logged:
        try:
            made, warnings = _make(manuscript, options, name, timings, kept)
        except BaseException:
            if kept is not None:
                kept.abandon()
            raise
    with timings.stage("write"):
        from .output import atomic_write_all

        # the outputs the user is told of: not the records, nor the pictures beside the HTML
        listed = tuple(p for p in made if not p.name.startswith(".") and p.parent == options.outdir)
        if key is not None:
            made[record_file] = cache.record(key, made, warnings, logged.lines, where,
                                             folder=options.outdir)
        try:
            atomic_write_all(made)  # all outputs, or none: never a new HTML beside an old EPUB
        except BaseException:
            if kept is not None:
                kept.abandon()
            raise
        if kept is not None and "pdf" in options.formats:
            kept.save()  # this build's chunks, for the next; the others go
    return BuildResult(listed, tuple(warnings), timings)


def _make(manuscript: Path, options: BuildOptions, name: str, timings: Timings,
          kept: cache.ChunkCache | None = None) -> tuple[dict[Path, bytes], list[Diagnostic]]:
    """Every requested output, in memory (path → bytes), and the build's warnings.

    The steps, in order: read, render, the print edition, the EPUB, the HTML (``build``
    then writes them). Two of them overlap, and only these: the layout workers start
    before the manuscript is read (they import WeasyPrint meanwhile), and the print
    edition is a :class:`~anthology.pdf.edition.Printing`, a future whose page map comes
    as soon as every page is laid out: the EPUB, which carries the print page numbers, is
    packaged then, while the workers draw the last pages.
    """
    workers = _start_workers(options) if "pdf" in options.formats else None
    printing = None
    try:
        options = _import_pipeline(options, workers, timings)
        volume, warnings = _read(manuscript, options, timings)
        book = _render(volume, options, timings)
        if "pdf" in options.formats:
            printing = _lay_out(book, options, workers, timings, kept)
        # the book with the print page numbers, once, for the EPUB and the HTML
        paged = _paged(book, options, name, printing, warnings, timings) \
            if printing is not None or "epub" in options.formats else book
        epub = _epub(paged, timings) if "epub" in options.formats else None
        printed = _print(printing, options, timings) if printing is not None else {}
        html = _html(paged, timings) if "html" in options.formats else None
    finally:
        if printing is not None:
            printing.close()
        if workers is not None:
            workers.close()
    made: dict[Path, bytes] = {}  # in this order the outputs are listed and written
    if html is not None:
        made[options.outdir / f"{name}.html"] = html
        made.update(_pictures(book, manuscript, options.outdir))
    if epub is not None:
        made[options.outdir / f"{name}.epub"] = epub
    if printed:
        made[options.outdir / f"{name}.pdf"] = printed["pdf"]
        made[options.outdir / f".{name}.pagemap.json"] = printed["map"]
        if "booklet" in printed:
            made[options.outdir / f"{name}-booklet.pdf"] = printed["booklet"]
    return made, warnings


def _start_workers(options: BuildOptions):
    """Step 0: the layout workers, started before anything else is imported, so that
    WeasyPrint's import (in them) overlaps this process's imports, reading and rendering.
    None when the chunked layout is off (the print edition then says why)."""
    from .pdf.weasy import fast_path_off

    if fast_path_off():
        return None
    from .pdf.options import styles_fetcher
    from .pdf.workers import Pool, default_jobs

    return Pool(options.jobs or default_jobs(), styles_fetcher, warm=True)


def _import_pipeline(options: BuildOptions, workers, timings: Timings) -> BuildOptions:
    """The pipeline's modules (WeasyPrint only in the workers), then the print styles for
    the workers to parse while the book is read: the options with their PrintOptions."""
    from importlib import import_module

    with timings.stage("import"):
        for module in ("manuscript", "pdf.pagemap", "render") + (
                ("pdf.edition",) if "pdf" in options.formats else ()):
            import_module(f".{module}", __package__)
    from .model import PrintOptions

    if not isinstance(options.print, PrintOptions):
        options = replace(options, print=PrintOptions(**options.print))
    if workers is not None:
        from .pdf.edition import warm_up_job

        workers.warm_up(warm_up_job(options.print))
    return options


def _read(manuscript: Path, options: BuildOptions,
          timings: Timings) -> tuple[Volume, list[Diagnostic]]:
    """Step 1: the whole manuscript, read and checked."""
    from .manuscript import read_manuscript

    log.info("1. reading %s", manuscript)
    with timings.stage("read"):
        checked = read_manuscript(manuscript)
    if options.strict and checked.warnings:
        raise InputError(checked.warnings)
    if options.booklet and "pdf" not in options.formats:
        raise InputError("--booklet: error booklet-without-pdf: a booklet is made from the PDF "
                         "(add --pdf, or leave out every format flag)")
    return checked.volume, list(checked.warnings)


def _render(volume: Volume, options: BuildOptions, timings: Timings) -> Book:
    """Step 2: the shared HTML, rendered once for every writer."""
    from .render import render

    log.info("2. rendering the shared HTML")
    with timings.stage("render"):
        return render(volume, number_paragraphs=options.paragraph_numbers)


def _lay_out(book: Book, options: BuildOptions, workers, timings: Timings,
            kept: cache.ChunkCache | None = None) -> Printing:
    """Step 3: the print edition, under way in the workers (or as one document), taking
    the chunks ``kept`` from the last build where they are the same."""
    from .pdf.edition import Printing

    log.info("3. laying out the PDF")
    with timings.stage("pdf"):
        return Printing(book, options.print, workers, progress=options.progress,
                        timings=timings, kept=kept)


def _paged(book: Book, options: BuildOptions, name: str, printing: Printing | None,
           warnings: list[Diagnostic], timings: Timings) -> Book:
    """Step 4, begun: the book with the print page numbers where the PDF's pages begin (and
    the index's page numbers): the page map of this build's print layout as soon as every
    page is laid out, else the stored map of the last one that still fits (an EPUB-only
    build), else the book as it is, with a warning (the EPUB then has no page-list)."""
    from .pdf.pagemap import insert_pagebreaks, layout_key
    from .render import with_index_pages

    if printing is not None:
        with timings.stage("pdf"):
            pages, index_pages = printing.page_map()
    else:
        with timings.stage("page map"):
            pages, index_pages, why = _stored_map(options.outdir / f".{name}.pagemap.json",
                                                  layout_key(book, options.print))
        if pages is None:
            warnings.append(Diagnostic(
                str(options.outdir / f"{name}.epub"), 0, "epub-no-page-list",
                f"the EPUB has no print page numbers: {why}",
                "build the PDF too (--pdf, or no format flag) with the same print options",
                "warning"))
            return book
        log.info("4. reusing the page map of the last print layout")
    with timings.stage("epub"):
        return insert_pagebreaks(with_index_pages(book, index_pages) if index_pages else book,
                                 pages)


def _epub(paged: Book, timings: Timings) -> bytes:
    """Step 4: the EPUB, packaged (while the workers draw the last pages)."""
    from .epub import write_epub

    log.info("4. packaging the EPUB")
    with timings.stage("epub"):
        return write_epub(paged)


def _print(printing: Printing, options: BuildOptions, timings: Timings) -> dict[str, bytes]:
    """Step 3, ended: the PDF drawn and joined, its page map for later EPUB-only builds,
    and the booklet imposed from it."""
    with timings.stage("pdf"):
        edition = printing.result()
    out = {"pdf": edition.pdf,
           "map": json.dumps({"page_map": json.loads(edition.pages.to_json()),
                              "index_pages": edition.anchors}, sort_keys=True,
                             ensure_ascii=False, indent=1).encode("utf-8")}
    if options.booklet:
        from .pdf.booklet import impose

        log.info("3. imposing the booklet")
        with timings.stage("pdf"):
            out["booklet"] = impose(edition.pdf, options.booklet)
    return out


def _pictures(book: Book, manuscript: Path, outdir: Path) -> dict[Path, bytes]:
    """The pictures the HTML shows, in ``images/`` beside it (its ``src="images/NAME"``):
    none that is the manuscript's own file already (an output folder that is the
    manuscript's)."""
    out: dict[Path, bytes] = {}
    for image in book.images:
        target = outdir / "images" / image.name
        source = _folder(manuscript) / "images" / image.name
        try:
            if os.path.samefile(target, source):
                continue
        except OSError:  # no such file yet
            pass
        out[target] = image.data
    return out


def _html(paged: Book, timings: Timings) -> bytes:
    """Step 5: the shared HTML as one page; with the print page numbers when the book has
    them (as the EPUB has them), shown in the margin by the ``html.css`` layer."""
    from .render import shared_html

    log.info("5. writing the HTML")
    with timings.stage("html"):
        return shared_html(paged, layers=("base.css", "html.css")).encode("utf-8")

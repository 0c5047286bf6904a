"""Turn command lines into pipeline calls: a thin click shell over the stages.

Domain errors are caught once, here, and printed one per line as ``path:line: …``; usage
errors likewise get one line. No traceback reaches a user for bad input (``ANTHOLOGY_DEBUG``
shows the one behind an error). SIGTERM and SIGHUP end a build as Ctrl-C does: every
cleanup runs (the layout workers stop, no temporary file stays), the previous outputs are
left as they were, and the exit code says which signal it was.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Iterator

import click

from . import __version__
from .build import FORMATS, BuildOptions, build, check
from .errors import AnthologyError, Diagnostic, InputError
from .resources import bundled_manuscript
from .timings import Timings

# Nothing heavy is imported here (no lxml, Markdown, WeasyPrint...): `build` imports what it
# needs once it knows it has to build, so a no-op rebuild answers in a blink.

manuscript_argument = click.argument(
    "manuscript", required=False, type=click.Path(path_type=Path, exists=False))
strict_option = click.option("--strict", is_flag=True, help="Treat warnings as errors.")
verbose_option = click.option("-v", "--verbose", is_flag=True, help="Log each step.")


def _manuscript(path: Path | None) -> Path:
    return path if path is not None else bundled_manuscript()


def _warn(diagnostics) -> None:
    for d in diagnostics:
        click.echo(str(d), err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="anthology")
def cli() -> None:
    """Turn related texts into an edited volume: EPUB 3 and print-ready PDF."""


@cli.command("build")
@manuscript_argument
@click.option("--epub", "formats", flag_value="epub", multiple=True, help="Write the EPUB 3.")
@click.option("--pdf", "formats", flag_value="pdf", multiple=True,
              help="Write the print-ready PDF.")
@click.option("--html", "formats", flag_value="html", multiple=True,
              help="Write the shared HTML as one page.")
@click.option("-o", "--output", "outdir", type=click.Path(path_type=Path), default=Path("build"),
              show_default=True, help="Folder for the outputs.")
@click.option("--trim", type=click.Choice(["a5", "a4", "letter", "6x9in"]), default="a5",
              show_default=True, help="PDF trim (page) size.")
@click.option("--notes", type=click.Choice(["endnotes", "footnotes"]), default="endnotes",
              show_default=True, help="PDF: notes after each piece, or at the foot of the page.")
@click.option("--pdf-variant", type=click.Choice(["pdf/a-2b", "pdf/ua-1"]), default=None,
              help="Make the PDF an archival (PDF/A-2b) or tagged accessible (PDF/UA-1) file.")
@click.option("--bleed", default="", metavar="LENGTH", help="PDF bleed for print shops, e.g. 3mm.")
@click.option("--marks", type=click.Choice(["crop"]), default=None,
              help="PDF printer's marks outside the trim.")
@click.option("--large-print", is_flag=True, help="PDF in large type on a larger page.")
@click.option("--booklet", is_flag=True,
              help="Also write NAME-booklet.pdf, imposed for saddle-stitch printing.")
@click.option("--sheet", type=click.Choice(["a4", "a3", "letter", "tabloid"]), default="a4",
              show_default=True, help="Sheet size of the booklet.")
@click.option("--paragraph-numbers", is_flag=True,
              help="Number each piece's paragraphs, the same in the EPUB and the PDF.")
@strict_option
@click.option("--no-cache", is_flag=True,
              help="Build from nothing: even if nothing changed since the last build into "
                   "the folder, and without the PDF chunks it kept (keeping none).")
@click.option("--timings", "show_timings", is_flag=True,
              help="Print the wall time of each stage of the build to stderr.")
@click.option("--jobs", "-j", type=click.IntRange(0), default=0, metavar="N",
              help="Processes laying out the PDF side by side (default 0: one a core, at "
                   "most four). The PDF is the same whatever N is.")
@verbose_option
def build_command(manuscript: Path | None, formats: tuple[str, ...], outdir: Path, trim: str,
                  notes: str, pdf_variant: str | None, bleed: str, marks: str | None,
                  large_print: bool, booklet: bool, sheet: str, paragraph_numbers: bool,
                  strict: bool, no_cache: bool, show_timings: bool, jobs: int,
                  verbose: bool) -> None:
    """Build MANUSCRIPT (default: the bundled Serge volume) in every format, or those asked for.

    When nothing changed since the last build into the folder (the manuscript, the options,
    anthology), its outputs are kept and the build says they are up to date.
    """
    timings = Timings()
    _logging(verbose)
    print_options = dict(trim=trim, notes=notes, variant=pdf_variant or "", bleed=bleed,
                         marks=marks or "", large_print=large_print)  # pdf.PrintOptions' fields
    options = BuildOptions(formats=tuple(dict.fromkeys(formats)) or FORMATS, outdir=outdir,
                           strict=strict, print=print_options, booklet=sheet if booklet else "",
                           progress=_progress(), paragraph_numbers=paragraph_numbers,
                           cache=not no_cache, timings=timings, jobs=jobs)
    result = build(_manuscript(manuscript), options)
    _end_progress()
    _warn(result.warnings)
    if result.up_to_date:
        click.echo(f"up to date: {', '.join(map(str, result.outputs))} (nothing changed)")
    else:
        for path in result.outputs:
            click.echo(f"wrote {path}")
    if show_timings:
        click.echo(timings.report(), err=True)


@cli.command("serve")
@manuscript_argument
@click.option("-o", "--output", "outdir", type=click.Path(path_type=Path), default=Path("build"),
              show_default=True, help="Folder for the outputs.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port of the preview (0: any free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to serve on; another than this machine's only when asked.")
@click.option("--booklet", is_flag=True, help="Also make the booklet, and link it.")
@click.option("--jobs", "-j", type=click.IntRange(0), default=0, metavar="N",
              help="Processes laying out the PDF side by side (default: one a core, at most 4).")
@verbose_option
def serve_command(manuscript: Path | None, outdir: Path, port: int, host: str, booklet: bool,
                  jobs: int, verbose: bool) -> None:
    """Build MANUSCRIPT, serve a preview that reloads itself, and rebuild on every save.

    The preview is the book's HTML with its print page numbers in the margin, the build's
    errors and warnings above it and links to the EPUB and PDF. Ctrl-C stops it.
    """
    from .serve import serve

    _logging(verbose)
    options = BuildOptions(outdir=outdir, booklet="a4" if booklet else "", jobs=jobs)

    def ready(url: str) -> None:
        click.echo(f"serving {url} (Ctrl-C to stop)", err=True)

    try:
        serve(_manuscript(manuscript), options, host=host, port=port, ready=ready,
              say=lambda line: click.echo(line, err=True))
    except KeyboardInterrupt:
        click.echo("stopped; the last good book is in " + str(outdir), err=True)
    except OSError as exc:  # the port is taken, or the interface is not this machine's
        raise InputError(Diagnostic(f"{host}:{port}", 0, "serve-unavailable",
                                    exc.strerror or str(exc),
                                    "choose another --port (0: any free one)")) from None


@cli.command("check")
@manuscript_argument
@strict_option
def check_command(manuscript: Path | None, strict: bool) -> None:
    """Report the manuscript's problems without building anything."""
    warnings = check(_manuscript(manuscript), strict)
    _warn(warnings)
    click.echo(f"ok: {len(warnings)} warning{'s' if len(warnings) != 1 else ''}")


@cli.command("index")
@manuscript_argument
@click.option("--suggest", is_flag=True, required=True,
              help="Propose index terms: capitalised names that recur in the texts.")
@click.option("--min", "minimum", type=click.IntRange(1), default=3, show_default=True,
              help="How often a name must occur to be proposed.")
def index_command(manuscript: Path | None, suggest: bool, minimum: int) -> None:
    """Propose index terms for MANUSCRIPT, as [[index]] tables to paste into volume.toml."""
    from .render.apparatus import suggest_index
    from .manuscript import read_manuscript

    volume = read_manuscript(_manuscript(manuscript)).volume
    candidates = suggest_index(volume, minimum)
    for c in candidates:
        click.echo(f'[[index]]  # {c.count} times\nheading = "{c.term}"\nmatches = ["{c.term}"]\n')
    click.echo(f"{len(candidates)} candidates not yet in the index", err=True)


@cli.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "outdir", type=click.Path(path_type=Path, file_okay=False),
              required=True, help="Folder for the new manuscript.")
@click.option("--force", is_flag=True, help="Replace the folder if it already holds files.")
def import_command(sources: tuple[Path, ...], outdir: Path, force: bool) -> None:
    """Turn SOURCES into an editable manuscript in a new folder.

    SOURCES are text dumps (.txt), Word (.docx), OpenDocument (.odt), saved web pages
    (.html), Markdown (.md) and e-book (.epub) files, or folders of them: one piece a file (a
    dump may hold several, an e-book has one a chapter), in the order given, a folder's files
    in name order.
    """
    from .importer import format_report
    from .importer.sources import import_sources
    from .output import atomic_write_tree

    if outdir.exists() and any(outdir.iterdir()) and not force:
        raise InputError(f"{outdir}: error output-exists: the folder already holds files "
                         "(choose a new folder, or pass --force to replace it)")
    files, report = import_sources(list(sources))
    atomic_write_tree(outdir, files)
    for line in format_report(report):
        click.echo(line, err=True)
    click.echo(f"wrote {outdir}")


def _logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(message)s", stream=sys.stderr)
    # WeasyPrint's own chatter (per-page progress, font subsetting back-end) is not the user's
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("weasyprint.progress").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)


def _progress():
    """On a terminal, show each long step on one self-erasing line; elsewhere stay quiet."""
    if not sys.stderr.isatty():
        return None

    def show(step: str) -> None:
        sys.stderr.write(f"\r\033[K{step}…")
        sys.stderr.flush()

    return show


def _end_progress() -> None:
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


class Terminated(BaseException):
    """SIGTERM or SIGHUP: raised where the main thread is, so that every cleanup on the way
    out runs as it does for Ctrl-C (not an Exception, which a stage might catch)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _signals_end_cleanly() -> Iterator[None]:
    """While the block runs, SIGTERM and SIGHUP raise :class:`Terminated` (once: a second
    signal while the first is being cleaned up after is ignored)."""
    names = [s for s in ("SIGTERM", "SIGHUP") if hasattr(signal, s)]
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; a caller's thread keeps its own
        return
    caught: list[int] = []

    def handler(signum, frame) -> None:
        if not caught:
            caught.append(signum)
            raise Terminated(signum)

    previous = {name: signal.signal(getattr(signal, name), handler) for name in names}
    try:
        yield
    finally:
        for name, old in previous.items():
            signal.signal(getattr(signal, name), old)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning every expected failure into lines and an exit code."""
    try:
        with _signals_end_cleanly():
            cli.main(args=argv, prog_name="anthology", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:  # pragma: no cover - click >= 8.2
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        return 0
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "anthology"
        message = exc.format_message().rstrip(".")
        click.echo(f"{command}: {message[0].lower() + message[1:]} "
                   f"(see '{command} --help')", err=True)
        return 2
    except click.Abort:
        click.echo("anthology: interrupted; no output was changed", err=True)
        return 130
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except Terminated as exc:
        name = signal.Signals(exc.signum).name
        click.echo(f"anthology: stopped by {name}; no output was changed", err=True)
        return 128 + exc.signum
    except AnthologyError as exc:
        if os.environ.get("ANTHOLOGY_DEBUG") and exc.__cause__ is not None:
            import traceback

            click.echo("".join(traceback.format_exception(exc)).rstrip(), err=True)
        for d in exc.diagnostics:
            click.echo(str(d), err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("anthology: interrupted; no output was changed", err=True)
        return 130
    except Exception as exc:  # a bug in anthology, not bad input: still one line by default
        if os.environ.get("ANTHOLOGY_DEBUG"):
            raise
        click.echo(f"anthology: internal error: {type(exc).__name__}: {exc} "
                   "(no output was changed; rerun with ANTHOLOGY_DEBUG=1 and report it)", err=True)
        return 3
    return 0


def run() -> None:  # pragma: no cover
    sys.exit(main())

"""Turn print options into the print layers: page size, margins, type, marks and fonts.

The print HTML is the shared HTML with ``base.css``, the print layer ``styles/print.css``,
and what is written here for the options: the ``@font-face`` rules of the book's fonts and a
few ``@page`` rules for the trim size, bleed, crop marks and large print. The options are
checked here too, every problem reported at once. Nothing is fetched from the network or
the system: the fonts come from the package's styles folder, the pictures (``images/NAME``
beside the styles, as the print HTML's base makes it) from the bytes the manuscript's reader
checked (``weasy.folder_fetcher``), and any other URL is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import Diagnostic, InputError
from ..model import Book, PrintOptions
from ..resources import styles_dir


FONT_FAMILY = "Anthology Charis"  # a private name, so a system "Charis SIL" is never used
NOTE_MODES = ("endnotes", "footnotes")
VARIANTS = ("", "pdf/a-2b", "pdf/ua-1")
MARKS = ("", "crop")
_LENGTH = re.compile(r"^(0|\d+(\.\d+)?(mm|cm|in|pt|pc|px|q))$")
FIGURE_CAPTION_ROOM_MM = 30  # of the text's height, kept for a figure's caption


@dataclass(frozen=True)
class _Trim:
    """A page size and the type and margins that suit it."""

    width: str
    height: str
    size: float  # body type, pt
    leading: float  # line height, as a multiple of the type size
    top: str  # the running head sits in the top margin
    bottom: str  # the dropped folio sits in the bottom margin
    inner: str  # the gutter
    outer: str


# Margins keep a measure of about 60-70 characters; the gutter is the larger side margin.
TRIMS: dict[str, _Trim] = {
    "a5": _Trim("148mm", "210mm", 10.5, 1.38, "19mm", "21mm", "20mm", "16mm"),
    "6x9in": _Trim("6in", "9in", 11, 1.38, "20mm", "22mm", "21mm", "16mm"),
    "a4": _Trim("210mm", "297mm", 12, 1.4, "26mm", "30mm", "36mm", "28mm"),
    "letter": _Trim("8.5in", "11in", 12, 1.4, "24mm", "28mm", "36mm", "28mm"),
}
# Large print: the same book on a larger leaf, with type near 16 pt and more leading.
LARGE_PRINT: dict[str, _Trim] = {
    "a4": _Trim("210mm", "297mm", 16, 1.5, "24mm", "26mm", "24mm", "18mm"),
    "letter": _Trim("8.5in", "11in", 16, 1.5, "22mm", "24mm", "24mm", "18mm"),
}

# How the page-list's source names each trim (the EPUB's pageBreakSource).
TRIM_NAMES = {"a5": "A5 (148 × 210 mm)", "6x9in": "6 × 9 in (152 × 229 mm)",
              "a4": "A4 (210 × 297 mm)", "letter": "US Letter (8.5 × 11 in)"}


def edition_name(book: Book, options: PrintOptions) -> str:
    """The print edition as the EPUB's page-list names its source: title, trim, notes."""
    trim = ("letter" if options.trim == "letter" else "a4") if options.large_print else options.trim
    name = f"{book.title}, print edition, " + ("large print, " if options.large_print else "")
    name += TRIM_NAMES.get(trim, trim)
    return name + (", with footnotes" if options.notes == "footnotes" else "")


def base_url() -> str:
    """The URL relative links of the print HTML resolve against: the styles folder (its
    ``images/NAME`` are the book's pictures, served from memory: see ``styles_fetcher``)."""
    return styles_dir().as_uri() + "/"

def print_styles(fonts, options: PrintOptions, has_parts: bool) -> tuple[str, ...]:
    """The print layers after base.css, as the print HTML's <style> elements hold them."""
    return tuple("\n" + css + "\n" for css in (
        _fonts_css(fonts), (styles_dir() / "print.css").read_text("utf-8"),
        page_css(options, has_parts)))


def page_css(options: PrintOptions, has_parts: bool = True) -> str:
    """The generated print layer: page size, margins, type size, printer's marks."""
    trim = _trim(options)
    head_size = round(trim.size * 0.82, 2)
    lines = [
        "@page {",
        f"  size: {trim.width} {trim.height};",
        f"  margin: {trim.top} {trim.outer} {trim.bottom} {trim.inner};",
    ]
    if options.bleed:
        lines.append(f"  bleed: {options.bleed.strip().lower()};")
    if options.marks:
        lines.append(f"  marks: {options.marks};")
    for box in ("top-left", "top-center", "top-right"):
        align = box.split("-")[1]
        lines.append(f"  @{box} {{ font-family: \"{FONT_FAMILY}\"; font-size: {head_size}pt; "
                     f"vertical-align: bottom; padding-bottom: {round(trim.size * 1.1, 2)}pt; "
                     f"text-align: {align}; }}")
    for box in ("bottom-left", "bottom-center", "bottom-right"):
        lines.append(f"  @{box} {{ font-family: \"{FONT_FAMILY}\"; font-size: {head_size}pt; "
                     f"vertical-align: top; padding-top: {round(trim.size * 1.2, 2)}pt; }}")
    lines.append("}")
    # mirror margins: the gutter is on the right of a verso, on the left of a recto
    lines.append(f"@page :left {{ margin-left: {trim.outer}; margin-right: {trim.inner}; }}")
    lines.append(f"@page :right {{ margin-left: {trim.inner}; margin-right: {trim.outer}; }}")
    lines.append(f"html {{ font-size: {trim.size}pt; line-height: {trim.leading}; }}")
    # a figure's picture leaves room on the page for a caption of a few lines
    text_height = _mm(trim.height) - _mm(trim.top) - _mm(trim.bottom)
    lines.append(f"figure img {{ max-height: {round(text_height - FIGURE_CAPTION_ROOM_MM)}mm; }}")
    # Folios restart at 1 on the first page of the main matter. The reset is in the page
    # context, never in content CSS, where it would make every target-counter() print 0.
    lines.append("@page part-first { counter-set: page 1; }")
    lines.append("@page piece-first:nth(1 of piece-first) { counter-set: page 1; }")
    if not has_parts:
        lines.append(".piece-title { bookmark-level: 1; }")
    return "\n".join(lines)

def _mm(length: str) -> float:
    """A trim's length ("148mm", "8.5in") in millimetres."""
    value, unit = float(length[:-2]), length[-2:]
    return value * {"mm": 1.0, "in": 25.4}[unit]


# ---- checking the options -------------------------------------------------------------------


def _trim(options: PrintOptions) -> _Trim:
    if options.large_print:
        return LARGE_PRINT["letter" if options.trim == "letter" else "a4"]
    return TRIMS[options.trim]


def check_options(book: Book, options: PrintOptions) -> None:
    problems = []

    def bad(option: str, message: str, hint: str) -> None:
        problems.append(Diagnostic(option, 0, "print-option", message, hint))

    if options.trim not in TRIMS:
        bad("--trim", f"unknown trim size {options.trim!r}", "choose " + _choices(TRIMS))
    if options.notes not in NOTE_MODES:
        bad("--notes", f"unknown note placement {options.notes!r}",
            "choose " + _choices(NOTE_MODES))
    if options.variant not in VARIANTS:
        bad("--pdf-variant", f"unsupported PDF variant {options.variant!r}",
            "choose " + _choices([v for v in VARIANTS if v]))
    if options.bleed and not _LENGTH.match(options.bleed.strip().lower()):
        bad("--bleed", f"not a length: {options.bleed!r}", "write it like 3mm or 0.125in")
    if options.marks not in MARKS:
        bad("--marks", f"unknown printer's marks {options.marks!r}", "use crop, or leave it out")
    for font in book.fonts:
        if not Path(font).is_file():
            bad(str(font), "font file missing", "reinstall anthology; the fonts ship with it")
        elif not _inside(Path(font), styles_dir()):
            bad(str(font), "font outside the package's styles folder",
                "fonts are read from styles/fonts only")
    if problems:
        raise InputError(problems)


def _choices(values) -> str:
    values = list(values)
    return ", ".join(values[:-1]) + " or " + values[-1]


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


# ---- fonts and fetching -------------------------------------------------------------------


_FACES = {"Regular": ("normal", 400), "Italic": ("italic", 400), "Bold": ("normal", 700),
          "BoldItalic": ("italic", 700)}


def _fonts_css(fonts: tuple[Path, ...]) -> str:
    rules = []
    for font in fonts:
        face = Path(font).stem.rsplit("-", 1)[-1]
        style, weight = _FACES.get(face, ("normal", 400))
        rules.append(f'@font-face {{ font-family: "{FONT_FAMILY}"; font-style: {style}; '
                     f'font-weight: {weight}; src: url("{Path(font).resolve().as_uri()}"); }}')
    return "\n".join(rules)


def styles_fetcher():
    """A URL fetcher that serves files inside the styles folder and refuses everything else."""
    from .weasy import folder_fetcher

    return folder_fetcher(styles_dir())

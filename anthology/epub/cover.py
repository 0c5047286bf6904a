"""Turn the volume's title and authors into a typographic cover image.

The cover is type only, set in the volume's own Charis SIL: the title large and bold in the
upper half, a short rule, the subtitle in italic, and the authors at the foot. Dark grey on an
almost-white ground, so it reads the same on e-ink (16 greys) as on a colour screen, and the
title stays legible in a library thumbnail.

The PNG is greyscale and carries no metadata chunks (no time, no text), so the same input and
the same Pillow/FreeType and zlib give the same bytes. Glyphs are laid out with Pillow's basic
engine, not libraqm, so whether raqm happens to be installed does not change the image. A
process draws a given cover once (:func:`cover_png` keeps the last few it made), and a drawn
cover is kept in the user's cache folder, so the next build neither imports Pillow nor draws
(a tenth of an EPUB-only build): it is found there by a hash of everything it is made of, and
used only if its own checksum holds.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..cache import keep, user_cache

if TYPE_CHECKING:  # Pillow is imported only to draw a cover the cache does not hold
    from PIL import Image, ImageDraw, ImageFont

__all__ = ["cover_png"]

FONT_FILES = {
    "title": "CharisSIL-Bold.ttf",
    "subtitle": "CharisSIL-Italic.ttf",
    "authors": "CharisSIL-Regular.ttf",
}

GROUND = 247  # almost white: pure white glares on backlit screens; e-ink shows it as white
INK = 24  # almost black
RULE = 96  # mid grey, still distinct on 16-grey e-ink

# Sizes as fractions of the cover height; shrunk together (down to MIN_SCALE) until it all fits.
TITLE_SIZE = 0.068
SUBTITLE_SIZE = 0.030
AUTHORS_SIZE = 0.026
MIN_SCALE = 0.35
TITLE_MAX_LINES = 5
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class _Block:
    lines: tuple[str, ...]
    font: ImageFont.FreeTypeFont
    leading: int  # baseline-to-baseline distance

    @property
    def height(self) -> int:
        return self.leading * len(self.lines)


def cover_png(
    title: str,
    subtitle: str,
    authors: tuple[str, ...],
    font_dir: Path,
    size: tuple[int, int] = (1600, 2560),
) -> bytes:
    """Return a PNG cover (greyscale, ``size`` pixels) for the given title, subtitle and authors.

    ``font_dir`` holds the Charis SIL files (CharisSIL-Bold/Italic/Regular.ttf). Long titles and
    long author lists are wrapped, and everything shrinks together until it fits.
    """
    fonts = {role: Path(font_dir) / name for role, name in FONT_FILES.items()}
    stamps = []
    for path in fonts.values():
        if not path.is_file():
            raise FileNotFoundError(f"cover font not found: {path}")
        stat = path.stat()
        stamps.append((stat.st_size, stat.st_mtime_ns))
    # the font files' sizes and dates are part of the key: a changed font is a new cover
    return _cover_png(title, subtitle, tuple(authors), tuple(fonts.values()), tuple(stamps),
                      tuple(size))


@lru_cache(maxsize=8)
def _cover_png(title: str, subtitle: str, authors: tuple[str, ...], font_paths: tuple[Path, ...],
               stamps: tuple[tuple[int, int], ...], size: tuple[int, int]) -> bytes:
    folder = user_cache("covers")
    if folder is None:
        return _draw(title, subtitle, authors, font_paths, size)
    name = _key(title, subtitle, authors, font_paths, size) + ".png"
    try:  # the PNG, then its SHA-256: a damaged or cut-short file is drawn again
        kept = (folder / name).read_bytes()
        png, check = kept[:-32], kept[-32:]
        if png.startswith(_PNG_SIGNATURE) and hashlib.sha256(png).digest() == check:
            return png
    except OSError:
        pass
    png = _draw(title, subtitle, authors, font_paths, size)
    keep(folder / name, png + hashlib.sha256(png).digest())
    return png


def _key(title: str, subtitle: str, authors: tuple[str, ...], font_paths: tuple[Path, ...],
         size: tuple[int, int]) -> str:
    """A hash of what the cover is made of: the words, the size, the fonts' bytes, this
    module's code, and the Pillow (with its FreeType) and zlib that draw and pack it."""
    from ..cache import library_versions

    digest = hashlib.sha256()

    def add(*values: object) -> None:
        for value in values:
            data = (value if isinstance(value, bytes)
                    else str(value).encode("utf-8", "surrogateescape"))
            digest.update(f"{len(data)}:".encode() + data)

    add("cover 1", title, subtitle, len(authors), *authors, *size)
    for path in font_paths:
        add(Path(path).read_bytes())
    add(Path(__file__).read_bytes(), zlib.ZLIB_RUNTIME_VERSION,
        *library_versions(["pillow"]).items())
    add(*_freetype_binding())
    return digest.hexdigest()


def _freetype_binding() -> tuple[object, ...]:
    """The size and date of Pillow's FreeType binding (wheels bundle FreeType in it), found
    without importing Pillow."""
    from importlib.machinery import EXTENSION_SUFFIXES, PathFinder

    spec = PathFinder.find_spec("PIL")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for suffix in EXTENSION_SUFFIXES:
            try:
                stat = os.stat(os.path.join(folder, "_imagingft" + suffix))
            except OSError:
                continue
            return (stat.st_size, stat.st_mtime_ns)
    return ("no freetype",)


def _draw(title: str, subtitle: str, authors: tuple[str, ...], font_paths: tuple[Path, ...],
          size: tuple[int, int]) -> bytes:
    from PIL import Image, ImageDraw

    width, height = size
    fonts = dict(zip(FONT_FILES, font_paths))

    margin = round(width * 0.11)
    measure = width - 2 * margin  # the text column
    top = round(height * 0.17)  # where the title's first line starts
    foot = round(height * 0.91)  # where the authors' last line ends
    gap = round(height * 0.035)  # between title, rule and subtitle
    names = tuple(a.strip() for a in authors if a.strip())

    for step in range(int((1 - MIN_SCALE) * 20) + 1):
        scale = 1 - step * 0.05
        title_block = _block(title, fonts["title"], height * TITLE_SIZE * scale, measure, 1.12)
        sub_block = _block(subtitle, fonts["subtitle"], height * SUBTITLE_SIZE * scale, measure, 1.25)
        author_block = _names_block(names, fonts["authors"], height * AUTHORS_SIZE * scale, measure)
        upper = top + title_block.height + 2 * gap + sub_block.height
        fits = upper + gap <= foot - author_block.height
        if fits and len(title_block.lines) <= TITLE_MAX_LINES:
            break  # else the smallest scale is used as it is: a cover that is too full

    image = Image.new("L", (width, height), GROUND)
    draw = ImageDraw.Draw(image)

    y = top
    y = _draw_block(draw, title_block, width, y)
    rule_y = y + gap - round(title_block.leading * 0.1)
    rule_half = round(width * 0.09)
    draw.rectangle(
        (width // 2 - rule_half, rule_y, width // 2 + rule_half, rule_y + max(2, height // 640)),
        fill=RULE,
    )
    y = rule_y + gap
    _draw_block(draw, sub_block, width, y)
    _draw_block(draw, author_block, width, foot - author_block.height)

    return _png(image)


def _png(image: Image.Image) -> bytes:
    """The greyscale ``image`` as a PNG of three chunks, IHDR, IDAT and IEND: nothing
    time-dependent, and the same pixels and zlib give the same bytes.

    Written here rather than by Pillow's encoder: its filter search is most of its time on a
    cover, which is long runs of ground between glyphs. Every row is unfiltered, deflated with
    zlib's run-length strategy (made for PNG rows): as small as Pillow's output at that
    strategy, and about five times faster than ``optimize=True``, for a PNG a fifth larger
    (Serge: 41,174 bytes instead of 34,789; ~3 KB more once the EPUB's zip deflates it).
    """
    width, height = image.size
    pixels = image.tobytes()
    rows = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS, zlib.DEF_MEM_LEVEL, zlib.Z_RLE)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey, no interlace
    return (_PNG_SIGNATURE + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", compressor.compress(rows) + compressor.flush()) + _chunk(b"IEND", b""))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _font(path: Path, px: float) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(str(path), max(8, round(px)), layout_engine=ImageFont.Layout.BASIC)


def _block(text: str, font_path: Path, px: float, measure: int, leading: float) -> _Block:
    """Wrap ``text`` to ``measure`` with balanced lines, shrinking the font if a word is too wide."""
    words = text.split()
    font = _font(font_path, px)
    while words and max(font.getlength(w) for w in words) > measure and font.size > 8:
        font = _font(font_path, font.size * 0.92)
    lines = _balanced(words, font, measure, " ")
    return _Block(tuple(lines), font, round(font.size * leading))


def _names_block(names: tuple[str, ...], font_path: Path, px: float, measure: int) -> _Block:
    """Set up to four names one to a line, more a few to a line; never break inside a name."""
    font = _font(font_path, px)
    while names and max(font.getlength(n) for n in names) > measure and font.size > 8:
        font = _font(font_path, font.size * 0.92)
    if len(names) <= 4:
        lines = list(names)
    else:
        lines = _balanced(list(names), font, measure, "  ·  ")
    return _Block(tuple(lines), font, round(font.size * 1.45))


def _greedy(items: list[str], font: _Measured, measure: float, sep: str) -> list[str]:
    lines: list[str] = []
    current = ""
    for item in items:
        candidate = f"{current}{sep}{item}" if current else item
        if current and font.getlength(candidate) > measure:
            lines.append(current)
            current = item
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _balanced(items: list[str], font: ImageFont.FreeTypeFont, measure: int, sep: str) -> list[str]:
    """Greedy wrapping at the narrowest measure that needs no more lines than at full measure.

    This evens out the lines of a centred title instead of leaving one word alone at the end.
    """
    if not items:
        return []
    font = _Measured(font)  # the search measures the same candidate lines again and again
    lines = _greedy(items, font, measure, sep)
    low, high = 1, measure
    while low < high:
        mid = (low + high) // 2
        if len(_greedy(items, font, mid, sep)) <= len(lines):
            high = mid
        else:
            low = mid + 1
    return _greedy(items, font, high, sep)


class _Measured:
    """A font's ``getlength``, remembered for each text it has measured."""

    def __init__(self, font: ImageFont.FreeTypeFont):
        self.font = font
        self.lengths: dict[str, float] = {}

    def getlength(self, text: str) -> float:
        if text not in self.lengths:
            self.lengths[text] = self.font.getlength(text)
        return self.lengths[text]


def _draw_block(draw: ImageDraw.ImageDraw, block: _Block, width: int, y: int) -> int:
    """Draw the lines centred, each in a band of one leading from ``y``; return the bottom."""
    for i, line in enumerate(block.lines):
        baseline = y + round(block.leading * 0.8) + i * block.leading
        draw.text((width / 2, baseline), line, font=block.font, fill=INK, anchor="ms")
    return y + block.height

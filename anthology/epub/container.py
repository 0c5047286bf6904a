"""Turn the EPUB's files into its OCF container: a zip the same book always gives byte for byte.

Written with the standard ``zipfile``: ``mimetype`` first and stored (OCF), then every file
deflated, dated with the book's ``modified`` time, mode 0644. The fonts come first after
``mimetype``: they are three quarters of the bytes and of the deflating (zlib level 5 deflates
them twice as fast as 9, for 0.4 % more bytes), and a process deflates them once — the start
of the container, ``mimetype`` and fonts, is made while the documents are built, and kept in
the user's cache folder for the next build (a tenth of a second of an EPUB-only build, whose
documents take less), found by a hash of everything its bytes depend on, and used only if
every font reads back from it whole. The other files are appended to it (``zipfile``'s mode
``"a"``).
"""

from __future__ import annotations

import hashlib
import io
import sys
import zipfile
import zlib
from datetime import datetime
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Collection

from ..cache import keep, package_digest, user_cache

MIMETYPE = b"application/epub+zip"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry
FILE_MODE = 0o100644  # regular file, rw-r--r--
FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2")
# zlib levels: 9 for the text files (small, and 9 costs little on them); 5 for the fonts
TEXT_LEVEL = 9
FONT_LEVEL = 5


def date_time(modified: datetime) -> tuple[int, int, int, int, int, int]:
    """The zip date of every entry: the book's time, not before 1980 (zip cannot say it)."""
    return max(ZIP_EPOCH, tuple(modified.timetuple()[:6]))  # type: ignore[return-value]


def level(name: str) -> int:
    return FONT_LEVEL if PurePosixPath(name).suffix.lower() in FONT_SUFFIXES else TEXT_LEVEL


def _entry(name: str, when: tuple[int, ...], method: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = method
    info.create_system = 3  # Unix, whatever the platform: the mode below is Unix's
    info.external_attr = FILE_MODE << 16
    return info


def start(fonts: dict[str, bytes], modified: datetime) -> bytes:
    """The start of the container: ``mimetype``, then the fonts (path in the zip → bytes):
    kept in the process and between runs, made when neither has it."""
    return _start(tuple(sorted(fonts.items())), date_time(modified))


@lru_cache(maxsize=4)
def _start(fonts: tuple[tuple[str, bytes], ...], when: tuple[int, ...]) -> bytes:
    digest = hashlib.sha256(f"{package_digest()} {sys.version} zlib {zlib.ZLIB_RUNTIME_VERSION} "
                            f"{when}".encode())
    for name, data in fonts:
        digest.update(f"\0{name}\0{hashlib.sha256(data).hexdigest()}".encode())
    folder = user_cache("epub")
    kept = folder / f"{digest.hexdigest()}.zip" if folder is not None else None
    if kept is not None:
        try:
            made = kept.read_bytes()
            if _holds(made, fonts, when):
                return made
        except OSError:
            pass
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as container:
        container.writestr(_entry("mimetype", when, zipfile.ZIP_STORED), MIMETYPE)
        for name, data in fonts:
            container.writestr(_entry(name, when, zipfile.ZIP_DEFLATED), data,
                               compresslevel=FONT_LEVEL)
    made = out.getvalue()
    if kept is not None:
        keep(kept, made)
    return made


def _holds(made: bytes, fonts: tuple[tuple[str, bytes], ...], when: tuple[int, ...]) -> bool:
    """Whether a kept start of the container is ``mimetype`` and exactly these fonts, dated
    and permitted as :func:`_entry` makes them."""
    try:
        with zipfile.ZipFile(io.BytesIO(made)) as container:
            entries = container.infolist()
            return ([e.filename for e in entries] == ["mimetype", *(name for name, _ in fonts)]
                    and all(e.date_time == when and e.external_attr == FILE_MODE << 16
                            and e.create_system == 3 for e in entries)
                    and container.read("mimetype") == MIMETYPE
                    and all(container.read(name) == data for name, data in fonts))
    except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, EOFError):
        return False


def finish(started: bytes, files: dict[str, bytes], modified: datetime,
           stored: Collection[str] = ()) -> bytes:
    """The whole container: ``started`` (see :func:`start`), then ``files`` (path → bytes):
    ``META-INF/`` first, then the others, each sorted by name. The files named in ``stored``
    are stored, not deflated: pictures are compressed already, and deflating them again
    would cost time for no bytes."""
    when = date_time(modified)
    out = io.BytesIO(started)
    with zipfile.ZipFile(out, "a") as container:
        rest = sorted(files)
        for name in [n for n in rest if n.startswith("META-INF/")] + \
                [n for n in rest if not n.startswith("META-INF/")]:
            if name in stored:
                container.writestr(_entry(name, when, zipfile.ZIP_STORED), files[name])
            else:
                container.writestr(_entry(name, when, zipfile.ZIP_DEFLATED), files[name],
                                   compresslevel=level(name))
    return out.getvalue()

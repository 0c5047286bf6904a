"""Turn a chunk's layout job into the key it is kept under, and its layout into what is kept.

The print edition's chunks are kept between builds (``cache/chunks.py`` keeps them, in the
output folder): a chunk whose key and folio shift are those of a chunk an earlier build drew
is not laid out again, its PDF and layout are taken as they were. The key is everything a
chunk's pages depend on, and nothing else: its print HTML (the contents and the index print
other chunks' page numbers, so theirs changes when those move), its footnote calls, the
print stylesheets, the pictures it shows, the PDF's metadata and clock, anthology's own files
(its code, styles and fonts) and the versions of Python and of the libraries that lay out and
draw. The shift of the folios is not in the key: a chunk's pages do not depend on it, only
its running heads' numbers do, so a kept layout says at once how many pages a chunk has,
and the chunks after it learn their folios without waiting; its PDF is kept for one shift,
and a chunk kept for another is laid out again with the new shift (see README, "Speed").

:class:`Reuse` without a cache (``--no-cache``, PDF/A and PDF/UA) finds nothing and keeps
nothing: the layout then runs exactly as it would without this module.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zlib
from dataclasses import asdict, fields
from typing import TYPE_CHECKING, Any

from .. import cache
from .layout import Job, Laid

if TYPE_CHECKING:
    from ..cache import ChunkCache

KEY_FORMAT = 1  # of the key; another format makes every kept chunk a miss


def environment() -> str:
    """What every chunk's pages depend on besides its job: anthology, Python, the libraries."""
    return json.dumps({"format": KEY_FORMAT, "anthology": cache.package_digest(),
                       "python": sys.version, "zlib": zlib.ZLIB_RUNTIME_VERSION,
                       "libraries": cache.library_versions(cache.LIBRARIES)}, sort_keys=True)


def chunk_key(job: Job, environment: str) -> str:
    """The key of a chunk's pages: its job, but for its number in this book and its shift."""
    digest = hashlib.sha256()

    def part(*values: str | bytes) -> None:
        for value in values:
            data = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
            digest.update(b"%d:" % len(data) + data)

    part("anthology chunk", environment, job.html, job.base_url,
         json.dumps(job.calls), json.dumps(job.metadata, sort_keys=True, default=str),
         job.epoch, str(job.own_numbers), str(len(job.styles)), *job.styles,
         str(len(job.images)))
    for image in job.images:
        part(image.src, image.media_type, hashlib.sha256(image.data).hexdigest())
    return digest.hexdigest()


def laid_to_json(laid: Laid) -> dict[str, Any]:
    """A chunk's layout as JSON values (tuples become lists; floats keep every digit)."""
    out = asdict(laid)
    del out["chunk"], out["seconds"]
    return out


def laid_from_json(data: dict[str, Any], chunk: int) -> Laid:
    """The layout kept as :func:`laid_to_json` gave it, as chunk ``chunk`` of this book.
    Raises ValueError when it is not one (a foreign or damaged entry)."""
    try:
        values = {f.name: _tuples(data[f.name]) for f in fields(Laid)
                  if f.name not in ("chunk", "seconds")}
        laid = Laid(chunk=chunk, seconds=0.0, **values)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a chunk's layout ({exc})") from None
    if not (isinstance(laid.pages, int) and laid.pages > 0
            and len(laid.starts) == len(laid.anchors) == len(laid.links)
            == len(laid.bookmarks) == len(laid.paginated) == laid.pages
            and all(isinstance(name, str) for names in laid.paginated for name in names)):
        raise ValueError("not a chunk's layout (its pages do not add up)")
    return laid


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


class Reuse:
    """The chunks kept from earlier builds, as the layout's schedule asks for them: by job."""

    def __init__(self, kept: ChunkCache | None):
        self.kept = kept
        self._environment = environment() if kept is not None else ""
        self.reused = 0

    @property
    def on(self) -> bool:
        return self.kept is not None

    def key(self, job: Job) -> str:
        return chunk_key(job, self._environment) if self.kept is not None else ""

    def layout(self, key: str, chunk: int) -> Laid | None:
        """The layout kept for a chunk of this key (drawn with any shift)."""
        found = self.kept.layout(key) if self.kept is not None and key else None
        return self._laid(found, chunk)

    def drawn(self, key: str, shift: int, chunk: int) -> tuple[Laid | None, bytes] | None:
        """The layout and PDF kept for a chunk of this key drawn with this shift; for the
        blank verso (chunk -1), its PDF only."""
        found = self.kept.drawn(key, shift) if self.kept is not None and key else None
        if found is None:
            return None
        if chunk < 0:
            return None, found[1]
        laid = self._laid(found[0], chunk)
        if laid is None:
            return None
        self.reused += 1
        return laid, found[1]

    def keep(self, key: str, shift: int, laid: Laid | None, pdf: bytes) -> None:
        if self.kept is not None and key:
            self.kept.keep(key, shift, laid_to_json(laid) if laid is not None else {}, pdf)

    @staticmethod
    def _laid(found: dict[str, Any] | None, chunk: int) -> Laid | None:
        if found is None:
            return None
        try:
            return laid_from_json(found, chunk)
        except ValueError:
            return None


"""Turn the print edition's drawn chunks into entries kept for the next build, and back.

An entry is one chunk of the PDF laid out and drawn: what the layout said of its pages (a
JSON description, see ``pdf/layout.py``) and its PDF, under the chunk's key (everything its
pages depend on: its print HTML, the stylesheets and fonts, the pictures, the metadata,
anthology's own files and the libraries' versions) and the shift of its folios. The entries
of a build into ``OUT`` live in ``OUT/.NAME.chunks/``, one file each::

    KEY.SHIFT.chunk   a line of JSON (the key, the shift, the layout, the PDF's size and
                      hash, and the hash of the line itself), then the PDF's bytes

Nothing read here is trusted: an entry whose name, key, shift, size or hashes do not match
is a miss (logged at info level), never an error, and its chunk is laid out again. Entries
are written whole or not at all (a temporary file, then a rename) once the build's outputs
are written, and every entry the build did not use is removed then: the folder holds one
build's chunks, about the size of its PDF. Standard library only, like the rest of the
package.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FORMAT = 1  # of an entry; another format makes every old entry a miss
_NAME = re.compile(r"^([0-9a-f]{64})\.(-?[0-9]+)\.chunk$")


def chunks_path(outdir: Path, name: str) -> Path:
    """The folder of the chunks kept from the last build of NAME into OUT."""
    return Path(outdir) / f".{name}.chunks"


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ChunkCache:
    """The chunks kept in ``folder``: :meth:`layout` and :meth:`drawn` read them,
    :meth:`keep` adds one, :meth:`save` writes the new ones and removes the unused.

    One object a build; it may be given to the next build in the same process too (the
    entries it read or made stay in memory then, and need not be read again).
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._memory: dict[tuple[str, int], tuple[dict[str, Any], bytes]] = {}
        self._new: set[tuple[str, int]] = set()
        self._used: set[tuple[str, int]] = set()
        self._listed: dict[str, list[int]] | None = None

    # ---- reading ---------------------------------------------------------------------

    def _listing(self) -> dict[str, list[int]]:
        """key → the shifts the folder has an entry for (listed once a build)."""
        if self._listed is None:
            self._listed = {}
            try:
                names = sorted(os.listdir(self.folder))
            except OSError:
                names = []
            for name in names:
                match = _NAME.match(name)
                if match:
                    self._listed.setdefault(match[1], []).append(int(match[2]))
        return self._listed

    def layout(self, key: str) -> dict[str, Any] | None:
        """The layout kept for a chunk of this key, drawn with whatever shift: its pages do
        not depend on the shift (only its folios do). None when there is none to trust."""
        for (k, shift), (layout, _) in self._memory.items():
            if k == key:
                return layout
        for shift in self._listing().get(key, ()):
            found = self._read(key, shift)
            if found is not None:
                return found[0]
        return None

    def drawn(self, key: str, shift: int) -> tuple[dict[str, Any], bytes] | None:
        """The layout and PDF kept for a chunk of this key drawn with this shift, else None.
        A hit counts as used by this build (it is kept by :meth:`save`)."""
        found = self._memory.get((key, shift))
        if found is None and shift in self._listing().get(key, ()):
            found = self._read(key, shift)
        if found is not None:
            self._used.add((key, shift))
        return found

    def _read(self, key: str, shift: int) -> tuple[dict[str, Any], bytes] | None:
        path = self.folder / f"{key}.{shift}.chunk"
        try:
            data = path.read_bytes()
            line, _, pdf = data.partition(b"\n")
            header = json.loads(line)
            claimed = header.pop("header_sha256")
            if _hash(_canonical(header)) != claimed:
                raise ValueError("its header does not match its hash")
            if header.get("format") != FORMAT:
                raise ValueError("it is of another format")
            if header.get("key") != key or header.get("shift") != shift:
                raise ValueError("it is another chunk's")
            if header.get("size") != len(pdf) or header.get("sha256") != _hash(pdf):
                raise ValueError("its PDF does not match its hash")
            layout = header["layout"]
            if not isinstance(layout, dict):
                raise ValueError("it has no layout")
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.info("cache: the kept chunk %s is not used: %s", path.name, exc)
            return None
        found = (layout, pdf)
        self._memory[(key, shift)] = found
        return found

    # ---- writing ---------------------------------------------------------------------

    def keep(self, key: str, shift: int, layout: dict[str, Any], pdf: bytes) -> None:
        """Add a chunk this build laid out and drew (written by :meth:`save`)."""
        self._memory[(key, shift)] = (layout, pdf)
        self._new.add((key, shift))
        self._used.add((key, shift))

    def save(self) -> None:
        """Write the entries this build made, remove those it did not use; then start
        afresh for the next build (what it used stays in memory). A folder that cannot be
        written costs the next build its time, nothing else."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            missing = {(key, shift) for key, shift in self._used
                       if not (self.folder / f"{key}.{shift}.chunk").exists()}
            for key, shift in sorted(self._new | missing):
                layout, pdf = self._memory[(key, shift)]
                header = {"format": FORMAT, "key": key, "shift": shift, "layout": layout,
                          "size": len(pdf), "sha256": _hash(pdf)}
                header["header_sha256"] = _hash(_canonical(header))
                path = self.folder / f"{key}.{shift}.chunk"
                temporary = path.with_name(f".{path.name}.{os.getpid()}")
                temporary.write_bytes(_canonical(header) + b"\n" + pdf)
                os.replace(temporary, path)
            keep = {f"{key}.{shift}.chunk" for key, shift in self._used}
            for name in os.listdir(self.folder):
                if name not in keep and (_NAME.match(name) or name.startswith(".")):
                    os.unlink(self.folder / name)
        except OSError as exc:
            log.info("cache: the chunks could not be kept in %s (%s)", self.folder, exc)
        self._memory = {k: v for k, v in self._memory.items() if k in self._used}
        self._listed = None
        self._new, self._used = set(), set()

    def abandon(self) -> None:
        """A build that failed: the folder stays as the last good build left it, and the
        next build starts afresh (what this one read or made may still serve it, from
        memory, until a build saves)."""
        self._listed = None
        self._new, self._used = set(), set()


def _canonical(value: dict[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=True,
                      separators=(",", ":")).encode("ascii")

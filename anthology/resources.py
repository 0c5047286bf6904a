"""Find the files anthology ships: templates, styles, fonts and the bundled Serge manuscript.

In a wheel, ``styles/`` and the bundled manuscript are copied inside the package
(pyproject's force-include); in a source checkout they sit at the top of the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _first(*candidates: Path) -> Path:
    for c in candidates:
        if c.exists():
            return c
    return candidates[0]


def templates_dir() -> Path:
    return PACKAGE / "render" / "templates"


def styles_dir() -> Path:
    return _first(PACKAGE / "styles", PACKAGE.parent / "styles")


def fonts_dir() -> Path:
    return styles_dir() / "fonts"


def bundled_manuscript() -> Path:
    return _first(PACKAGE / "bundled" / "serge", PACKAGE.parent / "seeds" / "serge")


def user_cache(name: str) -> Path | None:
    """A folder for what anthology keeps between runs to save time (never what decides an
    output): ``$XDG_CACHE_HOME/anthology/NAME``, else ``~/.cache/anthology/NAME``; None when
    it cannot be made (a read-only home), and the caller does without."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "anthology" / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def keep(path: Path, data: bytes) -> None:
    """Store ``data`` at ``path`` in the user cache, whole or not at all (a temporary file,
    then a rename); a cache that cannot be written only costs the next run its time."""
    try:
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError:
        pass

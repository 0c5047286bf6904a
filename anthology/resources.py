"""Turn the names of the files anthology ships into paths: templates, styles, fonts, Serge.

In a wheel, ``styles/`` and the bundled manuscript are copied inside the package
(pyproject's force-include); in a source checkout they sit at the top of the repository.
"""

from __future__ import annotations

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

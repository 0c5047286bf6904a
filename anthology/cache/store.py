"""Turn what a build worked out into files kept for the next run, in the user's cache folder.

What is kept there only saves time (compiled templates, converted Markdown, deflated fonts,
drawn covers): no output depends on it, and a folder that cannot be written costs the next
run its time, nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path


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

"""Turn finished bytes into files, atomically: a failed or interrupted write leaves the old file.

Every writer in anthology goes through here. A file is written to a temporary name in the same
folder, flushed, then renamed over the target, so readers see the old file or the new one and
never half of one. A folder (a manuscript from ``import``) is written beside the target and
swapped in the same way.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Mapping

from .errors import Diagnostic, OutputError


def _fail(path: Path, exc: OSError, what: str) -> OutputError:
    reason = exc.strerror or str(exc)
    return OutputError(
        Diagnostic(str(path), 0, "output-unwritable", f"cannot write {what}: {reason}",
                   "choose another output folder with -o, or fix its permissions")
    )


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, creating parent folders."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _fail(path, exc, "the file") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:  # interrupted too: never leave the temporary file behind
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise _fail(path, exc, "the file") from None
        raise


def atomic_write_tree(folder: Path, files: Mapping[str, bytes]) -> None:
    """Replace ``folder`` by a folder holding exactly ``files`` (relative path → bytes)."""
    folder = Path(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    except OSError as exc:
        raise _fail(folder, exc, "the folder") from None
    try:
        for rel, data in sorted(files.items()):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        staging.chmod(0o755)
        old = None
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old")
            if old.exists():
                shutil.rmtree(old)
            os.replace(folder, old)
        os.replace(staging, folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _fail(folder, exc, "the folder") from None
        raise

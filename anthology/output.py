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
    for folder in (path.parent, *path.parent.parents):
        if folder.exists() and not folder.is_dir():
            return OutputError(Diagnostic(str(folder), 0, "output-unwritable",
                                          "the output folder is a file",
                                          "choose another output folder with -o"))
    reason = exc.strerror or str(exc)
    return OutputError(
        Diagnostic(str(path), 0, "output-unwritable", f"cannot write {what}: {reason}",
                   "choose another output folder with -o, or fix its permissions")
    )


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, creating parent folders."""
    atomic_write_all({Path(path): data})


def atomic_write_all(files: Mapping[Path, bytes]) -> None:
    """Write several files as one change: all of them, or (failed, interrupted) none.

    Every file is first written to a temporary name beside its target; only then are they
    renamed into place, each old file kept as a hard link until all renames are done, so an
    interruption between two renames puts the old files back.
    """
    staged: list[tuple[Path, str]] = []
    try:
        for path, data in files.items():
            path = Path(path)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            except OSError as exc:
                raise _fail(path, exc, "the file") from None
            staged.append((path, tmp))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
    except BaseException as exc:  # interrupted too: never leave a temporary file behind
        for _, tmp in staged:
            _unlink(tmp)
        if isinstance(exc, OSError):
            raise _fail(staged[-1][0] if staged else Path("."), exc, "the file") from None
        raise
    done: list[tuple[Path, str | None]] = []  # (target, backup of the old file or None)
    try:
        for path, tmp in staged:
            backup = None
            if path.exists():
                backup = f"{tmp}.old"
                os.link(path, backup)
            done.append((path, backup))
            os.replace(tmp, path)
    except BaseException as exc:
        for path, backup in reversed(done):  # put every old file back
            if backup is None:
                _unlink(path)
            elif os.path.samefile(backup, path):
                _unlink(backup)  # not replaced yet (rename() between two links does nothing)
            else:
                os.replace(backup, path)
        for _, tmp in staged:
            _unlink(tmp)
        if isinstance(exc, OSError):
            raise _fail(Path(done[-1][0]) if done else Path("."), exc, "the file") from None
        raise
    for _, backup in done:
        if backup is not None:
            _unlink(backup)


def _unlink(path: str | Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


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

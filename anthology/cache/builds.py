"""Turn a build's inputs into a key, and a build with the key of the last into nothing to do.

A build that would write the very files already there is skipped: a no-op rebuild is instant.

A build's *key* is a sha256 over everything its outputs depend on:

* every file of the manuscript folder: sorted relative paths and bytes (dot-files,
  dot-folders and the build's own outputs are left out);
* the options that change the outputs (formats, name, print options, booklet, paragraph
  numbers, strict), not those that only change what the user sees (progress, timings);
* anthology itself: its version and the bytes of its Python files, templates and styles
  (fonts too), found through :mod:`anthology.resources` as the build finds them;
* the versions of Python and of the libraries that shape the outputs;
* ``SOURCE_DATE_EPOCH``, when volume.toml has no date (the only time it reaches an output);
* for an EPUB-only build, the stored page map of the last print layout, which it reuses.

The pictures a text shows are files of the manuscript folder (its ``images/``), so a changed
picture changes the key like a changed piece. (The page map's key, ``pdf/pagemap.py``, hashes
them too.)

A build writes ``OUT/.NAME.build.json`` (:func:`record`) in the same atomic change as its
outputs: the key, each output's size and sha256 (by its path in the output folder: the
pictures beside the HTML are in ``images/``), and the warnings the build gave. A later build
with the same key, while every recorded output is still there with those bytes, is up to date
(:func:`up_to_date`): nothing is rendered or written, and the recorded warnings are given again,
so ``--strict`` and what the user reads stay as the real build had them.

Every build passes through here before anything heavy is imported, so this module uses the
standard library only: no lxml, Markdown, Jinja, WeasyPrint or ebooklib.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sys
from functools import lru_cache
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from .. import __version__
from ..errors import Diagnostic

log = logging.getLogger(__name__)

FORMAT = 1  # of the record; a new format makes every old record a miss
# what shapes the outputs: the writers, and WeasyPrint's own helpers (fonts, CSS, hyphenation)
LIBRARIES = ("weasyprint", "ebooklib", "markdown", "pypdf", "lxml", "nh3", "jinja2", "pillow",
             "pydyf", "fonttools", "tinycss2", "cssselect2", "pyphen", "tinyhtml5")


@dataclass(frozen=True)
class Record:
    """What the last build into a folder made, and what it said."""

    key: str
    outputs: tuple[str, ...]  # paths in the output folder (POSIX), in the order they were made
    warnings: tuple[Diagnostic, ...] = ()
    logged: tuple[tuple[str, int, str], ...] = ()  # (logger, level, message) of its log lines
    where: str = ""  # the working folder and spelled paths the warnings were written against


def record_path(outdir: Path, name: str) -> Path:
    return Path(outdir) / f".{name}.build.json"


def build_key(manuscript: Path, settings: Mapping[str, object], *, skip: Iterable[Path] = (),
              inputs: Iterable[Path] = ()) -> str | None:
    """The key of a build of ``manuscript`` with ``settings`` (plain JSON values).

    ``skip``: files or folders inside the manuscript folder that are not input (the build's
    own outputs, when it writes into the manuscript). ``inputs``: files outside the manuscript
    that the outputs depend on; a missing one counts as missing. None when the manuscript
    cannot be read: the build proper then says what is wrong.
    """
    manifest = Path(manuscript)
    if manifest.is_dir():
        manifest = manifest / "volume.toml"
    folder = manifest.parent
    digest = hashlib.sha256()

    def part(*fields: str | bytes) -> None:
        for f in fields:
            data = f.encode("utf-8", "surrogateescape") if isinstance(f, str) else f
            digest.update(b"%d:" % len(data) + data)

    part(f"anthology build key {FORMAT}")
    try:
        if not manifest.is_file():
            return None
        files = _files(folder, {os.path.realpath(p) for p in skip})
        part("manuscript", manifest.name, str(len(files)))
        for rel, path in files:
            part(rel, path.read_bytes())
        part("options", json.dumps(settings, sort_keys=True, default=str))
        part("environment", *_environment(manifest))
        part("anthology", package_digest())
        for path in inputs:
            try:
                data = Path(path).read_bytes()
            except FileNotFoundError:
                part("input", str(path), "absent")
            else:
                part("input", str(path), data)
    except (OSError, ValueError):  # unreadable, vanished, a folder where a file was
        return None
    return "sha256:" + digest.hexdigest()


def _files(folder: Path, skip: set[str]) -> list[tuple[str, Path]]:
    """Every file under ``folder`` as (relative POSIX path, path), sorted; no dot-files."""
    found: list[tuple[str, Path]] = []
    seen: set[str] = set()
    for top, dirs, names in os.walk(folder, followlinks=True, onerror=_raise):
        real = os.path.realpath(top)
        if real in seen or real in skip:  # a symlink loop, or the output folder inside
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            path = Path(top, name)
            if name.startswith(".") or os.path.realpath(path) in skip:
                continue
            found.append((path.relative_to(folder).as_posix(), path))
    found.sort()
    return found


def _raise(exc: OSError) -> None:
    raise exc


def _environment(manifest: Path) -> list[str]:
    """Python, the libraries' versions and, when it reaches the outputs, the build's epoch."""
    fields = [f"anthology {__version__}", f"python {sys.version}"]
    fields += [f"{name} {version}" for name, version in library_versions(LIBRARIES).items()]
    # dates.modified's rule: volume.toml's date, else SOURCE_DATE_EPOCH, else 1980 (as if unset)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch and not _dated(manifest):  # volume.toml is parsed only when it can matter
        fields.append(f"SOURCE_DATE_EPOCH {epoch}")
    return fields


def _dated(manifest: Path) -> bool:
    import tomllib

    try:
        return bool(tomllib.loads(manifest.read_text("utf-8")).get("date"))
    except (OSError, ValueError):  # a bad volume.toml: the build fails anyway
        return False


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def library_versions(names: Iterable[str]) -> dict[str, str]:
    """Installed versions, read from the ``NAME-VERSION.dist-info`` folders on sys.path.

    Listing each sys.path folder once is a few hundred times cheaper than
    ``importlib.metadata`` (which imports the email package and reads every METADATA); it
    is asked only for a library installed some other way (an egg, a zip).
    """
    wanted = {_norm(n): n for n in names}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            listing = os.listdir(entry or ".")
        except OSError:
            continue
        for item in listing:
            stem, dot, suffix = item.rpartition(".")
            if suffix not in ("dist-info", "egg-info") or not dot:
                continue
            dist, _, version = stem.partition("-")
            normal = _norm(dist)
            if normal in wanted and normal not in found and version:
                found[normal] = version
    for normal in wanted.keys() - found.keys():
        from importlib.metadata import PackageNotFoundError, version

        try:
            found[normal] = version(wanted[normal])
        except PackageNotFoundError:
            found[normal] = "absent"
    return {n: found[n] for n in sorted(found)}


@lru_cache(maxsize=1)
def package_digest() -> str:
    """A hash of anthology's own files: its Python, its templates, its styles and fonts.
    Once a process: the build key, the layout key and the fragments' key all need it, and
    the files a running anthology is made of do not change under it."""
    from ..resources import PACKAGE, styles_dir, templates_dir

    digest = hashlib.sha256()
    groups = [("python", PACKAGE, ".py"), ("templates", templates_dir(), ""),
              ("styles", styles_dir(), "")]
    for label, root, suffix in groups:
        for rel, path in _files(root, {os.path.realpath(root / "__pycache__")}):
            if rel.endswith(suffix) and "__pycache__" not in rel:
                data = path.read_bytes()
                digest.update(f"{label}/{rel}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
                digest.update(data)
    return digest.hexdigest()


def up_to_date(path: Path, key: str, where: str = "") -> Record | None:
    """The record at ``path`` if it has ``key`` and its outputs are still there, unchanged.

    ``where`` (see :func:`where`) must match too when the record holds warnings, so the
    warnings given again name their files as the user would see them now. Any other
    problem (no record, an unreadable or corrupt one) is a miss, logged at info level.
    """
    try:
        stored = json.loads(Path(path).read_bytes())
        if stored.get("format") != FORMAT or stored.get("key") != key:
            log.info("cache: a rebuild is needed: the manuscript, options or anthology changed")
            return None
        record = _parse(stored)
    except FileNotFoundError:
        log.info("cache: no record of an earlier build in %s", Path(path).parent)
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.info("cache: the record %s is unreadable (%s); rebuilding", path, exc)
        return None
    if (record.warnings or record.logged) and record.where != where:
        log.info("cache: rebuilding to give the warnings from this folder")
        return None
    outdir = Path(path).parent
    for name, expected in stored["outputs"].items():
        if not _unchanged(outdir / name, expected):
            log.info("cache: %s is missing or changed since the last build", outdir / name)
            return None
    return record


def _parse(stored: dict) -> Record:
    outputs = stored["outputs"]
    if not isinstance(outputs, dict) or not outputs:
        raise ValueError("no outputs")
    for name, expected in outputs.items():
        parts = name.split("/") if isinstance(name, str) else [""]
        if any(part in ("", ".", "..") or "\\" in part for part in parts) or \
                Path(name).is_absolute():
            raise ValueError(f"not a path inside the output folder: {name!r}")
        if not isinstance(expected, dict):
            raise ValueError(f"no size and hash for {name}")
    warnings = tuple(Diagnostic(str(w["path"]), int(w["line"]), str(w["code"]), str(w["message"]),
                                str(w.get("hint", "")), "error" if w.get("severity") == "error"
                                else "warning") for w in stored.get("warnings", ()))
    logged = tuple((str(name), int(level), str(message))
                   for name, level, message in stored.get("logged", ()))
    return Record(str(stored["key"]), tuple(outputs), warnings, logged, str(stored.get("where", "")))


def _unchanged(path: Path, expected: dict) -> bool:
    try:
        if path.stat().st_size != expected["size"]:
            return False
        return hashlib.sha256(path.read_bytes()).hexdigest() == expected["sha256"]
    except (OSError, KeyError, TypeError):
        return False


def record(key: str, files: Mapping[Path, bytes], warnings: Iterable[Diagnostic] = (),
           logged: Iterable[tuple[str, int, str]] = (), where: str = "",
           folder: Path | None = None) -> bytes:
    """The record of a build that makes ``files`` (all in ``folder`` or below it; without
    ``folder``, all in one folder), as the bytes to write.

    The same outputs give the same record byte for byte (no time, no absolute path in it),
    unless the build gave warnings: then ``where`` they were written from is in it too.
    """
    warnings, logged = list(warnings), list(logged)
    data: dict[str, object] = {
        "format": FORMAT,
        "key": key,
        "outputs": {(Path(p).relative_to(folder).as_posix() if folder is not None
                     else Path(p).name): {"size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
                    for p, b in files.items()},
    }
    if warnings or logged:
        data["warnings"] = [{"path": d.path, "line": d.line, "code": d.code,
                             "message": d.message, "hint": d.hint, "severity": d.severity}
                            for d in warnings]
        data["logged"] = [list(entry) for entry in logged]
        data["where"] = where
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def where(*spelled: object) -> str:
    """The working folder and the paths as the user spelled them: what warnings are told in."""
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = ""
    return json.dumps([cwd, *map(str, spelled)])


class LogCapture(logging.Handler):
    """Keep the warnings logged during a build, to give them again when it is up to date."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append((record.name, record.levelno, record.getMessage()))
        except Exception:  # pragma: no cover - a bad format string is the logger's problem
            self.handleError(record)
            return
        if not self._others(record.name) and logging.lastResort is not None:
            # without this handler, logging would have printed it with its last resort
            if record.levelno >= logging.lastResort.level:
                logging.lastResort.handle(record)

    def _others(self, name: str) -> bool:
        """Whether a handler besides this one sees the records of logger ``name``."""
        logger: logging.Logger | None = logging.getLogger(name)
        while logger is not None:
            if any(h is not self for h in logger.handlers):
                return True
            logger = logger.parent if logger.propagate else None
        return False

    def __enter__(self) -> "LogCapture":
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)


def replay(logged: Iterable[tuple[str, int, str]]) -> None:
    """Log again what a build logged, through the same loggers (so the same filters apply)."""
    for name, level, message in logged:
        logging.getLogger(name).log(level, "%s", message)

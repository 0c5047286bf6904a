"""Turn a manuscript folder (volume.toml + pieces/*.md + images/) into a checked Volume.

Everything is read here and nowhere else. Like mkdocs' config, the reader collects every
problem it finds — in the manifest and in every piece — and raises them together, so an editor
fixes a manuscript in one round instead of one error at a time.
"""

from __future__ import annotations

import os
import re
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Diagnostic, InputError
from ..model import (PIECE_KINDS, Contributor, GlossaryEntry, IndexTerm, Part, Piece, Removed,
                    Reviewed, Volume)
from ..names import slug
from .images import Reference, read_images, references
from .notes import split_notes

MANIFEST = "volume.toml"

VOLUME_KEYS = {"title", "subtitle", "editors", "language", "identifier", "date", "publisher",
               "rights", "editorial_note", "parts", "pieces", "contributors", "edition",
               "removed", "index", "glossary"}
REMOVED_KEYS = {"line", "text", "why", "source"}
INDEX_KEYS = {"heading", "matches", "kind", "author"}
GLOSSARY_KEYS = {"term", "expansion"}
PART_KEYS = {"title", "pieces"}
CONTRIBUTOR_KEYS = {"name", "bio"}
PIECE_KEYS = {"id", "title", "title_supplied", "subtitle", "authors", "byline", "kind", "source",
              "publication", "issue", "date", "reviewed", "label", "title_notes"}
REVIEWED_KEYS = {"title", "authors", "publisher", "year", "pages", "price", "details"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class Checked:
    """A volume and the warnings found while reading it."""

    volume: Volume
    warnings: tuple[Diagnostic, ...]


class _Collector:
    """Gathers diagnostics for one file, finding the line where a key is written."""

    def __init__(self, path: Path, text: str, display: str, line_offset: int = 0):
        self.path, self.display = path, display
        self.lines = text.split("\n")
        self.offset = line_offset
        self.found: list[Diagnostic] = []

    def line_of(self, key: str, start: int = 0) -> int:
        pattern = re.compile(rf'^\s*(\[\[?)?\s*"?{re.escape(key)}"?\s*(=|\]\]?)')
        for i, line in enumerate(self.lines[start:], start):
            if pattern.match(line):
                return i + 1 + self.offset
        return 1 + self.offset

    def error(self, line: int, code: str, message: str, hint: str = "") -> None:
        self.found.append(Diagnostic(self.display, line, code, message, hint))

    def warn(self, line: int, code: str, message: str, hint: str = "") -> None:
        self.found.append(Diagnostic(self.display, line, code, message, hint, "warning"))

    def unknown_keys(self, table: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in sorted(set(table) - allowed):
            self.error(self.line_of(key), "unknown-key", f"unknown key {key!r} in {where}",
                       f"known keys: {', '.join(sorted(allowed))}")

    def string(self, table: dict[str, Any], key: str, default: str = "") -> str:
        value = table.get(key, default)
        if not isinstance(value, str):
            self.error(self.line_of(key), "bad-value", f"{key} must be a string",
                       f'write {key} = "…"')
            return default
        return value

    def strings(self, table: dict[str, Any], key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(self.line_of(key), "bad-value", f"{key} must be a list of strings",
                       f'write {key} = ["…", "…"]')
            return ()
        return tuple(value)


def _display(path: Path) -> str:
    """The path as a user would type it: relative to the working folder when inside it."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def _toml(path: Path, text: str, col: _Collector) -> dict[str, Any] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = int(m.group(1)) + col.offset if m else 1 + col.offset
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        col.error(line, "toml-syntax", f"TOML syntax error: {message}",
                  "check quotes, brackets and commas on that line")
        return None


def _read_text(path: Path, display: str, found: list[Diagnostic], line: int = 0,
               code: str = "missing-file") -> str | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        found.append(Diagnostic(display, line, code, f"{path.name} does not exist",
                                "check the path, relative to the manuscript folder"))
        return None
    except OSError as exc:
        found.append(Diagnostic(display, line, "unreadable", f"cannot read {path.name}: {exc.strerror}"))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_no = data[: exc.start].count(b"\n") + 1
        found.append(Diagnostic(_display(path), line_no, "not-utf8",
                                f"byte {exc.start} is not UTF-8", "save the file as UTF-8"))
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = NOT_XML.search(text)
    if bad:
        found.append(Diagnostic(
            _display(path), text.count("\n", 0, bad.start()) + 1, "control-character",
            f"a control character (U+{ord(bad.group()):04X}) that no EPUB or PDF can hold",
            "delete it: it is invisible (anthology import drops such characters)"))
        return None
    return text


# what XML 1.0 cannot carry (besides surrogates, which UTF-8 cannot encode)
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _piece_id(text: str) -> str:
    """A piece's id from its ``id`` key or file name, without a leading number ("01-")."""
    return slug(re.sub(r"^\d+[-_ ]+", "", text), "piece")


def split_front_matter(text: str) -> tuple[str, str, int]:
    """A piece file's TOML front matter (between ``+++`` lines), its body, and the line number
    of the body's first line. ValueError(message, hint) when the file does not begin with
    ``+++`` or the front matter is never closed."""
    lines = text.split("\n")
    if lines[0].strip() != "+++":
        raise ValueError("a piece must start with TOML front matter between +++ lines",
                         'begin the file with +++, title = "…", +++')
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "+++")
    except StopIteration:
        raise ValueError("the front matter is never closed",
                         "add a line +++ after the last key") from None
    return "\n".join(lines[1:end]), "\n".join(lines[end + 1:]), end + 2


def _read_piece(path: Path, root: Path, line_in_manifest: int, manifest_display: str,
                found: list[Diagnostic], pictures: list[tuple[str, Reference]]) -> Piece | None:
    display = _display(path)
    text = _read_text(path, manifest_display, found, line_in_manifest, "missing-piece")
    if text is None:
        return None
    try:
        front, body, body_line = split_front_matter(text)
    except ValueError as exc:
        message, hint = exc.args
        found.append(Diagnostic(display, 1, "no-front-matter", message, hint))
        return None
    col = _Collector(path, front, display, line_offset=1)
    meta = _toml(path, front, col)
    if meta is None:
        found.extend(col.found)
        return None
    col.unknown_keys(meta, PIECE_KEYS, "the front matter")
    title = col.string(meta, "title")
    if not title.strip() and not isinstance(meta.get("title"), (int, float, bool, list, dict)):
        col.error(2, "missing-title", "the piece has no title",
                  'add title = "…"; mark a title you supplied with title_supplied = true')
    kind = col.string(meta, "kind", "essay")
    if kind not in PIECE_KINDS:
        col.error(col.line_of("kind"), "bad-value", f"unknown kind {kind!r}",
                  f"use one of {', '.join(PIECE_KINDS)}")
    supplied = meta.get("title_supplied", False)
    if not isinstance(supplied, bool):
        col.error(col.line_of("title_supplied"), "bad-value", "title_supplied must be true or false")
        supplied = False
    reviewed = None
    if "reviewed" in meta:
        table = meta["reviewed"]
        if not isinstance(table, dict):
            col.error(col.line_of("reviewed"), "bad-value", "reviewed must be a table",
                      "write [reviewed] on its own line, then its keys")
        else:
            col.unknown_keys(table, REVIEWED_KEYS, "[reviewed]")
            reviewed = Reviewed(
                title=col.string(table, "title"), authors=col.strings(table, "authors"),
                publisher=col.string(table, "publisher"), year=col.string(table, "year"),
                pages=col.string(table, "pages"), price=col.string(table, "price"),
                details=col.string(table, "details"))
    piece_id = _piece_id(col.string(meta, "id") or path.stem)
    title_notes = col.strings(meta, "title_notes")
    split = split_notes(body, display, body_line,
                        tuple((label, col.line_of("title_notes")) for label in title_notes))
    found.extend(col.found)
    found.extend(split.diagnostics)
    # the pictures of the body and of its notes, with the lines of the file
    pictures.extend((display, ref) for ref in references(body, body_line))
    return Piece(
        id=piece_id, path=path, title=title, body=split.body, body_line=body_line,
        notes=split.notes, title_supplied=supplied, subtitle=col.string(meta, "subtitle"),
        authors=col.strings(meta, "authors"), byline=col.string(meta, "byline"), kind=kind,
        source=col.string(meta, "source"),
        publication=col.string(meta, "publication"), issue=col.string(meta, "issue"),
        date=col.string(meta, "date"), reviewed=reviewed, label=col.string(meta, "label"),
        title_notes=title_notes)


def _piece_paths(value: Any, col: _Collector, key_line: int) -> list[tuple[str, int]]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        col.error(key_line, "bad-value", "pieces must be a list of file paths",
                  'write pieces = ["pieces/01-….md", …]')
        return []
    out = []
    for rel in value:
        line = next((i + 1 for i, l in enumerate(col.lines) if f'"{rel}"' in l or f"'{rel}'" in l),
                    key_line)
        out.append((rel, line))
    return out


def _tables(data: dict[str, Any], key: str, allowed: set[str], col: _Collector) -> list[dict]:
    """The [[key]] tables of the manifest, each checked for unknown keys."""
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        col.error(col.line_of(key), "bad-value", f"{key} must be [[{key}]] tables")
        return []
    for table in value:
        col.unknown_keys(table, allowed, f"[[{key}]]")
    return value


def read_manuscript(folder: Path) -> Checked:
    """Read and check a whole manuscript; raise InputError listing every error found."""
    folder = Path(folder)
    manifest = folder / MANIFEST if folder.is_dir() else folder
    root = manifest.parent
    display = _display(manifest)
    found: list[Diagnostic] = []
    if not manifest.exists():
        raise InputError(Diagnostic(display, 0, "no-manifest", "no volume.toml here",
                                    "give the manuscript folder, or make one with anthology import"))
    text = _read_text(manifest, display, found)
    if text is None:
        raise InputError(found)
    col = _Collector(manifest, text, display)
    data = _toml(manifest, text, col)
    if data is None:
        raise InputError(col.found)
    col.unknown_keys(data, VOLUME_KEYS, "volume.toml")
    title = col.string(data, "title")
    if not title.strip():
        col.error(1, "missing-title", "the volume has no title", 'add title = "…" to volume.toml')
    language = col.string(data, "language", "en")
    if not _LANG.match(language):
        col.error(col.line_of("language"), "bad-value", f"language {language!r} is not a language tag",
                  'use a BCP 47 tag such as "en" or "fr-CA"')
    date = col.string(data, "date")
    if date and not _DATE.match(date):
        col.error(col.line_of("date"), "bad-value", f"date {date!r} is not YYYY-MM-DD",
                  'write date = "2026-11-25"')

    # parts: [[parts]] tables, or a plain top-level pieces list
    layout: list[tuple[str, list[tuple[str, int]]]] = []
    if "parts" in data and "pieces" in data:
        col.error(col.line_of("pieces"), "bad-value", "use either [[parts]] or pieces, not both",
                  "move the pieces into the parts")
    if "parts" in data:
        parts = data["parts"]
        if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
            col.error(col.line_of("parts"), "bad-value", "parts must be [[parts]] tables")
            parts = []
        search_from = 0
        for part in parts:
            line = col.line_of("parts", search_from)
            search_from = line - col.offset
            col.unknown_keys(part, PART_KEYS, "[[parts]]")
            ptitle = part.get("title", "")
            if not isinstance(ptitle, str):
                col.error(line, "bad-value", "a part's title must be a string")
                ptitle = ""
            layout.append((ptitle, _piece_paths(part.get("pieces", []), col, line)))
    elif "pieces" in data:
        layout.append(("", _piece_paths(data["pieces"], col, col.line_of("pieces"))))
    if not any(paths for _, paths in layout) and not any(
            d.code == "bad-value" and d.line in (col.line_of("pieces"), col.line_of("parts"))
            for d in col.found):
        col.error(1, "no-pieces", "the volume lists no pieces",
                  'add pieces = ["pieces/01-….md"] or [[parts]] tables')

    contributors = [Contributor(col.string(c, "name"), col.string(c, "bio"))
                    for c in _tables(data, "contributors", CONTRIBUTOR_KEYS, col)]
    removed = tuple(Removed(r.get("line", 0) if isinstance(r.get("line"), int) else 0,
                            col.string(r, "text"), col.string(r, "why"), col.string(r, "source"))
                    for r in _tables(data, "removed", REMOVED_KEYS, col))
    index: list[IndexTerm] = []
    for t in _tables(data, "index", INDEX_KEYS, col):
        heading = col.string(t, "heading")
        kind = col.string(t, "kind", "name")
        if not heading.strip() or kind not in ("name", "work"):
            col.error(col.line_of("index"), "bad-value",
                      f"index entry {heading!r} needs a heading and kind \"name\" or \"work\"",
                      'write [[index]] heading = "Trotsky, Leon", matches = ["Trotsky"]')
            continue
        index.append(IndexTerm(heading, col.strings(t, "matches") or (heading,), kind,
                               col.string(t, "author")))
    glossary = tuple(GlossaryEntry(col.string(g, "term"), col.string(g, "expansion"))
                     for g in _tables(data, "glossary", GLOSSARY_KEYS, col))
    found.extend(col.found)
    # the pictures of the manifest's Markdown, then of the pieces, in reading order
    pictures: list[tuple[str, Reference]] = [
        (display, ref) for ref in references(col.string(data, "editorial_note"),
                                             col.line_of("editorial_note"))]
    bio_line = 0
    for contributor in contributors:
        bio_line = col.line_of("bio", bio_line) if contributor.bio else bio_line
        pictures.extend((display, ref) for ref in references(contributor.bio, bio_line))

    seen: dict[Path, int] = {}
    ids: dict[str, Path] = {}
    parts_out: list[Part] = []
    real_root = root.resolve()
    for ptitle, paths in layout:
        pieces: list[Piece] = []
        for rel, line in paths:
            path = (root / rel)
            resolved = path.resolve()
            if not resolved.is_relative_to(real_root):
                found.append(Diagnostic(display, line, "outside-manuscript",
                                        f"{rel} is outside the manuscript folder",
                                        "keep every piece inside the manuscript folder"))
                continue
            if resolved in seen:
                found.append(Diagnostic(display, line, "duplicate-piece",
                                        f"{rel} is listed twice (first at line {seen[resolved]})",
                                        "list each piece once"))
                continue
            seen[resolved] = line
            piece = _read_piece(path, root, line, display, found, pictures)
            if piece is None:
                continue
            if piece.id in ids:
                found.append(Diagnostic(_display(path), 1, "duplicate-id",
                                        f"piece id {piece.id!r} is also the id of {ids[piece.id].name}",
                                        'give one of them id = "…" in its front matter'))
                continue
            ids[piece.id] = path
            pieces.append(piece)
        parts_out.append(Part(ptitle, tuple(pieces)))
    images, problems = read_images(pictures, root)
    found.extend(problems)

    errors = [d for d in found if d.severity == "error"]
    if errors:
        raise InputError(errors)
    identifier = col.string(data, "identifier")
    if not identifier:
        authors = sorted({a for part in parts_out for p in part.pieces for a in p.authors})
        identifier = "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL,
                                                  "anthology:" + title + "|" + "|".join(authors)))
    volume = Volume(
        path=root, title=title, parts=tuple(parts_out), subtitle=col.string(data, "subtitle"),
        editors=col.strings(data, "editors"), language=language, identifier=identifier,
        date=date, publisher=col.string(data, "publisher"), rights=col.string(data, "rights"),
        editorial_note=col.string(data, "editorial_note"), contributors=tuple(contributors),
        edition=col.string(data, "edition"), removed=removed, index=tuple(index),
        glossary=glossary, images=images)
    return Checked(volume, tuple(d for d in found if d.severity == "warning"))

"""Turn an e-book (EPUB 2 or 3) into pieces, one a chapter, and the volume's title.

The archive is checked like a Word file's (:mod:`.archives`: no zip bomb, no entry named
outside it, XML without entities). The package document (``content.opf``, found through
``META-INF/container.xml``) gives the reading order and the book's title and authors. Each
document of the spine is read as a saved page is (:func:`.web.page_piece`), except the
e-book's own apparatus — cover, title page, imprint, contents, colophon, copyright page,
the notes file — which is left out and reported. A note reference into another document of
the book (Standard Ebooks' ``endnotes.xhtml#note-35``, a chapter's notes at the end of the
book) brings that note into its chapter first, so the note is the chapter's, linked both
ways. Pictures are read from the archive, never from anywhere else.
"""

from __future__ import annotations

import copy
import posixpath
import re
import zipfile
from pathlib import Path

from ..errors import Diagnostic, InputError
from .archives import open_archive, parse_xml, read_entry, safe_name
from .conventions import EPUB_APPARATUS, IMAGE_BYTES_MAX
from .records import PieceText, VolumeText
from .report import Log
from .web import page_piece, parse_page

OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
EPUB_TYPE = ("epub:type", "{http://www.idpf.org/2007/ops}type")


def epub_pieces(path: Path, data: bytes, log: Log) -> tuple[list[PieceText], VolumeText]:
    """Each chapter of the e-book as a piece, and the book's title as the volume's."""
    archive = open_archive(data, str(path), ".epub")
    opf_name, opf = _package(archive, str(path))
    title = next((" ".join("".join(t.itertext()).split()) for t in opf.iter(f"{DC}title")), "")
    authors = tuple(dict.fromkeys(" ".join("".join(c.itertext()).split())
                                  for c in opf.iter(f"{DC}creator")
                                  if "".join(c.itertext()).strip()))
    base = posixpath.dirname(opf_name)
    manifest = {item.get("id"): item for item in opf.iter(f"{OPF}item")}
    documents: dict[str, object] = {}  # archive name → parsed tree, read once

    def document(name: str):
        if name not in documents:
            raw = read_entry(archive, name)
            documents[name] = parse_page(raw, f"{path}:{name}") if raw else None
        return documents[name]

    pieces: list[PieceText] = []
    skipped: list[str] = []
    for ref in opf.iter(f"{OPF}itemref"):
        item = manifest.get(ref.get("idref"))
        if item is None or ref.get("linear") == "no" or \
                "nav" in (item.get("properties") or "").split() or \
                "html" not in (item.get("media-type") or ""):
            continue
        name = posixpath.normpath(posixpath.join(base, item.get("href") or ""))
        root = document(name) if safe_name(name) else None
        if root is None:
            continue
        kinds = _apparatus(root)
        if kinds:
            skipped.append(f"{posixpath.basename(name)} ({kinds})")
            continue
        root = copy.deepcopy(root)
        _bring_notes(root, name, document)
        chapter_log = Log(f"{path}:{name}")
        try:
            pieces.append(page_piece(path, root, chapter_log, _archive_pictures(archive, name),
                                     authors_default=authors))
        except InputError as exc:
            first = exc.diagnostics[0]
            if getattr(first, "code", "") != "import-no-article":
                raise
            skipped.append(f"{posixpath.basename(name)} (no text: a part title or a blank page)")
        log.items.extend(chapter_log.items)
    if skipped:
        log.warn(0, "import-epub-skipped",
                 f"left out the e-book's own pages: {'; '.join(skipped)}", "")
    if not pieces:
        raise InputError(Diagnostic(str(path), 0, "import-no-article", "no chapter with text in "
                                    "the e-book", "check that it is not a picture book or "
                                    "protected by DRM"))
    return pieces, VolumeText(title=title)


def _package(archive: zipfile.ZipFile, path: str):
    """The package document's name and tree, by way of META-INF/container.xml."""
    raw = read_entry(archive, "META-INF/container.xml")
    if raw is None:
        raise InputError(Diagnostic(path, 0, "import-damaged", "the e-book has no "
                                    "META-INF/container.xml", "save it again from the program "
                                    "that made it"))
    container = parse_xml(raw, path, "container")
    rootfile = container.find(f".//{CONTAINER}rootfile")
    name = rootfile.get("full-path", "") if rootfile is not None else ""
    if "META-INF/encryption.xml" in archive.namelist():
        raise InputError(Diagnostic(path, 0, "import-protected", "the e-book is encrypted (DRM)",
                                    "import a copy without DRM"))
    raw = read_entry(archive, name) if name and safe_name(name) else None
    if raw is None:
        raise InputError(Diagnostic(path, 0, "import-damaged", "the e-book's package document "
                                    f"{name!r} is missing", "save it again from the program that "
                                    "made it"))
    return name, parse_xml(raw, path, "package document")


def _types(el) -> set[str]:
    return {t.split(":")[-1] for attr in EPUB_TYPE for t in (el.get(attr) or "").split()} | \
        {r.removeprefix("doc-") for r in (el.get("role") or "").split()}


def _apparatus(root) -> str:
    """What the document is, if it is the e-book's own apparatus (cover, imprint, notes …):
    by the semantics of its body or of its first section (a chapter's own notes section comes
    after the chapter), else ""."""
    body = root.find("body")
    if body is None:
        return ""
    first = next((el for el in body if isinstance(el.tag, str) and
                  el.tag in ("section", "div", "nav", "article")), None)
    found = _types(body) & EPUB_APPARATUS or \
        (_types(first) & EPUB_APPARATUS if first is not None else set())
    return ", ".join(sorted(found))


def _bring_notes(root, name: str, document) -> None:
    """Notes a chapter refers to in another document of the book, copied to the chapter's
    end, the references and back-links made links inside the chapter."""
    body = root.find("body")
    if body is None:
        return
    here = posixpath.dirname(name)
    box = None
    brought: set[str] = set()
    for a in list(root.iter("a")):
        href = a.get("href") or ""
        target, _, fragment = href.partition("#")
        if not target or not fragment or re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):
            continue
        other = posixpath.normpath(posixpath.join(here, target))
        if other == name or not safe_name(other):
            continue
        tree = document(other)
        note = next((el for el in tree.iter() if isinstance(el.tag, str) and
                     el.get("id") == fragment), None) if tree is not None else None
        if note is None or not (_types(note) & {"endnote", "footnote", "rearnote", "note"} or
                                note.tag == "li"):
            continue
        a.set("href", f"#{fragment}")
        if fragment in brought:
            continue
        brought.add(fragment)
        if box is None:
            box = body.makeelement("ol", {})
            body.append(box)
        copied = copy.deepcopy(note)
        if copied.tag != "li":
            copied.tag = "li"
        for back in copied.iter("a"):
            back_target, _, back_fragment = (back.get("href") or "").partition("#")
            if back_fragment and posixpath.normpath(posixpath.join(posixpath.dirname(other),
                                                                   back_target)) == name:
                back.set("href", f"#{back_fragment}")
        box.append(copied)


def _archive_pictures(archive: zipfile.ZipFile, name: str):
    """A chapter's pictures: entries of the archive, named relative to the chapter."""
    def picture(src: str) -> tuple[bytes | None, str]:
        from urllib.parse import unquote

        entry = posixpath.normpath(posixpath.join(posixpath.dirname(name),
                                                  unquote(src.split("#")[0].split("?")[0])))
        if not safe_name(entry):
            return None, f"the picture {src[:60]!r} is named outside the e-book"
        data = read_entry(archive, entry, IMAGE_BYTES_MAX)
        if data is None:
            return None, f"the picture {src[:60]!r} is not in the e-book (or too large)"
        return data, ""
    return picture

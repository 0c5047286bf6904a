"""Turn a contributor's Word, OpenDocument or EPUB file into a checked archive and what its
properties say (title, authors, comments), before anything else reads it.

A contributor's file is untrusted. Before pandoc or anything else reads a zip container:
its entries' declared sizes and compression ratios are checked (a "zip bomb" — a small file
inflating to gigabytes — is refused without inflating anything), entries named outside the
archive (``../../x.png``, ``/tmp/x``) are never read, and a password-protected Office
document (an OLE compound file) is named as such. XML is parsed without entities, DTDs or
network access, so a "billion laughs" document is refused, not expanded.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass

from lxml import etree

from ..errors import Diagnostic, InputError
from .conventions import ARCHIVE_ENTRIES_MAX, ARCHIVE_RATIO_MAX, ARCHIVE_UNPACKED_MAX

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_comments=True)


@dataclass(frozen=True)
class Properties:
    """What a document says of itself."""

    title: str = ""
    authors: tuple[str, ...] = ()
    comments: int = 0  # reviewers' comments, dropped from the text
    # each picture the document names: (its target as written, linked from outside?);
    # a .docx's targets are relative to word/
    pictures: tuple[tuple[str, bool], ...] = ()


def open_archive(data: bytes, path: str, kind: str) -> zipfile.ZipFile:
    """The zip container of a .docx, .odt or .epub, checked; InputError if it is not one, is
    password-protected, damaged, or would inflate beyond the limits."""
    if data.startswith(OLE_MAGIC):
        raise InputError(Diagnostic(
            path, 0, "import-protected",
            f"the {kind} is password-protected (or an old binary Word .doc file)",
            "save it again without a password, as .docx"))
    if not data.startswith(ZIP_MAGIC):
        raise InputError(Diagnostic(
            path, 0, "import-not-" + kind.strip("."),
            f"this is not a {kind} file, whatever its name",
            "give the file its right extension, or save it again as " + kind))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise InputError(Diagnostic(path, 0, "import-damaged",
                                    f"the {kind} is damaged or incomplete ({exc})",
                                    "save it again from the program that made it")) from None
    total = 0
    if len(infos) > ARCHIVE_ENTRIES_MAX:
        raise InputError(Diagnostic(path, 0, "import-too-large",
                                    f"the {kind} holds {len(infos)} files",
                                    f"a document holds far fewer than {ARCHIVE_ENTRIES_MAX}"))
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > ARCHIVE_UNPACKED_MAX or (info.file_size > 1 << 20 and ratio > ARCHIVE_RATIO_MAX):
            raise InputError(Diagnostic(
                path, 0, "import-too-large",
                f"the {kind} would unpack to more than {ARCHIVE_UNPACKED_MAX >> 20} MB "
                f"({info.filename!r} alone to {info.file_size >> 20} MB)",
                "it is not an ordinary document (a zip bomb?); nothing was unpacked"))
    return archive


def safe_name(name: str) -> bool:
    """Is an entry's name inside the archive (no ``..``, not absolute, no drive letter)?"""
    normal = posixpath.normpath(name.replace("\\", "/"))
    return not (normal.startswith(("/", "../")) or normal == ".." or ":" in normal.split("/")[0]
                or "\x00" in name)


def read_entry(archive: zipfile.ZipFile, name: str, limit: int = ARCHIVE_UNPACKED_MAX) -> bytes | None:
    """An entry's bytes, reading no more than ``limit`` (None if it is absent or unsafe)."""
    if not safe_name(name):
        return None
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > limit:
        return None
    with archive.open(info) as stream:
        data = stream.read(limit + 1)
    return data if len(data) <= limit else None


def parse_xml(data: bytes, path: str, what: str) -> etree._Element:
    try:
        return etree.fromstring(data, SAFE_XML)
    except etree.XMLSyntaxError as exc:
        raise InputError(Diagnostic(path, 0, "import-damaged",
                                    f"the document's {what} is not well-formed XML ({exc.msg})",
                                    "save it again from the program that made it")) from None


def office_properties(archive: zipfile.ZipFile, path: str, kind: str) -> Properties:
    """Title and authors from the core properties (.docx) or meta.xml (.odt); the number of
    reviewers' comments the document carries."""
    ns = {"dc": "http://purl.org/dc/elements/1.1/",
          "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
          "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
          "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0"}
    title, authors, comments = "", (), 0
    meta = read_entry(archive, "docProps/core.xml" if kind == ".docx" else "meta.xml", 1 << 20)
    if meta:
        root = parse_xml(meta, path, "properties")
        title = " ".join(root.xpath("string(//dc:title)", namespaces=ns).split())
        creator = root.xpath("string(//dc:creator)", namespaces=ns) or \
            root.xpath("string(//meta:initial-creator)", namespaces=ns)
        authors = tuple(n.strip() for n in creator.replace(";", ",").split(",") if n.strip())
    if kind == ".docx":
        data = read_entry(archive, "word/comments.xml", 16 << 20)
        if data:
            comments = len(parse_xml(data, path, "comments").findall(
                "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}comment"))
    else:
        data = read_entry(archive, "content.xml", ARCHIVE_UNPACKED_MAX)
        if data:
            comments = len(parse_xml(data, path, "content").findall(
                ".//{urn:oasis:names:tc:opendocument:xmlns:office:1.0}annotation"))
    return Properties(title, authors, comments, _pictures(archive, path, kind))


def _pictures(archive: zipfile.ZipFile, path: str, kind: str) -> tuple[tuple[str, bool], ...]:
    """Every picture the document names, as the archive's path (or the outside address) and
    whether it is linked from outside rather than held in the file."""
    out: list[tuple[str, bool]] = []
    if kind == ".docx":
        for info in archive.infolist():
            name = info.filename
            if not (name.startswith("word/_rels/") and name.endswith(".rels")):
                continue
            data = read_entry(archive, name, 4 << 20)
            if not data:
                continue
            for rel in parse_xml(data, path, "relationships").iter(
                    "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"):
                if not (rel.get("Type") or "").endswith("/image"):
                    continue
                target = rel.get("Target") or ""
                outside = rel.get("TargetMode") == "External" or ":" in target.split("/")[0]
                out.append((target, outside))  # relative to word/
    else:
        data = read_entry(archive, "content.xml")
        if data:
            for image in parse_xml(data, path, "content").iter(
                    "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}image"):
                target = image.get("{http://www.w3.org/1999/xlink}href") or ""
                if target:
                    out.append((target, ":" in target.split("/")[0] or target.startswith("/")))
    return tuple(dict.fromkeys(out))


def check_xml_parts(archive: zipfile.ZipFile, path: str) -> None:
    """Parse every XML part safely once, so that an entity bomb is refused before pandoc."""
    for info in archive.infolist():
        if info.filename.endswith(".xml") and safe_name(info.filename):
            data = read_entry(archive, info.filename)
            if data is not None and b"<!DOCTYPE" in data[:4096] and b"<!ENTITY" in data:
                raise InputError(Diagnostic(
                    path, 0, "import-unsafe",
                    f"{info.filename} declares XML entities, which a document never needs",
                    "save it again from the program that made it"))

"""Turn the files an editor gathers — text dumps, Word, OpenDocument, saved web pages,
Markdown, e-books — into one volume's manuscript, one piece per file (a text dump may hold
several, an e-book has one a chapter).

Each file's format is told by its content and its name: a zip holding ``word/`` is a .docx,
one with OpenDocument's mimetype an .odt, HTML by its tags, anthology's own Markdown by its
``+++`` front matter, and so on; a file that is none of these, or says it is one thing and is
another, is one clear error naming it, and nothing is written. A folder is its files in name
order (its ``images/`` folder and the ``*_files`` folders browsers save pages with are not
pieces). A piece's title, authors and source line come from the document's own properties
first (core properties, meta.xml, ``<title>`` and ``<meta name="author">``, front matter),
then from its text (a title paragraph, a "By …" line, a "First published in …" line), and the
report says which.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from pathlib import Path

from ..errors import Diagnostic, InputError
from .archives import check_xml_parts, office_properties, open_archive, read_entry, safe_name
from .conventions import IMAGE_BYTES_MAX, SOURCE_BYTES_MAX
from .document import keep_image, piece_from_ast
from .epub import epub_pieces
from .headers import clean_title
from .pandoc import read_ast
from .records import PieceText, VolumeText
from .report import ImportReport, Log
from .web import web_piece
from .write import manuscript_files

FORMATS = ".txt, .md, .markdown, .docx, .odt, .html, .htm, .xhtml, .epub"
SKIPPED_FOLDERS = ("images",)


def gather(sources: list[Path], log: Log) -> list[Path]:
    """The files to import, in order: each file named, each folder's files by name. In a
    folder, what is plainly no text (pictures, an editor's lock and backup files, settings)
    is passed over, and the report says so."""
    out: list[Path] = []
    for source in sources:
        if not source.is_dir():
            out.append(source)
            continue
        for item in sorted(source.iterdir(), key=lambda p: p.name):
            if item.name.startswith(".") or item.is_dir():
                continue  # images/ and a saved page's NAME_files/ travel with their piece
            if NOT_TEXT.search(item.name):
                log.warn(0, "import-skipped", f"{item} is not imported (no text format)", "")
                continue
            out.append(item)
    return out


# a folder's files that are no piece: pictures, lock and backup files, settings
NOT_TEXT = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|tiff?|bmp|ico|toml|json|ya?ml|css|js|ini|db"
                      r"|bak|tmp)$|^~\$|^\.~lock|~$|^(?:thumbs\.db|desktop\.ini)$", re.IGNORECASE)


def kind_of(path: Path, data: bytes) -> str:
    """What a file is, by its content first and its name second."""
    suffix = path.suffix.lower()
    head = data[:4096]
    if head.startswith(b"PK\x03\x04"):
        names = head.decode("latin-1")
        if "word/" in names or suffix == ".docx":
            return ".docx"
        if "mimetypeapplication/vnd.oasis.opendocument.text" in names or suffix == ".odt":
            return ".odt"
        if "application/epub+zip" in names or suffix == ".epub":
            return ".epub"
        return suffix if suffix in (".docx", ".odt", ".epub") else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return ".docx" if suffix in (".docx", ".doc") else "ole"
    if head.startswith(b"%PDF"):
        return "pdf"
    text = head.decode("utf-8", "replace").lstrip("\ufeff").lstrip()
    if suffix in (".docx", ".odt", ".epub"):
        return "mislabelled"
    if re.match(r"(?is)<(?:!doctype html|html|head|body|article)\b", text) or \
            suffix in (".html", ".htm", ".xhtml") and text.startswith("<"):
        return ".html"
    if suffix in (".md", ".markdown"):
        return ".md"
    if suffix in (".txt", ".text", "") or not suffix:
        return ".txt"
    return "unknown"


def import_sources(sources: list[Path]) -> tuple[dict[str, bytes], ImportReport]:
    """The manuscript's files and the report for the files and folders given."""
    from . import import_dump_texts, report_of  # the text-dump pipeline

    front = Log(str(sources[0]) if sources else ".")
    files = gather(sources, front)
    if not files:
        raise InputError(Diagnostic(str(sources[0]) if sources else ".", 0, "import-nothing",
                                    "no file to import there", f"give files of {FORMATS}"))
    pieces: list[PieceText] = []
    volumes: list[tuple[Path, VolumeText]] = []
    diagnostics: list[Diagnostic] = list(front.sorted())
    for path in files:
        data = _read(path)
        log = Log(str(path))
        kind = kind_of(path, data)
        if kind == ".txt":
            found, volume = import_dump_texts(data, str(path), log)
            pieces.extend(found)
            volumes.append((path, volume))
        elif kind in (".docx", ".odt"):
            pieces.append(_office(path, data, kind, log))
        elif kind == ".html":
            pieces.append(web_piece(path, data, log))
        elif kind == ".md":
            pieces.append(_markdown(path, data, log))
        elif kind == ".epub":
            found, volume = epub_pieces(path, data, log)
            pieces.extend(found)
            volumes.append((path, volume))
        else:
            raise InputError(_refusal(path, kind))
        diagnostics.extend(log.sorted())
    log = Log(str(sources[0]))
    volume = _volume(sources, volumes, pieces, log)
    manuscript = manuscript_files(pieces, volume, log, named="the dump" if len(files) == 1 and kind_of(files[0], b"") == ".txt" else "the import")
    diagnostics.extend(log.sorted())
    if len(files) == 1:
        diagnostics.sort(key=lambda d: d.line)
    return manuscript, report_of(pieces, tuple(diagnostics))


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > SOURCE_BYTES_MAX:
            raise InputError(Diagnostic(str(path), 0, "import-too-large",
                                        f"the file is {size >> 20} MB",
                                        f"a piece's file is at most {SOURCE_BYTES_MAX >> 20} MB"))
        return path.read_bytes()
    except OSError as exc:
        raise InputError(Diagnostic(str(path), 0, "unreadable", exc.strerror or str(exc),
                                    "check the path")) from None


def _refusal(path: Path, kind: str) -> Diagnostic:
    why = {"pdf": ("a PDF is not read", "save the text as .docx, .odt, .html, .md or .txt"),
           "mislabelled": (f"this is not a {path.suffix} file, whatever its name",
                           "give the file its right extension"),
           "ole": ("an old binary Office file (or a password-protected one)",
                   "save it again as .docx without a password"),
           "zip": ("a zip archive that is no document", f"give files of {FORMATS}")}
    message, hint = why.get(kind, (f"unknown type of file ({path.suffix or 'no extension'})",
                                   f"give files of {FORMATS}"))
    return Diagnostic(str(path), 0, "import-unknown-type" if kind == "unknown" else "import-refused",
                      message, hint)


# ---- Word and OpenDocument ---------------------------------------------------------------


def _office(path: Path, data: bytes, kind: str, log: Log) -> PieceText:
    archive = open_archive(data, str(path), kind)
    check_xml_parts(archive, str(path))
    props = office_properties(archive, str(path), kind)
    media_root = "word/" if kind == ".docx" else ""
    images: dict[str, tuple[str, bytes]] = {}
    seen: set[str] = set()  # every picture the text shows, as the archive names it

    def image(src: str) -> str | None:
        outside = bool(re.match(r"[a-z][a-z0-9+.-]*:", src, re.IGNORECASE))
        name = src if outside or src.startswith(media_root) else media_root + src
        seen.add(name if outside else posixpath.normpath(name))
        if outside or not safe_name(name):
            return None  # said once below, with every picture the document names
        return keep_image(path, src, read_entry(archive, name, IMAGE_BYTES_MAX), images, log)

    ast = read_ast(data, kind.lstrip("."), str(path),
                   ("--track-changes=accept",) if kind == ".docx" else ())
    if props.comments:
        log.warn(0, "import-comments-dropped", f"{props.comments} reviewer's comment"
                 f"{'s' if props.comments != 1 else ''} left out of the text",
                 "read them in the original if they matter")
    piece = piece_from_ast(path, ast, props.title, props.authors, "the document's properties",
                           image, images, log)
    for target, outside in props.pictures:
        name = target if target.startswith("/") else posixpath.join(media_root, target)
        if outside or not safe_name(name):
            where = "linked from outside the document" if outside else "named outside the document"
            log.warn(0, "import-image-dropped", f"the picture {target[:60]!r} is {where}: left out,"
                     " never fetched or read", "embed the picture in the document")
        elif posixpath.normpath(name) not in seen:
            log.warn(0, "import-image-dropped", f"the picture {target[:60]!r} is in the document "
                     "but not in the text pandoc reads: left out", "add it by hand if it belongs")
    return piece


# ---- Markdown ----------------------------------------------------------------------------


def _markdown(path: Path, data: bytes, log: Log) -> PieceText:
    text = data.decode("utf-8", "replace").lstrip("\ufeff")
    if text.startswith("+++"):
        end = text.find("\n+++", 3)
        try:
            front = tomllib.loads(text[3:end]) if end > 0 else None
        except tomllib.TOMLDecodeError:
            front = None
        if front is not None and "title" in front and set(front) <= MANUSCRIPT_KEYS:
            return _manuscript_piece(path, text, end, front, log)
        meta = front or {}
        body = text[end + 4:] if end > 0 else text
        ast = read_ast(body.encode("utf-8"), "markdown", str(path))
        title = str(meta.get("title", ""))
        authors = _toml_authors(meta)
        return piece_from_ast(path, ast, title, authors, "its front matter", _local_images(path, log, {}),
                      {}, log)
    images: dict[str, tuple[str, bytes]] = {}
    ast = read_ast(data, "markdown", str(path))
    return piece_from_ast(path, ast, "", (), "its front matter", _local_images(path, log, images), images, log)


MANUSCRIPT_KEYS = {"id", "title", "title_supplied", "subtitle", "authors", "byline", "kind",
                   "source", "publication", "issue", "date", "reviewed", "label", "title_notes"}


def _toml_authors(meta: dict) -> tuple[str, ...]:
    value = meta.get("authors", meta.get("author", []))
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value if isinstance(v, str))


def _local_images(path: Path, log: Log, images: dict[str, tuple[str, bytes]]):
    """Pictures a Markdown file shows: files beside it, in its folder, copied; nothing else."""
    folder = path.parent.resolve()

    def image(src: str) -> str | None:
        if re.match(r"[a-z][a-z0-9+.-]*:", src, re.IGNORECASE) or src.startswith("/"):
            log.warn(0, "import-image-dropped", f"the picture {src[:60]!r} is outside the "
                     "file's folder: left out, never read or fetched", "copy it beside the file")
            return None
        target = (folder / src).resolve()
        if folder not in target.parents or not target.is_file():
            log.warn(0, "import-image-dropped", f"the picture {src[:60]!r} is not in the file's "
                     "folder: left out, never read", "copy it beside the file")
            return None
        data = target.read_bytes() if target.stat().st_size <= IMAGE_BYTES_MAX else None
        return keep_image(path, src, data, images, log)

    image.images = images  # type: ignore[attr-defined]
    return image


def _manuscript_piece(path: Path, text: str, end: int, front: dict, log: Log) -> PieceText:
    """A piece already in anthology's format: kept as it is; its pictures copied (a picture
    outside its folder is left out, its markup kept as text)."""
    body = text[end + 4:].lstrip("\n")
    images: dict[str, tuple[str, bytes]] = {}
    image = _local_images(path, log, images)

    def swap(m: re.Match[str]) -> str:
        target = image(m.group("src"))
        if target is None:
            return m.group("alt") and f"\\[{m.group('alt')}\\]"
        return f"![{m.group('alt')}]({target}{m.group('title') or ''})"

    body = re.sub(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)(?P<title>\s+\"[^\"]*\")?\)", swap, body)
    log.warn(1, "import-manuscript", "already in anthology's manuscript format: kept as it is",
             "")
    _unsafe_html(body, log)
    front = {**{"title": "", "title_supplied": False, "subtitle": "", "authors": [],
                "kind": "essay", "source": "", "publication": "", "issue": "", "date": ""},
             **front}
    return PieceText(front, body.rstrip("\n"), 1, str(path), tuple(images.values()))


def _unsafe_html(body: str, log: Log) -> None:
    """Say what raw HTML in a piece the build will leave out (scripts, frames, handlers …)."""
    if "<" not in body:
        return
    import markdown

    from ..render.sanitize import sanitize

    for removal in sanitize(markdown.markdown(body, extensions=["footnotes"])).removed:
        if removal.code == "unsafe-html":
            log.warn(0, "import-unsafe-html", "unsafe raw HTML the build will not keep: "
                     f"{removal.what.removeprefix('removed ')}", "take it out of the piece")


# ---- the volume --------------------------------------------------------------------------


def _volume(sources: list[Path], volumes: list[tuple[Path, VolumeText]],
            pieces: list[PieceText], log: Log) -> VolumeText:
    """A lone dump's own title page, when it has one; else the folder's name. The lines
    each dump left out are kept, with the dump's name when there are several files."""
    if len(volumes) == 1 and len(sources) == 1 and volumes[0][1].title:
        return volumes[0][1]
    base = sources[0] if len(sources) == 1 and sources[0].is_dir() else None
    title = ""
    if base is not None:
        title = clean_title(re.sub(r"[-_]+", " ", base.resolve().name).strip().title())
        log.warn(0, "import-volume-title-guessed", f"the volume is called {title!r}, after the "
                 "folder", "set title in volume.toml")
    many = len(pieces) > 1 or len(sources) > 1
    removed = tuple((no, text, why, path.name if many else origin)
                    for path, v in volumes for no, text, why, origin in v.removed)
    editors = tuple(dict.fromkeys(e for _p, v in volumes for e in v.editors))
    return VolumeText(title=title, editors=editors, removed=removed)

"""Turn the pictures a manuscript's texts show into checked Images, and say what is wrong.

A text shows a picture as Markdown writes one, ``![alt text](images/NAME.png "caption")``
(or by reference: ``![alt text][label]`` with ``[label]: images/NAME.png``), or as raw
HTML, ``<img src="images/NAME.png" alt="…">``. This module finds those references, with
their lines, and checks each picture once:

* the reference is ``images/NAME``: a file directly in the manuscript's ``images/`` folder,
  its name of letters, digits, ``.``, ``_`` and ``-`` (not a URL, not an absolute path, no
  ``..``: an e-book is read offline, and a build reads nothing outside the manuscript);
* the file is there, inside the manuscript (a link out of it is refused), no larger than
  :data:`IMAGE_BYTES_MAX`;
* it is a PNG, JPEG or GIF by its first bytes, not by its name (an SVG may carry
  scripts), its name ends as its type does (a reading system trusts the name), and Pillow
  reads it without finding it damaged.

A reference without alt text is a warning: the picture is shown, but a reader who cannot
see it learns nothing of it. What Markdown writes inside a code span is not a picture;
anything else that looks like one is checked (a false alarm is better than a broken book).
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..errors import Diagnostic
from ..model import Image

FOLDER = "images"
# The import keeps pictures up to the same size, by the same types (importer/conventions.py
# takes both from here): whatever import writes must build.
IMAGE_BYTES_MAX = 16 << 20
# the first bytes of each type a picture may have, and its media type
MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg",
         b"GIF87a": "image/gif", b"GIF89a": "image/gif"}
SUFFIXES = {"image/png": (".png",), "image/jpeg": (".jpg", ".jpeg"), "image/gif": (".gif",)}
_PILLOW_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF"}
# What the shared HTML's <img src> may be (the sanitiser keeps no other): a file directly in
# images/, not a dot-file (the build's key leaves dot-files out, so a change to one would
# not rebuild).
IMAGE_SRC = re.compile(r"^images/(?!\.)[A-Za-z0-9._-]+$")


@dataclass(frozen=True)
class Reference:
    """One place a text shows a picture."""

    src: str  # as written
    alt: str  # "" when there is none
    line: int


# ---- finding the references ----------------------------------------------------------------

_CODE_SPAN = re.compile(r"(?<!\\)(`+)(?!`).+?(?<!`)\1(?!`)")
_ALT = r"(?P<alt>(?:\\.|[^\\\[\]]|\[[^\[\]]*\])*)"
_TITLE = r"""(?:\s+(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|\((?:\\.|[^)\\])*\)))?"""
# Python-Markdown takes what stands between the brackets loosely (spaces in the path, a
# title without a space before it, parentheses one deep): so does this, then splits it
_INLINE = re.compile(r"(?<!\\)!\[" + _ALT + r"\]\((?P<target>(?:\\.|[^()\\]|\([^()]*\))*)\)")
_TARGET = re.compile(r"""^\s*(?:<(?P<angle>[^>]*)>|(?P<src>.*?))(?:\s*(?P<q>["'])(?:.*)(?P=q))?\s*$""",
                     re.DOTALL)
_REFERENCE = re.compile(r"(?<!\\)!\[" + _ALT + r"\](?:[ ]?\[(?P<label>[^\[\]]*)\])?(?![(\[])")
_DEFINITION = re.compile(r"^ {0,3}\[(?P<label>[^\]^][^\]]*)\]:[ \t]*(?:<(?P<angle>[^>\n]*)>|"
                         r"(?P<src>\S+))" + _TITLE + r"[ \t]*$", re.MULTILINE)
_HTML_IMG = re.compile(r"<img\b(?P<attrs>[^>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""(?P<name>[A-Za-z_:][-\w:.]*)\s*=\s*(?:"(?P<v1>[^"]*)"|'(?P<v2>[^']*)'"""
                        r"""|(?P<v3>[^\s"'>]+))""")


def _without_code(text: str) -> str:
    """``text`` with every one-line code span blanked out, each character kept in place."""
    return "\n".join(_CODE_SPAN.sub(lambda m: " " * len(m.group()), line)
                     for line in text.split("\n"))


def _label(text: str) -> str:
    return " ".join(text.split()).lower()


def references(markdown: str, first_line: int) -> list[Reference]:
    """Every picture ``markdown`` (whose first line is ``first_line``) shows, in order."""
    if "![" not in markdown and "<img" not in markdown.lower():
        return []
    text = _without_code(markdown)
    found: list[tuple[int, Reference]] = []

    def line(at: int) -> int:
        return first_line + text.count("\n", 0, at)

    for m in _INLINE.finditer(text):
        target = _TARGET.match(m.group("target"))
        assert target is not None  # it matches any text
        src = target.group("angle") if target.group("angle") is not None else target.group("src")
        found.append((m.start(), Reference(src.strip(), _alt(m.group("alt")), line(m.start()))))
    definitions = {_label(m.group("label")): m for m in _DEFINITION.finditer(text)}
    for m in _REFERENCE.finditer(text):
        definition = definitions.get(_label(m.group("label") or m.group("alt")))
        if definition is None:
            continue  # "![text]" with no such definition is text, not a picture
        src = definition.group("angle") if definition.group("angle") is not None \
            else definition.group("src")
        found.append((m.start(), Reference(src.strip(), _alt(m.group("alt")),
                                           line(definition.start()))))
    for m in _HTML_IMG.finditer(text):
        attrs = {a.group("name").lower(): next(v for v in a.group("v1", "v2", "v3")
                                               if v is not None)
                 for a in _ATTRIBUTE.finditer(m.group("attrs"))}
        found.append((m.start(), Reference(attrs.get("src", "").strip(),
                                           " ".join(attrs.get("alt", "").split()),
                                           line(m.start()))))
    return [ref for _, ref in sorted(found, key=lambda f: f[0])]


def _alt(markdown: str) -> str:
    return " ".join(re.sub(r"\\(.)", r"\1", markdown).split())


# ---- checking the pictures -----------------------------------------------------------------


def read_images(found: list[tuple[str, Reference]],
                root: Path) -> tuple[tuple[Image, ...], list[Diagnostic]]:
    """The pictures ``found`` refers to ((display path of the text, reference) pairs), each
    read once, in the order first shown; and every problem, at each place it is shown."""
    images: dict[str, Image] = {}
    problems: dict[str, tuple[str, str, str]] = {}  # name → (code, message, hint)
    diagnostics: list[Diagnostic] = []
    for where, ref in found:
        name, problem = _name(ref.src)
        if problem is None and name not in images:
            problem = problems.get(name)
            if problem is None:
                image, problem = _read(root, name)
                if image is not None:
                    images[name] = image
                else:
                    problems[name] = problem
        if problem is not None:
            diagnostics.append(Diagnostic(where, ref.line, *problem))
        elif not ref.alt:
            diagnostics.append(Diagnostic(
                where, ref.line, "image-no-alt", f"the image {ref.src!r} has no alt text",
                f"describe what it shows: ![a description]({ref.src}); a reader who cannot see "
                "it hears or reads this instead", "warning"))
    return tuple(images.values()), diagnostics


def _name(src: str) -> tuple[str, tuple[str, str, str] | None]:
    """The file name in images/ that ``src`` refers to, or why it refers to none."""
    shown = repr(src) if src else "with no path"
    if not src:
        return "", ("image-path", "an image with no path", "write ![alt text](images/NAME.png)")
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//", src):
        return "", ("image-path", f"the image {shown} is a URL, and an e-book is read offline",
                    "save the picture in the manuscript's images/ and write images/NAME")
    parts = src.replace("\\", "/").split("/")
    if src.startswith(("/", "\\")) or ".." in parts:
        return "", ("image-path", f"the image {shown} is outside the manuscript's images/",
                    "copy the picture into images/ and write images/NAME")
    if not IMAGE_SRC.match(src):
        return "", ("image-path", f"the image {shown} is not a file directly in the "
                    "manuscript's images/, named with letters, digits, '.', '_' and '-'",
                    "move or rename it and write images/NAME, e.g. images/plate-1.png")
    return src.split("/", 1)[1], None


def _read(root: Path, name: str) -> tuple[Image | None, tuple[str, str, str] | None]:
    """The picture images/NAME, read and checked, or the problem with it."""
    src = f"{FOLDER}/{name}"
    path = root / FOLDER / name
    missing = ("image-missing", f"the image {src!r} is not in the manuscript's {FOLDER}/",
               "add the file or remove the reference")
    try:
        real = path.resolve()
        if real.parent != (root / FOLDER).resolve() or not real.is_relative_to(root.resolve()):
            return None, ("image-path", f"the image {src!r} links to a file outside the "
                          f"manuscript's {FOLDER}/", "copy the file itself into images/")
        if not path.is_file():
            return None, missing
        size = path.stat().st_size
        if size > IMAGE_BYTES_MAX:
            return None, ("image-too-large", f"the image {src!r} is {size / 2**20:.1f} MiB, "
                          f"more than {IMAGE_BYTES_MAX >> 20} MiB",
                          "save it smaller: fewer pixels, or JPEG for a photograph")
        data = path.read_bytes()
    except FileNotFoundError:
        return None, missing
    except OSError as exc:
        return None, ("unreadable", f"cannot read the image {src!r}: {exc.strerror}", "")
    media_type = picture_type(data)
    if media_type is None:
        return None, ("image-not-image", f"the image {src!r} is not a PNG, JPEG or GIF image",
                      "save it as PNG, or as JPEG for a photograph; SVG and other types are "
                      "not accepted")
    kind = _PILLOW_FORMATS[media_type]
    if not name.lower().endswith(SUFFIXES[media_type]):
        return None, ("image-suffix", f"the image {src!r} is a {kind} image, and its name "
                      "says otherwise", f"rename it to end in {SUFFIXES[media_type][0]}")
    animated, damage = _inspect(data, kind)
    if damage:
        return None, ("image-damaged", f"the image {src!r} cannot be read: {damage}",
                      "open it in an image editor and save it again")
    return Image(name, media_type, data, animated), None


def picture_type(data: bytes) -> str | None:
    """A picture's media type by its first bytes (PNG, JPEG or GIF), or None."""
    return next((t for magic, t in MAGIC.items() if data.startswith(magic)), None)


def picture_damage(data: bytes) -> str:
    """What keeps a PNG, JPEG or GIF from being read ("" if nothing): the check a build makes,
    for the import to make before it writes a picture no build would take."""
    media_type = picture_type(data)
    if media_type is None:
        return "it is not a PNG, JPEG or GIF image"
    return _inspect(data, _PILLOW_FORMATS[media_type])[1]


def _inspect(data: bytes, kind: str) -> tuple[bool, str]:
    """Whether the picture is animated, and what is wrong with it ("" if nothing): Pillow
    checks its structure (and a PNG's checksums) without decoding every pixel."""
    from PIL import Image as Pillow
    from PIL import UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("error", Pillow.DecompressionBombWarning)
        try:
            with Pillow.open(io.BytesIO(data)) as picture:
                if picture.format != kind:
                    return False, f"Pillow reads it as {picture.format}"
                picture.verify()
            with Pillow.open(io.BytesIO(data)) as picture:
                return getattr(picture, "n_frames", 1) > 1, ""
        except (Pillow.DecompressionBombError, Pillow.DecompressionBombWarning):
            return False, "it has too many pixels to be decoded safely"
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
            return False, str(exc) or type(exc).__name__

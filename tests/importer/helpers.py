"""Import a dump given as text; read the manuscript back as (front matter, body) pairs."""

from __future__ import annotations

import tomllib

from anthology.importer import Imported, import_dump


def imp(text: str) -> Imported:
    return import_dump(text.encode("utf-8"), "dump.txt")


def volume(result: Imported) -> dict:
    return tomllib.loads(result.files["volume.toml"].decode("utf-8"))


def pieces(result: Imported) -> list[tuple[dict, str]]:
    vol = volume(result)
    names = vol.get("pieces") or [p for part in vol.get("parts", []) for p in part["pieces"]]
    out = []
    for name in names:
        text = result.files[name].decode("utf-8")
        end = text.index("\n+++\n", 3)
        out.append((tomllib.loads(text[4:end + 1]), text[end + 5:]))
    return out


def codes(result: Imported) -> list[str]:
    return [d.code for d in result.report.diagnostics]

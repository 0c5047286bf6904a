"""Turn a manuscript into the one Markdown file the peer pipeline (pandoc) reads: the same text.

A YAML title block (title, lang), then each piece in reading order: `# Title`, the byline as a
paragraph, the body. Note labels repeat across pieces (`[^1]`), so each piece's labels get a
prefix (`[^p3-1]`), in references and definitions alike.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from volume import piece_paths, read_manifest, split_piece

_NOTE = re.compile(r"\[\^([^\]\s]+)\]")


def byline(meta: dict) -> str:
    """The byline as anthology prints it: the written one, else "By A and B"."""
    authors = meta.get("authors", [])
    return meta.get("byline", "") or ("By " + " and ".join(authors) if authors else "")


def peer_markdown(manuscript: Path) -> str:
    manifest = read_manifest(manuscript)
    # JSON strings are valid YAML scalars, quotes and colons included
    out = ["---", f"title: {json.dumps(manifest['title'], ensure_ascii=False)}",
           f"lang: {json.dumps(manifest.get('language', 'en'))}", "---", ""]
    for n, path in enumerate(piece_paths(manuscript), 1):
        meta, body = split_piece(path.read_text(encoding="utf-8"))
        out += [f"# {meta.get('title', '')}", ""]
        if byline(meta):
            out += [byline(meta), ""]
        out += [_NOTE.sub(lambda m: f"[^p{n}-{m.group(1)}]", body).strip(), ""]
    return "\n".join(out)

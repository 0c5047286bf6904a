"""Turn a seed manuscript into a bigger one: its parts and pieces repeated N times.

Copy k (k ≥ 2) of each part and piece gets the title suffix " (k)", so contents entries differ;
every copy is a separate piece file. Notes, index terms, contributors and the rest of
volume.toml are kept as they are, so the index grows with the text.

    python bench/volume.py OUTDIR --copies 10 [--seed seeds/serge]
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

import tomli_w

from anthology.manuscript import split_front_matter

SEED = Path(__file__).resolve().parent.parent / "seeds" / "serge"


def split_piece(text: str) -> tuple[dict, str]:
    """A piece file's TOML front matter, read, and its body (as anthology splits them)."""
    front, body, _ = split_front_matter(text)
    return tomllib.loads(front), body


def read_manifest(manuscript: Path) -> dict:
    return tomllib.loads((manuscript / "volume.toml").read_text(encoding="utf-8"))


def layout(manifest: dict) -> list[tuple[str, list[str]]]:
    """The (part title, piece paths) in reading order; one untitled part without [[parts]]."""
    if "parts" in manifest:
        return [(p.get("title", ""), list(p.get("pieces", []))) for p in manifest["parts"]]
    return [("", list(manifest.get("pieces", [])))]


def piece_paths(manuscript: Path) -> list[Path]:
    """Every piece file of the manuscript, in reading order."""
    return [manuscript / rel for _, rels in layout(read_manifest(manuscript)) for rel in rels]


def word_count(manuscript: Path) -> int:
    """Words in the pieces' bodies (text after the front matter, notes included)."""
    return sum(len(split_piece(p.read_text(encoding="utf-8"))[1].split())
               for p in piece_paths(manuscript))


def make_volume(out: Path, copies: int = 10, seed: Path = SEED) -> Path:
    """Write into OUT (empty or new) the seed manuscript with its parts repeated COPIES times."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    (out / "pieces").mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(seed)
    parts = []
    for k in range(1, copies + 1):
        suffix = f" ({k})" if k > 1 else ""
        for title, rels in layout(manifest):
            new_rels = []
            for rel in rels:
                meta, body = split_piece((seed / rel).read_text(encoding="utf-8"))
                meta["title"] = meta.get("title", "") + suffix
                if "id" in meta:
                    meta["id"] = f"{meta['id']}-{k}"
                name = Path(rel).stem + (f"-{k}" if k > 1 else "")  # the id comes from the stem
                new_rel = f"pieces/{name}.md"
                (out / new_rel).write_text(f"+++\n{tomli_w.dumps(meta)}+++\n{body}",
                                           encoding="utf-8")
                new_rels.append(new_rel)
            parts.append({"title": title + suffix if title else title, "pieces": new_rels})
    manifest.pop("pieces", None)
    manifest["parts"] = parts
    (out / "volume.toml").write_text(tomli_w.dumps(manifest), encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--seed", type=Path, default=SEED)
    args = ap.parse_args(argv)
    try:
        make_volume(args.outdir, args.copies, args.seed)
    except FileExistsError as e:
        print(f"volume.py: {e}", file=sys.stderr)
        return 2
    print(f"{args.outdir}: {len(piece_paths(args.outdir))} pieces, "
          f"{word_count(args.outdir):,} words (seed: {word_count(args.seed):,})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Turn a manuscript folder (volume.toml + pieces/*.md) into a checked Volume."""

from .read import MANIFEST, NOT_XML, Checked, read_manuscript, split_front_matter

__all__ = ["MANIFEST", "NOT_XML", "Checked", "read_manuscript", "split_front_matter"]

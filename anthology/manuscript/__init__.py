"""Turn a manuscript folder (volume.toml + pieces/*.md) into a checked Volume."""

from .read import MANIFEST, NOT_XML, Checked, read_manuscript

__all__ = ["MANIFEST", "NOT_XML", "Checked", "read_manuscript"]

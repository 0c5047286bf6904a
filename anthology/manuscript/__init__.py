"""Turn a manuscript folder (volume.toml + pieces/*.md + images/) into a checked Volume."""

from .images import IMAGE_BYTES_MAX, IMAGE_SRC
from .read import MANIFEST, NOT_XML, Checked, read_manuscript, split_front_matter

__all__ = ["IMAGE_BYTES_MAX", "IMAGE_SRC", "MANIFEST", "NOT_XML", "Checked", "read_manuscript",
           "split_front_matter"]

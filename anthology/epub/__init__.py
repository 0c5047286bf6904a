"""Turn a Book into an EPUB 3."""

from .writer import write_epub

__all__ = ["write_epub"]

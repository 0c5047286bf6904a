"""Turn a Volume into a Book: the one shared HTML every writer starts from."""

from .book import render, shared_html, with_index_pages

__all__ = ["render", "shared_html", "with_index_pages"]

"""Turn a Book into a print-ready PDF and the page map of its layout.

Nothing is imported here: the layout workers start from ``pdf.workers`` before anything
heavy is loaded (see ``build.py``), so the public names are looked up on first use.
"""

from importlib import import_module

_PUBLIC = {"PrintOptions": ".html", "PrintEdition": ".html", "print_edition": ".html",
           "print_html": ".html", "edition_name": ".html", "page_css": ".html", "TRIMS": ".html",
           "PageMap": ".pagemap", "layout_key": ".pagemap", "impose": ".booklet"}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Turn a Book into a print-ready PDF and the page map of its layout.

The modules, in the order a build uses them: ``options`` (the print layers' CSS), ``html``
(the print HTML, cut into chunks), ``edition`` (the print edition: the one entry point),
``workers`` and ``layout`` (the chunks laid out side by side), ``weasy`` (every use of
WeasyPrint's internals, behind one version gate), ``join`` (one PDF from the chunks'),
``pagemap`` (where each page begins), ``booklet`` (the imposed booklet).

Nothing is imported here: the layout workers start from ``pdf.workers`` before anything
heavy is loaded (see ``build.py``), so the public names are looked up on first use.
"""

from importlib import import_module

_PUBLIC = {"PrintOptions": "..model", "PrintEdition": ".edition", "Printing": ".edition",
           "print_edition": ".edition", "print_html": ".html", "edition_name": ".options",
           "page_css": ".options", "TRIMS": ".options", "PageMap": ".pagemap",
           "layout_key": ".pagemap", "impose": ".booklet"}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

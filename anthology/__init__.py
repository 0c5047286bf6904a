"""anthology: turn related texts into an edited volume (EPUB 3 and print-ready PDF)."""

__version__ = "0.1.0"

"""Run the command line as ``python -m anthology``."""

from .cli import run

run()

"""Turn the stages of a build into a table of wall times (``anthology build --timings``).

A stage is timed with ``with timings.stage("layout"):``; work done elsewhere (a worker
process laying out part of the PDF) is added with :meth:`Timings.add`. Stages keep the order
in which they first ran; a stage timed twice adds up.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator


class Timings:
    """Wall time per named stage of one build."""

    def __init__(self) -> None:
        self._seconds: dict[str, float] = {}
        self._started = time.perf_counter()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - started)

    def add(self, name: str, seconds: float) -> None:
        self._seconds[name] = self._seconds.get(name, 0.0) + seconds

    def items(self) -> list[tuple[str, float]]:
        return list(self._seconds.items())

    def total(self) -> float:
        """Wall time since these timings were made (the build's own total)."""
        return time.perf_counter() - self._started

    def report(self) -> str:
        """One line per stage, then the total: what ``--timings`` prints."""
        width = max([len(name) for name in self._seconds] + [5])
        lines = [f"{name:<{width}}  {seconds:7.3f} s" for name, seconds in self.items()]
        lines.append(f"{'total':<{width}}  {self.total():7.3f} s")
        return "\n".join(lines)

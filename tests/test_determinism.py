"""Same input, same bytes: two builds in different folders, at different times and clocks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow]


def _build(out: Path, cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-m", "anthology", "build", "--booklet", "-o", str(out)],
                          capture_output=True, text=True, cwd=cwd, env={**os.environ, **env})
    assert done.returncode == 0, done.stderr


def test_two_builds_of_the_serge_volume_are_byte_identical(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "elsewhere" / "b").mkdir(parents=True)
    _build(tmp_path / "a" / "out", tmp_path / "a", {"TZ": "UTC", "SOURCE_DATE_EPOCH": "0"})
    time.sleep(1.1)  # a later second, another time zone and another epoch: none may show
    _build(tmp_path / "elsewhere" / "b" / "out", tmp_path / "elsewhere",
           {"TZ": "Pacific/Kiritimati", "SOURCE_DATE_EPOCH": "1700000000"})
    first, second = tmp_path / "a" / "out", tmp_path / "elsewhere" / "b" / "out"
    # every file, the PDF chunks kept for the next build (.serge.chunks/) too
    names = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(second).as_posix() for p in second.rglob("*")
                           if p.is_file())
    assert {"serge.epub", "serge.pdf", "serge-booklet.pdf", "serge.html"} <= set(names)
    assert any(name.startswith(".serge.chunks/") for name in names)
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name

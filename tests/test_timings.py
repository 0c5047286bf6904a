"""`--timings`: each stage of a build and its wall time, then the total, on stderr."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from anthology.timings import Timings

LINE = re.compile(r"^(?P<name>\S.*?)\s+(?P<seconds>\d+\.\d{3}) s$")


def stages(report: str) -> list[str]:
    names = []
    for line in report.splitlines():
        m = LINE.match(line)
        assert m, f"not a timing line: {line!r}"
        names.append(m["name"])
    return names


def test_stages_keep_their_order_and_add_up() -> None:
    t = Timings()
    with t.stage("read"):
        pass
    t.add("pdf", 2.0)
    t.add("read", 1.0)
    assert [name for name, _ in t.items()] == ["read", "pdf"]
    assert dict(t.items())["read"] >= 1.0
    assert stages(t.report()) == ["read", "pdf", "total"]


def test_a_failed_stage_is_still_timed() -> None:
    t = Timings()
    with pytest.raises(ValueError):
        with t.stage("render"):
            raise ValueError("bad")
    assert [name for name, _ in t.items()] == ["render"]


def anthology(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "anthology", *args], capture_output=True,
                          text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})


@pytest.mark.slow
def test_build_prints_its_stages_and_a_total(mini: Path, tmp_path: Path) -> None:
    r = anthology("build", str(mini), "--html", "--epub", "--timings", "-o", str(tmp_path))
    assert r.returncode == 0, r.stderr
    report = [line for line in r.stderr.splitlines() if "epub-no-page-list" not in line]
    names = stages("\n".join(report))
    assert names[0] == "cache check" and names[-1] == "total"
    for stage in ("read", "render", "html", "page map", "epub", "write"):
        assert stage in names
    assert "pdf" not in names
    assert r.stdout.startswith("wrote ")  # the report goes to stderr only


@pytest.mark.slow
def test_an_up_to_date_build_prints_the_cache_check(mini: Path, tmp_path: Path) -> None:
    assert anthology("build", str(mini), "--html", "-o", str(tmp_path)).returncode == 0
    r = anthology("build", str(mini), "--html", "--timings", "-o", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("up to date: ")
    assert stages(r.stderr) == ["cache check", "total"]


@pytest.mark.slow
def test_no_timings_without_the_flag(mini: Path, tmp_path: Path) -> None:
    r = anthology("build", str(mini), "--html", "-o", str(tmp_path))
    assert r.returncode == 0 and r.stderr == ""

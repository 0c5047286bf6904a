"""Golden manuscripts: each fixture dump and the seed, imported, file by file.

A change to the importer that changes a manuscript shows here as a diff to review; the
golden files are rewritten on purpose with ``make golden`` (``pytest --update-golden``).
The report is part of it: every piece found and every guess, with its line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from anthology.importer import format_report, import_dump

ROOT = Path(__file__).resolve().parents[2]
DUMPS = sorted((ROOT / "tests" / "fixtures" / "dumps").glob("*.txt")) + \
    [ROOT / "seeds" / "000_3a4a934c17996d42.txt"]


@pytest.mark.parametrize("dump", DUMPS, ids=[d.stem for d in DUMPS])
def test_golden_manuscript(dump: Path, golden) -> None:
    imported = import_dump(dump.read_bytes(), dump.name)
    for name, data in sorted(imported.files.items()):
        golden(f"import/{dump.stem}/{name}", data.decode("utf-8"))
    golden(f"import/{dump.stem}/report.txt", "\n".join(format_report(imported.report)) + "\n")

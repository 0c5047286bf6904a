"""The importer's fixtures, imported: each dump gives the manuscript (and the report) kept in
tests/golden/import/<dump>/, regenerated on purpose with ``make golden``, never by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from anthology.importer import format_report, import_dump

DUMPS = Path(__file__).resolve().parent / "fixtures" / "dumps"
GOLDEN = Path(__file__).resolve().parent / "golden" / "import"


@pytest.mark.parametrize("dump", sorted(DUMPS.glob("*.txt")), ids=lambda path: path.stem)
def test_each_fixture_gives_its_golden_manuscript(dump: Path, golden, request) -> None:
    imported = import_dump(dump.read_bytes(), f"tests/fixtures/dumps/{dump.name}")
    files = {rel: data.decode("utf-8") for rel, data in imported.files.items()}
    files["report.txt"] = "\n".join(format_report(imported.report)) + "\n"
    assert "volume.toml" in files and any(rel.startswith("pieces/") for rel in files)
    for rel, text in sorted(files.items()):
        golden(f"import/{dump.stem}/{rel}", text)
    if not request.config.getoption("--update-golden"):  # no golden file left over
        kept = {p.relative_to(GOLDEN / dump.stem).as_posix()
                for p in (GOLDEN / dump.stem).rglob("*") if p.is_file()}
        assert kept == set(files)

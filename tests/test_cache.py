"""The build cache: a rebuild with nothing changed writes nothing; any change rebuilds.

Run as a user runs it (a subprocess), on real files; only `--html`/`--epub` builds, so no PDF is
laid out unless a test is about the print layout. Speed itself is the benchmark's business.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from anthology import cache

FAST = ("--html",)  # the quickest build; --epub where the EPUB matters
FROZEN: dict[str, str] = {}


@pytest.fixture(scope="module", autouse=True)
def frozen_anthology(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Run a copy of anthology taken once, not the working tree.

    anthology's own files are part of the key; in a tree someone is editing, a file saved
    between two builds of a test would rightly turn its "up to date" into "rebuilt".
    """
    from anthology.resources import PACKAGE, styles_dir

    root = tmp_path_factory.mktemp("frozen")
    shutil.copytree(PACKAGE, root / "anthology",
                    ignore=shutil.ignore_patterns("__pycache__", "styles", "bundled"))
    shutil.copytree(styles_dir(), root / "anthology" / "styles")  # found there first
    FROZEN["PYTHONPATH"] = str(root)


def anthology(*args: str, cwd: Path | None = None,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # never run from the repository: `python -m` would import its anthology, not the copy
    return subprocess.run([sys.executable, "-m", "anthology", *args], capture_output=True,
                          text=True, cwd=cwd or Path(FROZEN["PYTHONPATH"]),
                          env={**os.environ, "PYTHONWARNINGS": "ignore", **FROZEN, **(env or {})})


def files(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file in ``folder`` (hidden ones too): its inode, mtime and bytes."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.iterdir())}


@pytest.fixture
def ms(mini: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "ms"
    shutil.copytree(mini, copy)
    return copy


def build(ms: Path, out: Path, *flags: str, **kw) -> subprocess.CompletedProcess[str]:
    r = anthology("build", str(ms), *(flags or FAST), "-o", str(out), **kw)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    return r


def rebuilt(r: subprocess.CompletedProcess[str]) -> bool:
    lines = r.stdout.splitlines()
    if lines and all(line.startswith("wrote ") for line in lines):
        return True
    assert len(lines) == 1 and lines[0].startswith("up to date: "), r.stdout
    return False


@pytest.mark.slow
def test_nothing_changed_writes_nothing(ms: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build(ms, out, "--html", "--epub")
    assert rebuilt(first)
    before = files(out)
    assert ".ms.build.json" in before
    again = build(ms, out, "--epub", "--html")
    assert not rebuilt(again)
    assert again.stdout == f"up to date: {out / 'ms.html'}, {out / 'ms.epub'} (nothing changed)\n"
    assert again.stderr == first.stderr  # the first build's warning, given again
    assert "warning epub-no-page-list" in again.stderr
    assert files(out) == before  # same files, same inodes and mtimes: nothing rewritten


@pytest.mark.slow
def test_record_names_every_output_but_itself(ms: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = build(ms, out, "--html", "--epub")
    assert r.stdout.splitlines() == [f"wrote {out / 'ms.html'}", f"wrote {out / 'ms.epub'}"]
    stored = json.loads((out / ".ms.build.json").read_text("utf-8"))
    assert stored["key"].startswith("sha256:")
    assert list(stored["outputs"]) == ["ms.html", "ms.epub"]
    for name, entry in stored["outputs"].items():
        data = (out / name).read_bytes()
        assert entry["size"] == len(data)
    assert ".ms.build.json" not in build(ms, out, "--html", "--epub").stdout


def _edit_piece(ms: Path, out: Path) -> None:
    piece = ms / "pieces" / "02-reply.md"
    data = piece.read_bytes()
    piece.write_bytes(data.replace(b"first item", b"first Item"))


def _edit_manifest(ms: Path, out: Path) -> None:
    manifest = ms / "volume.toml"
    manifest.write_bytes(manifest.read_bytes().replace(b"Small Hours", b"Small Hourz"))


def _new_file(ms: Path, out: Path) -> None:
    (ms / "pieces" / "04-draft.md").write_text("not listed, but in the folder\n", "utf-8")


def _delete_output(ms: Path, out: Path) -> None:
    (out / "ms.html").unlink()


def _modify_output(ms: Path, out: Path) -> None:
    path = out / "ms.html"
    data = bytearray(path.read_bytes())
    data[-1] ^= 1  # same size, one bit flipped
    path.write_bytes(bytes(data))


def _replace_output(ms: Path, out: Path) -> None:
    (out / "ms.html").write_text("edited by hand\n", "utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("change", [_edit_piece, _edit_manifest, _new_file, _delete_output,
                                    _modify_output, _replace_output])
def test_a_change_rebuilds(change, ms: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(ms, out)
    good = (out / "ms.html").read_bytes()
    change(ms, out)
    assert rebuilt(build(ms, out))
    assert not rebuilt(build(ms, out))  # and the new record holds
    if change in (_modify_output, _delete_output, _replace_output):
        assert (out / "ms.html").read_bytes() == good  # the damage is repaired


@pytest.mark.slow
@pytest.mark.parametrize("flags", [("--epub", "--paragraph-numbers"), ("--epub", "--trim", "a4"),
                                   ("--epub", "--notes", "footnotes"), ("--epub", "--strict"),
                                   ("--html",)])
def test_another_option_rebuilds(flags: tuple[str, ...], ms: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(ms, out, "--epub")
    assert rebuilt(build(ms, out, *flags))
    assert not rebuilt(build(ms, out, *flags))


@pytest.mark.slow
def test_print_options_do_not_touch_an_html_only_build(ms: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(ms, out, "--html")
    assert not rebuilt(build(ms, out, "--html", "--trim", "a4", "--notes", "footnotes"))


@pytest.mark.slow
def test_the_order_of_format_flags_does_not_matter(ms: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(ms, out, "--html", "--epub")
    assert not rebuilt(build(ms, out, "--epub", "--html"))


@pytest.mark.slow
def test_no_cache_rebuilds(ms: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(ms, out)
    before = files(out)
    assert rebuilt(build(ms, out, *FAST, "--no-cache"))
    after = files(out)
    assert {n: b for n, (_, _, b) in after.items()} == {n: b for n, (_, _, b) in before.items()}
    assert after["ms.html"][0] != before["ms.html"][0]  # written again (a new file renamed in)
    assert not rebuilt(build(ms, out))


@pytest.mark.slow
@pytest.mark.parametrize("content", [b"", b"{not json", b"\xff\xfe\x00", b"[]",
                                     b'{"format": 1, "key": "KEY", "outputs": "ms.html"}',
                                     b'{"format": 1, "key": "KEY", "outputs": {"../x": {}}}',
                                     b'{"format": 1, "key": "KEY", "outputs": {}}',
                                     b'{"format": 1, "key": "KEY", "outputs": {"ms.html": {}}, '
                                     b'"warnings": [{"path": "x"}]}'])
def test_a_corrupt_record_rebuilds(content: bytes, ms: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(ms, out)
    record = out / ".ms.build.json"
    key = json.loads(record.read_text("utf-8"))["key"]
    record.write_bytes(content.replace(b"KEY", key.encode()))
    r = build(ms, out)
    assert rebuilt(r) and "Traceback" not in r.stderr
    assert not rebuilt(build(ms, out))  # a good record again


@pytest.mark.slow
def test_a_failed_build_leaves_the_record_of_the_good_one(ms: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(ms, out)
    before = files(out)
    manifest = ms / "volume.toml"
    good = manifest.read_bytes()
    manifest.write_bytes(good.replace(b'title = "Small Hours"', b"title = 3"))
    r = anthology("build", str(ms), *FAST, "-o", str(out))
    assert r.returncode == 1 and "error bad-value" in r.stderr
    assert files(out) == before
    manifest.write_bytes(good)
    assert not rebuilt(build(ms, out))  # back as it was: up to date again


ORPHAN = "\n[^9]: An orphan note.\n"
UNSAFE = '\n<p onclick="steal()">A paragraph with a handler.</p>\n'


@pytest.mark.slow
def test_warnings_and_logged_warnings_are_given_again(ms: Path, tmp_path: Path) -> None:
    piece = ms / "pieces" / "02-reply.md"
    piece.write_text(piece.read_text("utf-8") + UNSAFE + ORPHAN, "utf-8")
    out = tmp_path / "out"
    first = build(ms, out, "--html", cwd=tmp_path)
    assert "warning note-unreferenced" in first.stderr
    assert "unsafe-html" in first.stderr  # logged by the sanitiser while rendering
    again = build(ms, out, "--html", cwd=tmp_path)
    assert not rebuilt(again)
    assert again.stderr == first.stderr
    # --strict turns the warning into an error, cached or not: nothing is written
    strict = anthology("build", str(ms), "--html", "--strict", "-o", str(out), cwd=tmp_path)
    assert strict.returncode == 1 and "warning note-unreferenced" in strict.stderr
    assert not rebuilt(build(ms, out, "--html", cwd=tmp_path))


@pytest.mark.slow
def test_warnings_name_their_files_from_where_the_user_is(ms: Path, tmp_path: Path) -> None:
    (ms / "pieces" / "02-reply.md").open("a", encoding="utf-8").write(ORPHAN)
    out = tmp_path / "out"
    here = build(Path("ms"), Path("out"), "--html", cwd=tmp_path)
    assert "ms/pieces/02-reply.md:" in here.stderr
    below = build(Path("."), out, "--html", cwd=ms)
    assert rebuilt(below)  # the warning is told from another folder: built again to say it right
    assert below.stderr.startswith("pieces/02-reply.md:")


@pytest.mark.slow
def test_outputs_inside_the_manuscript_are_not_its_input(ms: Path) -> None:
    build(ms, ms)
    assert not rebuilt(build(ms, ms))
    build(ms, ms / "build")
    assert not rebuilt(build(ms, ms / "build"))


@pytest.mark.slow
def test_an_epub_only_build_depends_on_the_stored_page_map(ms: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(ms, out, "--epub")
    (out / ".ms.pagemap.json").write_text("{}", "utf-8")  # as if a print build had left one
    r = build(ms, out, "--epub")
    assert rebuilt(r) and "the stored page map is unreadable" in r.stderr
    assert not rebuilt(build(ms, out, "--epub"))


@pytest.mark.slow
def test_an_epub_only_build_after_a_full_one(ms: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    full = build(ms, out, "--pdf", "--epub")
    assert full.stderr == ""
    assert not rebuilt(build(ms, out, "--epub", "--pdf"))
    only = build(ms, out, "--epub")
    assert rebuilt(only) and only.stderr == ""  # the print page numbers come from the map
    (out / ".ms.pagemap.json").unlink()
    gone = build(ms, out, "--epub")
    assert rebuilt(gone) and "no PDF has been built" in gone.stderr


# ---- the key itself, in-process


def _key(ms: Path, **settings) -> str | None:
    return cache.build_key(ms, {"formats": ["html"], **settings})


def test_key_is_stable_and_ignores_dot_files(ms: Path) -> None:
    key = _key(ms)
    assert key == _key(ms) and key is not None
    (ms / ".DS_Store").write_bytes(b"x")
    (ms / ".git").mkdir()
    (ms / ".git" / "HEAD").write_text("ref\n")
    (ms / "pieces" / ".01-first.md.swp").write_bytes(b"x")
    assert _key(ms) == key
    assert _key(ms, formats=["epub"]) != key


def test_key_counts_renames_and_skipped_outputs(ms: Path) -> None:
    key = _key(ms)
    (ms / "ms.html").write_text("an output")
    assert _key(ms) != key
    assert cache.build_key(ms, {"formats": ["html"]}, skip=[ms / "ms.html"]) == key
    (ms / "ms.html").unlink()
    (ms / "pieces" / "02-reply.md").rename(ms / "pieces" / "02-Reply.md")
    assert _key(ms) != key


def test_key_takes_the_epoch_only_when_the_volume_has_no_date(ms: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    dated = _key(ms)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert _key(ms) == dated  # the volume's own date is on every output
    manifest = ms / "volume.toml"
    manifest.write_text(manifest.read_text("utf-8").replace('date = "2026-01-15"\n', ""), "utf-8")
    undated = _key(ms)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    at_zero = _key(ms)
    assert at_zero != undated
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert _key(ms) not in (undated, at_zero)  # unset: 1980-01-01, another date again


def test_no_key_for_a_manuscript_that_is_not_there(tmp_path: Path) -> None:
    assert _key(tmp_path / "nowhere") is None
    assert _key(tmp_path) is None  # a folder without volume.toml


def test_library_versions_are_found_without_importing_them() -> None:
    from importlib.metadata import version

    found = cache.library_versions(cache.LIBRARIES)
    for name in ("weasyprint", "lxml", "pillow", "ebooklib"):
        assert found[name] == version(name)


# ---- what a build imports


PROBE = """
import json, sys
from pathlib import Path
{call}
print(json.dumps(sorted(sys.modules)))
"""


def _modules(call: str, cwd: Path) -> set[str]:
    return set(json.loads(_probe(call, cwd).splitlines()[-1]))


def _probe(call: str, cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE.format(call=call)], capture_output=True,
                          text=True, cwd=cwd, env={**os.environ, **FROZEN})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_tests_run_the_frozen_copy(tmp_path: Path) -> None:
    out = _probe("import anthology.resources as r\nprint(r.PACKAGE, r.styles_dir())", tmp_path)
    package, styles = out.splitlines()[0].split()
    assert Path(package) == Path(FROZEN["PYTHONPATH"]) / "anthology"
    assert Path(styles) == Path(package) / "styles"


def test_an_epub_only_build_never_loads_weasyprint(ms: Path, tmp_path: Path) -> None:
    modules = _modules("from anthology.build import BuildOptions, build\n"
                       "r = build(Path('ms'), BuildOptions(formats=('epub',), outdir=Path('out')))\n"
                       "assert not r.up_to_date and r.outputs == (Path('out/ms.epub'),)",
                       tmp_path)
    assert "anthology.epub" in modules  # it did build
    assert "weasyprint" not in modules


def test_check_never_loads_weasyprint(ms: Path, tmp_path: Path) -> None:
    modules = _modules("from anthology.cli import main\nassert main(['check', 'ms']) == 0",
                       tmp_path)
    assert "anthology.manuscript" in modules
    assert "weasyprint" not in modules


@pytest.mark.slow
def test_an_up_to_date_build_loads_nothing_heavy(ms: Path, tmp_path: Path) -> None:
    call = "from anthology.cli import main\nassert main(['build', 'ms', '--epub', '-o', 'out']) == 0"
    out = _probe(call, tmp_path)
    if not out.startswith("up to date"):  # the first build; or anthology's files changed since
        out = _probe(call, tmp_path)
    assert out.startswith("up to date: out/ms.epub (nothing changed)\n")
    heavy = {"lxml", "jinja2", "markdown", "weasyprint", "ebooklib", "PIL", "nh3", "pypdf",
             "anthology.render", "anthology.pdf", "anthology.epub", "anthology.pdf.pagemap",
             "anthology.manuscript", "anthology.model", "importlib.metadata"}
    assert not heavy & set(json.loads(out.splitlines()[-1]))


def test_the_tests_keep_anthologys_cache_away_from_the_users(private_cache: Path) -> None:
    """conftest.py's autouse fixture: every test, and every process a test starts, keeps
    anthology's cache in a folder of the test session."""
    import subprocess
    import sys

    from anthology.cache import user_cache

    assert user_cache("probe").is_relative_to(private_cache)
    child = subprocess.run([sys.executable, "-c", "from anthology.cache import user_cache; "
                            "print(user_cache('probe'))"], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert Path(child).is_relative_to(private_cache)
    assert not Path(child).is_relative_to(Path.home() / ".cache")


# ---- pictures: input in the manuscript, output beside the HTML -----------------------------

PICTURES = Path(__file__).resolve().parent / "fixtures" / "manuscripts" / "pictures"


@pytest.fixture
def pictures(tmp_path: Path) -> Path:
    copy = tmp_path / "pictures"
    shutil.copytree(PICTURES, copy)
    return copy


def tree(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under ``folder``: its inode, mtime and bytes, by relative path."""
    return {str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_the_pictures_beside_the_html_are_outputs_of_the_record(pictures: Path,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = build(pictures, out, "--html")
    assert r.stdout.splitlines() == [f"wrote {out / 'pictures.html'}"]  # the pictures go with it
    stored = json.loads((out / ".pictures.build.json").read_text("utf-8"))
    assert list(stored["outputs"]) == ["pictures.html", "images/macdowell-pons-de-capdeuil.png",
                                       "images/fleuron.gif", "images/vellum.jpg"]
    before = tree(out)
    again = build(pictures, out, "--html")
    assert not rebuilt(again) and again.stdout == f"up to date: {out / 'pictures.html'} " \
                                                  "(nothing changed)\n"
    assert tree(out) == before
    (out / "images" / "fleuron.gif").unlink()  # an output gone: made again
    assert rebuilt(build(pictures, out, "--html"))
    assert (out / "images" / "fleuron.gif").read_bytes() == \
        (pictures / "images" / "fleuron.gif").read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("formats", [("--html",), ("--epub",)])
def test_a_changed_picture_rebuilds(formats: tuple[str, ...], pictures: Path,
                                    tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(pictures, out, *formats)
    assert not rebuilt(build(pictures, out, *formats))
    from PIL import Image

    Image.new("RGB", (160, 90), (90, 60, 30)).save(pictures / "images" / "vellum.jpg")
    assert rebuilt(build(pictures, out, *formats))
    if formats == ("--html",):
        assert (out / "images" / "vellum.jpg").read_bytes() == \
            (pictures / "images" / "vellum.jpg").read_bytes()


@pytest.mark.slow
def test_pictures_of_an_output_folder_in_the_manuscript(pictures: Path) -> None:
    """Built into the manuscript's own folder, its images/ is the manuscript's: nothing there
    is written, and it stays input. Built into a folder inside it, that folder's images/ is
    output, not input."""
    sources = tree(pictures / "images")
    build(pictures, pictures)
    assert tree(pictures / "images") == sources  # not one picture rewritten
    assert not rebuilt(build(pictures, pictures))
    (pictures / "images" / "fleuron.gif").write_bytes(
        (pictures / "images" / "fleuron.gif").read_bytes() + b"\0")
    assert rebuilt(build(pictures, pictures))
    build(pictures, pictures / "build")
    assert (pictures / "build" / "images" / "vellum.jpg").is_file()
    assert not rebuilt(build(pictures, pictures / "build"))


def test_a_record_names_outputs_inside_its_folder_only(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "images").mkdir(parents=True)
    made = {out / "book.html": b"<html/>", out / "images" / "a.png": b"\x89PNG"}
    for path, data in made.items():
        path.write_bytes(data)
    record = out / ".book.build.json"
    record.write_bytes(cache.record("KEY", made, folder=out))
    hit = cache.up_to_date(record, "KEY")
    assert hit is not None and hit.outputs == ("book.html", "images/a.png")
    (tmp_path / "outside.html").write_bytes(b"<html/>")
    stored = json.loads(record.read_text("utf-8"))
    entry = stored["outputs"]["book.html"]  # the right size and hash for every name below
    for name in ("../outside.html", "/etc/passwd", "images/../book.html", "images//a.png",
                 "images\\a.png"):
        stored["outputs"] = {name: entry}
        record.write_text(json.dumps(stored), "utf-8")
        assert cache.up_to_date(record, "KEY") is None, name

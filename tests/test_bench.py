"""The benchmark's inputs: the N× volume is a valid manuscript N times the seed; the peer's
Markdown has every piece and keeps note labels apart."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from peer import peer_markdown  # noqa: E402
from volume import SEED, make_volume, piece_paths, word_count  # noqa: E402


def test_repeated_volume_is_checked_and_n_times_the_seed(tmp_path):
    ms = make_volume(tmp_path / "x3", copies=3)
    check = subprocess.run([str(Path(sys.executable).parent / "anthology"), "check", str(ms)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert len(piece_paths(ms)) == 3 * len(piece_paths(SEED))
    assert word_count(ms) == 3 * word_count(SEED)
    assert "Two reviews (3)" in (ms / "volume.toml").read_text(encoding="utf-8")


def test_peer_markdown_has_every_piece_and_unique_note_labels(tmp_path):
    ms = make_volume(tmp_path / "x2", copies=2)
    text = peer_markdown(ms)
    assert len(re.findall(r"^# ", text, re.M)) == len(piece_paths(ms))
    definitions = re.findall(r"^\[\^([^\]]+)\]:", text, re.M)
    assert definitions and len(definitions) == len(set(definitions))
    assert all(re.fullmatch(r"p\d+-.+", label) for label in definitions)
    body = re.sub(r"^\[\^[^\]]+\]:", "", text, flags=re.M)
    assert set(re.findall(r"\[\^([^\]]+)\]", body)) == set(definitions)


def test_steps_run_in_rounds_so_drift_weighs_on_every_step_alike(tmp_path, monkeypatch):
    import run

    monkeypatch.setattr(run, "_sample", lambda pid, stop, peak: None)  # psutil: bench-only
    log = tmp_path / "order"

    def step(name):
        return (lambda i: [[sys.executable, "-c",
                            f"open({str(log)!r}, 'a').write('{name}{i} ')"]], tmp_path)

    measured = run.measure("t", {"a": step("a"), "b": step("b")}, runs=2)
    assert log.read_text().split() == ["a0", "b0", "a1", "b1", "a2", "b2"]  # round 3: memory
    assert len(measured["a"]["times_s"]) == 2 and measured["b"]["peak_mib"] > 0


def test_the_edits_change_what_they_say_and_undo_it(tmp_path):
    import shutil

    from edits import KINDS, Edit

    ms = tmp_path / "ms"
    shutil.copytree(SEED, ms)
    for kind in KINDS:
        edit = Edit(ms, kind)
        before = edit.path.read_text(encoding="utf-8")
        edit.apply(True)
        after = edit.path.read_text(encoding="utf-8")
        old, new = before.split(), after.split()
        if kind == "word":
            assert len(old) == len(new)
            assert sum(a != b for a, b in zip(old, new)) == 1
        elif kind == "title":
            assert "(revised)" in after and len(new) == len(old) + 1
        else:
            assert len(new) == len(old) + 700
        edit.apply(False)
        assert edit.path.read_text(encoding="utf-8") == before
    assert edit.path == piece_paths(ms)[len(piece_paths(ms)) // 2]

"""The layout workers (pdf/workers.py): they die with their build, whatever ends it, and
their errors come back with their traceback."""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from anthology.errors import OutputError
from anthology.manuscript import read_manuscript
from anthology.pdf import PrintOptions, Printing
from anthology.pdf import workers as workers_module
from anthology.pdf.options import styles_fetcher
from anthology.pdf.workers import Pool
from anthology.render import render

ROOT = Path(__file__).resolve().parent.parent
ANTHOLOGY = str(Path(sys.executable).parent / "anthology")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="reads /proc to find the build's processes")]


def files(folder: Path) -> dict[str, str]:
    """Every file in ``folder`` (dot-files and temporary files too) with its sha256."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


def processes_with(token: str) -> list[int]:
    """The processes whose environment holds ``token``: the build and its workers."""
    found = []
    for environ in glob.glob("/proc/[0-9]*/environ"):
        try:
            if token.encode() in Path(environ).read_bytes():
                found.append(int(environ.split("/")[2]))
        except OSError:
            pass
    return found


@pytest.fixture(scope="module")
def previous(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A finished build of the Serge volume: what an interrupted build must leave alone."""
    out = tmp_path_factory.mktemp("built")
    subprocess.run([ANTHOLOGY, "build", "-o", str(out)], check=True, capture_output=True)
    return out, files(out)


# How each signal reaches a build: a terminal sends Ctrl-C and its hang-up to the whole
# foreground process group; `timeout`, a CI runner and the OOM killer, to the build alone.
SIGNALS = {"SIGINT": (True, 130), "SIGHUP": (True, 129), "SIGTERM": (False, 143),
           "SIGKILL": (False, -signal.SIGKILL)}
# The moments, by the step the build logs (-v): the workers importing WeasyPrint while the
# manuscript is read; chunks at work in the workers; the EPUB packaged while they draw.
MOMENTS = ("1. reading", "3. laying out the PDF", "4. packaging the EPUB")


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("name", list(SIGNALS))
def test_no_process_of_a_build_outlives_it(name, moment, previous) -> None:
    out, before = previous
    to_group, code = SIGNALS[name]
    token = uuid.uuid4().hex
    build = subprocess.Popen([ANTHOLOGY, "build", "--no-cache", "-v", "-o", str(out)],
                             env={**os.environ, "ANTHOLOGY_TEST_BUILD": token},
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    lines: list[str] = []
    reached = threading.Event()

    def read() -> None:
        for line in build.stderr:
            lines.append(line)
            if moment in line:
                reached.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert reached.wait(120), f"the build never logged {moment!r}: {lines}"
        if to_group:
            os.killpg(build.pid, getattr(signal, name))
        else:
            os.kill(build.pid, getattr(signal, name))
        assert build.wait(30) == code
        left = processes_with(token)
        deadline = time.monotonic() + 10
        while left and time.monotonic() < deadline:
            time.sleep(0.1)
            left = processes_with(token)
        assert not left, f"processes of the build outlived it: {left}"
    finally:
        for pid in processes_with(token):  # never leave one behind, even when failing
            os.kill(pid, signal.SIGKILL)
    assert files(out) == before  # the previous outputs, and no temporary file
    if name != "SIGKILL":
        time.sleep(0.2)  # the reader thread takes the last line
        assert lines[-1].startswith("anthology: "), lines[-3:]


def test_a_pool_started_from_a_threaded_process_does_not_fork(monkeypatch) -> None:
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert not workers_module.fork_is_safe()
    pool = Pool(2, styles_fetcher)
    try:
        assert len(pool._processes) == 2  # each worker started on its own (spawn)
    finally:
        pool.close()


def test_a_worker_error_comes_back_with_its_traceback(mini, monkeypatch, caplog) -> None:
    def broken(job, *args, **keywords):
        raise ValueError(f"no layout for chunk {job.chunk}")

    book = render(read_manuscript(mini).volume)
    monkeypatch.setattr(workers_module, "lay_out", broken)  # the forked workers inherit it
    with Pool(2, styles_fetcher) as pool, caplog.at_level(logging.INFO, "anthology.pdf"):
        with pytest.raises(OutputError) as failed:
            Printing(book, PrintOptions(), pool).result()
    assert "the layout failed: ValueError: no layout for chunk" in str(failed.value)
    remote = str(failed.value.__cause__.__cause__)
    assert "Traceback (most recent call last)" in remote and "in broken" in remote
    assert any("in broken" in r.getMessage() for r in caplog.records)  # shown with -v


def test_anthology_debug_shows_the_workers_traceback(mini, tmp_path) -> None:
    script = ("import anthology.pdf.workers as w, sys\n"
              "def broken(job, *a, **k):\n    raise ValueError('no layout')\n"
              "w.lay_out = broken\n"
              "from anthology.cli import main\n"
              f"sys.exit(main(['build', {str(mini)!r}, '--pdf', '-o', {str(tmp_path)!r}]))\n")
    quiet = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    debug = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           env={**os.environ, "ANTHOLOGY_DEBUG": "1"})
    assert quiet.returncode == debug.returncode == 2
    assert "Traceback" not in quiet.stderr and "pdf-layout" in quiet.stderr
    assert "in broken" in debug.stderr and "pdf-layout" in debug.stderr

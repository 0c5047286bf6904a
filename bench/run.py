"""Turn one run on one machine into the figures the README quotes: anthology against a peer.

The peer pipeline is pandoc (Markdown → EPUB, Markdown → HTML) plus the WeasyPrint command line
(HTML → PDF) on the same text. Every step runs as a subprocess, interpreter start-up included on
both sides, on the seed volume (1×) and on the seed repeated ten times (10×). The steps run
in rounds, each step once a round, so a shared machine's changes of pace weigh on every step
alike. For each step: the median wall time of N runs and the range, and the peak memory: the summed RSS of the
process and all its descendants, sampled with psutil every 10 ms in one more, untimed run (the
sampler would take CPU from a build using both cores), cross-checked by the kernel's peak RSS
of the largest single process (the rusage of wait4) in every run, which it never falls below.
The edit steps time a rebuild (``anthology build`` into the folder of the last build) after one
editor's correction in the middle piece (``edits.py``): a word, a title, a paragraph that
pushes the pages after it.

    python bench/run.py [--runs 5] [--volumes 1x,10x] [--json build/bench.json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib.metadata import version
from pathlib import Path


from edits import KINDS, Edit
from peer import peer_markdown
from volume import SEED, make_volume, piece_paths, word_count

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ANTHOLOGY, WEASYPRINT = str(BIN / "anthology"), str(BIN / "weasyprint")
MIB = 1024 * 1024
STEPS = ("full", "epub", "noop", *(f"edit-{kind}" for kind in KINDS), "peer-epub", "peer-pdf",
         "peer")
A5_CSS = "@page { size: A5; margin: 20mm }\n"


class BenchError(Exception):
    """A command of the benchmark failed: the one-line reason."""


def _sample(pid: int, stop: threading.Event, peak: list[int]) -> None:
    """Keep in peak[0] the largest summed RSS of pid and its descendants until stop is set."""
    import psutil

    try:
        root = psutil.Process(pid)
    except psutil.Error:
        return
    while True:
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            procs = []
        total = 0
        for proc in procs:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                pass
        peak[0] = max(peak[0], total)
        if stop.wait(0.01):
            return


def run_once(cmds: list[list[str]], cwd: Path, sample: bool = True) -> tuple[float, int, int]:
    """Run the commands back to back: (seconds, peak tree RSS, peak RSS of one process).

    With ``sample`` off the tree is not sampled (its peak is then the largest process's):
    sampling every 10 ms takes CPU from a build that uses both cores, not from one that
    uses one, so timed runs are never sampled."""
    peak, largest = 0, 0
    start = time.perf_counter()
    for cmd in cmds:
        with tempfile.TemporaryFile() as log:
            proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT)
            stop, tree = threading.Event(), [0]
            sampler = threading.Thread(target=_sample, args=(proc.pid, stop, tree))
            if sample:
                sampler.start()
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            stop.set()
            if sample:
                sampler.join()
            if proc.returncode != 0:
                log.seek(0)
                lines = log.read().decode("utf-8", "replace").strip().splitlines()
                shown = shlex.join([Path(cmd[0]).name, *cmd[1:]])
                raise BenchError(f"command failed (exit {proc.returncode}): {shown}"
                                 + (f" -- {lines[-1].strip()}" if lines else ""))
        # the tree's true peak is at least its largest process's, which sampling can miss
        one = usage.ru_maxrss * 1024
        peak, largest = max(peak, tree[0], one), max(largest, one)
    return time.perf_counter() - start, peak, largest


def measure(label: str, steps: dict, runs: int) -> dict:
    """Time every step ``runs`` times, in rounds: each round runs every step once, so a
    machine that speeds up or slows down during the benchmark (a shared one does) weighs on
    every step alike and the ratios stay fair. ``steps`` maps a name to (cmds_for, cwd);
    cmds_for(i) may prepare run i (untimed). Then each step once more, untimed, sampled
    for the peak memory of its whole process tree."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    peaks: dict[str, list[float]] = {name: [] for name in steps}
    largest: dict[str, list[float]] = {name: [] for name in steps}
    for i in range(runs + 1):
        timed = i < runs
        for name, (cmds_for, cwd) in steps.items():
            seconds, peak, one = run_once(cmds_for(i), cwd, sample=not timed)
            if timed:
                times[name].append(seconds)
            peaks[name].append(peak / MIB)
            largest[name].append(one / MIB)
            print(f"[{label}] {name} {i + 1 if timed else 'memory'}/{runs}: {seconds:.2f} s, "
                  f"peak {peak / MIB:.0f} MiB", file=sys.stderr, flush=True)
    return {name: {"median_s": statistics.median(times[name]), "min_s": min(times[name]),
                   "max_s": max(times[name]), "peak_mib": max(peaks[name]),
                   "largest_process_mib": max(largest[name]), "times_s": times[name],
                   "peaks_mib": peaks[name], "largest_process_peaks_mib": largest[name]}
            for name in steps}


def bench_volume(label: str, ms: Path, work: Path, runs: int, no_cache: bool) -> dict:
    """Every step on one manuscript, outputs and peer files under work."""
    work.mkdir(parents=True)
    print(f"[{label}] checking {ms}", file=sys.stderr, flush=True)
    run_once([[ANTHOLOGY, "check", str(ms)]], work)
    nc = ["--no-cache"] if no_cache else []
    build = [ANTHOLOGY, "build", str(ms)]
    out = {"manuscript": str(ms), "pieces": len(piece_paths(ms)), "words": word_count(ms)}

    def full(i: int) -> list[list[str]]:  # a fresh, empty output folder each run
        fresh = work / f"out-{i}"
        fresh.mkdir()
        return [build + ["-o", str(fresh)] + nc]

    # untimed plain builds: one whose build cache the no-op rebuilds find, one beside which
    # the EPUB-only builds run (with its print page numbers; kept apart, so an EPUB-only
    # build never changes what the no-op rebuilds find)
    print(f"[{label}] priming the build cache", file=sys.stderr, flush=True)
    built, beside = work / "built", work / "beside"
    for folder in (built, beside):
        run_once([build + ["-o", str(folder)]], work)

    def edit_step(kind: str):
        """An editor's correction (edits.py) in a copy of the manuscript, then a rebuild into
        the folder of the last build: each run makes the correction or undoes it, so that
        every timed build follows a build of the text with one correction fewer or more."""
        copy, out = work / f"ms-{kind}", work / f"edited-{kind}"
        shutil.copytree(ms, copy)
        run_once([[ANTHOLOGY, "build", str(copy), "-o", str(out)]], work)
        edit = Edit(copy, kind)

        def cmds(i: int) -> list[list[str]]:
            edit.apply(i % 2 == 0)
            return [[ANTHOLOGY, "build", str(copy), "-o", str(out)]]

        return cmds, work

    peer_dir = work / "peer"
    peer_dir.mkdir()
    (peer_dir / "vol.md").write_text(peer_markdown(ms), encoding="utf-8")
    (peer_dir / "a5.css").write_text(A5_CSS, encoding="utf-8")
    import pypandoc  # the bench's own dependencies (make bench), imported where used

    pandoc = pypandoc.get_pandoc_path()
    peer_epub = [[pandoc, "vol.md", "-o", "peer.epub"]]
    peer_pdf = [[pandoc, "vol.md", "-s", "-o", "peer.html"],
                [WEASYPRINT, "peer.html", "peer.pdf", "-s", "a5.css"]]
    steps = {
        "full": (full, work),
        "epub": (lambda i: [build + ["--epub", "-o", str(beside)] + nc], work),
        "noop": (lambda i: [build + ["-o", str(built)]], work),
        **{f"edit-{kind}": edit_step(kind) for kind in KINDS},
        "peer-epub": (lambda i: peer_epub, peer_dir),
        "peer-pdf": (lambda i: peer_pdf, peer_dir),
        "peer": (lambda i: peer_epub + peer_pdf, peer_dir),
    }
    measured = measure(label, steps, runs)
    out["steps"] = {name: measured[name] for name in STEPS}
    return out


SERVE_EDITS = 50  # one word changed and changed back, this many saves under one serve


def bench_serve(label: str, ms: Path, work: Path) -> dict:
    """``anthology serve`` on a copy of the manuscript: after each save of a one-word
    correction (edits.py), the time until the preview shows the new text (the HTML alone,
    built first) and until it shows the whole book (every format built), read from the
    server's ``/status``; and the serve process tree's memory after every save."""
    import json as _json
    import urllib.request

    import psutil

    copy, out = work / "ms-serve", work / "served"
    shutil.copytree(ms, copy)
    edit = Edit(copy, "word")
    server = subprocess.Popen([ANTHOLOGY, "serve", str(copy), "-o", str(out), "--port", "0"],
                              stderr=subprocess.PIPE, text=True)
    try:
        url = ""
        while not url:
            line = server.stderr.readline()
            if not line:
                raise BenchError(f"serve stopped before serving ({label})")
            if line.startswith("serving "):
                url = line.split()[1]
        threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()

        def version() -> int:
            with urllib.request.urlopen(url + "status", timeout=60) as answer:
                return _json.load(answer)["version"]

        text_s, book_s, peaks = [], [], []
        print(f"[{label}] serve: {SERVE_EDITS} saves", file=sys.stderr, flush=True)
        for i in range(SERVE_EDITS):
            start_version = version()
            saved = time.perf_counter()
            edit.apply(i % 2 == 0)
            while version() < start_version + 1:
                time.sleep(0.01)
            text_s.append(time.perf_counter() - saved)
            while version() < start_version + 2:
                time.sleep(0.02)
            book_s.append(time.perf_counter() - saved)
            tree = [psutil.Process(server.pid), *psutil.Process(server.pid).children(True)]
            peaks.append(sum(p.memory_info().rss for p in tree if p.is_running()) / 2 ** 20)
    finally:
        server.send_signal(2)  # Ctrl-C
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
    return {"edits": SERVE_EDITS, "text_median_s": statistics.median(text_s),
            "text_max_s": max(text_s), "book_median_s": statistics.median(book_s),
            "book_max_s": max(book_s), "rss_after_last_mib": peaks[-1],
            "rss_max_mib": max(peaks)}


def targets(vols: dict) -> list[dict]:
    """The README's targets that the measured volumes allow checking; limit None: shown only."""
    found = []

    def add(name: str, value: float, limit: float | None, unit: str) -> None:
        found.append({"target": name, "value": value, "limit": limit, "unit": unit,
                      "met": None if limit is None else value <= limit})

    def med(v: str, step: str) -> float:
        return vols[v]["steps"][step]["median_s"]

    for v, limit in (("1x", 0.8), ("10x", 0.6)):
        if v in vols:
            add(f"full ≤ {limit} × peer ({v})", med(v, "full") / med(v, "peer"), limit, "×")
    for v, limit in (("1x", 1.0), ("10x", None)):
        if v in vols:
            add(f"epub ≤ 1.0 × peer-epub ({v})" if limit else f"epub / peer-epub ({v})",
                med(v, "epub") / med(v, "peer-epub"), limit, "×")
    for v in vols:
        add(f"no-op ≤ 0.3 s ({v})", med(v, "noop"), 0.3, "s")
    for kind, limits in (("word", {"1x": 0.3, "10x": 0.1}), ("title", {"1x": 0.6, "10x": 0.3}),
                         ("page", {"1x": 0.6, "10x": 0.3})):
        for v in vols:
            add(f"edit-{kind} ≤ {limits[v]} × full ({v})",
                med(v, f"edit-{kind}") / med(v, "full"), limits[v], "×")
    if "1x" in vols and "10x" in vols:
        add("full 10× ≤ 10.5 × full 1×", med("10x", "full") / med("1x", "full"), 10.5, "×")
    if "10x" in vols:
        add("peak memory of full 10× ≤ 1 GiB", vols["10x"]["steps"]["full"]["peak_mib"], 1024,
            "MiB")
    for v in vols:
        serve = vols[v].get("serve")
        if serve:
            add(f"serve: save to preview ({v})", serve["text_median_s"],
                1.0 if v == "1x" else None, "s")
            add(f"serve: memory after {serve['edits']} saves ({v})", serve["rss_after_last_mib"],
                1024 if v == "10x" else None, "MiB")
    return found


def machine() -> dict:
    import psutil
    import pypandoc

    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in
                      Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    except OSError:
        pass
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    return {"cpus": os.cpu_count(), "cpu_model": model or platform.processor(),
            "memory_gib": round(psutil.virtual_memory().total / 1024 ** 3, 1),
            "load_at_start": round(os.getloadavg()[0], 2), "python": platform.python_version(), "weasyprint": version("weasyprint"),
            "pandoc": pypandoc.get_pandoc_version(), "anthology_commit": commit or "unknown",
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def report(result: dict) -> str:
    m = result["machine"]
    lines = [f"machine: {m['cpus']} CPUs ({m['cpu_model'] or 'model unknown'}), "
             f"{m['memory_gib']} GiB, load {m['load_at_start']}, Python {m['python']}, WeasyPrint {m['weasyprint']}, "
             f"pandoc {m['pandoc']}, anthology {m['anthology_commit']}, {m['date']}",
             f"median of {result['runs']} runs (not sampled), every step once a round; peak = summed RSS of the process "
             f"tree, sampled every 10 ms in one more run, never below 1-proc = the kernel's "
             f"peak RSS of its largest process (largest of all runs)"]
    if not result["no_cache_flag"]:
        lines.append("note: this anthology has no build --no-cache option; full and epub ran "
                     "without it")
    for label, vol in result["volumes"].items():
        lines += ["", f"{label} volume: {vol['pieces']} pieces, {vol['words']:,} words",
                  f"  {'step':<10} {'median s':>9} {'min–max s':^17} {'peak MiB':>9} "
                  f"{'1-proc MiB':>11}"]
        for name, s in vol["steps"].items():
            lines.append(f"  {name:<10} {s['median_s']:>9.2f} "
                         f"{s['min_s']:>8.2f}–{s['max_s']:<8.2f} {s['peak_mib']:>9.0f} "
                         f"{s['largest_process_mib']:>11.0f}")
        if vol.get("serve"):
            sv = vol["serve"]
            lines.append(f"  serve, {sv['edits']} saves of a one-word correction: the new text in "
                         f"the preview after {sv['text_median_s']:.2f} s (median; at most "
                         f"{sv['text_max_s']:.2f}), the whole book after {sv['book_median_s']:.2f} s "
                         f"(at most {sv['book_max_s']:.2f}); memory {sv['rss_after_last_mib']:.0f} MiB "
                         f"after the last (at most {sv['rss_max_mib']:.0f})")
    lines += ["", "targets"]
    for t in result["targets"]:
        value = f"{t['value']:.0f} MiB" if t["unit"] == "MiB" else f"{t['value']:.2f} {t['unit']}"
        status = "shown" if t["met"] is None else ("met" if t["met"] else "NOT MET")
        lines.append(f"  {t['target']:<36} {value:>10}   {status}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="runs of each step (default 5)")
    ap.add_argument("--volumes", default="1x,10x",
                    help="which volumes: 1x, 10x or 1x,10x (default both)")
    ap.add_argument("--seed", type=Path, default=SEED, help="the 1× manuscript")
    ap.add_argument("--json", type=Path, default=ROOT / "build" / "bench.json",
                    help="where to write the results (default build/bench.json)")
    args = ap.parse_args(argv)
    labels = [v.strip() for v in args.volumes.split(",") if v.strip()]
    if not labels or set(labels) - {"1x", "10x"} or args.runs < 1:
        ap.error("--volumes takes 1x, 10x or 1x,10x; --runs at least 1")
    seed = args.seed.resolve()
    # an installed tool runs from compiled bytecode (pip compiles it at install); an editable
    # install does not, and with PYTHONDONTWRITEBYTECODE set every run would compile anew
    import compileall

    import anthology

    compileall.compile_dir(Path(anthology.__file__).parent, quiet=1)
    helptext = subprocess.run([ANTHOLOGY, "build", "--help"], capture_output=True, text=True)
    result = {"machine": machine(), "runs": args.runs,
              "no_cache_flag": "--no-cache" in helptext.stdout, "volumes": {}}
    try:
        with tempfile.TemporaryDirectory(prefix="anthology-bench-") as tmp:
            for label in ("1x", "10x"):
                if label not in labels:
                    continue
                ms = seed if label == "1x" else make_volume(Path(tmp) / f"{seed.name}-x10",
                                                            10, seed)
                result["volumes"][label] = bench_volume(label, ms, Path(tmp) / label,
                                                        args.runs, result["no_cache_flag"])
                result["volumes"][label]["serve"] = bench_serve(label, ms, Path(tmp) / label)
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 1
    result["targets"] = targets(result["volumes"])
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    print(report(result))
    print(f"\nwrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

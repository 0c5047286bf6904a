"""Ace by DAISY, the EPUB accessibility checker, run for the tests. A missing tool fails: never a skip.

Ace is the npm package @daisy/ace-cli, pinned in package.json / package-lock.json at the repo root
and installed there with

    PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts

(Puppeteer must not fetch a browser of its own; the package's command is `ace-cli`, which we run
as `node node_modules/@daisy/ace-cli/bin/ace.js`.) Ace drives a headless Chromium through
Puppeteer; we hand it Debian's `chromium` (apt-get install chromium) through
PUPPETEER_EXECUTABLE_PATH, unless that is already set. Ace itself launches the browser headless
with --no-sandbox and --disable-setuid-sandbox (ace-axe-runner-puppeteer), on top of Puppeteer's
defaults (--disable-background-networking, --disable-sync, --no-first-run, --disable-extensions,
...), so it runs as root with no wrapper script.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "@daisy/ace-cli"
ACE_DIR = ROOT / "node_modules" / "@daisy" / "ace-cli"
ACE_JS = ACE_DIR / "bin" / "ace.js"
INSTALL = "PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts   (at the repo root)"
NODE_MAJOR = 20          # @daisy/ace-cli 1.4.x: engines node >= 20
TIMEOUT = 600            # seconds for one whole Ace run (the Serge volume takes ~10 s)
DOC_TIMEOUT_MS = 180_000  # Ace's own limit for the axe run on one content document
ANSI = re.compile(r"\x1b\[[0-9;]*m")
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class AceUnavailable(AssertionError):
    """Node, Ace or Chromium is missing or broken: the test fails with this message."""


def _pinned_version() -> str:
    manifest = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    return manifest["devDependencies"][PACKAGE]


def _node() -> str:
    node = shutil.which("node")
    if not node:
        raise AceUnavailable(f"Node.js is not installed; Ace needs node >= {NODE_MAJOR} and npm "
                             "(Debian bookworm's own nodejs is 18: too old)")
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout
    match = re.match(r"v(\d+)\.", out.strip())
    if not match or int(match.group(1)) < NODE_MAJOR:
        raise AceUnavailable(f"Ace needs node >= {NODE_MAJOR}, found {out.strip() or 'nothing'}")
    return node


def _ace() -> Path:
    if not ACE_JS.is_file():
        raise AceUnavailable(f"Ace ({PACKAGE}) is not installed in {ROOT / 'node_modules'}; run\n"
                             f"    {INSTALL}")
    installed = json.loads((ACE_DIR / "package.json").read_text(encoding="utf-8"))["version"]
    pinned = _pinned_version()
    if installed != pinned:
        raise AceUnavailable(f"node_modules has {PACKAGE} {installed} but package.json pins "
                             f"{pinned}; run\n    {INSTALL}")
    return ACE_JS


def _chromium() -> str:
    given = os.environ.get("PUPPETEER_EXECUTABLE_PATH")
    if given:
        if not (os.path.isfile(given) and os.access(given, os.X_OK)):
            raise AceUnavailable(f"PUPPETEER_EXECUTABLE_PATH={given} is not an executable file")
        return given
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise AceUnavailable("no Chromium for Ace: install Debian's chromium (apt-get install "
                         "chromium) or set PUPPETEER_EXECUTABLE_PATH to a Chrome/Chromium binary")


def ace_version() -> str:
    """The version of the Ace that run_ace uses (after checking that it is installed)."""
    _ace()
    return _pinned_version()


def run_ace(epub: Path, outdir: Path) -> dict:
    """Run the locally installed Ace on `epub`, writing its reports to `outdir`; return report.json.

    Raises AceUnavailable (an AssertionError, so the calling test fails) when node, Ace or
    Chromium is missing, when Ace crashes or when it runs past TIMEOUT seconds.
    """
    node, ace, browser = _node(), _ace(), _chromium()
    epub, outdir = Path(epub).resolve(), Path(outdir).resolve()
    assert epub.is_file(), f"no EPUB at {epub}"
    outdir.mkdir(parents=True, exist_ok=True)
    # Chromium puts a Unix socket in TMPDIR, and a socket path must stay under 108 bytes:
    # a short folder of our own in /tmp, not one under pytest's deep tmp_path.
    tmp = Path(tempfile.mkdtemp(prefix="ace-", dir="/tmp" if os.path.isdir("/tmp") else None))
    home = outdir / "ace-home"   # Ace's config and log files (env-paths: XDG dirs), kept per run
    env = dict(os.environ,
               PUPPETEER_EXECUTABLE_PATH=browser,
               PUPPETEER_SKIP_DOWNLOAD="1",
               ACE_TIMEOUT_INITIAL="60000",   # browser launch; Ace's default 5 s is tight on CI
               XDG_CONFIG_HOME=str(home / "config"),
               XDG_STATE_HOME=str(home / "state"),
               XDG_CACHE_HOME=str(home / "cache"),
               XDG_DATA_HOME=str(home / "data"),
               TMPDIR=str(tmp),                # Puppeteer's Chromium profile goes here
               NO_COLOR="1", FORCE_COLOR="0")
    report_dir = outdir / "report"
    cmd = [node, str(ace), "--force", "--silent", "--outdir", str(report_dir),
           "--tempdir", str(tmp), "--timeout", str(DOC_TIMEOUT_MS), str(epub)]
    # A session of its own, so that a time-out can end Ace and its node children together.
    proc = subprocess.Popen(cmd, cwd=outdir, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        _kill_run(proc, (str(outdir), str(tmp)))
        out, err = proc.communicate()
        raise AceUnavailable(f"Ace ran past {TIMEOUT} s on {epub.name}; "
                             f"its log is in {home / 'state'}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report = report_dir / "report.json"
    if proc.returncode != 0 or not report.is_file():
        log = ANSI.sub("", "\n".join(p.read_text(encoding="utf-8", errors="replace")[-4000:]
                                      for p in sorted((home / "state").rglob("*.log"))))
        raise AceUnavailable(
            f"Ace failed on {epub.name} (exit {proc.returncode}, Chromium {browser}):\n"
            f"{err.decode(errors='replace')[-4000:]}\n{out.decode(errors='replace')[-2000:]}\n"
            f"--- Ace log ---\n{log}")
    return json.loads(report.read_text(encoding="utf-8"))


def _kill_run(proc: subprocess.Popen, markers: tuple[str, ...]) -> None:
    """End a run that timed out: Ace's process group, then the Chromium it launched.

    Puppeteer starts Chromium detached (a process group of its own) and Debian's Chromium
    double-forks its crash handler, so neither dies with Ace's group. Every one of them names
    one of this run's own folders (`markers`) on its command line (the profile under TMPDIR,
    the crash database under XDG_CONFIG_HOME): those, and only those, are ended, by pid.
    """
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    wanted = [m.encode() for m in markers]
    for _ in range(20):  # up to ~10 s: the browser may still be forking when first signalled
        left = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes()
                if any(m in cmdline for m in wanted):
                    os.kill(int(entry.name), signal.SIGKILL)
                    left += 1
            except OSError:  # gone already, or not ours to read
                pass
        if not left:
            return
        time.sleep(0.5)


def violations(report: dict) -> list[dict]:
    """Every failed assertion in an Ace report, flattened: rule, impact, file, message, where."""
    found: list[dict] = []

    def walk(node: dict, subject: str) -> None:
        subject = node.get("earl:testSubject", {}).get("url", subject)
        for child in node.get("assertions", []):
            walk(child, subject)
        result = node.get("earl:result", {})
        test = node.get("earl:test")
        if test is None or result.get("earl:outcome") != "fail":
            return
        pointer = result.get("earl:pointer", {})
        found.append({
            "rule": test.get("dct:title", "?"),
            "impact": test.get("earl:impact", "?"),
            "file": subject,
            "message": " / ".join(result.get("dct:description", "").split("\n")),
            "where": ", ".join(pointer.get("css", [])),
            "html": result.get("html", ""),
            "help": test.get("help", {}).get("url", ""),
        })

    for assertion in report.get("assertions", []):
        walk(assertion, "")
    return found


def describe(found: list[dict]) -> str:
    """One block per violation, for assertion messages."""
    lines = []
    for v in found:
        lines.append(f"- {v['rule']} [{v['impact']}] {v['file']}"
                     + (f" @ {v['where']}" if v["where"] else "") + f": {v['message']}")
        if v["html"]:
            lines.append(f"    {v['html'][:200]}")
        if v["help"]:
            lines.append(f"    see {v['help']}")
    return "\n".join(lines)

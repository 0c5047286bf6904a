"""Turn a build's layout jobs into work for worker processes, started before the book is read.

The first worker starts as the build does: it imports WeasyPrint while the parent reads and
renders the manuscript, parses the print styles when they come, then forks the others from
itself, so they begin with all that done. It forks only where that is the platform's way and
safe: on Linux, from a process running one thread; elsewhere each worker is started on its
own. Each worker lays out the chunks it is sent (``layout.lay_out``), one thread a chunk, one
running at a time. The parent talks to the workers through pipes only (``layout.py`` decides
what to send); a worker's error comes back with its traceback.

**Workers die with their build.** A worker holds no end of the pipes but its own, so when
the build ends, however it ends, the worker reads the end of its pipe and stops; on Linux
the parent's death also sends it SIGKILL at once (``PR_SET_PDEATHSIG``), even in the middle of
a chunk. Ctrl-C is the build's to handle: the workers ignore SIGINT, and the build closes the
pool on its way out, as it does for SIGTERM and SIGHUP (``cli.py``).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import traceback
from typing import Any, Callable

from . import weasy
from .layout import Job, lay_out

log = logging.getLogger(__name__)


def default_jobs() -> int:
    """Worker processes for the layout: one a core, at most four (each holds a chunk)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def _quiet() -> None:
    for name in ("weasyprint", "weasyprint.progress", "fontTools"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


_LINUX = sys.platform.startswith("linux")
_PR_SET_PDEATHSIG = 1  # <sys/prctl.h>


def fork_is_safe() -> bool:
    """Whether this process may fork the workers: on Linux (where fork is the way processes
    start) and with one thread running (fork copies only the thread that calls it, so a lock
    another thread holds would stay locked in the child for good)."""
    return (_LINUX and "fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1)


def _bound_to(parent: int) -> None:
    """Make this worker end with ``parent``, and leave Ctrl-C to it (see the module's
    docstring)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _LINUX:
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # no prctl: the pipe's end still stops the worker
            pass
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(0)


def _first_worker(conns, fetcher_factory, warm: bool, parent: int,
                  parent_ends: list) -> None:
    """The first worker process: import WeasyPrint at once (while the parent reads and
    renders the book), parse the print styles when they come, then fork the other workers
    from itself, so they begin with WeasyPrint imported, the styles parsed and the fonts
    loaded: one import and one parse a build, not one a worker. Then lay out chunks like
    the others. (A warm-up layout before the fork, which would also load the hyphenation
    patterns, kept the first chunks waiting longer than it saved them: measured.)

    ``conns`` are the pipe ends of every worker, this one's first. Where processes cannot
    be forked, each worker is started on its own and gets only its own end. A forked
    worker first closes the ends the build keeps (``parent_ends``), which it inherited:
    holding them, it would never see its pipe end when the build does."""
    for end in parent_ends:
        end.close()
    _bound_to(parent)
    _quiet()
    own, others = conns[0], conns[1:]
    weasy.import_weasyprint()
    fetcher = fetcher_factory()
    if warm:
        try:
            message = own.recv()
        except EOFError:
            return
        if message[0] != "warm":  # stopped before the warm-up
            return
        _warm(message[1], fetcher)
    children = []
    me = os.getpid()
    for conn in others:
        try:
            if not fork_is_safe():  # WeasyPrint or the warm-up started a thread: do without
                raise OSError("not safe to fork")
            pid = os.fork()
        except OSError:  # the parent sees the pipe close and does without that worker
            conn.close()
            continue
        if pid == 0:
            code = 1
            try:
                own.close()
                for other in others:
                    if other is not conn:
                        other.close()
                _bound_to(me)
                _serve(conn, fetcher)
                code = 0
            finally:
                os._exit(code)
        children.append(pid)
        conn.close()
    try:
        _serve(own, fetcher)
    finally:
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _warm(job: Job, fetcher) -> None:
    """Parse the book's stylesheets and load their fonts, once a process (weasy.parse_styles)."""
    try:
        weasy.parse_styles(job.styles, job.base_url, fetcher)
    except Exception:  # noqa: BLE001 (a warm-up only; real layouts report their errors)
        log.debug("the layout worker's warm-up failed", exc_info=True)


def _serve(conn, fetcher) -> None:
    """Say this worker is ready, then lay out chunks until told to stop.

    Each chunk is laid out in a thread of its own, one at a time (a baton passes between
    them): a chunk paginated before the chunks ahead of it must wait for their page counts
    before it can set its folios, and while it waits the baton passes to the next chunk the
    parent sends, so the core does not idle."""
    conn.send(("ready", os.getpid()))
    sending, baton = threading.Lock(), threading.Lock()
    shifts: dict[int, Any] = {}

    def send(message) -> None:
        with sending:
            conn.send(message)

    def run(job: Job) -> None:
        def report(count, anchors):
            send(("paginated", job.chunk, count, anchors))
            if job.shift is not None:
                return job.shift
            baton.release()
            try:
                return shifts[job.chunk].get()
            finally:
                baton.acquire()

        with baton:
            try:
                _, pdf = lay_out(job, report, fetcher, laid=lambda r: send(("laid", r)))
                send(("done", job.chunk, pdf))
            except Exception as exc:  # reported to the parent, which raises OutputError
                send(("error", job.chunk, f"{type(exc).__name__}: {exc}",
                      traceback.format_exc()))

    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message[0] == "stop":
            return
        if message[0] == "warm":
            _warm(message[1], fetcher)
        elif message[0] == "shift":
            shifts[message[1]].put(message[2])
        else:
            job: Job = message[1]
            shifts[job.chunk] = queue.SimpleQueue()
            thread = threading.Thread(target=run, args=(job,), daemon=True,
                                      name=f"anthology-chunk-{job.chunk}")
            thread.start()  # a daemon: the parent says stop once every chunk is done, and
            # a chunk still waiting then belongs to a build that failed or went away


class Pool:
    """Worker processes for chunk layout; started as early as can be, so WeasyPrint's import
    overlaps the parent's own imports and the reading and rendering of the manuscript.
    ``Pool(1)`` runs everything in this process.

    With ``warm``, the first worker waits for :meth:`warm_up` before the others are forked
    from it (see :func:`_first_worker`)."""

    def __init__(self, jobs: int, fetcher_factory: Callable[[], Any], warm: bool = False):
        self.jobs = max(1, jobs)
        self.fetcher_factory = fetcher_factory
        self.conns: list[Any] = []
        self.waiting: set[Any] = set()  # workers that have not said they are ready
        self.pids: list[int] = []
        self._processes: list[Any] = []
        self._forked = False
        if self.jobs > 1:
            self._forked = fork_is_safe()
            context = multiprocessing.get_context("fork" if self._forked else "spawn")
            pipes = [context.Pipe() for _ in range(self.jobs)]
            self.conns = [parent for parent, _ in pipes]
            self.waiting = set(self.conns)
            children = [child for _, child in pipes]
            kept = self.conns if self._forked else []  # a forked worker inherits them
            for group in ([children] if self._forked else [[c] for c in children]):
                process = context.Process(
                    target=_first_worker, daemon=True,
                    args=(group, fetcher_factory, warm, os.getpid(), kept))
                process.start()
                self._processes.append(process)
            for child in children:
                child.close()

    def warm_up(self, job: Job) -> None:
        """Have the workers parse the print stylesheets of ``job`` and load their fonts once
        WeasyPrint is imported, before the first chunk comes (they keep them)."""
        for conn in self.conns[:1] if self._forked else self.conns:
            conn.send(("warm", job))

    def ready(self, conn, pid: int) -> None:
        self.waiting.discard(conn)
        self.pids.append(pid)

    def close(self) -> None:
        for conn in self.conns:
            try:
                conn.send(("stop",))
            except (OSError, ValueError):
                pass
        stuck = False
        for process in self._processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                stuck = True
        # the first worker waits for its forks before it ends, so only when it had to be
        # killed may they still be running; else their ids may be other processes' by now
        started = {process.pid for process in self._processes}
        for pid in self.pids if stuck else ():
            if pid not in started:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        for conn in self.conns:
            conn.close()
        self.conns, self._processes, self.pids, self.waiting = [], [], [], set()

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

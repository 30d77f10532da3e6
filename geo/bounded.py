"""Run a function in a child process with a time and a memory limit.

For work whose cost follows the *shape* of its input rather than its size: ``shapely.make_valid`` on a zigzag ring
of 20 000 vertices takes ~50 s, and of 450 000 vertices (9.8 MB) ran 102 s and then died at 5.8 GB, in the server
process. ``run_bounded(fn, *args, seconds=…, memory=…)`` returns ``fn(*args)`` or raises :class:`TimedOut`,
:class:`OutOfMemory` or :class:`WorkerFailed`; the caller turns those into its own messages.

- The child is a fresh interpreter (``python -c``), not ``multiprocessing``: that re-runs the parent's ``__main__``
  in every child, which under Streamlit is the app script. It imports ``fn``'s module, so keep that module small.
  ``fn``, ``args`` and the result travel pickled through the child's stdin and stdout.
- After its imports the child caps its address space (``RLIMIT_AS``) at what it uses plus ``memory`` (Linux; read
  from ``/proc``), and its own alarm ends it ``seconds`` later; ``RLIMIT_CPU`` holds even if the parent is gone.
- The parent kills the child if it is still there ``seconds`` + ``STARTUP_SECONDS`` after starting it.
"""
from __future__ import annotations

import math
import os
import pickle
import resource
import signal
import subprocess
import sys
from pathlib import Path

__all__ = ["BoundedError", "OutOfMemory", "STARTUP_SECONDS", "TimedOut", "WorkerFailed", "run_bounded"]

STARTUP_SECONDS = 20.0  # an interpreter start and a shapely import, on a busy machine
_ROOT = str(Path(__file__).resolve().parents[1])
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from geo.bounded import _child; _child()"


class BoundedError(Exception):
    """The bounded work did not finish."""


class TimedOut(BoundedError):
    pass


class OutOfMemory(BoundedError):
    pass


class WorkerFailed(BoundedError):
    pass


def run_bounded(fn, *args, seconds: float, memory: int | None):
    """``fn(*args)`` in a child process: at most ``seconds`` and ``memory`` more bytes of address space."""
    payload = pickle.dumps((fn, args, seconds, memory))
    proc = subprocess.Popen([sys.executable, "-c", _BOOT, _ROOT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(payload, timeout=seconds + STARTUP_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise TimedOut(f"no result after {seconds:g} s") from None
    if proc.returncode in (-signal.SIGALRM, -signal.SIGXCPU):
        raise TimedOut(f"stopped after {seconds:g} s")
    try:
        status, value = pickle.loads(out)
    except Exception:
        raise WorkerFailed(f"exit code {proc.returncode}: {err.decode(errors='replace')[-500:]}") from None
    if status == "ok":
        return value
    if status == "memory":
        raise OutOfMemory(value)
    raise WorkerFailed(value)


def _child() -> None:
    """In the child: read (fn, args, seconds, memory) from stdin, write ("ok" | "memory" | "error", value)."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, not into the result
    fn, args, seconds, memory = pickle.load(sys.stdin.buffer)
    cpu = math.ceil(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    signal.setitimer(signal.ITIMER_REAL, seconds)  # default action of SIGALRM: the process ends, even inside C
    try:
        if memory is not None:
            _limit_address_space(memory)
        result = ("ok", fn(*args))
    except MemoryError:
        result = ("memory", "MemoryError")
    except Exception as e:  # GEOS reports a failed allocation as std::bad_alloc
        result = ("memory" if "bad_alloc" in str(e) else "error", f"{type(e).__name__}: {e}")
    try:
        data = pickle.dumps(result)
    except MemoryError:
        data = pickle.dumps(("memory", "MemoryError"))
    out.write(data)
    out.close()


def _limit_address_space(extra: int) -> None:
    try:
        with open("/proc/self/statm") as f:
            used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return  # no /proc: the time limit still holds
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = used + extra if hard == resource.RLIM_INFINITY else min(used + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))

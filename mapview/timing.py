"""Where a script run spends its time, for the benchmark (benchmarks/bench_app.py): nothing happens unless
$PROJECTMAP_RUNLOG is set. Each run appends one JSON line — the page, its duration, the phases marked with
`mark()` — and, with $PROJECTMAP_PROFILE_DIR, writes a pyinstrument profile of the run there."""
from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

__all__ = ["mark", "run"]


def mark(name: str) -> None:
    """The end of a phase of this run (a no-op outside a benchmark)."""
    marks = st.session_state.get("pm_marks")
    if marks is not None:
        marks.append((name, time.perf_counter()))


@contextmanager
def run(page_title):
    """Times (and with $PROJECTMAP_PROFILE_DIR profiles) one script run; `page_title()` names it afterwards."""
    target = os.environ.get("PROJECTMAP_RUNLOG")
    if not target:
        yield
        return
    t0, wall = time.perf_counter(), time.time()
    st.session_state.pm_marks = []
    profile_dir = os.environ.get("PROJECTMAP_PROFILE_DIR")
    profiler = None
    if profile_dir:
        from pyinstrument import Profiler
        profiler = Profiler(interval=0.0005, async_mode="disabled")
        profiler.start()
    try:
        yield
    finally:
        end = time.perf_counter()
        page = page_title()
        if profiler is not None:
            profiler.stop()
            out = Path(profile_dir) / f"run-{time.time_ns()}-{page}"
            out.with_suffix(".html").write_text(profiler.output_html(), encoding="utf-8")
            out.with_suffix(".txt").write_text(profiler.output_text(unicode=True, show_all=False), encoding="utf-8")
        phases, last = {}, t0
        for name, t in st.session_state.pop("pm_marks", []):
            phases[name] = t - last
            last = t
        phases["rest"] = end - last
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"page": page, "seconds": end - t0, "wall_start": wall, "wall_end": time.time(),
                                 "phases": phases}, ensure_ascii=False) + "\n")

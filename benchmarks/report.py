"""The benchmark's report (benchmarks/bench_app.py): the table of measurements beside the floor and plain folium,
where the time goes, and each target of issue 13 with the measured value and met / NOT met."""
from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import psutil


def print_all(all_results: dict) -> None:
    print(f"\n{machine()} · {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print("\n| data | page open → drawn | sidebar's widgets on screen | first open after server start "
          "| script time of a filter change | filter → redrawn | filter → the rerun's answer on the map "
          "| reruns on pan/zoom/hover/popup | server peak RSS | JS heap | browser main thread busy |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, res in all_results.items():
        fl, fo, app = res.get("floor", {}), res.get("folium", {}), res.get("app", {})
        for label, r in (("floor", fl), ("plain folium", fo), ("app", app)):
            if "error" in r:
                print(f"| {name} {label} | {r['error']} | | | | | | | | | |")
            elif label == "app":
                print("| " + " | ".join(fmt_row(f"{name} app", r, fl, fo)) + " |")
            else:
                print("| " + " | ".join(fmt_row(f"{name} {label}", r, {}, {})) + " |")
    print_breakdown(all_results)
    print_targets(all_results)


def fmt_row(name: str, r: dict, floor: dict, fol: dict) -> list[str]:
    def d(key, unit, digits=2):
        v, f, b = r.get(key), floor.get(key), fol.get(key)
        if v is None:
            return "—"
        s = f"{v:.{digits}f}{unit}"
        if f is not None:
            s += f" (floor {f:.{digits}f}, {v - f:+.{digits}f})"
        if b is not None:
            s += f" (folium {b:.{digits}f}, ×{v / b:.2f})" if b else ""
        return s
    return [name, d("open_s", " s"), d("sidebar_ready_s", " s"), d("open_cold_s", " s"), d("rerun_s", " s", 3), d("filter_to_redrawn_s", " s", 3),
            d("filter_applied_s", " s", 3), str(r.get("pan_zoom_reruns", "—")), d("server_peak_mb", " MB", 0), d("js_heap_mb", " MB", 1),
            d("main_thread_s", " s")]


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return f"{cpu}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, Python " \
           f"{platform.python_version()}"


def print_breakdown(all_results: dict) -> None:
    for name, res in all_results.items():
        app = res.get("app", {})
        if "open_breakdown_s" not in app:
            continue
        print(f"\n{name} — where the time goes (app):")
        print("  open (s from navigation start): " + ", ".join(f"{k} {v:.3f}" for k, v in
                                                               app["open_breakdown_s"].items()))
        for key, title in (("open_phases_s", "script phases on open"), ("rerun_phases_s", "script phases on a filter change")):
            if app.get(key):
                print(f"  {title} (s): " + ", ".join(f"{k} {v:.3f}" for k, v in app[key].items()))


TARGETS = [  # issue 13: (what, measured(res), target(res)) — seconds or MB; met when measured ≤ target
    ("open, warm ≤ floor + 0.5 s", lambda r: r["app"]["open_s"], lambda r: r["floor"]["open_s"] + 0.5),
    ("open, warm ≤ 0.8 × plain folium", lambda r: r["app"]["open_s"], lambda r: 0.8 * r["folium"]["open_s"]),
    ("first open after start ≤ floor + 1.0 s", lambda r: r["app"]["open_cold_s"],
     lambda r: r["floor"]["open_cold_s"] + 1.0),
    ("filter change → redrawn ≤ 0.3 s", lambda r: r["app"]["filter_to_redrawn_s"], lambda r: 0.3),
    ("script time on a filter change ≤ 0.05 s", lambda r: r["app"]["rerun_s"], lambda r: 0.05),
    ("server peak RSS ≤ 150 MB", lambda r: r["app"]["server_peak_mb"], lambda r: 150.0),
    ("reruns on pan/zoom/hover/popup = 0", lambda r: r["app"]["pan_zoom_reruns"], lambda r: 0),
]
TARGETS_LARGE = [("10k open, warm ≤ floor + 1.0 s", lambda r: r["app"]["open_s"], lambda r: r["floor"]["open_s"] + 1.0)]


def print_targets(all_results: dict) -> None:
    print("\n| data | target | measured | limit | |")
    print("|---|---|---|---|---|")
    for name, res in all_results.items():
        targets = TARGETS if name.startswith("shipped") else TARGETS_LARGE if name.startswith("10000") else []
        for what, measured, limit in targets:
            try:
                m, lim = measured(res), limit(res)
            except (KeyError, TypeError):
                print(f"| {name} | {what} | — | — | not measured |")
                continue
            print(f"| {name} | {what} | {m:.3f} | {lim:.3f} | {'met' if m <= lim else 'NOT met'} |")



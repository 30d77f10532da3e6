"""Benchmark at province scale (issue 11 item 6; not a test): `python -m benchmarks.bench_scale
[--sizes 50000,200000] [--gpkg-dir DIR]`.

For each size a synthetic province (benchmarks/synthetic.py, `extent="province"`: Shandong's box) is written — or
taken from DIR/province_N.gpkg when present — and measured in one run, beside the one-line Streamlit floor measured
in the same run (benchmarks/bench_app.py `measure`: headless chromium, network cut):
  open (warm: a later session; cold: the first after the server started) → every project drawn,
  the script's rerun time on a filter change (the server's time), filter change → redrawn in the browser,
  peak server RSS, the browser's JS heap;
and in this process: the filter itself over the attributes (layers.filters + the bitset, median of 5) and an export
of every project to GeoJSON as `python -m layers export --format geojson` makes it (read, filter, layers.geojson_out).
Printed against the targets of issue 11 item 6 (met / not met); results in benchmarks/results/bench_scale_*.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_app import FLOOR, RESULTS, measure  # noqa: E402
from benchmarks.synthetic import write_gpkg  # noqa: E402

# (what, size, measured key, limit, how the limit is counted)
TARGETS = [
    ("50k opens (warm)", 50000, "open_s", 1.5, "floor +"),
    ("50k opens (cold, first after start)", 50000, "open_cold_s", 3.0, "floor +"),
    ("200k opens (warm)", 200000, "open_s", 3.0, "floor +"),
    ("server memory at 50k (peak RSS, MB)", 50000, "server_peak_mb", 250.0, "≤"),
    ("filter change at 200k: script rerun (s)", 200000, "rerun_s", 0.3, "≤"),
    ("export of 200k to GeoJSON (s)", 200000, "export_geojson_s", 5.0, "≤"),
]


def province(n: int, tmp: Path, gpkg_dir: Path | None) -> tuple[Path, float | None]:
    """The synthetic province of n projects: reused from gpkg_dir, else written (and the time it took)."""
    if gpkg_dir is not None and (gpkg_dir / f"province_{n}.gpkg").exists():
        return gpkg_dir / f"province_{n}.gpkg", None
    t0 = time.perf_counter()
    path = write_gpkg((gpkg_dir or tmp) / f"province_{n}.gpkg", n, hostile=False, extent="province")
    return path, time.perf_counter() - t0


def server_side(gpkg: Path, tmp: Path) -> dict:
    """The filter over the attributes as the map page runs it, and the CLI's GeoJSON export, timed here."""
    from layers import export, filters, webpayload
    from layers.records import Records
    from layers.webmap import bitset

    t0 = time.perf_counter()
    names, rows = webpayload.attributes(gpkg)
    records = Records(names, rows)
    out = {"attributes_s": time.perf_counter() - t0}
    _, ids = webpayload.payload(gpkg, "bulk") or (None, list(records["id"]))
    chosen = filters.Filters(status=("under_construction", "completed"), category=("water",))
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        shown = filters.apply(records, chosen)
        keep = set(shown["id"])
        bitset([i in keep for i in ids])
        times.append(time.perf_counter() - t0)
    out["filter_and_bitset_s"] = statistics.median(times)
    target = tmp / "all.geojson"
    t0 = time.perf_counter()
    out["exported"] = export.export_file("geojson", target, gpkg=gpkg)
    out["export_geojson_s"] = time.perf_counter() - t0
    out["export_mb"] = target.stat().st_size / 1e6
    target.unlink()
    return out


def verdicts(results: dict) -> list[dict]:
    rows = []
    for what, size, key, limit, how in TARGETS:
        r = results.get(str(size))
        if not r:
            continue
        app = {**r.get("app", {}), **r.get("server", {})}
        value = app.get(key)
        if value is None:
            rows.append({"target": what, "measured": None, "limit": None, "met": False,
                         "note": app.get("error", "not measured")})
            continue
        if how == "floor +":
            floor = r.get("floor", {}).get(key)
            if floor is None:
                rows.append({"target": what, "measured": value, "limit": None, "met": False, "note": "no floor"})
                continue
            rows.append({"target": what, "measured": value, "limit": floor + limit, "met": value <= floor + limit,
                         "note": f"floor {floor:.2f} s + {limit} s; app − floor = {value - floor:+.2f} s"})
        else:
            rows.append({"target": what, "measured": value, "limit": limit, "met": value <= limit, "note": ""})
    return rows


def print_report(results: dict) -> None:
    print("\nIssue 11 item 6 — province scale (synthetic Shandong), floor measured in the same run")
    for size, r in results.items():
        a, s, f = r.get("app", {}), r.get("server", {}), r.get("floor", {})
        print(f"\n{size} projects  (written in {r.get('written_s') or 0:.0f} s; reused when 0)")
        for k in ("open_s", "open_cold_s", "rerun_s", "filter_to_redrawn_s", "filter_applied_s", "server_peak_mb", "js_heap_mb"):
            if k in a or k in f:
                print(f"  {k:22} app {a.get(k, float('nan')):8.2f}   floor {f.get(k, float('nan')):8.2f}")
        for k, v in s.items():
            print(f"  {k:22} {v:8.2f}" if isinstance(v, float) else f"  {k:22} {v}")
        for who in ("app", "floor"):
            if "error" in r.get(who, {}):
                print(f"  {who} error: {r[who]['error']}")
    print("\nTargets")
    for v in verdicts(results):
        m = "—" if v["measured"] is None else f"{v['measured']:.2f}"
        lim = "—" if v["limit"] is None else f"{v['limit']:.2f}"
        print(f"  {v['target']:42} {m:>8}  ≤ {lim:>8}  {'met' if v['met'] else 'NOT met':8} {v['note']}")


def run(sizes: list[int], gpkg_dir: Path | None) -> dict:
    from playwright.sync_api import sync_playwright

    results = {}
    with tempfile.TemporaryDirectory(prefix="pm-scale-") as d, sync_playwright() as p:
        tmp = Path(d)
        (tmp / "static").symlink_to(ROOT / "static")
        floor_script = tmp / "floor.py"
        floor_script.write_text(FLOOR)
        for n in sizes:
            gpkg, written = province(n, tmp, gpkg_dir)
            r = results[str(n)] = {"written_s": written, "server": server_side(gpkg, tmp)}
            print(n, "server", json.dumps(r["server"]), flush=True)
            for kind, script in (("floor", floor_script), ("app", ROOT / "app.py")):
                try:
                    r[kind] = measure(kind, script, gpkg, n, p, tmp)
                    r[kind].pop("timeline", None)
                except Exception as e:  # noqa: BLE001 — a run that times out is itself a result
                    r[kind] = {"kind": kind, "error": f"{type(e).__name__}: {str(e)[:200]}"}
                print(n, kind, json.dumps(r[kind], ensure_ascii=False), flush=True)
    results["targets"] = verdicts(results)
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="50000,200000")
    ap.add_argument("--gpkg-dir", type=Path, default=None, help="reuse (or keep) province_N.gpkg files here")
    args = ap.parse_args(argv)
    results = run([int(s) for s in args.sizes.split(",")], args.gpkg_dir)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"bench_scale_{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print_report({k: v for k, v in results.items() if k != "targets"})
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

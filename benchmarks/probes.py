"""What the benchmarks (bench_app, bench_scale) read from the server process and the browser: when a page shows
what it waits for (READY_JS, from the page's own frames), a filter change from the click to the redrawn frame
(REDRAWN_JS), peak RSS, the JS heap, the main thread's busy time and CPU profile, the script's own run log, and the
browser timeline's breakdown of the first draw."""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import psutil

READY = {"floor": {"ready": "input[type=checkbox]"},  # what marks a page as open (and the app's sidebar as ready)
         "folium": {}, "app": {"ready": "[data-pm-projects]", "sidebar": "[data-testid=stSidebar] [data-testid=stButton]"}}
READY_JS = """(() => {  // window.pmBench[name]: the time (epoch ms) of the first frame with selectors[name] in the page
  const selectors = %s, bench = window.pmBench = {};
  const seen = () => {
    for (const [name, sel] of Object.entries(selectors)) {
      if (!(name in bench) && document.querySelector(sel)) {
        bench[name] = null;
        requestAnimationFrame(() => { bench[name] = Date.now(); });
      }
    }
    if (Object.keys(bench).length === Object.keys(selectors).length) { observer.disconnect(); }
  };
  const observer = new MutationObserver(seen);
  observer.observe(document, {childList: true, subtree: true, attributes: true, attributeFilter: ["data-pm-projects"]});
})();"""


REDRAWN_JS = """() => {  // window.pmRedrawn: when the pointer went down (input), the first frame with the map's new
  // count (frame: the legend-filter hides at once) and when the rerun's answer reached the map (rerun: its pm-render)
  const el = document.querySelector("[data-pm-projects]"), r = window.pmRedrawn = {input: null, frame: null, rerun: null};
  const before = el.getAttribute("data-pm-projects");
  document.addEventListener("pointerdown", () => { r.input = Date.now(); }, {capture: true, once: true});
  new PerformanceObserver((list, obs) => {
    const m = list.getEntries().find(e => e.name === "pm-render" && r.input !== null);
    if (m) { r.rerun = performance.timeOrigin + m.startTime; obs.disconnect(); }
  }).observe({type: "mark"});
  const observer = new MutationObserver(() => {
    if (el.getAttribute("data-pm-projects") === before) { return; }
    observer.disconnect();
    requestAnimationFrame(() => { r.frame = Date.now(); });
  });
  observer.observe(el, {attributes: true, attributeFilter: ["data-pm-projects"]});
}"""


class PeakRSS:
    def __init__(self, pid: int):
        self.proc = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                rss = sum(p.memory_info().rss for p in [self.proc] + self.proc.children(recursive=True))
                self.peak = max(self.peak, rss)
            except psutil.Error:
                pass
            time.sleep(0.05)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()


def js_heap_mb(page) -> float:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics.get("JSHeapUsedSize", 0) / 1e6


class MainThread:
    """The browser's main-thread work for one page (every same-origin frame shares that thread): busy seconds
    (CDP Performance TaskDuration) and, with `profile`, the sampled CPU time per script file — what the open
    costs the browser, less sensitive to a loaded machine than the wall clock."""

    def __init__(self, page, profile: bool = False):
        self.cdp, self.profile = page.context.new_cdp_session(page), profile
        self.cdp.send("Performance.enable")
        if profile:
            self.cdp.send("Profiler.enable")
            self.cdp.send("Profiler.setSamplingInterval", {"interval": 200})
            self.cdp.send("Profiler.start")

    def busy_s(self) -> float:
        return {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]}["TaskDuration"]

    def by_script_ms(self) -> dict[str, float]:
        prof, out = self.cdp.send("Profiler.stop")["profile"], {}
        nodes = {n["id"]: n["callFrame"] for n in prof["nodes"]}
        for node, dt in zip(prof["samples"], prof["timeDeltas"]):
            frame = nodes[node]
            name = frame["url"].split("/")[-1].split("?")[0] or frame["functionName"] or "(native)"
            out[name] = out.get(name, 0) + dt / 1000
        return dict(sorted(out.items(), key=lambda kv: -kv[1])[:25])


def runlog(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


TIMELINE_JS = """() => {
  const p = performance, at = n => p.getEntriesByName(n).map(e => p.timeOrigin + e.startTime);
  return {page_origin: p.timeOrigin, mounted: at("pm-mount"), data: at("pm-data"), drawn: at("pm-drawn"),
    resources: p.getEntriesByType("resource").map(e => ({name: e.name.split("/").pop().split("?")[0],
      start: p.timeOrigin + e.startTime, end: p.timeOrigin + e.responseEnd, bytes: e.transferSize}))};
}"""


def breakdown(timeline: dict, run: dict | None) -> dict:
    """Seconds from the page's navigation start to each step of the first draw."""
    o = timeline.get("page_origin")
    if not o or not timeline.get("mounted"):
        return {}
    out = {}
    if run:
        out["script_start"] = run["wall_start"] * 1000 - o
        out["script_end"] = run["wall_end"] * 1000 - o
    out["map_mounted"] = timeline["mounted"][0] - o
    lib = [r["end"] for r in timeline["resources"] if r["name"] == "leaflet.js"]
    if lib:
        out["leaflet_loaded"] = lib[0] - o
    if timeline["data"]:
        out["data_fetched"] = timeline["data"][0] - o
    if timeline["drawn"]:
        out["drawn"] = timeline["drawn"][0] - o
    return {k: round(v / 1000, 3) for k, v in out.items()}


def page_run(runs: list[dict], origin_ms: float) -> dict | None:
    """The script run that drew a page opened at origin_ms: its session's first (the map's first draw then reruns
    the script for the sidebar's widgets)."""
    after = [r for r in runs if "wall_start" in r and r["wall_start"] * 1000 >= origin_ms]
    return min(after, key=lambda r: r["wall_start"]) if after else None


def wait_runs(path: Path, n: int, timeout: float = 240):
    deadline = time.monotonic() + timeout
    while len(runlog(path)) < n:
        if time.monotonic() > deadline:
            raise TimeoutError("script run did not finish")
        time.sleep(0.05)

"""Helpers for the browser tests and the benchmark: run the app (mapview.serve) or another Streamlit script on a free
localhost port and drive Debian's chromium through Playwright with every request that does not go to localhost
refused (the meeting room has no internet)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
MAP = '[data-testid="pm-map"]'  # the project map (mapview.mapcomponent): in the page, no frame of its own
FOLIUM_FRAME = 'iframe[title="streamlit_folium.st_folium"]'  # the folium maps of the other pages (edit, changes)
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
N_SYNTHETIC = 30  # projects in the browser tests' GeoPackage (tests/e2e/conftest.py)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(gpkg: str | Path, script: str = "app.py", env: dict | None = None, cwd: Path = ROOT,
                     timeout: float = 60):
    """Start the app (or another Streamlit script) on a free port; yields (base_url, process). Stops it afterwards."""
    port = free_port()
    full_env = dict(os.environ, PROJECTMAP_GPKG=str(gpkg), PYTHONPATH=str(ROOT))
    full_env.pop("TIANDITU_TOKEN", None)
    full_env.update(env or {})
    # the app starts as ./run.sh starts it (mapview.serve); other scripts (the benchmark's baselines) as they are
    start = ["mapview.serve"] if (cwd / script).resolve() == ROOT / "app.py" else ["streamlit", "run", str(script)]
    cmd = [sys.executable, "-m", *start, "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if urllib.request.urlopen(base + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                raise RuntimeError(f"streamlit did not start: {out}")
            time.sleep(0.2)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def is_local(url: str) -> bool:
    p = urlparse(url)
    if p.scheme in ("data", "blob", "about"):
        return True
    return (p.hostname or "") in LOCAL_HOSTS


class Offline:
    """Route handler aborting every non-local request; remembers what it blocked. (As a route, it turns off the
    browser's cache: Playwright's routing does.)"""

    def __init__(self):
        self.blocked: list[str] = []

    def __call__(self, route):
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def saw(self, request) -> None:
        """A request listener: remembers a non-local request (the browser's proxy setting makes it fail)."""
        if not is_local(request.url):
            self.blocked.append(request.url)


@contextmanager
def offline_browser(playwright, viewport=(1600, 1000)):
    """Chromium with no way out: every request not for this machine goes to a proxy on a closed local port (and
    fails); ctx.guard.blocked lists them. Unlike a Playwright route, this keeps the browser's cache, as a planner's
    browser has it: Streamlit's own scripts come from the cache on the next open."""
    nowhere = f"--proxy-server=127.0.0.1:{free_port()}"  # loopback addresses bypass a proxy in chromium
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, nowhere], headless=True)
    try:
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, accept_downloads=True,
                                      locale="zh-CN")
        guard = Offline()
        context.on("request", guard.saw)
        context.guard = guard
        yield context
    finally:
        browser.close()


LEGEND = '[data-testid="pm-legend-filter"]'  # inside the component's shadow root (Playwright's CSS pierces it)


def legend_checkbox(page, name):
    """A status or category checkbox of the sidebar's legend-filter, by its label (str or regex)."""
    return page.locator(LEGEND).get_by_role("checkbox", name=name)


def map_frame(page):
    """Where to look for the project map's elements: the page itself (the map is drawn in the page)."""
    return page.locator(":root")


def folium_frame(page):
    """A folium map's iframe (the newest one while Streamlit swaps an old map for a new one)."""
    return page.locator(FOLIUM_FRAME).last.content_frame


def wait_map_drawn(page, timeout_ms: int = 30000):
    """Wait until the map reports its drawn layers; returns (projects, counties, renderer)."""
    frame = map_frame(page)
    el = frame.locator("[data-pm-projects]")
    el.wait_for(state="attached", timeout=timeout_ms)
    return (int(el.get_attribute("data-pm-projects")), int(el.get_attribute("data-pm-counties")),
            el.get_attribute("data-pm-renderer"))

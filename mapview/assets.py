"""Leaflet served from this machine, never from a CDN.

folium and streamlit-folium reference Leaflet (and jQuery, Bootstrap, Font Awesome…) on CDNs; on a machine
without internet the map then stays blank. The Leaflet dist files are fetched once at set-up time from npm
(`python -m mapview.assets`) into `static/vendor/` (git-ignored), which Streamlit serves at `/app/static/…`
(`server.enableStaticServing` in `.streamlit/config.toml`). `localize(map)` replaces every CDN link of the map
by these local files; we use no folium plugin, so Leaflet is all the map needs.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "static"
VENDOR_DIR = STATIC_DIR / "vendor"

# npm package → (version, files to keep from package/dist, subdirectory under static/vendor)
PACKAGES = {
    "leaflet": ("1.9.4", ["leaflet.js", "leaflet.css", "images/layers.png", "images/layers-2x.png",
                          "images/marker-icon.png", "images/marker-icon-2x.png", "images/marker-shadow.png"]),
    # the edit page's drawing tools (folium.plugins.Draw), MIT; its npm package ships no LICENSE file
    "leaflet-draw": ("1.0.4", ["leaflet.draw.js", "leaflet.draw.css", "images/spritesheet.png",
                               "images/spritesheet-2x.png", "images/spritesheet.svg"]),
}

JS = [("leaflet", "leaflet/leaflet.js")]
CSS = [("leaflet_css", "leaflet/leaflet.css")]


def static_url(rel: str) -> str:
    """URL path at which Streamlit serves static/<rel> (honours server.baseUrlPath)."""
    try:
        import streamlit as st
        base = (st.get_option("server.baseUrlPath") or "").strip("/")
    except Exception:  # outside a Streamlit runtime
        base = ""
    return (f"/{base}/app/static/" if base else "/app/static/") + rel


def _base_url() -> str:
    return static_url("vendor/")


def versioned_url(rel: str) -> str:
    """URL of static/<rel> with its content hash as `?v=`: the browser keeps the file in its cache and fetches it
    again only when the file changes."""
    return f"{static_url(rel)}?v={_content_hash(STATIC_DIR / rel, (STATIC_DIR / rel).stat().st_mtime_ns)}"


@lru_cache(maxsize=32)
def _content_hash(path: Path, _mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def map_code() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(js, css) of the project map's own code (static/pm/), as folium's default_js/default_css entries."""
    return [("pm_map_js", versioned_url("pm/map.js"))], [("pm_map_css", versioned_url("pm/map.css"))]


def draw_tools() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(js, css) of Leaflet.draw (the edit page's drawing tools), local."""
    base = _base_url()
    return [("leaflet_draw_js", base + "leaflet-draw/leaflet.draw.js")], \
        [("leaflet_draw_css", base + "leaflet-draw/leaflet.draw.css")]


def missing() -> list[str]:
    """Asset files not present locally (empty when the map can be drawn offline)."""
    out = []
    for pkg, (_, files) in PACKAGES.items():
        out += [f"{pkg}/{f}" for f in files if not (VENDOR_DIR / pkg / f).is_file()]
    return out


def localize(m) -> None:
    """Point the map's JS/CSS at the local copies (and drop jQuery/Bootstrap/Font Awesome, unused here)."""
    base = _base_url()
    m.default_js = [(name, base + path) for name, path in JS]
    m.default_css = [(name, base + path) for name, path in CSS]


def check() -> bool:
    """True when the local Leaflet files are there; otherwise a page error saying how to fetch them."""
    gone = missing()
    if gone:
        import streamlit as st
        st.error("缺少本地地图脚本(Leaflet)，地图无法显示。请在项目目录运行：`python -m mapview.assets`"
                 f"（需要 npm，只需联网一次）。缺少：{', '.join(gone)}")
    return not gone


def fetch(dest: Path = VENDOR_DIR) -> None:
    """Download the pinned npm packages (`npm pack`, integrity-checked by npm) and unpack their dist files."""
    if not shutil.which("npm"):
        raise SystemExit("npm 未安装：请先安装 Node.js/npm (Debian: apt-get install npm)，再运行 python -m mapview.assets")
    with tempfile.TemporaryDirectory() as tmp:
        for pkg, (version, files) in PACKAGES.items():
            subprocess.run(["npm", "pack", f"{pkg}@{version}", "--silent"], cwd=tmp, check=True,
                           stdout=subprocess.DEVNULL)
            tgz = next(Path(tmp).glob(f"{pkg}-{version}.tgz"))
            with tarfile.open(tgz) as tf:
                out = dest / pkg
                out.mkdir(parents=True, exist_ok=True)
                for f in files + (["../LICENSE"] if "package/LICENSE" in tf.getnames() else []):
                    member = tf.getmember(f"package/{Path('dist', f).as_posix()}" if not f.startswith("..")
                                          else "package/LICENSE")
                    target = (out / Path(f).name) if f.startswith("..") else out / f
                    target.parent.mkdir(parents=True, exist_ok=True)
                    data = tf.extractfile(member).read()
                    tmp_target = target.with_suffix(target.suffix + ".part")
                    tmp_target.write_bytes(data)
                    tmp_target.replace(target)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--check" in argv:
        gone = missing()
        print("缺少: " + ", ".join(gone) if gone else "本地前端资源齐全")
        return 1 if gone else 0
    if missing() or "--force" in argv:
        fetch()
    print(f"Leaflet 资源已就绪: {VENDOR_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

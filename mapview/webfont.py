"""A Chinese web font served with the app, so a machine without Chinese fonts (a meeting-room PC, a fresh Linux)
still shows Chinese, not boxes.

The font is a subset of WenQuanYi Micro Hei (Debian ``fonts-wqy-microhei``, Apache-2.0 or GPL-3+ with font
exception): the 3,755 characters of GB 2312 level 1, every character of the registry, the evidence, the gazetteer
and the app's own text, ASCII and Chinese punctuation — about 400 KB as WOFF. ``python -m mapview.webfont`` (run
by scripts/setup.sh) writes it to ``static/fonts/`` (git-ignored), which Streamlit serves; the pages and the map
list it last in their font stacks, so a system Chinese font is used where there is one.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONT_FILE = ROOT / "static" / "fonts" / "cjk-subset.woff"
FAMILY = "PM CJK"
SOURCES = ["data/projects.csv", "data/evidence.csv", "data/gazetteer.csv", "app.py", "pages/*.py", "mapview/*.py",
           "core/*.py", "static/pm/*.js"]
PUNCTUATION = "，。、；：？！“”‘’（）《》【】〔〕—…·～％＋－"


def gb2312_level1() -> str:
    chars = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return "".join(chars)


def characters() -> str:
    used = set(gb2312_level1()) | set(PUNCTUATION) | {chr(c) for c in range(0x20, 0x7F)}
    for pattern in SOURCES:
        for path in ROOT.glob(pattern):
            used |= set(path.read_text(encoding="utf-8", errors="ignore"))
    return "".join(sorted(c for c in used if c.isprintable()))


def build(out: Path = FONT_FILE) -> Path:
    """Write the subset (WOFF) to ``out``; returns it."""
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    from layers import fonts
    font = TTCollection(str(fonts.font_path())).fonts[0]
    options = subset.Options()
    options.notdef_outline = True
    options.drop_tables += ["FFTM"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters())
    subsetter.subset(font)
    font.flavor = "woff"  # zlib-compressed (WOFF 1: no extra package needed)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".part")
    font.save(str(tmp))
    tmp.replace(out)
    return out


def css(url: str) -> str:
    """The @font-face rule for the subset served at ``url``."""
    return (f'@font-face {{ font-family: "{FAMILY}"; src: url("{url}") format("woff"); '
            f"font-display: swap; }}")


if __name__ == "__main__":  # pragma: no cover
    if FONT_FILE.exists() and "--force" not in sys.argv:
        print(f"中文网页字体已就绪: {FONT_FILE}")
    else:
        print(f"中文网页字体: {build()} ({FONT_FILE.stat().st_size // 1024} KB)")

"""The CJK font that print maps and PDFs draw Chinese with, so no box (.notdef) ever stands for a character.

WenQuanYi Micro Hei from Debian's ``fonts-wqy-microhei`` (Apache-2.0 or GPL-3+ with font exception), installed by
scripts/setup.sh; ``$PROJECTMAP_CJK_FONT`` may name another TrueType/OpenType file with Chinese glyphs.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from core.errors import UserError

DEBIAN_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_LICENCE = "WenQuanYi Micro Hei (Debian fonts-wqy-microhei), Apache-2.0 or GPL-3+ with font exception"


def font_path() -> Path:
    """The CJK font file, or UserError saying how to install one."""
    path = Path(os.environ.get("PROJECTMAP_CJK_FONT") or DEBIAN_FONT)
    if not path.is_file():
        raise UserError(f"找不到中文字体 {path}。请安装 Debian 软件包 fonts-wqy-microhei（scripts/setup.sh 会安装），"
                        "或用环境变量 PROJECTMAP_CJK_FONT 指定字体文件。",
                        f"No CJK font at {path}: install Debian's fonts-wqy-microhei or set PROJECTMAP_CJK_FONT.")
    return path


@lru_cache(maxsize=1)
def use_in_matplotlib() -> str:
    """Register the font with matplotlib (PDFs embed it as TrueType) and return its family name."""
    import logging

    import matplotlib
    matplotlib.use("Agg")
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # the CJK font has one weight: no noise
    from matplotlib import font_manager, rcParams
    path = font_path()
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    rcParams["font.family"] = family
    rcParams["pdf.fonttype"] = 42  # embed TrueType (subset): text stays text, extractable as Chinese
    rcParams["axes.unicode_minus"] = False
    return family

"""The Chinese web font subset covers every character the app shows, in a few hundred KB."""
from fontTools.ttLib import TTFont

from core import fields
from layers import registry, store
from mapview import webfont


def test_the_subset_covers_the_registry_and_is_small(tmp_path):
    out = webfont.build(tmp_path / "cjk.woff")
    font = TTFont(str(out))
    assert font.flavor == "woff" and 150_000 < out.stat().st_size < 600_000
    cmap = font.getBestCmap()
    shown = "".join(p.name + "".join(p.lead_agency) + "".join(p.county) for p in registry.load(store.DEFAULT_REGISTRY))
    shown += "".join(f.zh for f in fields.FIELDS) + "聊城市重点项目地图"
    missing = sorted({c for c in shown if ord(c) not in cmap})
    assert missing == []
    assert set("聊城") <= set(webfont.characters()) and webfont.FAMILY in webfont.css("/app/static/fonts/cjk-subset.woff")

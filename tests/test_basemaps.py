"""mapview.basemaps: xyzservices TileProviders; a key is needed exactly where a provider has a placeholder."""
import folium
import pytest

from mapview import basemaps


def test_tianditu_needs_a_key_and_gets_it_in_its_urls():
    assert basemaps.available(None) == ["none", "osm", "gaode"]
    assert "tianditu" in basemaps.available("k123")
    assert basemaps.tile_layers("tianditu", None) == []
    layers = basemaps.tile_layers("tianditu", "k123")
    assert len(layers) == 2 and all(p.build_url(fill_subdomain=False).endswith("&tk=k123") for p in layers)
    assert [bool(p.get("overlay")) for p in layers] == [False, True]  # vector tiles, then the labels over them


@pytest.mark.parametrize("key", ["none", "unknown"])
def test_no_basemap_means_no_tiles(key):
    assert basemaps.tile_layers(key, "k") == [] and not basemaps.is_gcj02(key)


def test_only_gaode_is_shifted_and_folium_takes_the_providers():
    assert [k for k in basemaps.BASEMAPS if basemaps.is_gcj02(k)] == ["gaode"]
    m = folium.Map(tiles=None)
    for p in basemaps.tile_layers("gaode", None) + basemaps.tile_layers("osm", None):
        folium.TileLayer(tiles=p).add_to(m)
    html = m.get_root().render()
    assert "webrd0{s}.is.autonavi.com" in html and "tile.openstreetmap.org" in html and '"subdomains": "1234"' in html


def test_token_from_secrets_then_environment(monkeypatch):
    monkeypatch.setenv("TIANDITU_TOKEN", " env-key ")
    assert basemaps.tianditu_token({"tianditu_token": "secret-key"}) == "secret-key"
    assert basemaps.tianditu_token({}) == "env-key"
    monkeypatch.delenv("TIANDITU_TOKEN")
    assert basemaps.tianditu_token(None) is None

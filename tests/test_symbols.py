"""The symbol system reads at a glance: family colours clearly apart (also for colour-blind viewers), every status
looks different from every other, precision never borrows the status's dashes."""
import itertools
import math

import numpy as np
import pytest

from core.vocab import CATEGORIES, PRECISIONS, STATUSES
from layers import symbols


def _lab(hex_color: str) -> tuple[float, float, float]:
    rgb = np.array([int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ lin
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def ciede2000(c1: str, c2: str) -> float:
    return ciede2000_lab(_lab(c1), _lab(c2))


def ciede2000_lab(lab1, lab2) -> float:
    """CIEDE2000 colour difference (Sharma, Wu & Dalal 2005)."""
    (L1, a1, b1), (L2, a2, b2) = lab1, lab2
    C1, C2 = math.hypot(a1, b1), math.hypot(a2, b2)
    Cm = (C1 + C2) / 2
    G = 0.5 * (1 - math.sqrt(Cm ** 7 / (Cm ** 7 + 25 ** 7)))
    a1p, a2p = (1 + G) * a1, (1 + G) * a2
    C1p, C2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p, h2p = math.degrees(math.atan2(b1, a1p)) % 360, math.degrees(math.atan2(b2, a2p)) % 360
    dL, dC = L2 - L1, C2p - C1p
    dh = 0 if C1p * C2p == 0 else (h2p - h1p if abs(h2p - h1p) <= 180 else h2p - h1p - 360 * np.sign(h2p - h1p))
    dH = 2 * math.sqrt(C1p * C2p) * math.sin(math.radians(dh / 2))
    Lm, Cmp = (L1 + L2) / 2, (C1p + C2p) / 2
    hm = h1p + h2p if C1p * C2p == 0 else ((h1p + h2p) / 2 if abs(h1p - h2p) <= 180 else
                                           (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2)
    T = (1 - 0.17 * math.cos(math.radians(hm - 30)) + 0.24 * math.cos(math.radians(2 * hm))
         + 0.32 * math.cos(math.radians(3 * hm + 6)) - 0.20 * math.cos(math.radians(4 * hm - 63)))
    SL = 1 + 0.015 * (Lm - 50) ** 2 / math.sqrt(20 + (Lm - 50) ** 2)
    SC, SH = 1 + 0.045 * Cmp, 1 + 0.015 * Cmp * T
    RT = (-2 * math.sqrt(Cmp ** 7 / (Cmp ** 7 + 25 ** 7))
          * math.sin(math.radians(60 * math.exp(-(((hm - 275) / 25) ** 2)))))
    return math.sqrt((dL / SL) ** 2 + (dC / SC) ** 2 + (dH / SH) ** 2 + RT * (dC / SC) * (dH / SH))


# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB
CVD = {
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


def simulate(hex_color: str, kind: str) -> str:
    rgb = np.array([int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    out = np.clip(np.array(CVD[kind]) @ lin, 0, 1)
    srgb = np.where(out <= 0.0031308, out * 12.92, 1.055 * out ** (1 / 2.4) - 0.055)
    return "#" + "".join(f"{round(v * 255):02x}" for v in srgb)


@pytest.mark.parametrize("lab1, lab2, expected", [  # Sharma, Wu & Dalal (2005), test data pairs 1, 7, 17, 25
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
])
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected):
    assert ciede2000_lab(lab1, lab2) == pytest.approx(expected, abs=1e-4)


def test_ciede2000_in_srgb():
    assert ciede2000("#0072b2", "#0072b2") == pytest.approx(0)
    assert ciede2000("#0072b2", "#e69f00") == pytest.approx(ciede2000("#e69f00", "#0072b2"))
    assert ciede2000("#000000", "#ffffff") == pytest.approx(100, abs=1)


FAMILY_COLORS = {f: c for f, (_, c) in symbols.FAMILIES.items()}


@pytest.mark.parametrize("a, b", list(itertools.combinations(FAMILY_COLORS, 2)))
def test_any_two_families_differ_clearly_also_for_colour_blind_viewers(a, b):
    ca, cb = FAMILY_COLORS[a], FAMILY_COLORS[b]
    assert ciede2000(ca, cb) >= 20
    for kind in CVD:
        assert ciede2000(simulate(ca, kind), simulate(cb, kind)) >= 10, kind
    assert ciede2000(ca, symbols.SUSPENDED_COLOR) >= 15  # 暂缓 grey is not mistaken for a family


def test_every_category_has_a_symbol_and_categories_of_a_family_look_different():
    assert set(symbols.CATEGORY_SYMBOLS) == set(CATEGORIES)
    for family, cats in symbols.families_of(CATEGORIES).items():
        looks = [(symbols.shape(c), symbols.line_width(c)) for c in cats]
        assert len(set(looks)) == len(looks), family
        assert len({symbols.shape(c) for c in cats}) == len(cats), family  # points: a shape each


def test_every_status_looks_different_and_precision_has_no_dashes():
    looks = [tuple(sorted(s.items())) for s in symbols.STATUS_SYMBOLS.values()]
    assert len(set(looks)) == len(looks) and set(symbols.STATUS_SYMBOLS) == set(STATUSES)
    assert set(symbols.PRECISION_OPACITY) == set(PRECISIONS)
    opacities = list(symbols.PRECISION_OPACITY.values())
    assert opacities == sorted(opacities, reverse=True) and len(set(opacities)) == len(opacities)

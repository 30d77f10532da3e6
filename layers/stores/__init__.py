"""One store interface, two engines: the GeoPackage (the embedded default) and PostGIS (a shared deployment).

Everything that reads or writes projects, counties, history (status, geometry, verification), meeting views and
edits can go through a :class:`Store`::

    from layers.stores import open_store
    st = open_store()                      # $PROJECTMAP_DB (postgresql://…) if set, else the GeoPackage
    st = open_store("data/liaocheng.gpkg")  # a GeoPackage path
    st = open_store("postgresql://user@host/db")
    projects = st.projects()               # GeoDataFrame, EPSG:4326, the fields of core.fields, ordered by id
    counties = st.counties()               # GeoDataFrame: adcode, name, geometry
    st.status_history("P001")             # DataFrame, as layers.status_history.status_history
    st.record_status("P001", "under_construction", "2024-05-01", note="…", editor="…")

Both engines keep the same tables and fields (``projects`` — split by geometry type into ``projects_point`` /
``_line`` / ``_polygon`` in the GeoPackage, one table with those three views in PostGIS —, ``counties``,
``status_history``, ``geometry_history``, ``verification_history``, ``views``) and the same history semantics
(:mod:`layers.history`). Every write is one transaction: the GeoPackage takes its file lock
(:mod:`layers.safe_write`), PostGIS locks the project's row (``SELECT … FOR UPDATE``). The PostGIS schema is created
and migrated by the project (:mod:`layers.stores.migrations`, a ``schema_migrations`` table).

``python -m layers copy SRC DST`` moves a whole store between the two (:func:`copy_store`).

One PostGIS database holds every region (layers.stores.pg_region): ``postgresql://…?region=heze`` is 菏泽's store
(``region_url``); without a target, ``$PROJECTMAP_DB`` means the current region's (core.region), as the GeoPackage
fallback is the current region's file.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # light to import: the CLI's parsers and the history modules import this module
    import geopandas as gpd
    import pandas as pd

__all__ = ["Store", "StoreDump", "open_store", "is_db_url", "env_db", "region_url", "store_from_args",
           "add_db_argument", "copy_store", "HISTORY_TABLES", "DB_ENV"]

DB_ENV = "PROJECTMAP_DB"
# the history tables every store has, with their columns in order (fid first); geometry_history's geom_wkb is ISO WKB
HISTORY_TABLES = {
    "status_history": ["fid", "project_id", "old_status", "new_status", "effective_date", "note", "source", "editor",
                       "recorded_at"],
    "geometry_history": ["fid", "project_id", "action", "geom_wkb", "geom_wkt", "geom_type", "precision",
                         "precision_m", "geom_source", "layer", "restored_from", "editor", "note", "recorded_at"],
    "verification_history": ["fid", "project_id", "state", "verified_on", "source", "note", "editor", "recorded_at"],
    "views": ["fid", "name", "title", "note", "query", "bbox", "basemap", "position", "created_by", "created_at",
              "edited_by", "edited_at"],
}


@dataclass
class StoreDump:
    """A whole store in memory, as :meth:`Store.dump` returns it and :meth:`Store.load` takes it: the current
    features, and every history row with its ``fid`` (so restores keep pointing at the right row)."""
    counties: gpd.GeoDataFrame
    projects: gpd.GeoDataFrame
    tables: dict[str, pd.DataFrame]                       # HISTORY_TABLES name → rows
    editors: dict = field(default_factory=dict)           # username → layers.editor_accounts.Editor

    def counts(self) -> dict[str, int]:
        return {"counties": len(self.counties), "projects": len(self.projects),
                **{t: len(df) for t, df in self.tables.items()}, "editor_accounts": len(self.editors)}


@runtime_checkable
class Store(Protocol):
    """What both engines offer. Reads return pandas/GeoPandas frames; writes raise a ``core.errors.UserError``
    (HistoryError, ViewError, WriteError …) and change nothing when the input is wrong."""

    kind: str    # "gpkg" | "postgis"
    label: str   # for messages: the path, or the URL without its password

    # --------------------------------------------------------------------------------------------- reads
    def exists(self) -> bool:
        """Whether the store has been built (a GeoPackage file; a database with the schema and counties)."""

    def require(self) -> "Store":
        """self, or layers.store.StoreError saying how to build it."""

    def projects(self) -> gpd.GeoDataFrame:
        """Every project: the stored fields of core.fields + ``geometry`` (EPSG:4326), ordered by id."""

    def counties(self) -> gpd.GeoDataFrame:
        """The counties: adcode, name, geometry (EPSG:4326)."""

    def status_history(self, project_id: str | None = None) -> pd.DataFrame:
        """Status rows by effective date then as recorded (columns of HISTORY_TABLES['status_history'])."""

    def geometry_history(self, project_id: str | None = None) -> pd.DataFrame:
        """Geometry rows oldest first, with a shapely ``geometry`` column instead of ``geom_wkb``/``geom_wkt``."""

    def verification_history(self, project_id: str | None = None) -> pd.DataFrame:
        """Verification rows by date then as recorded."""

    def status_as_of(self, date) -> dict[str, str]:
        """{project id: its status on ``date``}."""

    def changes_since(self, date) -> pd.DataFrame:
        """Status changes effective after ``date`` and geometry corrections recorded after it (China's date)."""

    def list_views(self) -> list:
        """The meeting views (layers.views.View) in meeting order."""

    def get_view(self, name: str):
        """One view, or ViewError listing the others."""

    # -------------------------------------------------------------------------------------------- writes
    def record_status(self, project_id: str, new_status: str, effective_date, *, note: str, editor: str,
                      source: str = "", today=None):
        """A status change and the feature's status, one transaction → layers.status_history.StatusChange."""

    def record_geometry(self, project_id: str, geom, *, precision: str, geom_source: str, editor: str,
                        precision_m=None, note: str = ""):
        """A new geometry (EPSG:4326, checked by geo.upload) and its history row → GeometryChange."""

    def restore_geometry(self, project_id: str, history_fid: int, *, editor: str, note: str = ""):
        """An earlier geometry row made current again (a new 'restore' row) → GeometryChange."""

    def record_verification(self, project_id: str, state: str, verified_on, *, source: str, editor: str,
                            note: str = "") -> int:
        """A verification row and the feature's state → the row's fid."""

    def import_geometries(self, items: list[tuple], *, precision: str, precision_m, source: str, editor: str,
                          note: str, state: str, verified_on) -> list:
        """Several (project_id, geometry) written all or nothing, each with a verification row → GeometryChanges."""

    def save_view(self, name: str, query: str, *, editor: str, title: str = "", note: str = "", bbox=None,
                  basemap: str = "none"):
        """Add or replace a view."""

    def remove_view(self, name: str) -> None: ...

    def rename_view(self, name: str, new_name: str, *, editor: str): ...

    def move_view(self, name: str, to_position: int) -> list: ...

    # ---------------------------------------------------------------------------------------- whole store
    def write_build(self, counties: gpd.GeoDataFrame, projects: gpd.GeoDataFrame) -> dict:
        """Replace the built features (a build), keep every history table and re-apply it on top → the report of
        layers.carry_over.carry_over (status_applied, geometry_applied, verification_applied, missing …)."""

    def dump(self) -> StoreDump:
        """Everything in the store (for copy)."""

    def load(self, dump: StoreDump) -> None:
        """Replace everything in the store by ``dump`` (features as they are: no history is re-applied)."""


def is_db_url(target) -> bool:
    return isinstance(target, str) and target.split("://", 1)[0] in ("postgresql", "postgres")


def region_url(url: str, key: str) -> str:
    """The address of region ``key``'s store in the PostGIS database ``url`` (layers.stores.pg_region)."""
    from layers.stores.pg_region import region_url as make
    return make(url, key)


def env_db() -> str | None:
    """``$PROJECTMAP_DB`` as the current region's store (core.region.current()), or None when it is not set."""
    db = os.environ.get(DB_ENV) or None
    if not is_db_url(db):
        return db
    from core.region import current
    return region_url(db, current().key)


def open_store(target: str | os.PathLike | None = None) -> Store:
    """The store ``target`` names: a ``postgresql://`` URL → PostGIS (``?region=KEY``: that region's tables), anything
    else → a GeoPackage path.

    Without a target: ``$PROJECTMAP_DB`` if set (PostGIS: the current region's tables in it), else the current
    region's GeoPackage (the default region's: ``$PROJECTMAP_GPKG`` or ``data/liaocheng.gpkg``). Opening is cheap
    (PostGIS connects, and migrates its schema once per process, on first use)."""
    if target is None or target == "":
        target = env_db()
    if is_db_url(target):
        from layers.stores.postgis import PostgisStore
        return PostgisStore(str(target))
    from layers.stores.gpkg import GpkgStore
    from layers.store import gpkg_path
    return GpkgStore(gpkg_path(target))


def add_db_argument(p) -> None:
    """The ``--db URL`` option of every command that reads or writes a store."""
    p.add_argument("--db", default=None, metavar="URL",
                   help="PostGIS store postgresql://… instead of the GeoPackage (default $PROJECTMAP_DB if set)")


def store_from_args(args, *, gpkg_attr: str = "gpkg") -> Store:
    """The CLI's choice: ``--db URL``, else ``--gpkg PATH``, else ``$PROJECTMAP_DB``, else the default GeoPackage."""
    db = getattr(args, "db", None)
    if db:
        if not is_db_url(db):
            from layers.store import StoreError
            raise StoreError(f"--db 应为 postgresql:// 开头的数据库地址，而不是 {str(db)[:60]!r}。",
                             f"--db takes a postgresql:// URL, not {str(db)[:60]!r}.")
        return open_store(db)
    gpkg = getattr(args, gpkg_attr, None)
    return open_store(Path(gpkg)) if gpkg else open_store()


def copy_store(src: Store, dst: Store) -> dict[str, int]:
    """Copy everything of ``src`` into ``dst``, replacing what ``dst`` holds: counties, projects, the history
    tables with their fids, views, and the editor accounts (a GeoPackage's are those of the editors file,
    layers.editor_accounts; PostGIS keeps them in ``editor_accounts``). Returns the row counts copied."""
    dump = src.dump()
    dst.load(dump)
    return dump.counts()

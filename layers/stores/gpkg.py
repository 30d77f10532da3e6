"""The GeoPackage engine of :mod:`layers.stores`: a thin face over the modules that have always written it
(:mod:`layers.safe_write`, :mod:`layers.history`, :mod:`layers.verification`, :mod:`layers.views`,
:mod:`layers.build`). Nothing here changes how the file is read or written."""
from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from core import fields
from layers import editor_accounts, history, safe_write as sw, store, verification, views
from layers.gpkg_tables import columns, table_exists
from layers.stores import HISTORY_TABLES, StoreDump


class GpkgStore:
    kind = "gpkg"

    def __init__(self, path: str | os.PathLike, *, editors_path: str | os.PathLike | None = None):
        self.path = Path(path)
        self.label = str(self.path)
        self._editors_path = Path(editors_path) if editors_path else None

    def __repr__(self) -> str:
        return f"GpkgStore({self.label!r})"

    # ------------------------------------------------------------------------------------------------ reads
    def exists(self) -> bool:
        return self.path.is_file()

    def require(self) -> "GpkgStore":
        store.existing(self.path)
        return self

    def projects(self) -> gpd.GeoDataFrame:
        return store.read_projects(self.require().path)

    def counties(self) -> gpd.GeoDataFrame:
        return store.read_counties(self.require().path)

    def status_history(self, project_id=None) -> pd.DataFrame:
        return history.status_history(self.path, project_id)

    def geometry_history(self, project_id=None) -> pd.DataFrame:
        return history.geometry_history(self.path, project_id)

    def verification_history(self, project_id=None) -> pd.DataFrame:
        return verification.history(self.path, project_id)

    def status_as_of(self, date) -> dict[str, str]:
        return history.status_as_of(self.path, date)

    def changes_since(self, date) -> pd.DataFrame:
        return history.changes_since(self.path, date)

    def list_views(self) -> list:
        return views.list_views(self.path)

    def get_view(self, name: str):
        return views.get_view(self.path, name)

    # ----------------------------------------------------------------------------------------------- writes
    def record_status(self, project_id, new_status, effective_date, *, note, editor, source="", today=None):
        return history.record_status(self.path, project_id, new_status, effective_date, note=note, editor=editor,
                                     source=source, today=today)

    def record_geometry(self, project_id, geom, *, precision, geom_source, editor, precision_m=None, note=""):
        return history.record_geometry(self.path, project_id, geom, precision=precision, geom_source=geom_source,
                                       editor=editor, precision_m=precision_m, note=note)

    def restore_geometry(self, project_id, history_fid, *, editor, note=""):
        return history.restore_geometry(self.path, project_id, history_fid, editor=editor, note=note)

    def record_verification(self, project_id, state, verified_on, *, source, editor, note="") -> int:
        return verification.record_verification(self.path, project_id, state, verified_on, source=source,
                                                editor=editor, note=note)

    def import_geometries(self, items, *, precision, precision_m, source, editor, note, state, verified_on) -> list:
        out = []
        with sw.write_transaction(self.path) as conn:
            for pid, geom in items:
                out.append(history.write_geometry(conn, pid, geom, precision=precision, precision_m=precision_m,
                                                  geom_source=source, editor=editor, note=note))
                verification.record(conn, pid, state, verified_on, source=source, editor=editor, note=note)
        return out

    def save_view(self, name, query, *, editor, title="", note="", bbox=None, basemap="none"):
        return views.save_view(self.path, name, query, editor=editor, title=title, note=note, bbox=bbox,
                               basemap=basemap)

    def remove_view(self, name) -> None:
        views.remove_view(self.path, name)

    def rename_view(self, name, new_name, *, editor):
        return views.rename_view(self.path, name, new_name, editor=editor)

    def move_view(self, name, to_position) -> list:
        return views.move_view(self.path, name, to_position)

    # ------------------------------------------------------------------------------------------ whole store
    def write_build(self, counties, projects) -> dict:
        from layers.build import replace_gpkg
        return replace_gpkg(self.path, counties, projects)

    def dump(self) -> StoreDump:
        self.require()
        tables = {}
        conn = sw.connect(self.path, readonly=True)
        try:
            for table, cols in HISTORY_TABLES.items():
                present = set(columns(conn, table)) if table_exists(conn, table) else set()
                rows = []
                if present:
                    sel = ", ".join(f'"{c}"' if c in present else "NULL" for c in cols)
                    rows = conn.execute(f'SELECT {sel} FROM "{table}" ORDER BY fid').fetchall()
                tables[table] = pd.DataFrame(rows, columns=cols)
        finally:
            conn.close()
        return StoreDump(self.counties(), self.projects(), tables, editor_accounts.load_file(self._editors_path))

    def load(self, dump: StoreDump) -> None:
        from layers.build import replace_gpkg
        replace_gpkg(self.path, dump.counties, _typed(dump.projects), tables=dump.tables)
        if dump.editors:
            editor_accounts.save_accounts(dump.editors, self._editors_path, merge=True)


def _typed(projects: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Projects as the build writes them: every stored field, years as nullable integers."""
    gdf = projects.copy()
    for name in fields.stored():
        if name not in gdf.columns:
            gdf[name] = None
    for f in fields.FIELDS:
        if f.stored and f.kind == "year":
            gdf[f.name] = pd.to_numeric(gdf[f.name], errors="coerce").round().astype("Int64")
    return gdf[fields.stored() + [gdf.geometry.name]]

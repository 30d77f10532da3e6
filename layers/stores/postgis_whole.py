"""A PostGIS store as a whole (a mixin of layers.stores.postgis.PostgisStore): writing a build, dumping and
loading everything (``python -m layers copy``), and reading the features. A build or a load keeps the map's
payloads of what it wrote in the same transaction (layers.stores.pg_app)."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from core import fields
from layers import editor_accounts, webpayload
from layers.feature_rows import fit_to_layer
from layers.records import plain
from layers.stores import HISTORY_TABLES, StoreDump, pg_app
from layers.stores.postgis_history import apply_history

__all__ = ["PostgisWhole", "read_projects", "read_counties", "wkb"]

STORED = fields.stored()


def wkb(geom) -> bytes:
    """ISO WKB, as PostGIS's ST_GeomFromWKB takes it."""
    return shapely.to_wkb(geom, byte_order=1, flavor="iso")


class PostgisWhole:
    """Needs ``schema``, ``_tx()``, ``_read()`` and ``require()`` (PostgisStore)."""

    @staticmethod
    def _put_features(conn, counties, projects) -> None:
        conn.execute("DELETE FROM counties")
        conn.execute("DELETE FROM projects")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO counties(adcode, name, geom) "
                            "VALUES (%s, %s, ST_Multi(ST_GeomFromWKB(%s, 4326)))",
                            [(str(r.adcode), str(r.name), wkb(r.geometry))
                             for r in counties[["adcode", "name", "geometry"]].itertuples()])
            cols = [c for c in STORED if c in projects.columns]
            names = ", ".join(f'"{c}"' for c in cols)
            marks = ", ".join(["%s"] * len(cols))
            gcol = projects.geometry.name
            cur.executemany(f"INSERT INTO projects({names}, geom) VALUES ({marks}, ST_GeomFromWKB(%s, 4326))",
                            [(*(plain(v) for v in vals), wkb(fit_to_layer(g)))
                             for vals, g in zip(projects[cols].itertuples(index=False, name=None), projects[gcol])])

    def write_build(self, counties, projects) -> dict:
        with self._tx(create=True) as conn:
            conn.execute("LOCK TABLE projects, counties IN EXCLUSIVE MODE")
            self._put_features(conn, counties, projects)
            report = apply_history(conn)
            report["status_rows"] = conn.execute("SELECT COUNT(*) FROM status_history").fetchone()[0]
            report["geometry_rows"] = conn.execute("SELECT COUNT(*) FROM geometry_history").fetchone()[0]
            prebuild(conn)
        return report

    def dump(self) -> StoreDump:
        self.require()
        tables = {}
        with self._read() as conn:
            for table, cols in HISTORY_TABLES.items():
                sel = ", ".join("ST_AsBinary(geom)" if c == "geom_wkb" else f'"{c}"' for c in cols)
                rows = conn.execute(f"SELECT {sel} FROM {table} ORDER BY fid").fetchall()
                tables[table] = pd.DataFrame(rows, columns=cols)
            if len(tables["geometry_history"]):
                tables["geometry_history"]["geom_wkb"] = tables["geometry_history"]["geom_wkb"].map(bytes)
            editors = {u: editor_accounts.Editor(u, n, h) for u, n, h in conn.execute(
                "SELECT username, name, password_hash FROM editor_accounts ORDER BY username")}
            return StoreDump(read_counties(conn), read_projects(conn), tables, editors)  # one snapshot

    def load(self, dump: StoreDump) -> None:
        """Replace the region's data by ``dump``. Editor accounts are the deployment's (public.editor_accounts):
        the default region's copy replaces them, another region's adds and updates them."""
        with self._tx(create=True) as conn:
            conn.execute("LOCK TABLE projects, counties, status_history, geometry_history, verification_history, "
                         "views, editor_accounts IN ACCESS EXCLUSIVE MODE")
            self._put_features(conn, dump.counties, dump.projects)
            with conn.cursor() as cur:
                for table, cols in HISTORY_TABLES.items():
                    cur.execute(f"DELETE FROM {table}")
                    df = dump.tables.get(table)
                    if df is not None and len(df):
                        names = ", ".join("geom" if c == "geom_wkb" else f'"{c}"' for c in cols)
                        marks = ", ".join("ST_GeomFromWKB(%s, 4326)" if c == "geom_wkb" else "%s" for c in cols)
                        cur.executemany(f"INSERT INTO {table}({names}) VALUES ({marks})",
                                        [tuple(plain(v) for v in r)
                                         for r in df[cols].itertuples(index=False, name=None)])
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'fid'), "
                                f"COALESCE((SELECT MAX(fid) FROM {table}), 0) + 1, false)")
                if self.schema == "public":
                    cur.execute("DELETE FROM editor_accounts")
                cur.executemany("INSERT INTO editor_accounts(username, name, password_hash) VALUES (%s, %s, %s) "
                                "ON CONFLICT (username) DO UPDATE SET name = EXCLUDED.name, "
                                "password_hash = EXCLUDED.password_hash",
                                [(e.username, e.name, e.password_hash) for e in dump.editors.values()])
            prebuild(conn)




def prebuild(conn) -> None:
    """The map's payloads of the rows this transaction wrote, kept with them (layers.stores.pg_app): the app's
    first open needs no geometry work."""
    pg_app.store_in(conn, webpayload.make(read_counties(conn), read_projects(conn)))


def read_projects(conn) -> gpd.GeoDataFrame:
    cols = ", ".join(f'"{c}"' for c in STORED)
    rows = conn.execute(f"SELECT {cols}, ST_AsBinary(geom) FROM projects ORDER BY id").fetchall()
    df = pd.DataFrame([r[:-1] for r in rows], columns=STORED)
    for f in fields.FIELDS:
        if f.stored and f.kind in ("year", "number"):
            df[f.name] = pd.to_numeric(df[f.name], errors="coerce").astype("float64")
    geoms = [shapely.from_wkb(bytes(r[-1])) for r in rows]
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")


def read_counties(conn) -> gpd.GeoDataFrame:
    rows = conn.execute("SELECT adcode, name, ST_AsBinary(geom) FROM counties ORDER BY fid").fetchall()
    return gpd.GeoDataFrame({"adcode": [r[0] for r in rows], "name": [r[1] for r in rows]},
                            geometry=gpd.GeoSeries([shapely.from_wkb(bytes(r[2])) for r in rows], crs="EPSG:4326"),
                            crs="EPSG:4326")



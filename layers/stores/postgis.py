"""The PostGIS engine of :mod:`layers.stores`: the same tables, fields and history semantics as the GeoPackage,
with plain SQL through psycopg 3. Geometries travel as WKB in EPSG:4326 (``ST_GeomFromWKB`` / ``ST_AsBinary``) into
``geometry(…, 4326)`` columns with GiST indexes.

Every write is one transaction. Where the GeoPackage takes its file lock, a write here locks what it changes: the
project's row (``SELECT … FOR UPDATE``) for a status, geometry or verification change — so two editors changing one
project queue, and editors of different projects do not wait for each other —, the ``views`` table for a view, the
whole tables for a build or a copy. Input is checked by the same functions as the GeoPackage's
(:mod:`layers.status_history`, :mod:`layers.geometry_history`, :mod:`layers.verification`, :mod:`layers.views`).

The schema is created and migrated on first use in each process (:mod:`layers.stores.migrate`); connections and
transactions are :mod:`layers.stores.pg_conn`; the views and the whole-store operations (build, dump, load) are
mixins (:mod:`layers.stores.postgis_views`, :mod:`layers.stores.postgis_whole`). Every committed write bumps the
store's change counter (``store_version``, :meth:`PostgisStore.version`), which app servers key their caches by.

A URL that names a region (``…?region=heze``, layers.stores.pg_region) is that region's store: its tables in the
region's schema of the same database, beside the other regions'.
"""
from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import psycopg
import shapely

from layers import editor_accounts, geometry_history as gh, status_history as sh, verification
from layers.feature_rows import fit_to_layer, layer_of_type, unknown_id_error
from layers.history_base import check_text, date_str, now_utc, parse_date
from layers.stores import HISTORY_TABLES, pg_app, pg_conn, pg_region
from layers.stores.migrate import migrate
from layers.stores.postgis_views import PostgisViews
from layers.stores.postgis_whole import PostgisWhole, read_counties, read_projects, wkb


class PostgisStore(PostgisViews, PostgisWhole):
    kind = "postgis"

    def __init__(self, url: str):
        self.url = url
        self.schema = pg_region.split(url)[1]  # a region the URL names that is not a region file: StoreError
        self.label = pg_conn.safe_label(url)

    def __repr__(self) -> str:
        return f"PostgisStore({self.label!r})"

    # ------------------------------------------------------------------------------------------ connections
    def connect(self) -> psycopg.Connection:
        """A new connection (schema migrated once per process); the caller closes it."""
        return pg_conn.connect(self.url)

    def _tx(self, *, create: bool = False):
        """One write transaction (layers.stores.pg_conn.transaction); ``create``: make the region's schema."""
        return pg_conn.transaction(self.url, create=create)

    def _read(self):
        """A read-only transaction with one snapshot (layers.stores.pg_conn.snapshot)."""
        return pg_conn.snapshot(self.url)

    def migrate(self) -> list[int]:
        """Apply missing schema steps now (open_store does it on first use); returns the versions applied."""
        dsn, schema = pg_region.split(self.url)
        conn = psycopg.connect(dsn, connect_timeout=pg_conn.CONNECT_TIMEOUT)
        try:
            done = migrate(conn, schema)
            pg_conn._MIGRATED.add(self.url)
            return done
        finally:
            conn.close()

    def version(self) -> int:
        """The store's change counter: one more after every committed write (migration 0003)."""
        return pg_app.state(self.url)[0]

    # ------------------------------------------------------------------------------------------------ reads
    def exists(self) -> bool:
        try:
            with self._read() as conn:
                return conn.execute("SELECT EXISTS (SELECT 1 FROM counties)").fetchone()[0]
        except pg_region.RegionNotBuilt:  # a region whose schema is not there yet
            return False

    def require(self) -> "PostgisStore":
        if not self.exists():
            raise pg_region.not_built(self.url, self.label)
        return self

    def projects(self) -> gpd.GeoDataFrame:
        with self._read() as conn:
            return read_projects(conn)

    def counties(self) -> gpd.GeoDataFrame:
        with self._read() as conn:
            return read_counties(conn)

    def _rows(self, sql: str, args=()) -> list[tuple]:
        with self._read() as conn:
            return conn.execute(sql, args).fetchall()

    def status_history(self, project_id=None) -> pd.DataFrame:
        cols = HISTORY_TABLES["status_history"]
        where, args = ("WHERE project_id = %s", (project_id,)) if project_id is not None else ("", ())
        rows = self._rows(f"SELECT {', '.join(cols)} FROM status_history {where} ORDER BY effective_date, fid", args)
        return pd.DataFrame(rows, columns=cols)

    def geometry_history(self, project_id=None) -> pd.DataFrame:
        cols = ["fid", "project_id", "action", "geom_type", "precision", "precision_m", "geom_source", "layer",
                "restored_from", "editor", "note", "recorded_at"]
        where, args = ("WHERE project_id = %s", (project_id,)) if project_id is not None else ("", ())
        rows = self._rows(f"SELECT {', '.join(cols)}, ST_AsBinary(geom) FROM geometry_history {where} ORDER BY fid",
                          args)
        df = pd.DataFrame([r[:-1] for r in rows], columns=cols)
        df["geometry"] = [shapely.from_wkb(bytes(r[-1])) for r in rows] if rows else []
        return df

    def verification_history(self, project_id=None) -> pd.DataFrame:
        cols = ["project_id", "state", "verified_on", "source", "note", "editor", "recorded_at"]
        where, args = ("WHERE project_id = %s", (project_id,)) if project_id is not None else ("", ())
        rows = self._rows(f"SELECT {', '.join(cols)} FROM verification_history {where} ORDER BY verified_on, fid",
                          args)
        return pd.DataFrame(rows, columns=cols)

    def status_as_of(self, date) -> dict[str, str]:
        date = date_str(date)
        with self._read() as conn:
            current = dict(conn.execute("SELECT id, status FROM projects").fetchall())
            by_project: dict[str, list] = {}
            for row in conn.execute("SELECT project_id, old_status, new_status, effective_date, fid "
                                    "FROM status_history ORDER BY effective_date, fid"):
                by_project.setdefault(row[0], []).append(row)
        return {pid: sh.status_on(by_project.get(pid, []), status, date) for pid, status in current.items()}

    def changes_since(self, date) -> pd.DataFrame:
        date = date_str(date)
        cols = ["project_id", "kind", "date", "old_status", "new_status", "note", "source", "editor", "recorded_at"]
        with self._read() as conn:
            rows = conn.execute(
                "SELECT project_id, 'status', effective_date, old_status, new_status, note, source, editor, "
                "recorded_at FROM status_history WHERE effective_date > %s ORDER BY effective_date, fid",
                (date,)).fetchall()
            for pid, note, source, editor, recorded in conn.execute(
                    "SELECT project_id, note, geom_source, editor, recorded_at FROM geometry_history "
                    "WHERE action != 'baseline' ORDER BY fid"):
                day = _china_date(recorded)  # recorded_at is UTC; the date a planner means is China's
                if day > date:
                    rows.append((pid, "geometry", day, None, None, note, source, editor, recorded))
        df = pd.DataFrame(rows, columns=cols)
        return df.sort_values(["date", "recorded_at"], kind="stable").reset_index(drop=True)

    def editor_accounts(self) -> dict:
        return {u: editor_accounts.Editor(u, n, h) for u, n, h in
                self._rows("SELECT username, name, password_hash FROM editor_accounts ORDER BY username")}

    def save_editor(self, editor) -> None:
        """Add or replace one editor account (a layers.editor_accounts.Editor with a bcrypt hash)."""
        if not str(editor.password_hash).startswith("$2"):
            raise editor_accounts.EditorError("没有 bcrypt 密码哈希（不要存明文密码）。", "No bcrypt password hash.")
        with self._tx() as conn:
            conn.execute("INSERT INTO editor_accounts(username, name, password_hash) VALUES (%s, %s, %s) "
                         "ON CONFLICT (username) DO UPDATE SET name = EXCLUDED.name, "
                         "password_hash = EXCLUDED.password_hash", (editor.username, editor.name, editor.password_hash))

    # ----------------------------------------------------------------------------------------------- writes
    @staticmethod
    def _lock_project(conn, project_id: str) -> tuple:
        """(fid, status, geometry WKB, precision, precision_m, geom_source) of the project, its row locked."""
        row = conn.execute("SELECT fid, status, ST_AsBinary(geom), precision, precision_m, geom_source "
                           "FROM projects WHERE id = %s FOR UPDATE", (project_id,)).fetchone()
        if row is None:
            ids = [r[0] for r in conn.execute("SELECT id FROM projects")]
            raise unknown_id_error(project_id, ids)
        return row

    @staticmethod
    def _status_rows(conn, project_id: str) -> list[tuple]:
        return conn.execute("SELECT project_id, old_status, new_status, effective_date, fid FROM status_history "
                            "WHERE project_id = %s ORDER BY effective_date, fid", (project_id,)).fetchall()

    def record_status(self, project_id, new_status, effective_date, *, note, editor, source="", today=None):
        project_id, new_status, eff, note, source, editor = sh.check_change(project_id, new_status, effective_date,
                                                                            note, source, editor, today)
        with self._tx() as conn:
            fid, base = self._lock_project(conn, project_id)[:2]
            old = sh.status_on(self._status_rows(conn, project_id), base, eff)
            if old == new_status:
                raise sh.unchanged_error(project_id, new_status, eff)
            row_fid = conn.execute(
                "INSERT INTO status_history(project_id, old_status, new_status, effective_date, note, source, editor, "
                "recorded_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s) RETURNING fid",
                (project_id, old, new_status, eff, note, source, editor, now_utc())).fetchone()[0]
            rows = self._status_rows(conn, project_id)
            for old_status, hfid in sh.chained(rows):
                conn.execute("UPDATE status_history SET old_status = %s WHERE fid = %s", (old_status, hfid))
            current = rows[-1][2]
            conn.execute("UPDATE projects SET status = %s WHERE fid = %s", (current, fid))
        return sh.StatusChange(row_fid, project_id, old, new_status, eff, current)

    @staticmethod
    def _insert_geometry_row(conn, project_id, action, geom, precision, precision_m, geom_source, layer,
                             restored_from, editor, note) -> int:
        return conn.execute(
            "INSERT INTO geometry_history(project_id, action, geom, geom_wkt, geom_type, precision, precision_m, "
            "geom_source, layer, restored_from, editor, note, recorded_at) "
            "VALUES (%s,%s,ST_GeomFromWKB(%s, 4326),%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) RETURNING fid",
            (project_id, action, wkb(geom), shapely.to_wkt(geom, rounding_precision=-1), geom.geom_type, precision,
             precision_m, geom_source, layer, restored_from, editor, note, now_utc())).fetchone()[0]

    def _write_geometry(self, conn, project_id, geom, *, precision, geom_source, editor, precision_m=None, note="",
                        action="edit", restored_from=None):
        project_id, geom, precision, precision_m, geom_source, editor, note = gh.check_geometry_change(
            project_id, geom, precision, precision_m, geom_source, editor, note)
        fid, _, old_wkb, old_precision, old_precision_m, old_source = self._lock_project(conn, project_id)
        old_geom = shapely.from_wkb(bytes(old_wkb))
        previous = layer_of_type(old_geom.geom_type)
        if conn.execute("SELECT 1 FROM geometry_history WHERE project_id = %s LIMIT 1", (project_id,)).fetchone() \
                is None:  # before the first correction: keep the built geometry so it can be restored
            self._insert_geometry_row(conn, project_id, "baseline", old_geom, old_precision, old_precision_m,
                                      old_source, previous, None, "build", gh.BASELINE_NOTE)
        layer = layer_of_type(geom.geom_type)
        conn.execute("UPDATE projects SET geom = ST_GeomFromWKB(%s, 4326), precision = %s, precision_m = %s, "
                     "geom_source = %s WHERE fid = %s",
                     (wkb(fit_to_layer(geom)), precision, precision_m, geom_source, fid))
        row = self._insert_geometry_row(conn, project_id, action, geom, precision, precision_m, geom_source, layer,
                                        restored_from, editor, note)
        return gh.GeometryChange(row, project_id, action, geom.geom_type, layer, previous)

    def record_geometry(self, project_id, geom, *, precision, geom_source, editor, precision_m=None, note=""):
        with self._tx() as conn:
            return self._write_geometry(conn, project_id, geom, precision=precision, geom_source=geom_source,
                                        editor=editor, precision_m=precision_m, note=note)

    def restore_geometry(self, project_id, history_fid, *, editor, note=""):
        with self._tx() as conn:
            row = conn.execute("SELECT ST_AsBinary(geom), precision, precision_m, geom_source FROM geometry_history "
                               "WHERE fid = %s AND project_id = %s", (int(history_fid), project_id)).fetchone()
            if row is None:
                raise gh.no_row_error(project_id, history_fid)
            return self._write_geometry(conn, project_id, shapely.from_wkb(bytes(row[0])), precision=row[1],
                                        precision_m=row[2], geom_source=row[3], editor=editor,
                                        note=note or gh.restore_note(history_fid), action="restore",
                                        restored_from=int(history_fid))

    def _record_verification(self, conn, project_id, state, verified_on, *, source, editor, note="") -> int:
        state = verification.check_state(state)
        day = parse_date(verified_on)
        source = check_text(source, "核实依据", "Source", required=True)
        editor = check_text(editor, "核实人", "Editor", required=True)
        note = check_text(note, "说明", "Note", required=False)
        fid = self._lock_project(conn, project_id)[0]
        row = conn.execute("INSERT INTO verification_history(project_id, state, verified_on, source, note, editor, "
                           "recorded_at) VALUES (%s,%s,%s,%s,%s,%s,%s) RETURNING fid",
                           (project_id, state, day, source, note, editor, now_utc())).fetchone()[0]
        latest = conn.execute("SELECT state FROM verification_history WHERE project_id = %s "
                              "ORDER BY verified_on DESC, fid DESC LIMIT 1", (project_id,)).fetchone()[0]
        conn.execute("UPDATE projects SET verification = %s WHERE fid = %s", (latest, fid))
        return row

    def record_verification(self, project_id, state, verified_on, *, source, editor, note="") -> int:
        with self._tx() as conn:
            return self._record_verification(conn, project_id, state, verified_on, source=source, editor=editor,
                                             note=note)

    def import_geometries(self, items, *, precision, precision_m, source, editor, note, state, verified_on) -> list:
        out = []
        with self._tx() as conn:
            for pid, geom in items:
                out.append(self._write_geometry(conn, pid, geom, precision=precision, precision_m=precision_m,
                                                geom_source=source, editor=editor, note=note))
                self._record_verification(conn, pid, state, verified_on, source=source, editor=editor, note=note)
        return out


def _china_date(recorded_at: str) -> str:
    t = dt.datetime.fromisoformat(str(recorded_at).replace("Z", "+00:00"))
    return (t.astimezone(dt.timezone.utc) + dt.timedelta(hours=8)).date().isoformat()

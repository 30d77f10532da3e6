"""The PostGIS engine of :mod:`layers.stores`: the same tables, fields and history semantics as the GeoPackage,
with plain SQL through psycopg 3. Geometries travel as WKB in EPSG:4326 (``ST_GeomFromWKB`` / ``ST_AsBinary``) into
``geometry(…, 4326)`` columns with GiST indexes.

Every write is one transaction. Where the GeoPackage takes its file lock, a write here locks what it changes: the
project's row (``SELECT … FOR UPDATE``) for a status, geometry or verification change — so two editors changing one
project queue, and editors of different projects do not wait for each other —, the ``views`` table for a view, the
whole tables for a build or a copy. Input is checked by the same functions as the GeoPackage's
(:mod:`layers.status_history`, :mod:`layers.geometry_history`, :mod:`layers.verification`, :mod:`layers.views`).

The schema is created and migrated on first use in each process (:mod:`layers.stores.migrate`).
"""
from __future__ import annotations

import datetime as dt
import threading
from contextlib import contextmanager

import geopandas as gpd
import pandas as pd
import psycopg
import shapely
from psycopg.conninfo import conninfo_to_dict

from core import fields
from core.errors import UserError
from layers import editor_accounts, geometry_history as gh, status_history as sh, verification, views
from layers.feature_rows import fit_to_layer, layer_of_type, unknown_id_error
from layers.history_base import check_text, date_str, now_utc, parse_date
from layers.stores import HISTORY_TABLES, StoreDump
from layers.stores.migrate import migrate
from layers.stores.postgis_history import apply_history
from layers.records import plain

STORED = fields.stored()
_MIGRATED: set[str] = set()
_MIGRATE_LOCK = threading.Lock()
CONNECT_TIMEOUT = 10   # seconds
LOCK_TIMEOUT_MS = 30000  # a writer waits this long for another writer's row lock (the GeoPackage's LOCK_TIMEOUT)


class DatabaseError(UserError):
    """The database cannot be reached or used; nothing was changed."""


def _safe_label(url: str) -> str:
    try:
        d = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://?"
    host = d.get("host", "")
    port = f":{d['port']}" if d.get("port") else ""
    user = f"{d['user']}@" if d.get("user") else ""
    return f"postgresql://{user}{host}{port}/{d.get('dbname', '')}"



def _wkb(geom) -> bytes:
    return shapely.to_wkb(geom, byte_order=1, flavor="iso")


class PostgisStore:
    kind = "postgis"

    def __init__(self, url: str):
        self.url = url
        self.label = _safe_label(url)

    def __repr__(self) -> str:
        return f"PostgisStore({self.label!r})"

    # ------------------------------------------------------------------------------------------ connections
    def connect(self) -> psycopg.Connection:
        """A new connection (schema migrated once per process); the caller closes it."""
        try:
            conn = psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT)
        except psycopg.OperationalError as err:
            raise DatabaseError(f"无法连接数据库 {self.label}（{str(err).strip()[:200]}）。",
                                f"Cannot connect to {self.label}: {err}") from None
        try:
            if self.url not in _MIGRATED:
                with _MIGRATE_LOCK:
                    migrate(conn)
                    _MIGRATED.add(self.url)
        except psycopg.Error as err:
            conn.close()
            raise DatabaseError(f"无法建立或升级 {self.label} 的数据库结构（{str(err).strip()[:200]}）；需要 PostGIS 扩展"
                                f"（CREATE EXTENSION postgis）和建表权限。",
                                f"Cannot create or migrate the schema of {self.label}: {err}. The database needs the "
                                f"PostGIS extension and the right to create tables.") from None
        except BaseException:
            conn.close()
            raise
        return conn

    @contextmanager
    def _tx(self):
        """One transaction: a cursor-like connection, committed at the end or rolled back on any error."""
        conn = self.connect()
        try:
            with conn.transaction():
                conn.execute(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
                yield conn
        except psycopg.errors.LockNotAvailable:
            raise DatabaseError("另一位编辑正在保存，未能在时限内取得锁，请稍后重试，本次未做任何更改。",
                                "Another editor is saving; the lock was not free in time. Nothing was changed.") \
                from None
        finally:
            conn.close()

    @contextmanager
    def _read(self):
        """A read-only transaction with one snapshot (REPEATABLE READ): several queries see one state."""
        conn = self.connect()
        try:
            conn.read_only = True
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            with conn.transaction():
                yield conn
        finally:
            conn.close()

    def migrate(self) -> list[int]:
        """Apply missing schema steps now (open_store does it on first use); returns the versions applied."""
        conn = psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT)
        try:
            done = migrate(conn)
            _MIGRATED.add(self.url)
            return done
        finally:
            conn.close()

    # ------------------------------------------------------------------------------------------------ reads
    def exists(self) -> bool:
        with self._read() as conn:
            return conn.execute("SELECT EXISTS (SELECT 1 FROM counties)").fetchone()[0]

    def require(self) -> "PostgisStore":
        if not self.exists():
            from layers.store import StoreError
            raise StoreError(f"数据库 {self.label} 中还没有数据，请先运行 python -m layers build --db URL",
                             f"{self.label} holds no data yet; run `python -m layers build --db URL` first")
        return self

    def projects(self) -> gpd.GeoDataFrame:
        with self._read() as conn:
            return _projects(conn)

    def counties(self) -> gpd.GeoDataFrame:
        with self._read() as conn:
            return _counties(conn)

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

    def list_views(self) -> list:
        cols = ", ".join(f'"{c}"' for c in views.COLUMNS)
        return [views._row_to_view(r) for r in self._rows(f"SELECT {cols} FROM views ORDER BY position, fid")]

    def get_view(self, name: str):
        found = self.list_views()
        for v in found:
            if v.name == name:
                return v
        names = "、".join(v.name for v in found) or "（尚无视图）"
        raise views.ViewError(f"没有名为 {str(name)[:40]!r} 的视图；现有：{names}",
                              f"No view named {str(name)[:40]!r}.")

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
            (project_id, action, _wkb(geom), shapely.to_wkt(geom, rounding_precision=-1), geom.geom_type, precision,
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
                     (_wkb(fit_to_layer(geom)), precision, precision_m, geom_source, fid))
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

    # ------------------------------------------------------------------------------------------------ views
    def save_view(self, name, query, *, editor, title="", note="", bbox=None, basemap="none"):
        name, query = views.check_name(name), views.check_query(query)
        box = views.parse_bbox(",".join(map(str, bbox)) if isinstance(bbox, (tuple, list)) else bbox)
        if basemap not in views.BASEMAPS:
            raise views.ViewError(f"未知底图 {basemap!r}；可用：{', '.join(views.BASEMAPS)}",
                                  f"Unknown basemap {basemap!r}.")
        editor = views._text(editor, "编辑人") or "?"
        values = (views._text(title, "标题"), views._text(note, "说明"), query,
                  ",".join(map(str, box)) if box else None, basemap)
        with self._tx() as conn:
            conn.execute("LOCK TABLE views IN SHARE ROW EXCLUSIVE MODE")
            old = conn.execute("SELECT fid FROM views WHERE name = %s", (name,)).fetchone()
            if old:
                conn.execute("UPDATE views SET title=%s, note=%s, query=%s, bbox=%s, basemap=%s, edited_by=%s, "
                             "edited_at=%s WHERE fid=%s", (*values, editor, views._now(), old[0]))
            else:
                last = conn.execute("SELECT COALESCE(MAX(position), 0) FROM views").fetchone()[0]
                conn.execute("INSERT INTO views(name, title, note, query, bbox, basemap, position, created_by, "
                             "created_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                             (name, *values, last + 1, editor, views._now()))
        return self.get_view(name)

    def remove_view(self, name) -> None:
        self.get_view(name)
        with self._tx() as conn:
            conn.execute("DELETE FROM views WHERE name = %s", (name,))

    def rename_view(self, name, new_name, *, editor):
        self.get_view(name)
        new_name = views.check_name(new_name)
        with self._tx() as conn:
            conn.execute("LOCK TABLE views IN SHARE ROW EXCLUSIVE MODE")
            if conn.execute("SELECT 1 FROM views WHERE name = %s", (new_name,)).fetchone():
                raise views.ViewError(f"已有名为 {new_name} 的视图。", f"A view named {new_name} exists.")
            conn.execute("UPDATE views SET name=%s, edited_by=%s, edited_at=%s WHERE name=%s",
                         (new_name, views._text(editor, "编辑人"), views._now(), name))
        return self.get_view(new_name)

    def move_view(self, name, to_position) -> list:
        self.get_view(name)
        with self._tx() as conn:
            conn.execute("LOCK TABLE views IN SHARE ROW EXCLUSIVE MODE")
            order = [r[0] for r in conn.execute("SELECT name FROM views ORDER BY position, fid")]
            order.remove(name)
            order.insert(max(0, min(int(to_position) - 1, len(order))), name)
            for i, n in enumerate(order, 1):
                conn.execute("UPDATE views SET position = %s WHERE name = %s", (i, n))
        return self.list_views()

    # ------------------------------------------------------------------------------------------ whole store
    @staticmethod
    def _put_features(conn, counties, projects) -> None:
        conn.execute("DELETE FROM counties")
        conn.execute("DELETE FROM projects")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO counties(adcode, name, geom) "
                            "VALUES (%s, %s, ST_Multi(ST_GeomFromWKB(%s, 4326)))",
                            [(str(r.adcode), str(r.name), _wkb(r.geometry))
                             for r in counties[["adcode", "name", "geometry"]].itertuples()])
            cols = [c for c in STORED if c in projects.columns]
            names = ", ".join(f'"{c}"' for c in cols)
            marks = ", ".join(["%s"] * len(cols))
            gcol = projects.geometry.name
            cur.executemany(f"INSERT INTO projects({names}, geom) VALUES ({marks}, ST_GeomFromWKB(%s, 4326))",
                            [(*(plain(v) for v in vals), _wkb(fit_to_layer(g)))
                             for vals, g in zip(projects[cols].itertuples(index=False, name=None), projects[gcol])])

    def write_build(self, counties, projects) -> dict:
        with self._tx() as conn:
            conn.execute("LOCK TABLE projects, counties IN EXCLUSIVE MODE")
            self._put_features(conn, counties, projects)
            report = apply_history(conn)
            report["status_rows"] = conn.execute("SELECT COUNT(*) FROM status_history").fetchone()[0]
            report["geometry_rows"] = conn.execute("SELECT COUNT(*) FROM geometry_history").fetchone()[0]
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
            return StoreDump(_counties(conn), _projects(conn), tables, editors)  # one snapshot

    def load(self, dump: StoreDump) -> None:
        with self._tx() as conn:
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
                cur.execute("DELETE FROM editor_accounts")
                cur.executemany("INSERT INTO editor_accounts(username, name, password_hash) VALUES (%s, %s, %s)",
                                [(e.username, e.name, e.password_hash) for e in dump.editors.values()])


def _projects(conn) -> gpd.GeoDataFrame:
    cols = ", ".join(f'"{c}"' for c in STORED)
    rows = conn.execute(f"SELECT {cols}, ST_AsBinary(geom) FROM projects ORDER BY id").fetchall()
    df = pd.DataFrame([r[:-1] for r in rows], columns=STORED)
    for f in fields.FIELDS:
        if f.stored and f.kind in ("year", "number"):
            df[f.name] = pd.to_numeric(df[f.name], errors="coerce").astype("float64")
    geoms = [shapely.from_wkb(bytes(r[-1])) for r in rows]
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")


def _counties(conn) -> gpd.GeoDataFrame:
    rows = conn.execute("SELECT adcode, name, ST_AsBinary(geom) FROM counties ORDER BY fid").fetchall()
    return gpd.GeoDataFrame({"adcode": [r[0] for r in rows], "name": [r[1] for r in rows]},
                            geometry=gpd.GeoSeries([shapely.from_wkb(bytes(r[2])) for r in rows], crs="EPSG:4326"),
                            crs="EPSG:4326")


def _china_date(recorded_at: str) -> str:
    t = dt.datetime.fromisoformat(str(recorded_at).replace("Z", "+00:00"))
    return (t.astimezone(dt.timezone.utc) + dt.timedelta(hours=8)).date().isoformat()

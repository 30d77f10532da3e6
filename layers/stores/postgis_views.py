"""The meeting views of a PostGIS store (a mixin of layers.stores.postgis.PostgisStore): the same checks as the
GeoPackage's (layers.views); a change locks the ``views`` table, so two editors ordering views queue."""
from __future__ import annotations

from layers import views
from layers.stores import pg_app

__all__ = ["PostgisViews"]


class PostgisViews:
    """Needs ``url`` and ``_tx()`` (PostgisStore)."""

    def list_views(self) -> list:
        return pg_app.list_views(self.url)

    def get_view(self, name: str):
        found = self.list_views()
        for v in found:
            if v.name == name:
                return v
        names = "、".join(v.name for v in found) or "（尚无视图）"
        raise views.ViewError(f"没有名为 {str(name)[:40]!r} 的视图；现有：{names}",
                              f"No view named {str(name)[:40]!r}.")


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

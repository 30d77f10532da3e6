"""Bulk geometry import for GIS staff: ``python -m layers import-geometries FILE --editor NAME --source TEXT``.

The file (GeoJSON, GeoPackage, zipped Shapefile or KML) holds features keyed by an ``id`` attribute naming
registry projects; several features with one id make one (multi-)geometry. Every geometry is read and checked
exactly like an upload on the edit page (geo.upload: the declared format's driver only, CRS, GCJ-02, region,
validity, the kinds the project's category takes), then all of them are written in one transaction, each as a
geometry-history row plus a verification row — or, if any id or geometry is wrong, nothing is written and every
problem is listed.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from geo import upload
from geo.upload_read import read_geometries
from layers import verification
from layers.stores import open_store
from core.errors import UserError
from core.vocab import PRECISIONS


class BulkImportError(UserError):
    """A bulk import that cannot be used; the message lists every problem (Chinese + English). Nothing changed."""


@dataclass(frozen=True)
class Imported:
    project_id: str
    geom_type: str
    layer: str
    notes: tuple[str, ...]


def import_geometries(gpkg, path, *, editor: str, source: str, precision: str = "exact", precision_m: float,
                      state: str = "documented", verified_on: str, epsg=None, amap: bool = False,
                      note: str = "") -> list[Imported]:
    """Check every feature of ``path``, then write all of them or none. Returns what was written."""
    path = Path(path)
    if not path.is_file():
        raise BulkImportError(f"找不到文件 {path}。", f"File {path} not found.")
    if path.stat().st_size > upload.MAX_BYTES:
        raise BulkImportError(f"文件超过 {upload.MAX_BYTES // 2**20} MB。", f"The file is over "
                           f"{upload.MAX_BYTES // 2**20} MB.")
    if precision not in PRECISIONS:
        raise BulkImportError(f"未知精度 {precision!r}，可用：{', '.join(PRECISIONS)}", "Unknown precision.")
    state = verification.check_state(state)
    try:
        read = read_geometries(path.read_bytes(), path.name)
    except upload.UploadError as e:
        raise BulkImportError(e.zh, e.en) from None
    st = gpkg if hasattr(gpkg, "kind") else open_store(Path(gpkg))  # a layers.stores Store, or a GeoPackage path
    groups, problems = _group_by_id(read)
    categories = _categories(st)
    checked = {}
    for pid, geoms in groups.items():
        if pid not in categories:
            problems.append(f"编号 {pid!r} 不在数据中 / id {pid!r} is not a project in {_name(st)}")
            continue
        try:
            checked[pid] = upload.upload_from(geoms, read.crs, read.fmt, epsg=epsg, amap=amap,
                                              allowed_kinds=upload.allowed_kinds_for(categories[pid]))
        except upload.UploadError as e:
            problems.append(f"{pid}: {e}")
    if problems:
        raise BulkImportError("未导入任何几何：\n" + "\n".join(f"  {p}" for p in problems), "nothing was imported")
    changes = st.import_geometries([(pid, up.geometry) for pid, up in checked.items()], precision=precision,
                                   precision_m=precision_m, source=source, editor=editor, note=note, state=state,
                                   verified_on=verified_on)  # one transaction: all or nothing
    return [Imported(pid, up.geometry.geom_type, change.layer, tuple(up.notes))
            for (pid, up), change in zip(checked.items(), changes)]


def _name(st) -> str:
    return Path(st.label).name if st.kind == "gpkg" else st.label


def _group_by_id(read) -> tuple[dict[str, list], list[str]]:
    groups: dict[str, list] = defaultdict(list)
    missing = 0
    for geom, pid in zip(read.geometries, read.ids or [None] * len(read.geometries)):
        if pid is None:
            missing += 1
        else:
            groups[pid].append(geom)
    problems = [f"{missing} 个要素没有 id 属性 / {missing} features have no id attribute"] if missing else []
    if not groups and not missing:
        problems.append("文件中没有要素 / the file has no features")
    return dict(groups), problems


def _categories(st) -> dict[str, str]:
    projects = st.projects()
    return dict(zip(projects["id"], projects["category"]))

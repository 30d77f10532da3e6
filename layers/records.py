"""A small read-only table of plain Python values — the projects' attributes as the map page uses them, without
pandas (importing pandas alone costs the server ~80 MB and a second on its first run). Columns are read by name
(`records["status"]` → a list), rows are chosen with booleans (`take`), and `to_frame()` hands a pandas
DataFrame to the pages that want one. layers.filters works on both."""
from __future__ import annotations

from collections import Counter
from itertools import compress
from typing import Iterable, Sequence

from layers.escape import is_missing

__all__ = ["Records", "plain", "share_values"]


def plain(value):
    """A pandas or numpy cell as a database driver takes it: None for missing, Python numbers for numpy ones."""
    if is_missing(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (bytes, bytearray, memoryview)):
        return value.item()
    return value


def share_values(rows: list[tuple]) -> list[tuple]:
    """The same rows with equal values as one object per column: a database driver makes a new string for every
    cell, so 200 000 rows hold 200 000 copies of each status. Shared, they take far less memory and are counted,
    hashed and compared by identity (layers.filters at province scale)."""
    if not rows:
        return rows
    columns = []
    for col in zip(*rows):
        seen: dict = {}
        try:
            if len(set(col[:1000])) > 500:  # mostly distinct (ids, names, texts): nothing to share
                raise TypeError
            columns.append(list(map(seen.setdefault, col, col)))
        except TypeError:  # or an unhashable cell: the column as it is
            columns.append(col)
    return list(zip(*columns))


class Records:
    def __init__(self, columns: Sequence[str], rows: list[tuple]):
        self.columns = list(columns)
        self.rows = rows
        self._index = {c: i for i, c in enumerate(self.columns)}
        self._cache: dict[str, list] = {}
        self._taken_from: tuple["Records", list] | None = None  # (parent, keep): columns compressed on demand

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def empty(self) -> bool:
        return not self.rows

    def __contains__(self, name: str) -> bool:
        return name in self._index

    def __getitem__(self, name: str) -> list:
        col = self._cache.get(name)
        if col is None:
            parent = self._taken_from
            if parent is not None and name in parent[0]._cache:
                col = self._cache[name] = list(compress(parent[0]._cache[name], parent[1]))
            else:
                i = self._index[name]
                col = self._cache[name] = [r[i] for r in self.rows]
        return col

    def take(self, keep: Iterable[bool]) -> "Records":
        """The rows where `keep` is true, in order (a column already read is taken along when it is asked for)."""
        keep = list(keep)
        out = Records(self.columns, list(compress(self.rows, keep)))
        out._taken_from = (self, keep)
        return out

    def value(self, key_column: str, key, column: str):
        """`column` of the first row whose `key_column` equals `key` (None when there is none)."""
        i, j = self._index[key_column], self._index[column]
        return next((r[j] for r in self.rows if r[i] == key), None)

    def counts(self, name: str) -> dict:
        """How many rows hold each value of a column (missing values left out)."""
        out = dict(Counter(self[name]))  # in order of first appearance
        out.pop(None, None)
        return out

    def to_frame(self):
        import pandas as pd
        frame = pd.DataFrame(self.rows, columns=self.columns, dtype=object)
        if "target_year" in frame:
            frame["target_year"] = pd.array(frame["target_year"], dtype="Int64")
        if "precision_m" in frame:
            frame["precision_m"] = pd.to_numeric(frame["precision_m"], errors="coerce")
        return frame

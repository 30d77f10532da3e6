"""A small read-only table of plain Python values — the projects' attributes as the map page uses them, without
pandas (importing pandas alone costs the server ~80 MB and a second on its first run). Columns are read by name
(`records["status"]` → a list), rows are chosen with booleans (`take`), and `to_frame()` hands a pandas
DataFrame to the pages that want one. layers.filters works on both.

At province scale (200 000 rows sharing a few hundred values) a column is also kept coded (`coded`): its distinct
values and each row's index into them as a numpy array, so that filters and counts test each value once and do the
rest in numpy."""
from __future__ import annotations

from itertools import compress
from typing import Iterable, Sequence

import numpy as np

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
        self._coded: dict[str, tuple[list, np.ndarray] | None] = {}
        self._taken_from: tuple[Records, list[bool], np.ndarray] | None = None  # (parent, keep, keep): see take

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

    def coded(self, name: str) -> tuple[list, np.ndarray] | None:
        """The column as (its distinct values, each row's index into them: an int32 array), kept; None when a
        value is unhashable. Rows taken from a table share its values."""
        if name not in self._coded:
            parent = self._taken_from
            if parent is not None:
                up = parent[0].coded(name)
                self._coded[name] = None if up is None else (up[0], up[1][parent[2]])
            else:
                index: dict = {}
                try:
                    codes = np.fromiter((index.setdefault(v, len(index)) for v in self[name]), np.int32, len(self))
                except TypeError:
                    self._coded[name] = None
                else:
                    self._coded[name] = (list(index), codes)
        return self._coded[name]

    def distinct(self, name: str) -> list:
        """The column's distinct values (in order of first appearance in the table the rows were taken from)."""
        coded = self.coded(name)
        return list(dict.fromkeys(self[name])) if coded is None else [coded[0][i] for i in np.unique(coded[1])]

    def row_numbers(self) -> np.ndarray:
        """Each row's position in the table it was (ultimately) taken from."""
        parent = self._taken_from
        return np.arange(len(self)) if parent is None else parent[0].row_numbers()[parent[2]]

    def take(self, keep: Iterable[bool]) -> "Records":
        """The rows where `keep` is true, in order (a column already read is taken along when it is asked for)."""
        flags = np.asarray(keep if isinstance(keep, np.ndarray) else list(keep), dtype=bool)
        keep = flags.tolist()
        out = Records(self.columns, list(compress(self.rows, keep)))
        out._taken_from = (self, keep, flags)
        return out

    def value(self, key_column: str, key, column: str):
        """`column` of the first row whose `key_column` equals `key` (None when there is none)."""
        i, j = self._index[key_column], self._index[column]
        return next((r[j] for r in self.rows if r[i] == key), None)

    def counts(self, name: str) -> dict:
        """How many rows hold each value of a column (missing values left out)."""
        coded = self.coded(name)
        if coded is None:
            out: dict = {}
            for v in self[name]:
                out[v] = out.get(v, 0) + 1
        else:
            values, codes = coded
            out = {values[i]: int(n) for i, n in enumerate(np.bincount(codes, minlength=len(values))) if n}
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

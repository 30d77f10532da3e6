"""The reviewed project registry (data/projects.csv; another region's is named in its region file): loading and
validation. Counties are checked against the current region's (core.region), as are the required fields it may
leave empty.

One row per named project of the plan. The file is meant to be edited by people (Excel included): it may be UTF-8,
UTF-8 with BOM, or GBK/GB18030 as saved by Excel on a Chinese Windows machine. Every problem is reported with the
file, the line, the field and what is wrong; if any row is bad, nothing is returned (nothing is half-built).
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass
from types import SimpleNamespace
from pathlib import Path

from core import fields, region, text
from core.errors import UserError
from core.fields import split_list
from core.vocab import CITY_WIDE, VOCABS

__all__ = ["COLUMNS", "REQUIRED", "Problem", "Project", "RegistryError", "decode", "load", "parse", "split_list"]

COLUMNS = [f.name for f in fields.registry_fields()]  # for readers; parse() asks core.fields at call time
REQUIRED = fields.required()
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
SECTION_RE = re.compile(r"^[一二三四五六七八九十]+(\([一二三四五六七八九十]+\))?\d*$")
LOCATE_RE = re.compile(r"^(point:[^~]+(~\d+)?|line:[^~]+>[^~]+(~\d+)?|river:[^~]+(~\d+)?|on:[^@]+(@.+)?|ring:[^:]+:\d+)$")
RADIUS_RE = re.compile(r"(?:~|^ring:[^:]+:)(\d+)$")
RADIUS_RANGE = (100, 200_000)   # metres a hint's radius may take: a ring of 0 m draws nothing, 200 km is the region
MAX_CELL = 2000                 # characters in one cell (the longest plan excerpt is under 100)
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")  # can make a name read backwards
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab and line breaks are fine in a cell


@dataclass
class Problem:
    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"


class RegistryError(UserError):
    """Bad rows or columns in the registry: every problem with file, line and field; nothing was built."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"登记表有 {len(problems)} 处错误，未作任何更改：\n" + "\n".join(f"  {p}" for p in problems),
                         "registry has errors")


class Project(SimpleNamespace):
    """One registry row: an attribute per registry field of core.fields, parsed by its kind (lists as lists,
    target_year an int or None), and ``line`` (its line in the file). A field not given is empty."""

    def __init__(self, line: int = 0, **values):
        empty = {f.name: [] if f.kind in ("list", "codes") else None if f.kind in ("year", "number") else ""
                 for f in fields.registry_fields()}
        super().__init__(**{**empty, **values}, line=line)


def decode(data: bytes, path: str = "<bytes>") -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK); anything else is an error."""
    try:
        return text.decode(data)
    except UnicodeDecodeError:
        raise RegistryError([Problem(path, 0, "(file)", "not UTF-8 or GBK/GB18030 text; save the CSV as UTF-8 or GBK")]) \
            from None


def load(path: str | Path) -> list[Project]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise RegistryError([Problem(str(path), 0, "(file)", f"cannot be read ({err.strerror or err})")]) from None
    return parse(data, str(path))


def parse(data: bytes, path: str = "<bytes>") -> list[Project]:
    reader = csv.DictReader(io.StringIO(decode(data, path), newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    _check_header(header, path)
    reader.fieldnames = header
    projects: list[Project] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as err:  # e.g. a cell over the csv module's limit (131,072 characters)
            problems.append(Problem(path, reader.line_num + 1, "(row)", f"cannot be read as CSV ({err})"))
            break
        line = reader.line_num
        if None in row:
            problems.append(Problem(path, line, "(row)", f"more cells than columns ({len(header)})"))
            continue
        row = {k: BIDI.sub("", v or "").strip() for k, v in row.items()}
        if not any(row.values()):
            continue  # blank line
        before = len(problems)
        project = _validate(row, path, line, problems, seen)
        if len(problems) == before:
            projects.append(project)
    if not projects and not problems:
        problems.append(Problem(path, 1, "(file)", "no project rows"))
    if problems:
        raise RegistryError(problems)
    return projects


def _check_header(header: list[str], path: str) -> None:
    """Every required column present; no column that is not a registry field (core.fields)."""
    known = [f.name for f in fields.registry_fields()]
    problems = [Problem(path, 1, c, "column missing from the header") for c in fields.required() if c not in header]
    problems += [Problem(path, 1, c or f"(column {i})", f"unknown column {c!r}; registry columns: {', '.join(known)} "
                         "(a new field is one line in core/fields.py)")
                 for i, c in enumerate(header, 1) if c not in known]
    if problems:
        raise RegistryError(problems)


def _validate(row: dict, path: str, line: int, problems: list[Problem], seen: dict) -> Project:
    def bad(fieldname, message):
        problems.append(Problem(path, line, fieldname, message))

    for name, value in row.items():
        if len(value) > MAX_CELL:
            bad(name, f"has {len(value)} characters; at most {MAX_CELL}")
        elif (c := CONTROL.search(value)):
            bad(name, f"contains the control character U+{ord(c.group()):04X} at position {c.start() + 1}; remove it")
    values = {}
    may_be_empty = region.current().may_be_empty  # what this region's sources cannot fill (its region file)
    for f in fields.registry_fields():
        raw = row.get(f.name, "")
        if f.required and not raw and f.name not in may_be_empty:
            bad(f.name, "is empty")
        values[f.name] = _read(f, raw, lambda message, name=f.name: bad(name, message))
    pid = values["id"]
    if pid in seen:
        bad("id", f"duplicate id {pid!r} (first on line {seen[pid]})")
    elif pid:
        seen[pid] = line
    if CITY_WIDE in values["county"] and len(values["county"]) > 1:
        bad("county", f"{CITY_WIDE!r} cannot be combined with named counties")
    return Project(**values, line=line)


def _read(f, raw: str, bad):
    """One cell read as its field's kind (core.fields.KINDS); a problem is reported through ``bad(message)``."""
    if f.kind in ("list", "codes"):
        items = split_list(raw)
        if f.kind == "codes":
            valid = list(VOCABS[f.vocab].values()) + ([CITY_WIDE] if f.vocab == "county" else [])
            for v in items:
                if v not in valid:
                    bad(f"unknown {f.name} {v!r}; valid: {', '.join(valid)}")
        return items
    if not raw:
        return None if f.kind in ("year", "number") else raw
    problem = _CHECKS[f.kind](f, raw)
    if problem:
        bad(problem)
        return None if f.kind in ("year", "number") else raw
    return int(raw) if f.kind == "year" else float(raw) if f.kind == "number" else raw


def _check_code(f, raw):
    if raw not in VOCABS[f.vocab]:
        return f"unknown {f.name} {raw!r}; valid: {', '.join(VOCABS[f.vocab])}"


def _check_year(f, raw):
    if not re.fullmatch(r"\d{4}", raw) or not 2000 <= int(raw) <= 2100:
        return f"{raw!r} is not a year like 2025"


def _check_number(f, raw):
    try:
        if math.isfinite(float(raw)):
            return None
    except ValueError:
        pass
    return f"{raw[:40]!r} is not a number"


def _check_json(f, raw):
    try:
        json.loads(raw)
    except ValueError as err:
        return f"is not JSON ({err})"


def _check_id(f, raw):
    if not ID_RE.match(raw):
        return f"{raw!r} must be lowercase letters, digits and '-' (2–64 characters)"


def _check_section(f, raw):
    if not SECTION_RE.match(raw):
        return f"{raw!r} is not a plan section like 二(四)1"


def _check_hint(f, raw):
    if not LOCATE_RE.match(raw):
        return (f"{raw[:80]!r} is not a location hint (point:NAME[~M], line:A>B[~M], river:NAME[~M], "
                "on:RIVER[@PLACE], ring:NAME:RADIUS_M)")
    radius = RADIUS_RE.search(raw)
    if radius and not (len(radius.group(1)) <= 6 and RADIUS_RANGE[0] <= int(radius.group(1)) <= RADIUS_RANGE[1]):
        return (f"radius {radius.group(1)[:12]}{'…' if len(radius.group(1)) > 12 else ''} m is out of range; "
                f"use {RADIUS_RANGE[0]}–{RADIUS_RANGE[1]} metres")


_CHECKS = {"text": lambda f, raw: None, "code": _check_code, "year": _check_year, "number": _check_number,
           "json": _check_json, "id": _check_id, "section": _check_section, "hint": _check_hint}

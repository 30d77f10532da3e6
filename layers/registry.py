"""The reviewed project registry (data/projects.csv): loading and validation.

One row per named project of the plan. The file is meant to be edited by people (Excel included): it may be UTF-8,
UTF-8 with BOM, or GBK/GB18030 as saved by Excel on a Chinese Windows machine. Every problem is reported with the
file, the line, the field and what is wrong; if any row is bad, nothing is returned (nothing is half-built).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from core import text
from core.vocab import CATEGORIES, CITY_WIDE, COUNTIES, STATUSES

COLUMNS = ["id", "name", "aliases", "category", "county", "status", "target_year", "lead_agency",
           "support_agencies", "plan_section", "plan_excerpt", "locate", "location_note"]
REQUIRED = ["id", "name", "category", "county", "status", "lead_agency", "plan_section", "plan_excerpt"]
LIST_FIELDS = ["aliases", "county", "lead_agency", "support_agencies"]
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
SECTION_RE = re.compile(r"^[一二三四五六七八九十]+(\([一二三四五六七八九十]+\))?\d*$")
LOCATE_RE = re.compile(r"^(point:[^~]+(~\d+)?|line:[^~]+>[^~]+(~\d+)?|river:.+|on:[^@]+(@.+)?|ring:[^:]+:\d+)$")
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


class RegistryError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("registry has errors:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass
class Project:
    id: str
    name: str
    aliases: list[str]
    category: str
    county: list[str]
    status: str
    target_year: int | None
    lead_agency: list[str]
    support_agencies: list[str]
    plan_section: str
    plan_excerpt: str
    locate: str = ""
    location_note: str = ""
    line: int = 0
    extra: dict = field(default_factory=dict)


def decode(data: bytes, path: str = "<bytes>") -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK); anything else is an error."""
    try:
        return text.decode(data)
    except UnicodeDecodeError:
        raise RegistryError([Problem(path, 0, "(file)", "not UTF-8 or GBK/GB18030 text; save the CSV as UTF-8 or GBK")]) \
            from None


def split_list(value: str) -> list[str]:
    """'a;b' → ['a', 'b']; also accepts the full-width ；and 、 that Chinese editors type."""
    return [v.strip() for v in re.split(r"[;；、]", value or "") if v.strip()]


def load(path: str | Path) -> list[Project]:
    path = Path(path)
    return parse(path.read_bytes(), str(path))


def parse(data: bytes, path: str = "<bytes>") -> list[Project]:
    text = decode(data, path)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    problems: list[Problem] = []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RegistryError([Problem(path, 1, c, "column missing from the header") for c in missing])
    reader.fieldnames = header
    projects: list[Project] = []
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


def _validate(row: dict, path: str, line: int, problems: list[Problem], seen: dict) -> Project | None:
    def bad(fieldname, message):
        problems.append(Problem(path, line, fieldname, message))

    for name in REQUIRED:
        if not row.get(name):
            bad(name, "is empty")
    for name, value in row.items():
        if len(value) > MAX_CELL:
            bad(name, f"has {len(value)} characters; at most {MAX_CELL}")
        elif (c := CONTROL.search(value)):
            bad(name, f"contains the control character U+{ord(c.group()):04X} at position {c.start() + 1}; remove it")
    pid = row.get("id", "")
    if pid and not ID_RE.match(pid):
        bad("id", f"{pid!r} must be lowercase letters, digits and '-' (2–64 characters)")
    if pid in seen:
        bad("id", f"duplicate id {pid!r} (first on line {seen[pid]})")
    elif pid:
        seen[pid] = line
    category = row.get("category", "")
    if category and category not in CATEGORIES:
        bad("category", f"unknown category {category!r}; valid: {', '.join(CATEGORIES)}")
    status = row.get("status", "")
    if status and status not in STATUSES:
        bad("status", f"unknown status {status!r}; valid: {', '.join(STATUSES)}")
    counties = split_list(row.get("county", ""))
    valid_counties = list(COUNTIES.values()) + [CITY_WIDE]
    for c in counties:
        if c not in valid_counties:
            bad("county", f"unknown county {c!r}; valid: {', '.join(valid_counties)}")
    if CITY_WIDE in counties and len(counties) > 1:
        bad("county", f"{CITY_WIDE!r} cannot be combined with named counties")
    year = row.get("target_year", "")
    target_year = None
    if year:
        if not re.fullmatch(r"\d{4}", year) or not 2000 <= int(year) <= 2100:
            bad("target_year", f"{year!r} is not a year like 2025")
        else:
            target_year = int(year)
    section = row.get("plan_section", "")
    if section and not SECTION_RE.match(section):
        bad("plan_section", f"{section!r} is not a plan section like 二(四)1")
    locate = row.get("locate", "")
    if locate and not LOCATE_RE.match(locate):
        bad("locate", f"{locate[:80]!r} is not a location hint (point:NAME[~M], line:A>B[~M], river:NAME, "
                      "on:RIVER[@PLACE], ring:NAME:RADIUS_M)")
    elif (radius := RADIUS_RE.search(locate)) and not (
            len(radius.group(1)) <= 6 and RADIUS_RANGE[0] <= int(radius.group(1)) <= RADIUS_RANGE[1]):
        bad("locate", f"radius {radius.group(1)[:12]}{'…' if len(radius.group(1)) > 12 else ''} m is out of range; "
                      f"use {RADIUS_RANGE[0]}–{RADIUS_RANGE[1]} metres")
    return Project(
        id=pid, name=row.get("name", ""), aliases=split_list(row.get("aliases", "")), category=category,
        county=counties, status=status, target_year=target_year,
        lead_agency=split_list(row.get("lead_agency", "")),
        support_agencies=split_list(row.get("support_agencies", "")),
        plan_section=section, plan_excerpt=row.get("plan_excerpt", ""), locate=locate,
        location_note=row.get("location_note", ""), line=line,
        extra={k: v for k, v in row.items() if k not in COLUMNS},
    )

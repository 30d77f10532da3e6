"""Evidence: the public sources that place each project, with the short quote that places it (data/evidence.csv).

One row per source and subject. A subject is a project id, a gazetteer place (``place:聊城西站``), a river course
(``river:金堤河``) or a dataset (``dataset:gshhg``). A project's evidence is its own rows plus the rows of every place,
river and dataset its geometry was drawn from (the geocoder names them in ``Located.refs``), so a reviewer sees why
a position is where it is, and the source of each step.

Columns: ``subject, kind, title, publisher, date, url, quote, finding``.

- ``kind``: survey | official | news | dataset | none (core.vocab.EVIDENCE_KINDS). ``none`` says that nothing was
  found, and ``finding`` says what was searched.
- ``quote``: the short phrase that places the thing (at most ``MAX_QUOTE`` characters): facts carry over, text does
  not.
- ``finding``: what the source establishes and how the geometry follows from it (Chinese).

Like the registry, the file may be UTF-8 (with or without BOM) or GBK, and every problem names file, line and field.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from core.errors import UserError
from layers.registry import decode
from layers.store import DATA_DIR
from core.vocab import EVIDENCE_KINDS

DEFAULT_PATH = DATA_DIR / "evidence.csv"
COLUMNS = ["subject", "kind", "title", "publisher", "date", "url", "quote", "finding"]
MAX_QUOTE = 80
MAX_TEXT = 600
SUBJECT_RE = re.compile(r"^((place|river|dataset):\S.*|[a-z0-9][a-z0-9-]{1,63})$")
DATE_RE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")
URL_RE = re.compile(r"^https?://[^\s<>\"']+$")
RANK = list(EVIDENCE_KINDS)  # strongest first
# Sites a planner may open from the app: government, university and state-enterprise sites, the news outlets and
# the data registries the evidence cites. Many pages were only found as copies on unrelated domains (mirrors,
# aggregators); the app shows those as 第三方转载 without a link — the file and the exports keep every address.
LINKED_SITES = (
    "gov.cn", "edu.cn",  # 政府、高校
    "dzwww.com", "iqilu.com", "qlwb.com.cn", "e23.cn", "sddzinfo.net", "heze.cn",  # 大众网、齐鲁网、齐鲁晚报、舜网、山东工人报、中国菏泽网
    "163.com", "sina.com.cn", "china.com", "china.com.cn", "cri.cn",  # 网易、新浪、中华网、中国网、国际在线
    "sdhsg.com", "sdnsbd.com",  # 山东高速集团、山东省南水北调
    "pypi.org", "npmjs.com", "geonames.org", "wikisource.org",  # 数据与软件包
)


class EvidenceError(UserError):
    """A bad row in the evidence file: names file, line and field."""


@dataclass(frozen=True)
class Source:
    subject: str
    kind: str
    title: str
    publisher: str = ""
    date: str = ""
    url: str = ""
    quote: str = ""
    finding: str = ""


def linked(url: str) -> bool:
    """Whether the app links to `url`: an http(s) address on one of LINKED_SITES (the site or a subdomain)."""
    if not URL_RE.match(url or ""):
        return False
    host = (urlsplit(url).hostname or "").lower()
    return any(host == site or host.endswith("." + site) for site in LINKED_SITES)


def load(path: str | Path = DEFAULT_PATH) -> dict[str, list[Source]]:
    """subject → its sources, in file order. A missing file is an empty table."""
    path = Path(path)
    if not path.exists():
        return {}
    return parse(path.read_bytes(), str(path))


def parse(data: bytes, path: str = "<bytes>") -> dict[str, list[Source]]:
    reader = csv.DictReader(io.StringIO(decode(data, path), newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    if header != COLUMNS:
        raise EvidenceError(f"{path}:1：表头应为 {','.join(COLUMNS)}", f"{path}:1: the header must be {','.join(COLUMNS)}")
    reader.fieldnames = header
    table: dict[str, list[Source]] = {}
    problems = []
    for row in reader:
        if None in row:
            problems.append(f"{path}:{reader.line_num}: more cells than columns")
            continue
        row = {k: (v or "").strip() for k, v in row.items()}
        if not any(row.values()):
            continue
        found = _problems(row)
        problems += [f"{path}:{reader.line_num}: {field}: {message}" for field, message in found]
        if not found:
            table.setdefault(row["subject"], []).append(Source(**row))
    if problems:
        raise EvidenceError("依据表有错误，未作任何更改：\n" + "\n".join(f"  {p}" for p in problems), "evidence has errors")
    return table


def _problems(row: dict) -> list[tuple[str, str]]:
    out = []
    if not SUBJECT_RE.match(row["subject"]):
        out.append(("subject", f"{row['subject'][:60]!r} is not a project id, place:NAME, river:NAME or dataset:KEY"))
    if row["kind"] not in EVIDENCE_KINDS:
        out.append(("kind", f"{row['kind'][:20]!r}; valid: {', '.join(EVIDENCE_KINDS)}"))
    if not row["title"]:
        out.append(("title", "is empty"))
    if row["date"] and not DATE_RE.match(row["date"]):
        out.append(("date", f"{row['date'][:20]!r} is not YYYY, YYYY-MM or YYYY-MM-DD"))
    if row["url"] and not URL_RE.match(row["url"]):
        out.append(("url", f"{row['url'][:60]!r} is not an http(s) address"))
    if len(row["quote"]) > MAX_QUOTE:
        out.append(("quote", f"{len(row['quote'])} characters; quote at most {MAX_QUOTE} (the phrase that places it)"))
    if row["kind"] == "none" and not row["finding"]:
        out.append(("finding", "a 'none' row says what was searched"))
    out += [(k, f"longer than {MAX_TEXT} characters") for k, v in row.items() if len(v) > MAX_TEXT]
    return out


def unknown_subjects(table: dict[str, list[Source]], known: set[str]) -> list[str]:
    """Subjects in the file that name nothing known (a typo would silently drop its evidence)."""
    return sorted(s for s in table if s not in known)


def for_project(project_id: str, refs, table: dict[str, list[Source]]) -> list[Source]:
    """A project's own sources, then those of the places, rivers and datasets its geometry was drawn from."""
    out: list[Source] = []
    for subject in [project_id, *refs]:
        out += [s for s in table.get(subject, []) if s not in out]
    return out


def strongest(sources: list[Source]) -> str:
    """The strongest kind among the sources ('none' when there are none)."""
    return min((s.kind for s in sources), key=RANK.index, default="none")


def to_json(sources: list[Source]) -> str:
    """The evidence as stored in the GeoPackage and the exports: a JSON array of source objects."""
    return json.dumps([asdict(s) for s in sources], ensure_ascii=False)


def from_json(text) -> list[Source]:
    try:
        return [Source(**s) for s in json.loads(text)] if isinstance(text, str) and text else []
    except (ValueError, TypeError):
        return []

"""The order in which projects are listed for people: by county section (the city's order of counties, then the
projects of several counties or of the whole city), then by name in pinyin order (as a Chinese index is ordered,
not by code point: 安 before 北 before 重 …). One key, used by the project table, its county sections and the print
maps' project lists."""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from core.fields import split_list
from core.vocab import CITY_WIDE, COUNTIES, label

__all__ = ["SECTIONS", "name_key", "ordered", "section", "sections", "sort_key"]



def sections() -> list[str]:
    """The county sections in the current region's order (core.region); a project of several counties or of the
    whole city is in the last one. Also read as ``order.SECTIONS``."""
    return list(COUNTIES.values()) + [CITY_WIDE]


def __getattr__(name: str):
    if name == "SECTIONS":
        return sections()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@lru_cache(maxsize=65536)
def name_key(name) -> tuple:
    """A name's place in pinyin order: its syllables compared one by one (安阳 an·yang before 昂扬 ang·yang), the tone
    next (numbered, neutral as 5), then the name itself (characters of one reading, Latin letters, digits)."""
    from pypinyin import Style, lazy_pinyin  # on first use: its dictionaries take a second and ~50 MB to load
    text = "" if name is None or name != name else str(name)
    syllables = lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors="default")
    return tuple(s.lower() for s in syllables), text


def section(county) -> str:
    """The county section of a project's county field: its county when it has exactly one, else CITY_WIDE (several
    counties, the whole city, or none)."""
    names = [label("county", c) for c in split_list(county)]
    return names[0] if len(names) == 1 and names[0] in COUNTIES.values() else CITY_WIDE


def sort_key(county, name) -> tuple:
    """The key projects are listed by: county section (the city's order), then name in pinyin order."""
    return sort_keys()(county, name)


def sort_keys():
    """sort_key for the current region, its ranks computed once (for a whole table)."""
    rank = {name: i for i, name in enumerate(sections())}
    return lambda county, name: (rank[section(county)], name_key(name))


def ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """The projects of `frame` (with county and name columns) in the order people read them (sort_key)."""
    key = sort_keys()
    keys = [key(c, n) for c, n in zip(frame["county"], frame["name"])]
    return frame.iloc[sorted(range(len(frame)), key=keys.__getitem__)]

"""Escaping for the three places text from the data reaches the browser: HTML (`esc`), Streamlit Markdown (`md`)
and JSON inside a <script> element (`safe_json`).

Safety: every value that reaches the browser as HTML is escaped here, in Python, and the data is embedded as JSON
with `<`, `>` and `&` written as unicode escapes so nothing in a name can end a <script> block or open a tag. The
map's JavaScript (static/pm/map.js) only concatenates the already-escaped strings.
"""
from __future__ import annotations

import html
import json
import math
import re

__all__ = ["WORD_JOINER", "esc", "is_missing", "md", "safe_json"]


def is_missing(value) -> bool:
    """None, NaN, pd.NA, NaT (without importing pandas: the map page does not load it)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    if type(value).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(value != value)  # NaN-like scalars (numpy's NaT) are not equal to themselves
    except (TypeError, ValueError):  # list-likes
        return False


def esc(value) -> str:
    """HTML-escape one value for text or attribute context. None/NaN → ''. Backticks too (template literals)."""
    if is_missing(value):
        return ""
    return html.escape(str(value), quote=True).replace("`", "&#96;")


# Characters that can start Markdown syntax anywhere in a line (emphasis, code, links/images, HTML and autolinks,
# entities, Streamlit's :directives: and $math$); `www.` and block markers at the start are handled separately.
_MD_INLINE = re.compile(r"([\\`*_~\[\]<>&$:@])|(?<=www)(\.)", re.IGNORECASE)
_MD_BLOCK_START = re.compile(r"^([#=+-]|\d+[.)])")
# GFM autolink literals (http://…, https://…, www.…, a@b.c) are found in the *parsed* text, where escapes no longer
# count: an invisible word joiner (U+2060) inside the trigger keeps them text.
_AUTOLINK = re.compile(r"(https?)(?=:)|(www)(?=\.)|(?=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def md(value) -> str:
    """Plain text made safe for a Streamlit Markdown element (st.markdown/caption/info/warning/…). None/NaN → ''.

    Whitespace runs become one space (a blank line would start a new block), and every character that could start
    Markdown syntax is backslash-escaped (CommonMark: an escaped punctuation character is always literal), so no
    link, image, emphasis, heading, list, HTML tag or code span can form; a word joiner (invisible) inside
    `http:`, `www.` and before `@` stops GFM's autolink literals. The text reads as given.
    """
    if is_missing(value):
        return ""
    text = _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, " ".join(str(value).split()))
    text = _MD_INLINE.sub(lambda m: "\\" + (m.group(1) or m.group(2)), text)
    m = _MD_BLOCK_START.match(text)
    if m:  # '# x', '- x', '1. x' at the start of a paragraph: escape the marker ('1\. x')
        text = text[:m.end() - 1] + "\\" + text[m.end() - 1:]
    return text


def safe_json(obj) -> str:
    """JSON that is safe to place inside a <script> element or an HTML attribute."""
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))

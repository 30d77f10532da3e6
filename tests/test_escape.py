"""layers.escape: HTML, Markdown and <script>-safe JSON."""
import html
import re

import pytest

from benchmarks.synthetic import HOSTILE_NAMES
from layers import escape


def test_escape_neutralises_markup_quotes_and_backticks():
    assert escape.esc('<script>alert(1)</script>') == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert escape.esc('"a\' `b` ${x}') == "&quot;a&#x27; &#96;b&#96; ${x}"
    assert escape.esc(None) == "" and escape.esc(float("nan")) == ""


MD_HOSTILE = [
    "![x](http://example.invalid/x.png)", "[登录](http://evil.example)", "<img src=x onerror=alert(1)>",
    "**粗** _斜_ ~~删~~ `代码`", "# 标题", "- 列表", "2025. 编号", "> 引用", "a\n\n![x](http://e.invalid/y.png)",
    "<http://evil.example>", "WWW.evil.example a@evil.example HTTPS://x", "[a][r]\n\n[r]: http://evil.example", "&lt;b&gt; &amp;", "a\\*b\\*", "王工 (wang)",
] + list(HOSTILE_NAMES)


@pytest.mark.parametrize("text", MD_HOSTILE)
def test_markdown_escape_leaves_plain_text_only(text):
    from markdown_it import MarkdownIt
    out = MarkdownIt("commonmark").enable("strikethrough").render(escape.md(text))
    assert re.fullmatch(r"<p>[^<]*</p>\n", out), out  # one paragraph of text: no link, image, tag, list, heading
    shown = MarkdownIt("commonmark").render(escape.md(text))[3:-5]
    shown = html.unescape(shown)
    assert not re.search(r"(?i)https?:|www\.|\w@", shown)  # GFM autolink literals are found in the parsed text
    assert shown.replace(escape.WORD_JOINER, "") == " ".join(text.split())  # reads as given (whitespace collapsed)


def test_markdown_escape_of_missing_values():
    assert escape.md(None) == "" and escape.md(float("nan")) == ""

"""Imports flow one way — core ← geo ← layers ← mapview ← pages/app — and pages are thin (widgets and layout)."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE_FUNCTION_MAX_LINES = 8

# package → top-level modules it must never import (at module level or inside a function)
FORBIDDEN = {
    "core": {"geo", "layers", "mapview", "pages", "app", "benchmarks", "streamlit", "folium"},
    "geo": {"layers", "mapview", "pages", "app", "streamlit", "folium"},
    "layers": {"mapview", "pages", "app", "streamlit", "folium", "streamlit_folium"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", list(FORBIDDEN))
def test_imports_flow_one_way(package):
    wrong = {f"{p.relative_to(ROOT)} imports {m}"
             for p in sorted((ROOT / package).rglob("*.py")) for m in _imports(p) & FORBIDDEN[package]}
    assert not wrong, sorted(wrong)


def test_the_rule_catches_a_backward_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from layers import store\n    import streamlit as st\n")
    assert _imports(bad) >= {"layers", "streamlit"}


def test_pages_are_thin():
    long = []
    for page in sorted((ROOT / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(page.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > PAGE_FUNCTION_MAX_LINES:
                    long.append(f"{page.name}: {node.name}() has {n} lines (at most {PAGE_FUNCTION_MAX_LINES})")
    assert not long, long


def test_each_package_says_what_it_offers():
    for package in ("core", "geo", "layers"):
        init = ROOT / package / "__init__.py"
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), f"{package}/__init__.py: docstring"

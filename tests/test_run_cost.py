"""What keeps a page run cheap under many sessions (measured with ``make loadtest``)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())


def test_streamlit_runs_no_full_garbage_collection_after_each_run():
    assert CONFIG["runner"]["postScriptGC"] is False


def _magic_lines(path: Path) -> list[int]:
    """Lines Streamlit's magic would write to the page (a bare value or expression on its own
    line, not a call and not a docstring), as ``streamlit.runtime.scriptrunner.magic`` finds them."""
    found: list[int] = []

    def walk(body: list[ast.stmt], parent: type) -> None:
        for i, node in enumerate(body):
            if isinstance(node, ast.Expr):
                value = node.value
                docstring = (
                    i == 0
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                    and parent in (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)
                )
                if not isinstance(value, ast.Call | ast.Yield | ast.YieldFrom | ast.Await) and not docstring:
                    found.append(node.lineno)
            for attr in ("body", "orelse", "finalbody", "handlers", "cases"):
                inner = getattr(node, attr, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.AST):
                    walk(inner, type(node))

    walk(ast.parse(path.read_text()).body, ast.Module)
    return found


def test_magic_is_off_and_no_script_relies_on_it():
    """Magic rewrote every script's syntax tree whenever no session held Streamlit's script
    cache; off, a bare expression in a page would silently show nothing, so none may exist."""
    assert CONFIG["runner"]["magicEnabled"] is False
    scripts = [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]
    assert {p.name: _magic_lines(p) for p in scripts if _magic_lines(p)} == {}


def test_the_magic_check_finds_a_bare_expression(tmp_path):
    page = tmp_path / "page.py"
    page.write_text('"""Doc."""\nimport streamlit as st\nx = 1\nx\nst.write(x)\nif x:\n    "shown"\n')
    assert _magic_lines(page) == [4, 7]

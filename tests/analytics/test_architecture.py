"""The core stays a plain library: importing all of it never loads Streamlit."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import analytics

ROOT = Path(__file__).resolve().parents[2]


def test_importing_every_analytics_module_does_not_load_streamlit():
    names = [
        m.name
        for m in pkgutil.walk_packages(analytics.__path__, "analytics.")
        if m.name not in ("analytics.__main__",)
    ]
    code = (
        "import importlib, sys\n"
        + "".join(f"importlib.import_module({n!r})\n" for n in names)
        + "print('streamlit' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"
    assert len(names) > 40


def test_pages_hold_no_sql():
    import re

    sql = re.compile(r"\b(select|insert|update|delete)\b.+\b(from|into|set)\b", re.I)
    for path in [*(ROOT / "app_pages").glob("*.py"), ROOT / "app.py", *(ROOT / "webui").glob("*.py")]:
        for line in path.read_text(encoding="utf-8").splitlines():
            assert not sql.search(line), (path.name, line)


def _shared_frames_changed_in_place(source: str) -> list[str]:
    """Names bound to ``cache.cached``/``cache.derived``/``cache.figure`` results that are then
    assigned into (``df[...] = ``, ``df.loc[...] = ``), changed with ``inplace=True``, or
    (figures) updated."""
    import ast

    tree = ast.parse(source)
    shared = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr in ("cached", "derived", "figure")
            and isinstance(node.value.func.value, ast.Name)
            and node.value.func.value.id == "cache"
        ):
            shared.update(t.id for t in node.targets if isinstance(t, ast.Name))
    bad = []
    for node in ast.walk(tree):
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AugAssign)
            else []
        )
        for t in targets:
            base = t.value if isinstance(t, ast.Subscript) else None
            if isinstance(base, ast.Attribute) and base.attr in ("loc", "iloc", "at", "iat"):
                base = base.value
            if isinstance(base, ast.Name) and base.id in shared:
                bad.append(f"line {node.lineno}: {base.id}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            func = node.func
            changes = any(k.arg == "inplace" for k in node.keywords) or func.attr.startswith(
                ("update_", "add_", "for_each_")
            )
            if changes and isinstance(func.value, ast.Name) and func.value.id in shared:
                bad.append(f"line {node.lineno}: {func.value.id}")
    return bad


def test_pages_never_change_a_shared_frame_in_place():
    """cache.derived keys a frame that came from the cache by the call that made it: a
    page that changed it in place would get results for the unchanged frame; and a
    shared figure changed by one session would change for all."""
    assert _shared_frames_changed_in_place(
        "x = cache.cached(q.f)\nx['a'] = 1\ny = cache.derived(g, x)\ny.loc[0, 'b'] = 2\nx.drop(columns=['a'], inplace=True)\n"
        "f = cache.figure(c.lines, x)\nf.update_yaxes(range=[0, 5])\n"
    ) == ["line 2: x", "line 4: y", "line 5: x", "line 7: f"]
    for path in [*(ROOT / "app_pages").glob("*.py"), *(ROOT / "webui").glob("*.py")]:
        assert _shared_frames_changed_in_place(path.read_text(encoding="utf-8")) == [], path.name


def test_no_pages_folder_sits_beside_the_entry_script():
    """Streamlit would serve a ``pages/`` folder beside app.py on its own, without the frame."""
    assert not (ROOT / "pages").exists()
    assert (ROOT / "app_pages").is_dir() and not (ROOT / "app_pages" / "__init__.py").exists()


def test_every_page_has_the_same_shape():
    """Docstring, imports, one ``render()`` (plus any fragment it draws), and the call to it last."""
    import ast

    for path in sorted((ROOT / "app_pages").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), path.name
        functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
        assert "render" in functions, path.name
        last = tree.body[-1]
        assert isinstance(last, ast.Expr) and isinstance(last.value, ast.Call), path.name
        assert getattr(last.value.func, "id", None) == "render", path.name
        top = [n for n in tree.body[1:-1] if not isinstance(n, ast.Import | ast.ImportFrom | ast.FunctionDef)]
        assert all(isinstance(n, ast.Assign) for n in top), (path.name, "only constants beside render()")


def test_import_contracts_hold():
    """``make lint``'s contracts, also under ``make test``: the core never imports Streamlit
    or the UI package, each layer imports only the layers below it, and no module of a layer
    imports (even inside a function or for type hints) a module that imports it back."""
    tool = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(tool)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout[-3000:]
    assert "3 kept, 0 broken" in out.stdout


def test_every_module_of_the_core_sits_in_a_layer():
    """A new package or flat module must be placed in the layers contract, or it escapes it."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["type"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in layer.split("|")}
    top = {f"analytics.{m.name}" for m in pkgutil.iter_modules(analytics.__path__)}
    assert top - placed == {"analytics.__main__"}

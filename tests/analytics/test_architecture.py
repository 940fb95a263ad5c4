"""The core stays a plain library: importing all of it never loads Streamlit."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import analytics

ROOT = Path(__file__).resolve().parents[2]


def test_importing_every_analytics_module_does_not_load_streamlit():
    names = [f"analytics.{m.name}" for m in pkgutil.iter_modules(analytics.__path__)
             if m.name not in ("__main__",)]
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({n!r})\n" for n in names) + \
        "print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"
    assert len(names) > 15


def test_pages_hold_no_sql():
    import re

    sql = re.compile(r"\b(select|insert|update|delete)\b.+\b(from|into|set)\b", re.I)
    for path in list((ROOT / "app_pages").glob("*.py")) + [ROOT / "app.py", ROOT / "ui.py"]:
        for line in path.read_text(encoding="utf-8").splitlines():
            assert not sql.search(line), (path.name, line)

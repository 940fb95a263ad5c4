"""Every table a page draws reads as people read it: no "None", "nan" or "NaT" in a cell,
no snake_case column name, in both languages — the chart tables included (each page's
"show as a table" sections are opened)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from tests.pages.conftest import PAGES, ROOT

SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")
BAD = {"None", "nan", "NaN", "NaT", "<NA>"}
LAZY_SECTIONS = ("overview_community",)  # sections drawn only once opened
KEY = re.compile(r"""key=["']([a-z][a-z0-9_]*)["']""")


def table_keys() -> set[str]:
    """Every literal widget key in the pages: a chart's table expander is ``tv_<key>``."""
    keys = set()
    for path in (ROOT / "app_pages").glob("*.py"):
        keys |= set(KEY.findall(path.read_text(encoding="utf-8")))
    return keys


def problems(element) -> list[str]:
    """What a person would see wrong in a drawn table. An editor's headers are the labels
    of its column configuration, and only its text columns must hold no missing value (an
    empty number cell is an input waiting for a number)."""
    df = element.value
    editable = element.proto.editing_mode != 0
    if editable:
        labels = json.loads(element.proto.columns or "{}")
        headers = [labels.get(str(c), {}).get("label") or str(c) for c in df.columns]
        checked = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    else:
        headers, checked = [str(c) for c in df.columns], list(df.columns)
    out = [f"header {h!r}" for h in headers if SNAKE.match(h)]
    for col in checked:
        for v in df[col].tolist():
            if v is None or (isinstance(v, float) and v != v) or v is pd.NA or v is pd.NaT or str(v) in BAD:
                out.append(f"{col!r}: {v!r}")
                break
    return out


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_no_page_shows_none_nan_or_a_snake_case_header(app, page, lang):
    app.query_params["lang"] = lang
    app.session_state["_esp_start_page"] = page
    for key in table_keys():
        app.session_state[f"tv_{key}"] = True
    for key in LAZY_SECTIONS:
        app.session_state[key] = True
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    found = {i: problems(d) for i, d in enumerate(app.dataframe)}
    assert not {i: p for i, p in found.items() if p}, found

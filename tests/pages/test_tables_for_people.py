"""Every table a page draws reads as people read it: no "None", "nan" or "NaT" in a cell,
no snake_case column name, no code where a label belongs (a country's ISO3 code, a sheet's or a
submission source's code), and no column shown without a text of its own in the reader's
language, in both languages — the chart tables included (each page's "show as a table"
sections are opened)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from analytics.i18n import t
from analytics.present import readable
from analytics.reference import read_csv
from analytics.sheets.schema import SHEETS
from tests.pages.conftest import PAGES, ROOT

SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")
BAD = {"None", "nan", "NaN", "NaT", "<NA>"}
LAZY_SECTIONS = ("overview_community",)  # sections drawn only once opened
# Tabs drawn only once chosen, as the URL chooses them: the page opens on its first tab.
OTHER_TABS = {"overview": [{"tab": "matrix"}]}
KEY = re.compile(r"""key=["']([a-z][a-z0-9_]*)["']""")
LIST = re.compile(r"\s*[,;]\s*")
ISO3 = set(read_csv("countries.csv")["iso3"])
# Codes that have a label for people: sheets, and where a submission came from.
CODES = set(SHEETS) | {"upload", "editor", "cli", "demo"}


def is_code(value: object, lang: str) -> bool:
    """A cell that holds codes only: "PER", "GTM, PER", "capacity,progress", "upload" — a
    sheet's code is its name in English, so there it is a label."""
    if not isinstance(value, str) or not value.strip():
        return False
    named = {t(f"snapshot.table.{s}", lang) for s in SHEETS}
    tokens = [v for v in LIST.split(value.strip()) if v]
    return all((v in ISO3 or v in CODES) and v not in named for v in tokens)


def table_keys() -> set[str]:
    """Every literal widget key in the pages: a chart's table expander is ``tv_<key>``."""
    keys = set()
    for path in (ROOT / "app_pages").glob("*.py"):
        keys |= set(KEY.findall(path.read_text(encoding="utf-8")))
    return keys


def problems(element, lang: str) -> list[str]:
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
            if is_code(v, lang):
                out.append(f"{col!r}: code {v!r}")
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
    for params in [{}, *OTHER_TABS.get(page, [])]:
        app.query_params.update(params)
        readable.UNTEXTED.clear()
        app.run()
        assert not app.exception, [e.value for e in app.exception]
        found = {i: problems(d, lang) for i, d in enumerate(app.dataframe)}
        assert not {i: p for i, p in found.items() if p}, (params, found)
        assert not readable.UNTEXTED, (
            f"{params}: columns shown without a text of their own: {sorted(readable.UNTEXTED)}"
        )

"""Probe page for tests/browser/test_map_offline.py: one offline map and its selection.

Query params: ``mode`` ("map" or "tiles"); ``url`` overrides ``topojsonURL`` (to probe
URL forms by hand). The selection is printed as JSON inside the ``st-key-selection``
container so the browser test can read it.

Streamlit serves ``static/`` next to the *main script*, so the test launches this page
through a stub script in a temp dir holding a ``static`` link to the repo's folder.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pandas as pd
import streamlit as st

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analytics.figures.maps import PLOTLY_CONFIG, map_figure  # noqa: E402

# Every stage 0-5 plus two no-data countries (GUY, PRY), in countries.csv order.
STAGES = {
    "PER": 0,
    "GTM": 1,
    "URY": 2,
    "PAN": 3,
    "DOM": 4,
    "ECU": 5,
    "GUY": math.nan,
    "MEX": 3,
    "HND": 2,
    "SLV": 5,
    "ARG": 1,
    "PRY": math.nan,
    "LCA": 4,
    "TTO": 2,
    "BOL": 3,
}

countries = pd.read_csv(ROOT / "data" / "reference" / "countries.csv", dtype=str, keep_default_na=False)
values = pd.DataFrame({"country": countries["iso3"], "name": countries["name_en"]})
values["value"] = values["country"].map(STAGES).astype(float)
values["text"] = [
    f"{n}: {'no data' if math.isnan(v) else int(v)}"
    for n, v in zip(values["name"], values["value"], strict=True)
]

config = dict(PLOTLY_CONFIG)
if "url" in st.query_params:
    config["topojsonURL"] = st.query_params["url"]
fig = map_figure(
    values,
    title="Probe: stage by country",
    colorbar_title="Stage",
    no_data_label="No data",
    mode=st.query_params.get("mode", "map"),
)
st.plotly_chart(fig, config=config, on_select="rerun", selection_mode="points", key="map")

selection = st.session_state["map"].selection if "map" in st.session_state else None
with st.container(key="selection"):
    st.code(json.dumps(selection, default=str, sort_keys=True), language=None)

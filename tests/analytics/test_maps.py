"""Offline map geometry and figure builders (no browser; see tests/browser for that)."""

from __future__ import annotations

import json
import math
from itertools import pairwise
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from analytics.figures import geo
from analytics.figures.maps import PLOTLY_CONFIG, map_figure
from analytics.figures.style import NO_DATA_COLOR, STAGE_COLORS

ROOT = Path(__file__).resolve().parents[2]
COUNTRIES = pd.read_csv(ROOT / "data" / "reference" / "countries.csv", dtype=str, keep_default_na=False)
ISO3 = set(COUNTRIES["iso3"])


def _values(stage: dict[str, float] | None = None) -> pd.DataFrame:
    stage = stage or {}
    df = pd.DataFrame({"country": COUNTRIES["iso3"], "name": COUNTRIES["name_es"]})
    df["value"] = [stage.get(c, i % 6) for i, c in enumerate(df["country"])]
    df["text"] = df["name"] + ": " + df["value"].astype(str)
    return df


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairwise(ring)) / 2


def _polygons(feature: dict) -> list[list[list[list[float]]]]:
    g = feature["geometry"]
    return [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]


def test_geojson_has_exactly_our_countries() -> None:
    features = geo.lac_geojson()["features"]
    codes = [f["properties"]["iso3"] for f in features]
    assert sorted(codes) == sorted(ISO3)
    assert all(f["properties"]["name_en"] for f in features)
    assert geo.GEOJSON_PATH.stat().st_size < 1_000_000


def test_rings_wind_as_d3_expects() -> None:
    """d3-geo: exterior rings clockwise (negative planar area), holes counter-clockwise;
    the RFC 7946 order makes plotly fill the whole frame."""
    for feature in geo.lac_geojson()["features"]:
        for polygon in _polygons(feature):
            for i, ring in enumerate(polygon):
                assert ring[0] == ring[-1] and len(ring) >= 4
                area = _signed_area(ring)
                assert (area < 0) if i == 0 else (area > 0), feature["properties"]["iso3"]


def test_static_base_map_is_what_plotly_requests() -> None:
    """plotly.js fetches <topojsonURL>/<scope>_<resolution>m.json and reads these layers."""
    assert PLOTLY_CONFIG["topojsonURL"].startswith("app/static/")
    served = ROOT / "static" / PLOTLY_CONFIG["topojsonURL"].removeprefix("app/static/")
    assert served / "world_110m.json" == geo.STATIC_TOPOJSON_PATH
    topo = json.loads(geo.STATIC_TOPOJSON_PATH.read_text(encoding="utf-8"))
    assert topo["type"] == "Topology"
    assert {"land", "ocean", "lakes", "countries", "coastlines"} <= topo["objects"].keys()


def test_centroids_and_tiles_cover_all_countries() -> None:
    cents = geo.centroids()
    assert set(cents["iso3"]) == ISO3 and cents[["lon", "lat"]].notna().all().all()
    lca = cents.set_index("iso3").loc["LCA"]
    assert -61.1 < lca["lon"] < -60.8 and 13.7 < lca["lat"] < 14.1  # on the island
    tiles = geo.tile_layout()
    assert set(tiles["iso3"]) == ISO3 and len(tiles) == 15
    assert not tiles.duplicated(["col", "row"]).any()


def _traces(fig: go.Figure, kind: str) -> list:
    return [t for t in fig.data if t.type == kind]


def test_map_has_every_country_clickable() -> None:
    fig = map_figure(_values(), title="t", colorbar_title="Etapa", no_data_label="Sin datos")
    located = {c for t in _traces(fig, "choropleth") for c in t.locations}
    assert located == ISO3
    assert all(t.customdata is not None for t in fig.data)
    for trace in fig.data:  # customdata is the ISO3 of each point
        keys = trace.locations if trace.type == "choropleth" else None
        if keys is not None:
            assert list(trace.customdata) == list(keys)
    markers = _traces(fig, "scattergeo")[0]
    assert set(markers.customdata) == ISO3
    assert all(t.featureidkey == "properties.iso3" for t in _traces(fig, "choropleth"))
    assert fig.layout.geo.fitbounds == "locations"


def test_nan_is_drawn_as_no_data() -> None:
    fig = map_figure(
        _values({"LCA": math.nan, "ARG": math.nan}),
        title="t",
        colorbar_title="Etapa",
        no_data_label="Sin datos",
    )
    data, missing = _traces(fig, "choropleth")
    assert set(missing.locations) == {"LCA", "ARG"} and not ({"LCA", "ARG"} & set(data.locations))
    assert {c for _, c in missing.colorscale} == {NO_DATA_COLOR}
    assert "Sin datos" in missing.name and missing.showlegend
    markers = _traces(fig, "scattergeo")[0]
    idx = list(markers.customdata).index("LCA")
    assert markers.marker.color[idx] == NO_DATA_COLOR and markers.text[idx] == "–"


def test_stages_are_discrete_and_printed() -> None:
    fig = map_figure(_values(), title="t", colorbar_title="Etapa", no_data_label="-")
    data = _traces(fig, "choropleth")[0]
    assert (data.zmin, data.zmax) == (-0.5, 5.5)
    assert [c for _, c in data.colorscale] == [c for c in STAGE_COLORS for _ in (0, 1)]
    assert list(data.colorbar.tickvals) == list(range(6))
    markers = _traces(fig, "scattergeo")[0]
    assert all(t in {"0", "1", "2", "3", "4", "5"} for t in markers.text)


def test_averages_use_a_continuous_scale() -> None:
    fig = map_figure(_values({"PER": 2.4}), title="t", colorbar_title="x", no_data_label="-")
    data = _traces(fig, "choropleth")[0]
    assert (data.zmin, data.zmax) == (0, 5) and len(data.colorscale) == len(STAGE_COLORS)
    assert "2.4" in _traces(fig, "scattergeo")[0].text


def test_tiles_mode() -> None:
    fig = map_figure(
        _values({"TTO": math.nan}), title="t", colorbar_title="Etapa", no_data_label="Sin datos", mode="tiles"
    )
    scatters = _traces(fig, "scatter")
    cells = {(x, y) for t in scatters for x, y in zip(t.x, t.y, strict=True)}
    assert len(cells) == 15
    assert sorted(c for t in scatters for c in t.customdata) == sorted(ISO3)
    missing = scatters[1]
    assert list(missing.customdata) == ["TTO"] and missing.marker.color == NO_DATA_COLOR
    assert all(t.marker.symbol == "square" for t in scatters)
    assert any("TTO" in s for s in missing.text)


def test_unknown_mode_is_rejected() -> None:
    with pytest.raises(ValueError):
        map_figure(_values(), title="t", colorbar_title="x", no_data_label="-", mode="globe")

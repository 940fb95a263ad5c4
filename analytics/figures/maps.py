"""Country maps (choropleth + markers, or equal tiles) that work with no internet, drawn
with Plotly for the HTML brief (the app's overview draws the same map with Vega-Lite:
``analytics.figures.vega``).

Why this shape:
- Geometry is our own 50m GeoJSON (``analytics.figures.geo``): Natural Earth 110m, which plotly
  uses for ``locationmode="ISO-3"``, has no Saint Lucia and half of Trinidad and Tobago.
- plotly.js still fetches a base map ``<topojsonURL>world_110m.json`` for every geo figure
  and draws nothing without it, so ``PLOTLY_CONFIG`` points it at the copy Streamlit serves
  from ``static/`` (the default is ``https://cdn.plot.ly/un/``).
- Tiny islands are invisible at regional zoom: a marker per country, with the value
  printed in it, keeps every country visible, clickable and readable without colour.
- Every clickable trace carries ``customdata`` = ISO3, so a Streamlit selection
  (``points[i]["customdata"]``) maps back to a country whatever trace was clicked.

No Streamlit import here: a page drawing one passes ``PLOTLY_CONFIG`` to ``st.plotly_chart``.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from analytics.figures.geo import centroids, lac_geojson, tile_layout
from analytics.figures.style import (
    AWAITING_COLOR,
    FONT_FAMILY,
    NO_DATA_COLOR,
    STAGE_COLORS,
    STAGE_TEXT_COLORS,
)

# Relative on purpose: resolved against the page URL, so it also works under a
# server.baseUrlPath / reverse-proxy prefix (an absolute "/app/static/..." would not).
# plotly.js appends "<scope>_<resolution>m.json" = "world_110m.json".
STATIC_BASE = "app/static/"  # where Streamlit serves ./static (server.enableStaticServing)
PLOTLY_CONFIG: dict[str, Any] = {"topojsonURL": STATIC_BASE + "topojson/", "displaylogo": False}

MAX_STAGE = 5
SMALL_STATES = frozenset({"LCA", "TTO"})  # too small to see or click as shapes
NO_DATA_MARK = "–"
ISLAND_MARKER_PX = 20
MAINLAND_MARKER_PX = 15  # Central American markers are ~15-20 px apart at 600 px tall
BORDER_COLOR = "#4d4d4d"
# After a click, plotly fades the other points; dark text keeps their values readable
# (white text on a faded dark fill would vanish).
UNSELECTED = {"marker": {"opacity": 0.35}, "textfont": {"color": STAGE_TEXT_COLORS[0]}}


def is_stages(values: pd.Series) -> bool:
    """True when every known value is a whole stage 0-5: then colours are discrete."""
    known = values.dropna()
    return bool(((known % 1 == 0) & known.between(0, MAX_STAGE)).all())


def _colorscale(discrete: bool) -> list[list[Any]]:
    """Stage palette, stepped (one flat band per stage) or interpolated for averages."""
    if not discrete:
        return [[i / MAX_STAGE, c] for i, c in enumerate(STAGE_COLORS)]
    n = len(STAGE_COLORS)
    return [[edge / n, c] for i, c in enumerate(STAGE_COLORS) for edge in (i, i + 1)]


def _zrange(discrete: bool) -> tuple[float, float]:
    return (-0.5, MAX_STAGE + 0.5) if discrete else (0.0, float(MAX_STAGE))


def _fill(value: float, discrete: bool) -> str:
    if math.isnan(value):
        return NO_DATA_COLOR
    if discrete:
        return STAGE_COLORS[int(value)]
    return sample_colorscale(_colorscale(False), [min(max(value / MAX_STAGE, 0), 1)])[0]


def ink(value: float) -> str:
    """Text colour readable on the value's fill."""
    if math.isnan(value):
        return STAGE_TEXT_COLORS[0]
    return STAGE_TEXT_COLORS[min(max(round(value), 0), MAX_STAGE)]


def value_label(value: float, discrete: bool) -> str:
    if math.isnan(value):
        return NO_DATA_MARK
    return f"{value:.0f}" if discrete else f"{value:.1f}"


def _colorbar(title: str, discrete: bool) -> dict[str, Any]:
    bar: dict[str, Any] = {"title": {"text": title}, "thickness": 14, "len": 0.7}
    if discrete:
        bar.update(tickvals=list(range(MAX_STAGE + 1)), ticktext=[str(i) for i in range(6)])
    return bar


def prepare(values: pd.DataFrame) -> pd.DataFrame:
    df = values[["country", "name", "value", "text"]].copy()
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype(float)
    df["text"] = df["text"].fillna(df["name"]).astype(str)
    return df.reset_index(drop=True)


def _hover() -> str:
    return "%{hovertext}<extra></extra>"


def _geo_traces(
    df: pd.DataFrame, colorbar_title: str, no_data_label: str, discrete: bool
) -> list[go.BaseTraceType]:
    geojson = lac_geojson()
    zmin, zmax = _zrange(discrete)
    known, missing = df[df["value"].notna()], df[df["value"].isna()]
    common = {
        "geojson": geojson,
        "featureidkey": "properties.iso3",
        "marker": {"line": {"color": BORDER_COLOR, "width": 0.6}},
        "hovertemplate": _hover(),
    }
    traces: list[go.BaseTraceType] = [
        go.Choropleth(
            locations=known["country"],
            z=known["value"],
            customdata=known["country"],
            hovertext=known["text"],
            colorscale=_colorscale(discrete),
            zmin=zmin,
            zmax=zmax,
            colorbar=_colorbar(colorbar_title, discrete),
            name=colorbar_title,
            showlegend=False,
            **common,
        )
    ]
    if len(missing):
        traces.append(
            go.Choropleth(
                locations=missing["country"],
                z=[0] * len(missing),
                customdata=missing["country"],
                hovertext=missing["text"],
                colorscale=[[0, NO_DATA_COLOR], [1, NO_DATA_COLOR]],
                showscale=False,
                name=f"{NO_DATA_MARK} {no_data_label}",
                showlegend=True,
                **common,
            )
        )
    pos = df.merge(centroids(), left_on="country", right_on="iso3", how="left")
    small = pos["country"].isin(SMALL_STATES)
    # The value printed on a disc at each centroid: readable on any background; the
    # islands' discs are larger as they are the only visible (and clickable) part.
    traces.append(
        go.Scattergeo(
            lon=pos["lon"],
            lat=pos["lat"],
            customdata=pos["country"],
            hovertext=pos["text"],
            hovertemplate=_hover(),
            mode="markers+text",
            showlegend=False,
            name="",
            text=[value_label(v, discrete) for v in pos["value"]],
            textfont={"color": [ink(v) for v in pos["value"]], "size": 10},
            marker={
                "size": [ISLAND_MARKER_PX if s else MAINLAND_MARKER_PX for s in small],
                "opacity": 1,
                "color": [_fill(v, discrete) for v in pos["value"]],
                "line": {"color": BORDER_COLOR, "width": 1},
            },
            unselected=UNSELECTED,
        )
    )
    # Island names, pushed right of the disc by an invisible marker of the same size.
    # Not hoverable: otherwise a click on the disc selects this invisible twin instead.
    tags = pos[small]
    traces.append(
        go.Scattergeo(
            lon=tags["lon"],
            lat=tags["lat"],
            customdata=tags["country"],
            hoverinfo="skip",
            mode="markers+text",
            text=tags["name"],
            textposition="middle right",
            textfont={"size": 11, "color": "#222222"},
            marker={"size": ISLAND_MARKER_PX, "opacity": 0},
            showlegend=False,
            name="",
        )
    )
    return traces


def _tile_traces(
    df: pd.DataFrame, colorbar_title: str, no_data_label: str, discrete: bool, tile_px: int
) -> list[go.BaseTraceType]:
    cells = df.merge(tile_layout(), left_on="country", right_on="iso3", how="left")
    zmin, zmax = _zrange(discrete)
    traces: list[go.BaseTraceType] = []
    for missing in (False, True):
        part = cells[cells["value"].isna() == missing]
        if missing and part.empty:
            continue
        marker: dict[str, Any] = {
            "symbol": "square",
            "size": tile_px,
            "line": {"color": BORDER_COLOR, "width": 1},
        }
        if missing:
            marker["color"] = NO_DATA_COLOR
        else:
            marker.update(
                color=part["value"],
                colorscale=_colorscale(discrete),
                cmin=zmin,
                cmax=zmax,
                showscale=True,
                colorbar=_colorbar(colorbar_title, discrete),
            )
        traces.append(
            go.Scatter(
                x=part["col"],
                y=part["row"],
                mode="markers+text",
                marker=marker,
                text=[
                    f"<b>{c}</b><br>{value_label(v, discrete)}"
                    for c, v in zip(part["country"], part["value"], strict=True)
                ],
                textfont={"color": [ink(v) for v in part["value"]], "size": 12},
                customdata=part["country"],
                hovertext=part["text"],
                hovertemplate=_hover(),
                name=f"{NO_DATA_MARK} {no_data_label}" if missing else colorbar_title,
                showlegend=missing,
                cliponaxis=False,
                unselected=UNSELECTED,
            )
        )
    return traces


def _awaiting_ring(values: pd.DataFrame, mode: str, label: str, tile_px: int = 0) -> list[go.BaseTraceType]:
    """A dotted ring around each country whose value comes from a submission awaiting
    review (an ``awaiting`` column), named in the legend."""
    if "awaiting" not in values or not values["awaiting"].fillna(False).astype(bool).any():
        return []
    marked = values[values["awaiting"].fillna(False).astype(bool)]
    ring = {"color": AWAITING_COLOR, "line": {"width": 3, "color": AWAITING_COLOR}}
    common = {"mode": "markers", "name": label, "showlegend": True, "hoverinfo": "skip"}
    if mode == "tiles":
        cells = marked.merge(tile_layout(), left_on="country", right_on="iso3", how="left")
        return [
            go.Scatter(
                x=cells["col"],
                y=cells["row"],
                marker={**ring, "symbol": "square-open", "size": tile_px + 6},
                customdata=cells["country"],
                cliponaxis=False,
                **common,
            )
        ]
    pos = marked.merge(centroids(), left_on="country", right_on="iso3", how="left")
    return [
        go.Scattergeo(
            lon=pos["lon"],
            lat=pos["lat"],
            marker={**ring, "symbol": "circle-open", "size": ISLAND_MARKER_PX + 10},
            customdata=pos["country"],
            **common,
        )
    ]


def map_figure(
    values: pd.DataFrame,
    *,
    title: str,
    colorbar_title: str,
    no_data_label: str,
    mode: str = "map",
    awaiting_label: str = "",
) -> go.Figure:
    """Map of one value (0-5 or NaN) per country; ``mode`` is "map" or "tiles".

    ``values`` columns: ``country`` (ISO3), ``name`` (display name), ``value``, ``text``
    (hover), and optionally ``awaiting`` (ringed, named ``awaiting_label`` in the legend).
    Whole stages get one flat colour each; averages a continuous scale of the
    same palette. NaN is drawn in ``NO_DATA_COLOR`` and listed in the legend.
    """
    df = prepare(values)
    discrete = is_stages(df["value"])
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0, "xanchor": "left"},
        "font": {"family": FONT_FAMILY},
        "margin": {"l": 0, "r": 0, "t": 48, "b": 0},
        "legend": {
            "x": 0,
            "y": 0,
            "xanchor": "left",
            "yanchor": "bottom",
            "bgcolor": "rgba(255,255,255,0.8)",
        },
        "clickmode": "event+select",
        "height": 600,
    }
    if mode == "map":
        fig = go.Figure(
            _geo_traces(df, colorbar_title, no_data_label, discrete)
            + _awaiting_ring(values, mode, awaiting_label)
        )
        fig.update_geos(
            fitbounds="locations",
            scope="world",
            resolution=110,
            projection_type="mercator",
            visible=True,
            showland=True,
            landcolor="#ffffff",
            showocean=True,
            oceancolor="#eaf1f6",
            showlakes=True,
            lakecolor="#eaf1f6",
            showcountries=True,
            countrycolor="#bdbdbd",
            showcoastlines=True,
            coastlinecolor="#bdbdbd",
            showframe=False,
            bgcolor="rgba(0,0,0,0)",
        )
    elif mode == "tiles":
        grid = tile_layout()
        rows, cols = int(grid["row"].max()) + 1, int(grid["col"].max()) + 1
        unit = (layout["height"] - layout["margin"]["t"] - 16) / (rows + 0.2)
        tile_px = int(unit * 0.92)
        fig = go.Figure(
            _tile_traces(df, colorbar_title, no_data_label, discrete, tile_px=tile_px)
            + _awaiting_ring(values, mode, awaiting_label, tile_px)
        )
        fig.update_xaxes(visible=False, range=[-0.6, cols - 0.4], fixedrange=True)
        fig.update_yaxes(
            visible=False, range=[rows - 0.4, -0.6], fixedrange=True, scaleanchor="x", scaleratio=1
        )
        layout.update(plot_bgcolor="rgba(0,0,0,0)", dragmode=False)
    else:
        raise ValueError(f"unknown map mode {mode!r}")
    fig.update_layout(**layout)
    return fig

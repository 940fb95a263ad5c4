"""Vega-Lite specifications for the overview's map and stage matrix.

Why not Plotly, as everywhere else: Streamlit draws a Plotly chart anew (a new plot, then a
relayout) whenever its figure changes, so every filter change redrew the map and the matrix
from scratch, 2-3 times the bare app's whole response (measured: ``make felt``). A keyed
Vega-Lite chart whose specification stays the same only has its data swapped in place. So
these specifications depend on the language, the title and the measure, never on the
filters: everything the filters change travels in the ``values``/``cells`` datasets.

Pure dictionaries (no Streamlit): data frames sit in ``datasets`` and Streamlit sends them
as Arrow. The brief, a file on its own, keeps the Plotly drawings (``maps``, ``charts``).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from analytics.figures.geo import GEOJSON_PATH, centroids, lac_geojson, tile_layout
from analytics.figures.maps import (
    BORDER_COLOR,
    ISLAND_MARKER_PX,
    MAINLAND_MARKER_PX,
    SMALL_STATES,
    STATIC_BASE,
    ink,
    is_stages,
    prepare,
    value_label,
)
from analytics.figures.style import (
    AWAITING_COLOR,
    FONT_FAMILY,
    NO_DATA_COLOR,
    STAGE_COLORS,
    STAGE_TEXT_COLORS,
)
from analytics.i18n import number, t

AWAITING_DASH = [4, 3]
# The selections a click on the map (or tiles) and on the matrix can fill.
MAP_CLICKS = ("pick", "pick_disc", "pick_text")
MATRIX_CLICKS = ("cell", "cell_text")
CARRIED_OPACITY = 0.45
CELL_PX = 34
# The members' extent (lon, lat), a little wider: what the map fits its frame to.
EXTENT = {"type": "MultiPoint", "coordinates": [[-118.0, -56.0], [-55.0, 33.0]]}
NARROW_MAP_PX = 600  # a map narrower than this (a phone's) names the islands left of their disc
# plotly.js's world base map, already served for the brief's figures (maps.PLOTLY_CONFIG).
LAND_URL = STATIC_BASE + "topojson/world_110m.json"
# The countries' shapes as the app serves them (geo.publish_geojson).
SHAPES_URL = STATIC_BASE + "geo/" + GEOJSON_PATH.name


def _tooltip(text: pd.Series) -> pd.Series:
    """Hover sentences written for Plotly (``<br>``) as plain text."""
    return text.fillna("").astype(str).str.replace("<br>", " · ", regex=False)


def _frame(title: str, height: Any) -> dict[str, Any]:
    """The chart's frame. Its title is its ``description`` (what screen readers say of the
    chart): pages print it above the chart, where it wraps on a phone (a Vega title is cut)."""
    return {
        "description": title,
        "width": "container",
        "height": height,
        "config": {
            "font": FONT_FAMILY,
            "view": {"stroke": None},
            "axis": {"labelFontSize": 13, "labelColor": "#31333f", "labelLimit": 0},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 0},
        },
        # SVG: every mark is an element people's assistive tools (and our tests) can find.
        "usermeta": {"embedOptions": {"renderer": "svg", "actions": False}},
    }


def _stage_colour(field: str, title: str, stage_names: dict[str, str] | None) -> dict[str, Any]:
    """Stage colours: one flat colour per whole stage, named in the legend, or (averages) the
    same palette as a gradient from 0 to 5."""
    if stage_names is None:
        return {
            "field": field,
            "type": "quantitative",
            "scale": {"domain": list(range(len(STAGE_COLORS))), "range": STAGE_COLORS},
            "legend": {"title": title, "values": list(range(len(STAGE_COLORS)))},
        }
    return {
        "field": field,
        "type": "ordinal",
        "scale": {"domain": list(range(len(STAGE_COLORS))), "range": STAGE_COLORS},
        "legend": {
            "title": title,
            "labelExpr": json.dumps({str(k): f"{k} {v}" for k, v in stage_names.items()}) + "[datum.label]",
        },
    }


def _click(name: str) -> list[dict[str, Any]]:
    """A click on the layer selects its country. Each clickable layer (the coloured shape, the
    number printed on it) has its own selection: a top-level one with ``views`` draws nothing
    in the Vega-Lite Streamlit ships. Pages read them with ``CLICKS``."""
    return [{"name": name, "select": {"type": "point", "fields": ["country"], "on": "click"}}]


def _below(colour: dict[str, Any]) -> dict[str, Any]:
    """``colour`` with its legend under the chart, in three columns."""
    return {
        **colour,
        "legend": {**colour["legend"], "orient": "bottom", "direction": "horizontal", "columns": 3},
    }


def matrix_data(cells: pd.DataFrame) -> pd.DataFrame:
    """What the matrix draws for each cell of ``stage_cells.matrix_cells``."""
    return cells.assign(
        order=range(len(cells)),
        stage=cells["stage"].astype("float"),
        hover=_tooltip(cells["hover"]),
        text=[
            lab if pd.isna(y) else f"{lab}\n{y}"
            for lab, y in zip(cells["label"], cells["carried_from"], strict=True)
        ],
        ink=[
            STAGE_TEXT_COLORS[0] if pd.isna(s) or pd.notna(y) else STAGE_TEXT_COLORS[int(s)]
            for s, y in zip(cells["stage"], cells["carried_from"], strict=True)
        ],
        carried=cells["carried_from"].notna(),
        awaiting=cells["awaiting"].astype(bool),
    )[["country", "name", "module_label", "order", "stage", "hover", "text", "ink", "carried", "awaiting"]]


def stage_matrix_spec(
    data: pd.DataFrame, *, title: str, stage_title: str, stage_names: dict[str, str]
) -> dict[str, Any]:
    """The country × module matrix (``matrix_data``): stage colour and number (with its
    arrow), paler where carried forward (the year printed below), a dashed outline where it
    awaits review. A click selects the cell's country (selection ``cell``)."""
    spec = _frame(title, {"step": CELL_PX})
    spec["width"] = "container"
    spec.update(
        datasets={"cells": data},
        data={"name": "cells"},
        encoding={
            "x": {
                "field": "module_label",
                "type": "nominal",
                "sort": None,
                "title": None,
                "axis": {"orient": "top", "labelAngle": 0, "domain": False, "ticks": False},
            },
            "y": {
                "field": "name",
                "type": "nominal",
                "sort": {"field": "order"},
                "title": None,
                "axis": {"domain": False, "ticks": False},
            },
            "tooltip": {"field": "hover", "type": "nominal"},
            "description": {"field": "hover", "type": "nominal"},
        },
        layer=[
            {
                "name": "matrix_cells",
                "transform": [{"filter": "isValid(datum.stage)"}],
                "params": _click("cell"),
                "mark": {"type": "rect", "stroke": "white", "strokeWidth": 2, "cursor": "pointer"},
                "encoding": {
                    # Below, not beside: a one-country matrix is one row high, and cut a legend at its side.
                    "color": _below(_stage_colour("stage", stage_title, stage_names)),
                    "opacity": {"condition": {"test": "datum.carried", "value": CARRIED_OPACITY}, "value": 1},
                },
            },
            {
                "name": "matrix_awaiting",
                "transform": [{"filter": "datum.awaiting"}],
                "mark": {
                    "type": "rect",
                    "fill": None,
                    "stroke": AWAITING_COLOR,
                    "strokeWidth": 2.5,
                    "strokeDash": AWAITING_DASH,
                },
            },
            {
                "name": "matrix_text",
                "params": _click("cell_text"),
                "mark": {"type": "text", "fontSize": 14, "lineBreak": "\n", "cursor": "pointer"},
                "encoding": {
                    "text": {"field": "text"},
                    "fill": {"field": "ink", "type": "nominal", "scale": None},
                },
            },
        ],
    )
    return spec


def map_hover(values: pd.DataFrame, last: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``values`` (``queries.map_values``) with its hover sentence per country (``text``):
    the value, where it was carried from, the last period reported (``last``:
    ``queries.last_reported``), and whether it awaits review."""
    last_by = dict(zip(last["country"], last["last_period"], strict=True))
    return values.assign(
        text=[
            f"{n}: {'—' if v != v else number(v, lang)}"
            + (f" · {t('refperiod.carried', lang, year=int(cf))}" if pd.notna(cf) else "")
            + (f" · {t('overview.last_reported', lang)} {last_by[i]}" if i in last_by else "")
            + (f" · {t('chart.awaiting', lang)}" if w else "")
            for i, n, v, cf, w in zip(
                values["country"],
                values["name"],
                values["value"],
                values["carried_from"],
                values["awaiting"],
                strict=True,
            )
        ]
    )


def map_data(values: pd.DataFrame, mode: str) -> pd.DataFrame:
    """What the map (``mode="map"``) or the tiles draw for each country of ``values``
    (``queries.map_values`` with a ``text`` hover)."""
    df = prepare(values)
    discrete = is_stages(df["value"])
    awaiting = values["awaiting"].fillna(False).astype(bool).to_numpy() if "awaiting" in values else False
    df = df.assign(
        hover=_tooltip(df.pop("text")),
        awaiting=awaiting,
        ink=[ink(v) for v in df["value"]],
        label=[value_label(v, discrete) for v in df["value"]],
    )
    where = tile_layout() if mode == "tiles" else centroids()
    df = df.merge(where, left_on="country", right_on="iso3", how="left").drop(columns="iso3")
    df["small"] = df["country"].isin(SMALL_STATES)
    return df


def map_spec(
    data: pd.DataFrame,
    *,
    title: str,
    colour_title: str,
    stage_names: dict[str, str] | None,
    mode: str = "map",
    shapes_url: str | None = None,
) -> dict[str, Any]:
    """One value (0-5 or missing) per country (``map_data``): a map of the countries with the value printed on a disc at each (islands get a larger disc
    and their name), or ``mode="tiles"``: one equal square per country. Whole stages
    (``stage_names`` given) get one flat colour each, averages a gradient; missing values are
    grey (the page says so); values awaiting review are ringed, dashed. The countries' shapes
    come from ``shapes_url`` when the app serves them (``SHAPES_URL``), else inside the spec. A click selects the country
    (selection ``pick``)."""
    if mode not in ("map", "tiles"):
        raise ValueError(f"unknown map mode {mode!r}")
    colour = {
        "condition": {"test": "!isValid(datum.value)", "value": NO_DATA_COLOR},
        **_stage_colour("value", colour_title, stage_names),
    }
    tooltip = {"field": "hover", "type": "nominal"}
    said = {"tooltip": tooltip, "description": tooltip}
    spec = _frame(title, 560)
    if mode == "tiles":
        xy = {
            "x": {"field": "col", "type": "ordinal", "axis": None},
            "y": {"field": "row", "type": "ordinal", "axis": None},
        }
        spec.update(
            datasets={"values": data},
            data={"name": "values"},
            encoding={**xy, **said},
            layer=[
                {
                    "name": "tiles",
                    "params": _click("pick"),
                    "mark": {"type": "rect", "stroke": "white", "strokeWidth": 3, "cursor": "pointer"},
                    "encoding": {"color": colour},
                },
                {
                    "name": "tiles_awaiting",
                    "transform": [{"filter": "datum.awaiting"}],
                    "mark": {
                        "type": "rect",
                        "fill": None,
                        "stroke": AWAITING_COLOR,
                        "strokeWidth": 3,
                        "strokeDash": AWAITING_DASH,
                    },
                },
                {
                    "name": "tiles_text",
                    "params": _click("pick_text"),
                    "transform": [{"calculate": "datum.country + '\\n' + datum.label", "as": "tile"}],
                    "mark": {"type": "text", "fontSize": 13, "lineBreak": "\n", "cursor": "pointer"},
                    "encoding": {
                        "text": {"field": "tile"},
                        "fill": {"field": "ink", "type": "nominal", "scale": None},
                    },
                },
            ],
        )
        return spec
    # Below the map, not beside it: on a phone a legend at the side covers the islands.
    colour = _below(colour)
    lonlat = {
        "longitude": {"field": "lon", "type": "quantitative"},
        "latitude": {"field": "lat", "type": "quantitative"},
    }
    disc = {
        "condition": {"test": "datum.small", "value": ISLAND_MARKER_PX**2},
        "value": MAINLAND_MARKER_PX**2,
    }
    spec.update(
        datasets={"values": data} if shapes_url else {"values": data, "countries": lac_geojson()},
        projection={"type": "mercator", "fit": EXTENT},
        layer=[
            {
                "name": "land",
                "data": {"url": LAND_URL, "format": {"type": "topojson", "feature": "land"}},
                "mark": {
                    "type": "geoshape",
                    "aria": False,
                    "fill": "#ffffff",
                    "stroke": "#bdbdbd",
                    "strokeWidth": 0.5,
                    "clip": True,
                },
            },
            {
                "name": "shapes",
                "params": _click("pick"),
                "data": {
                    **({"url": shapes_url} if shapes_url else {"name": "countries"}),
                    "format": {"type": "json", "property": "features"},
                },
                "transform": [
                    {
                        "lookup": "properties.iso3",
                        "from": {
                            "data": {"name": "values"},
                            "key": "country",
                            "fields": ["country", "value", "hover"],
                        },
                    },
                    {"filter": "isValid(datum.country)"},
                ],
                "mark": {
                    "type": "geoshape",
                    "stroke": BORDER_COLOR,
                    "strokeWidth": 0.6,
                    "cursor": "pointer",
                    "clip": True,
                },
                "encoding": {"color": colour, **said},
            },
            {
                "name": "discs",
                "params": _click("pick_disc"),
                "data": {"name": "values"},
                "mark": {
                    "type": "circle",
                    "opacity": 1,
                    "stroke": BORDER_COLOR,
                    "strokeWidth": 1,
                    "cursor": "pointer",
                },
                "encoding": {**lonlat, "size": disc, "color": colour, **said},
            },
            {
                "name": "map_awaiting",
                "data": {"name": "values"},
                "transform": [{"filter": "datum.awaiting"}],
                "mark": {
                    "type": "circle",
                    "aria": False,
                    "filled": False,
                    "stroke": AWAITING_COLOR,
                    "strokeWidth": 2.5,
                    "strokeDash": AWAITING_DASH,
                    "size": (ISLAND_MARKER_PX + 10) ** 2,
                },
                "encoding": lonlat,
            },
            {
                "name": "disc_text",
                "params": _click("pick_text"),
                "data": {"name": "values"},
                "mark": {"type": "text", "fontSize": 10, "cursor": "pointer"},
                "encoding": {
                    **lonlat,
                    "text": {"field": "label"},
                    "fill": {"field": "ink", "type": "nominal", "scale": None},
                    **said,
                },
            },
            {
                "name": "island_names",
                "data": {"name": "values"},
                "transform": [{"filter": "datum.small"}],
                "mark": {
                    "type": "text",
                    "aria": False,
                    "fontSize": 11,
                    # Right of the disc; on a phone's narrow map, left of it: the eastern
                    # islands' names would run past the map's edge.
                    "align": {"expr": f"width < {NARROW_MAP_PX} ? 'right' : 'left'"},
                    "dx": {"expr": f"(width < {NARROW_MAP_PX} ? -1 : 1) * {ISLAND_MARKER_PX // 2 + 4}"},
                    "color": "#222222",
                },
                "encoding": {**lonlat, "text": {"field": "name"}},
            },
        ],
    )
    return spec

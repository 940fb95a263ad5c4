"""The overview's Vega-Lite map and matrix: what they draw, and that filters change only data."""

import json
import os

import pandas as pd
import pytest

from analytics import reference
from analytics.figures import geo, vega
from analytics.figures.style import NO_DATA_COLOR, STAGE_COLORS
from analytics.insights import status
from analytics.ledger import workflow
from analytics.ledger.reads import WORKING
from analytics.present import stage_cells
from tests.helpers import ADMIN, progress_rows, workbook


def _values(stages: dict[str, float | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "country": list(stages),
            "name": [f"name {c}" for c in stages],
            "value": [float("nan") if v is None else v for v in stages.values()],
            "text": [f"{c}<br>hover" for c in stages],
            "awaiting": [c == "PER" for c in stages],
        }
    )


def _matrix_spec(con, year: int, lang: str = "en", scope=None) -> tuple[dict, pd.DataFrame]:
    ref = reference.build(con)
    kw = {"scope": scope} if scope is not None else {}
    cells = stage_cells.matrix_cells(status.stage_status(con, year=year, **kw), ref, lang, year)
    data = vega.matrix_data(cells)
    spec = vega.stage_matrix_spec(data, title="t", stage_title="Stage", stage_names=ref.labels("stage", lang))
    return spec, data


def _layers_with(spec: dict, mark: str) -> list[dict]:
    return [layer for layer in spec["layer"] if layer["mark"]["type"] == mark]


def test_matrix_prints_stage_and_arrow_per_cell_and_a_click_selects_the_country(store, con):
    for period, stages in (("2023", (1, 1, 1, 1)), ("2024", (3, 1, 0, 1))):
        workflow.load(
            store, workbook(progress=progress_rows("PER", period, stages)), "f.xlsx", principal=ADMIN
        )
    spec, data = _matrix_spec(con, 2024, "es")
    assert list(data["text"]) == ["3 ▲", "1 =", "0 ▼", "1 ="]
    assert spec["datasets"]["cells"] is not None and spec["data"] == {"name": "cells"}
    rect = _layers_with(spec, "rect")[0]
    clicks = [p for layer in spec["layer"] for p in layer.get("params", [])]
    assert tuple(p["name"] for p in clicks) == vega.MATRIX_CLICKS, "the cell and its number"
    assert all(p["select"]["fields"] == ["country"] for p in clicks) and set(data["country"]) == {"PER"}
    assert spec["encoding"]["description"]["field"] == "hover", "each cell says itself to screen readers"
    assert rect["encoding"]["color"]["scale"]["range"] == STAGE_COLORS
    assert "<br>" not in "".join(data["hover"]), "Vega tooltips are plain text"


def test_matrix_rows_follow_the_languages_alphabet_not_iso_codes(store, con):
    for iso3 in ("DOM", "ARG", "PER"):
        workflow.load(store, workbook(progress=progress_rows(iso3, "2024")), "f.xlsx", principal=ADMIN)
    _, data = _matrix_spec(con, 2024, "es")
    names = list(dict.fromkeys(data["name"]))
    assert names == ["Argentina", "Perú", "República Dominicana"]
    assert list(data["order"]) == sorted(data["order"])


def test_matrix_carried_values_are_paler_and_print_their_year(store, con):
    workflow.load(
        store, workbook(progress=progress_rows("PER", "2023", (1, 2, 3, 4))), "f.xlsx", principal=ADMIN
    )
    spec, data = _matrix_spec(con, 2025)
    assert data["carried"].all() and all(text.endswith("\n2023") for text in data["text"])
    assert "carried forward from 2023" in data["hover"].iloc[0]
    rect = _layers_with(spec, "rect")[0]
    assert rect["encoding"]["opacity"]["condition"] == {
        "test": "datum.carried",
        "value": vega.CARRIED_OPACITY,
    }
    assert set(data["ink"]) == {"#222222"}, "dark text on a pale cell"


def test_matrix_outlines_values_awaiting_review(store, con, monkeypatch):
    monkeypatch.setenv("ESP_REVIEW", "on")
    workflow.load(
        store, workbook(progress=progress_rows("PER", "2024", (3, 1, 0, 1))), "f.xlsx", principal=ADMIN
    )
    _, published = _matrix_spec(con, 2024)
    assert published.empty or not published["awaiting"].any()
    spec, data = _matrix_spec(con, 2024, scope=WORKING)
    assert data["awaiting"].sum() == 4
    outline = [
        layer
        for layer in _layers_with(spec, "rect")
        if layer.get("transform") == [{"filter": "datum.awaiting"}]
    ]
    assert outline and outline[0]["mark"]["strokeDash"] == vega.AWAITING_DASH


@pytest.mark.parametrize("mode", ["map", "tiles"])
def test_a_filter_changes_the_data_never_the_specification(mode):
    """The point of Vega-Lite here: Streamlit swaps the data of a chart whose spec is unchanged."""

    def spec_for(stages):
        spec = vega.map_spec(
            vega.map_data(_values(stages), mode),
            title="Map",
            colour_title="Stage",
            stage_names=None,
            mode=mode,
        )
        data = spec.pop("datasets")
        return json.dumps(spec, sort_keys=True, default=str), data["values"]

    everyone, all_data = spec_for({"PER": 2.5, "GTM": 3.0, "LCA": None})
    some, some_data = spec_for({"PER": 2.5})
    assert everyone == some
    assert len(all_data) == 3 and list(some_data["country"]) == ["PER"]


def test_map_draws_each_country_its_value_and_marks_missing_and_awaiting():
    data = vega.map_data(_values({"PER": 2.5, "GTM": 3.0, "LCA": None}), "map")
    assert list(data["label"]) == ["2.5", "3.0", "–"]
    assert data.set_index("country").loc["LCA", "small"], "islands get a larger disc and their name"
    assert data[["lon", "lat"]].notna().all().all()
    spec = vega.map_spec(data, title="Map", colour_title="Stage", stage_names=None, mode="map")
    shapes = _layers_with(spec, "geoshape")
    assert shapes[0]["data"]["url"] == vega.LAND_URL and shapes[0]["data"]["url"].startswith("app/static/")
    assert spec["datasets"]["countries"]["type"] == "FeatureCollection"
    colour = shapes[1]["encoding"]["color"]
    assert colour["condition"] == {"test": "!isValid(datum.value)", "value": NO_DATA_COLOR}
    clicks = [p["name"] for layer in spec["layer"] for p in layer.get("params", [])]
    assert tuple(clicks) == vega.MAP_CLICKS and shapes[1]["params"][0]["name"] == "pick"
    rings = [layer for layer in spec["layer"] if layer.get("transform") == [{"filter": "datum.awaiting"}]]
    assert rings and list(data[data["awaiting"]]["country"]) == ["PER"]


def test_whole_stages_are_named_in_the_legend_and_averages_are_a_gradient(con):
    ref = reference.build(con)
    data = vega.map_data(_values({"PER": 2.0, "GTM": 3.0}), "tiles")
    assert list(data["label"]) == ["2", "3"] and data[["col", "row"]].notna().all().all()
    names = ref.labels("stage", "es")
    stages = vega.map_spec(data, title="t", colour_title="Etapa", stage_names=names, mode="tiles")
    colour = stages["layer"][0]["encoding"]["color"]
    assert colour["type"] == "ordinal" and f"3 {names['3']}" in colour["legend"]["labelExpr"]
    average = vega.map_spec(data, title="t", colour_title="Etapa", stage_names=None, mode="tiles")
    assert average["layer"][0]["encoding"]["color"]["type"] == "quantitative"
    with pytest.raises(ValueError):
        vega.map_spec(data, title="t", colour_title="x", stage_names=None, mode="globe")


def test_the_countries_shapes_are_published_as_a_byte_for_byte_copy_once(tmp_path):
    target = tmp_path / "static" / "geo" / "countries.geojson"
    assert geo.publish_geojson(target)
    assert target.read_bytes() == geo.GEOJSON_PATH.read_bytes()
    assert target.stat().st_mode & 0o777 == 0o644
    target.write_text("{}")  # a stale or damaged copy is replaced
    assert geo.publish_geojson(target) and target.read_bytes() == geo.GEOJSON_PATH.read_bytes()
    assert [p.name for p in target.parent.iterdir()] == [target.name], "no temporary file left"


def test_a_read_only_install_sends_the_shapes_inside_the_chart(tmp_path):
    folder = tmp_path / "static"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):  # root writes anywhere: a file in the way instead
            folder.chmod(0o755)
            (folder / "geo").write_text("a file where the folder should be")
        assert not geo.publish_geojson(folder / "geo" / "countries.geojson")
    finally:
        folder.chmod(0o755)
    data = vega.map_data(_values({"PER": 2.5}), "map")
    inline = vega.map_spec(data, title="t", colour_title="c", stage_names=None)
    served = vega.map_spec(data, title="t", colour_title="c", stage_names=None, shapes_url=vega.SHAPES_URL)
    assert inline["datasets"]["countries"] is geo.lac_geojson()
    assert "countries" not in served["datasets"]
    assert _layers_with(served, "geoshape")[1]["data"]["url"] == "app/static/geo/lac_countries.geojson"
    assert geo.SERVED_GEOJSON_PATH.relative_to(geo.ROOT).as_posix() == "static/geo/lac_countries.geojson"

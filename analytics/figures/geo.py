"""Offline map geometry: the 15 countries' shapes, marker positions and tile grid.

Everything is read from files committed in the repo (built by ``scripts/build_geo.py``),
so no map needs the internet. Loaders are cached per process; the cached objects are
shared by every user and must not be mutated.
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.paths import DATA_DIR, ROOT

GEO_DIR = DATA_DIR / "geo"
GEOJSON_PATH = GEO_DIR / "lac_countries.geojson"
TILES_PATH = GEO_DIR / "tiles.csv"
# Served by Streamlit (server.enableStaticServing) at app/static/topojson/world_110m.json:
# the base map plotly.js fetches for every geo figure (see maps.PLOTLY_CONFIG).
STATIC_TOPOJSON_PATH = ROOT / "static" / "topojson" / "world_110m.json"
# Where the app serves the countries' shapes (a copy of GEOJSON_PATH: Streamlit serves files
# from ./static only, and refuses links out of it): see ``publish_geojson``.
SERVED_GEOJSON_PATH = ROOT / "static" / "geo" / GEOJSON_PATH.name
# Marker nudges in degrees (lon, lat): El Salvador's centroid is ~2.5 degrees from
# Guatemala's and Honduras's, so at regional zoom their value discs would overlap;
# its disc sits just off its Pacific coast instead.
MARKER_NUDGES: dict[str, tuple[float, float]] = {"SLV": (0.0, -1.6)}


@lru_cache(maxsize=1)
def lac_geojson() -> dict[str, Any]:
    """FeatureCollection of the 15 countries; ``properties.iso3`` and ``properties.name_en``."""
    with GEOJSON_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)


def publish_geojson(target: Path = SERVED_GEOJSON_PATH) -> bool:
    """Make ``target`` a byte-for-byte copy of the countries' shapes (written whole, then
    renamed, so a reader never sees half a file); False when it cannot be written (a
    read-only install: maps then carry the shapes inside each chart instead). The browser
    fetches the file once and caches it, where shapes inside the chart cost every rerun
    ~15 ms to serialise and parse again on the server."""
    source = GEOJSON_PATH.read_bytes()
    try:
        if target.exists() and target.read_bytes() == source:
            return True
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".geo-", delete=False) as tmp:
            tmp.write(source)
        os.chmod(tmp.name, 0o644)  # as any file the app serves
        try:
            os.replace(tmp.name, target)
        finally:
            Path(tmp.name).unlink(missing_ok=True)
        return True
    except OSError:
        return False


@lru_cache(maxsize=1)
def _tiles() -> pd.DataFrame:
    return pd.read_csv(TILES_PATH, dtype={"iso3": str, "col": int, "row": int})


def tile_layout() -> pd.DataFrame:
    """Equal-tile grid (iso3, col, row); row 0 is the top (Mexico), Southern Cone last."""
    return _tiles().copy()


def _ring_centroid(ring: list[list[float]]) -> tuple[float, float, float]:
    """(|area|, lon, lat) of a closed ring in the lon/lat plane (fine at country scale)."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in pairwise(ring):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if area == 0:
        return 0.0, ring[0][0], ring[0][1]
    return abs(area) / 2, cx / (3 * area), cy / (3 * area)


@lru_cache(maxsize=1)
def _centroids() -> pd.DataFrame:
    rows = []
    for feature in lac_geojson()["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        # Centroid of the largest part: keeps the marker on the mainland / main island
        # (not pulled to sea by the Galapagos, Tobago or Tierra del Fuego).
        _, lon, lat = max(_ring_centroid(polygon[0]) for polygon in polygons)
        iso3 = feature["properties"]["iso3"]
        dlon, dlat = MARKER_NUDGES.get(iso3, (0.0, 0.0))
        rows.append({"iso3": iso3, "lon": round(lon + dlon, 3), "lat": round(lat + dlat, 3)})
    return pd.DataFrame(rows)


def centroids() -> pd.DataFrame:
    """Marker position (iso3, lon, lat) per country: the centroid of its largest polygon
    (so islands get a marker on the island), nudged per ``MARKER_NUDGES``."""
    return _centroids().copy()

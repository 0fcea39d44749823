"""The map's light grey base: buildings, streets, area outlines and names.

Drawn from the workspace's own public geometry — no tiles, no network
(ADR 0017):

* **outlines** of the gemeente, wijken and buurten (``place_<level>``: the
  CBS polygons, or the derived area of their dwellings), with their names;
  an area under the dwelling floor (``BAND_FLOOR``) is left out, as it is
  everywhere;
* **buildings**: the BAG panden of the ``buildings`` table that are in use
  (``veerkracht.analytics.places.IN_USE_STATUSES``), footprint only;
* **streets**: the ``streets`` table's centre lines where the workspace has
  one (the demo city), otherwise a line through the BAG address points of
  each street name (:func:`veerkracht.analytics.basemap.street_lines`);
* **labels**: wijk names when zoomed out, buurt names in between, street
  names close in (:data:`LABEL_ZOOM`).

Context features carry their kind and, for labels, a public name: no place
id, no dwelling, no figure. They are the same for every user and do not
depend on the user's areas. Like the place layers they are simplified per
zoom, reprojected once, cached per zoom and table version, cut by bounding
box with an STR-tree, and built before the first request (:func:`warm`).
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely
from django.conf import settings
from pyproj import Transformer

from veerkracht.analytics import basemap
from veerkracht.analytics.places import IN_USE_STATUSES
from veerkracht.analytics.publication import BAND_FLOOR
from veerkracht.web import workspace

#: zoom from which each kind is drawn
MIN_ZOOM = {"gemeente": 0, "wijk": 0, "buurt": 11, "street": 14, "building": 15}
#: zoom range (inclusive) in which each kind's names are written
LABEL_ZOOM = {"wijk": (0, 12), "buurt": (13, 15), "street": (16, 19)}
MAX_ZOOM = 19
#: most labels in one answer
MAX_LABELS = 300
AREA_LEVELS = ("gemeente", "wijk", "buurt")
#: the tables each kind is drawn from
SOURCES = {
    "gemeente": ("place_gemeente",),
    "wijk": ("place_wijk",),
    "buurt": ("place_buurt",),
    "building": ("buildings",),
    "street": ("streets", "addresses"),
}
_TO_WGS84 = Transformer.from_crs(28992, 4326, always_xy=True)
_lock = threading.Lock()


@dataclass(frozen=True)
class _Kind:
    geojson: np.ndarray  # GeoJSON text per feature (object)
    tree: shapely.STRtree  # over WGS 84 envelopes
    label_names: np.ndarray  # object
    label_xy: np.ndarray  # (n, 2) lon, lat
    label_angle: np.ndarray  # degrees, counter-clockwise from east
    label_tree: shapely.STRtree | None


def _project(geoms: np.ndarray, decimals: int = 6) -> np.ndarray:
    def project(coords: np.ndarray) -> np.ndarray:
        x, y = _TO_WGS84.transform(coords[:, 0], coords[:, 1])
        return np.round(np.column_stack([x, y]), decimals)

    return shapely.transform(geoms, project)


def tolerance(zoom: int) -> float:
    from veerkracht.web.maps.services import tolerance_for_zoom

    return tolerance_for_zoom(zoom)


def _zoom_key(kind: str, zoom: int) -> int:
    """Zoom levels that share a simplification share a cache entry."""
    zoom = max(MIN_ZOOM[kind], min(MAX_ZOOM, int(zoom)))
    if kind == "building":
        return 15 if zoom < 17 else 17
    return zoom - zoom % 2


def _versions(kind: str) -> tuple:
    have = workspace.versions()
    return tuple(have.get(t) for t in SOURCES[kind])


def version_token() -> str:
    """A short token that changes when any context source table changes
    (the map page puts it in the context URL, so browsers may cache it)."""
    have = workspace.versions()
    text = json.dumps([workspace.location()]
                      + [have.get(t) for k in SOURCES for t in SOURCES[k]])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@lru_cache(maxsize=8)
def _source(location: str, kind: str, versions: tuple):
    """Geometry (RD New), label names and label points/angles of one kind
    (kept per table version: the street lines take seconds on a city)."""
    if kind in AREA_LEVELS:
        places = workspace.table(f"place_{kind}")
        if places is None or not len(places):
            return None
        n = pd.to_numeric(places.get("n_dwellings"), errors="coerce")
        keep = (n.fillna(BAND_FLOOR) >= BAND_FLOOR).to_numpy()
        places = places[keep]
        polys = places.geometry.to_numpy()
        lines = shapely.boundary(polys)
        names = places["name"].astype("object").fillna("").astype(str).to_numpy(
            dtype=object)
        points = shapely.point_on_surface(polys)
        return lines, names, points, np.zeros(len(places))
    if kind == "building":
        buildings = workspace.table("buildings")
        if buildings is None or not len(buildings):
            return None
        if "status" in buildings.columns:
            status = buildings["status"].astype("str").str.strip().str.lower()
            in_use = status.isna() | status.isin(IN_USE_STATUSES).fillna(False)
            buildings = buildings[in_use.to_numpy()]
        geoms = buildings.geometry.to_numpy()
        geoms = geoms[~(shapely.is_empty(geoms) | shapely.is_missing(geoms))]
        return geoms, np.array([], dtype=object), np.array([], dtype=object), \
            np.zeros(0)
    if kind == "street":
        lines, names = _street_lines()
        if lines is None or not len(lines):
            return None
        points, angles = basemap.label_points(lines)
        return lines, names, points, angles
    raise ValueError(kind)


def _street_lines():
    streets = workspace.table("streets")
    if streets is not None and len(streets) and "straat" in streets.columns:
        geoms = streets.geometry.to_numpy()
        ok = ~(shapely.is_empty(geoms) | shapely.is_missing(geoms))
        names = streets["straat"].astype("object").fillna("").astype(str)
        return geoms[ok], names.to_numpy(dtype=object)[ok]
    addresses = workspace.table("addresses")
    if addresses is None or not len(addresses):
        return None, None
    straat = addresses["straat"].astype("object").fillna("").astype(str)
    place = (addresses["woonplaats"].astype("object").fillna("").astype(str)
             if "woonplaats" in addresses.columns else "")
    geom = addresses.geometry
    keys, lines = basemap.street_lines(
        geom.x.to_numpy(dtype=float), geom.y.to_numpy(dtype=float),
        (place + "|" + straat).to_numpy(dtype=object),
        addresses["huisnummer"].to_numpy(),
    )
    names = np.array([k.split("|", 1)[1] for k in keys], dtype=object)
    return lines, names


@lru_cache(maxsize=32)
def _kind(location: str, kind: str, zoom_key: int, versions: tuple) -> _Kind | None:
    src = _source(location, kind, versions)
    if src is None:
        return None
    geoms, names, points, angles = src
    simple = shapely.simplify(geoms, tolerance(zoom_key), preserve_topology=True)
    lost = shapely.is_empty(simple) | shapely.is_missing(simple)
    simple = np.where(lost, geoms, simple)
    # 5 decimals (about a metre) until a pixel is smaller than that
    wgs = _project(simple, 5 if zoom_key < 17 else 6)
    text = shapely.to_geojson(wgs)
    tree = shapely.STRtree(shapely.envelope(wgs))
    label_tree, xy = None, np.zeros((0, 2))
    if len(points):
        xy = shapely.get_coordinates(_project(points))
        label_tree = shapely.STRtree(shapely.points(xy))
    return _Kind(text, tree, names, xy, np.asarray(angles, float), label_tree)


def _get(kind: str, zoom: int) -> _Kind | None:
    versions = _versions(kind)
    if all(v is None for v in versions):
        return None
    with _lock:
        return _kind(workspace.location(), kind, _zoom_key(kind, zoom), versions)


def context(bbox: tuple[float, float, float, float], zoom: int) -> dict:
    """The base layer in a bounding box at a zoom: features and labels.

    Returns ``{"meta": ..., "features": [GeoJSON text], "labels": [...]}``;
    :func:`render` makes the answer. Buildings are left out (``meta.skipped``)
    when more than ``VEERKRACHT_MAP_MAX_CONTEXT`` would be sent.
    """
    west, south, east, north = bbox
    if not (west < east and south < north and -180 <= west <= 180
            and -90 <= south <= 90):
        raise ValueError("bbox moet west,zuid,oost,noord in graden zijn "
                         "(west < oost, zuid < noord)")
    zoom = max(0, min(MAX_ZOOM, int(zoom)))
    box = shapely.box(west, south, east, north)
    limit = settings.VEERKRACHT_MAP_MAX_CONTEXT
    features: list[str] = []
    labels: list[dict] = []
    kinds, skipped = [], []
    for kind in ("building", "street", "buurt", "wijk", "gemeente"):
        if zoom < MIN_ZOOM[kind]:
            continue
        layer = _get(kind, zoom)
        if layer is None:
            continue
        rows = np.sort(layer.tree.query(box))
        if len(features) + len(rows) > limit:
            skipped.append(kind)
            continue
        kinds.append(kind)
        head = f'{{"type":"Feature","properties":{{"kind":"{kind}"}},"geometry":'
        features.extend(head + layer.geojson[i] + "}" for i in rows)
        lo, hi = LABEL_ZOOM.get(kind, (99, -1))
        if lo <= zoom <= hi and layer.label_tree is not None:
            for i in np.sort(layer.label_tree.query(box)):
                if len(labels) >= MAX_LABELS:
                    break
                name = layer.label_names[i]
                if name:
                    labels.append({"kind": kind, "name": name,
                                   "at": [float(layer.label_xy[i, 0]),
                                          float(layer.label_xy[i, 1])],
                                   "angle": round(float(layer.label_angle[i]), 1)})
    meta = {"zoom": zoom, "kinds": kinds, "skipped": skipped,
            "count": len(features)}
    return {"meta": meta, "features": features, "labels": labels}


def render(answer: dict) -> bytes:
    head = json.dumps(answer["meta"])
    labels = json.dumps(answer["labels"], ensure_ascii=False)
    body = ",".join(answer["features"])
    return (f'{{"type":"FeatureCollection","meta":{head},"labels":{labels},'
            f'"features":[{body}]}}').encode()


def warm() -> None:
    """Build what the first map views ask for (``veerkracht serve`` does)."""
    for kind in MIN_ZOOM:
        for zoom in sorted({max(MIN_ZOOM[kind], z) for z in (12, 14, 15, 16)}):
            _get(kind, zoom)


def clear_cache() -> None:
    _kind.cache_clear()
    _source.cache_clear()

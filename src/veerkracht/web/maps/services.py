"""Map layers: the workspace's own place geometry, simplified per zoom level.

No tile server and no internet: the map draws the places themselves. To stay
fast for a city of 500,000 dwellings a request never returns one huge
GeoJSON:

* geometry is simplified in RD New with a tolerance of half a screen pixel at
  the requested zoom (:func:`tolerance_for_zoom`), reprojected to WGS 84 once
  and rounded to 6 decimals (about 10 cm); the result is cached per level,
  zoom and table version;
* a request asks for one level within a bounding box (an STRtree query) or
  for the children of one place (drill-down);
* fine levels are only served from a minimum zoom (:data:`MIN_ZOOM`), and at
  most ``VEERKRACHT_MAP_MAX_FEATURES`` places are returned; beyond that the
  answer says to zoom in.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from django.conf import settings
from pyproj import Transformer

from veerkracht.web import workspace
from veerkracht.web.levels import DWELLING_COLUMN, check_level
from veerkracht.web.places.figures import figures

MIN_ZOOM = {
    "gemeente": 0,
    "wijk": 0,
    "buurt": 0,
    "street": 13,
    "block": 15,
    "building": 16,
    "entrance": 16,
}
MAX_ZOOM = 19
_TO_WGS84 = Transformer.from_crs(28992, 4326, always_xy=True)
_lock = threading.Lock()


def tolerance_for_zoom(zoom: int) -> float:
    """Half a screen pixel in metres at ``zoom`` (Web Mercator, ~53° N)."""
    zoom = max(0, min(MAX_ZOOM, int(zoom)))
    metres_per_pixel = 156543.03 * 0.60 / (2**zoom)
    return metres_per_pixel / 2


@dataclass(frozen=True)
class _Layer:
    ids: np.ndarray  # place ids (object)
    parents: np.ndarray  # parent ids (object)
    geojson: np.ndarray  # geometry as GeoJSON text per place (object)
    tree: shapely.STRtree  # over WGS 84 envelopes
    index: dict  # place id -> row


def _to_wgs84(geoms: np.ndarray) -> np.ndarray:
    def project(coords: np.ndarray) -> np.ndarray:
        x, y = _TO_WGS84.transform(coords[:, 0], coords[:, 1])
        return np.round(np.column_stack([x, y]), 6)

    return shapely.transform(geoms, project)


@lru_cache(maxsize=48)
def _layer(level: str, zoom_key: int, version: int) -> _Layer:
    places = workspace.table(f"place_{level}")
    geoms = places.geometry.to_numpy()
    tol = tolerance_for_zoom(zoom_key)
    simple = shapely.simplify(geoms, tol, preserve_topology=True)
    # a polygon simplified away keeps its original shape
    lost = shapely.is_empty(simple) | shapely.is_missing(simple)
    simple = np.where(lost, geoms, simple)
    wgs = _to_wgs84(simple)
    text = shapely.to_geojson(wgs)
    ids = places["place_id"].astype("str").to_numpy(dtype=object)
    parents = places["parent_id"].astype("str").to_numpy(dtype=object, na_value=None)
    tree = shapely.STRtree(shapely.envelope(wgs))
    return _Layer(ids, parents, text, tree, {pid: i for i, pid in enumerate(ids)})


def children_of(parent_level: str, parent_id: str, level: str) -> frozenset[str]:
    """Ids of the places at ``level`` that hold dwellings of the given place."""
    check_level(parent_level)
    dwellings = workspace.dwelling_places()
    if dwellings is None:
        return frozenset()
    mask = dwellings[DWELLING_COLUMN[parent_level]].astype("str").eq(parent_id)
    values = dwellings.loc[mask.fillna(False).to_numpy(), DWELLING_COLUMN[level]]
    return frozenset(values.dropna().astype("str").unique())


@lru_cache(maxsize=16)
def _only_points(level: str, version: int) -> bool:
    places = workspace.table(f"place_{level}")
    return bool(len(places)) and bool((places.geometry.geom_type == "Point").all())


def _zoom_key(level: str, zoom: int) -> int:
    """Zoom levels that share a tolerance closely enough share a cache entry.

    Points are never simplified: one entry serves every zoom.
    """
    if _only_points(level, workspace.version_of(f"place_{level}")):
        return MAX_ZOOM
    zoom = max(0, min(MAX_ZOOM, int(zoom)))
    return zoom if level in ("entrance", "building", "block") else zoom - zoom % 2


def _check_request(level: str, bbox, parent) -> None:
    """A level with places, and a bounding box or a parent to draw."""
    check_level(level)
    if workspace.version_of(f"place_{level}") is None:
        raise LookupError(f"er zijn nog geen plaatsen op niveau {level}")
    if bbox is None and parent is None:
        raise ValueError(
            "geef een kaartuitsnede (bbox) of een bovenliggende plaats (parent)"
        )


def layer(
    level: str,
    visible: frozenset[str],
    *,
    bbox: tuple[float, float, float, float] | None = None,
    zoom: int = 14,
    parent: tuple[str, str] | None = None,
    period: str | None = None,
    audience: str = "public",
) -> dict:
    """A GeoJSON FeatureCollection of ``level`` for the map.

    Parameters
    ----------
    level : str
        Place level.
    visible : frozenset of str
        Place ids the user may see (from :mod:`veerkracht.web.accounts.scoping`);
        nothing else is returned.
    bbox : (west, south, east, north), optional
        WGS 84 bounds; required unless ``parent`` is given.
    zoom : int
        Map zoom; sets the simplification and the minimum zoom of fine levels.
    parent : (level, id), optional
        Only the places inside this place (drill-down), by their dwellings.
    audience : {"public", "assigned"}
        Who the publication door publishes for
        (:func:`veerkracht.web.places.figures.audience_for`). Only places the
        door returns for that audience are drawn; band-only places carry
        their band and a neutral hatched style, never their class.
    """
    _check_request(level, bbox, parent)
    limit = settings.VEERKRACHT_MAP_MAX_FEATURES
    if parent is None and zoom < MIN_ZOOM[level]:
        return _collection(level, [], None, zoom_in=True, min_zoom=MIN_ZOOM[level])
    lay, rows = _selected(level, visible, bbox=bbox, zoom=zoom, parent=parent)
    fig = figures(level, period, audience)
    published = set(fig.frame.index)  # not published: not drawn, not listed
    rows = rows[
        np.fromiter((lay.ids[i] in published for i in rows), dtype=bool,
                    count=len(rows))
    ]
    if len(rows) > limit:
        return _collection(
            level,
            [],
            fig,
            zoom_in=True,
            min_zoom=min(zoom + 1, MAX_ZOOM),
            total=int(len(rows)),
        )
    frame = fig.frame
    features = []
    for i in rows:
        pid = lay.ids[i]
        props = _properties(frame, pid, level)
        features.append(
            f'{{"type":"Feature","id":{json.dumps(pid)},"geometry":{lay.geojson[i]},'
            f'"properties":{json.dumps(props, ensure_ascii=False)}}}'
        )
    return _collection(level, features, fig)


def _selected(level: str, visible, *, bbox, zoom: int, parent):
    """The layer of ``level`` at ``zoom`` and its rows in the bounding box (or
    inside ``parent``) that are in ``visible``, in order."""
    with _lock:
        lay = _layer(
            level, _zoom_key(level, zoom), workspace.version_of(f"place_{level}")
        )
    if bbox is not None:
        west, south, east, north = bbox
        if not (
            west < east and south < north and -180 <= west <= 180 and -90 <= south <= 90
        ):
            raise ValueError(
                "bbox moet west,zuid,oost,noord in graden zijn "
                "(west < oost, zuid < noord)"
            )
        rows = lay.tree.query(shapely.box(west, south, east, north))
    else:
        rows = np.arange(len(lay.ids))
    if parent is not None:
        inside = children_of(parent[0], parent[1], level)
        rows = rows[
            np.fromiter(
                (lay.ids[i] in inside for i in rows), dtype=bool, count=len(rows)
            )
        ]
    rows = np.sort(rows)
    keep = np.fromiter(
        (lay.ids[i] in visible for i in rows), dtype=bool, count=len(rows)
    )
    return lay, rows[keep]


def overlay(
    level: str,
    props: dict[str, dict],
    *,
    bbox: tuple[float, float, float, float] | None = None,
    zoom: int = 14,
    parent: tuple[str, str] | None = None,
    meta: dict | None = None,
) -> dict:
    """A FeatureCollection of the places in ``props`` with those properties.

    For layers that colour the map's own geometry by something else than
    the balance (the headroom of ``veerkracht.web.allocation``): the caller
    chose the places (the user's, published for their audience) and what
    each carries; this adds the geometry, with the same bounding box,
    drill-down, minimum zoom and feature limit as :func:`layer`.
    """
    _check_request(level, bbox, parent)
    extra = dict(meta or {})
    if parent is None and zoom < MIN_ZOOM[level]:
        out = _collection(level, [], None, zoom_in=True, min_zoom=MIN_ZOOM[level])
        out["meta"].update(extra)
        return out
    lay, rows = _selected(level, props, bbox=bbox, zoom=zoom, parent=parent)
    if len(rows) > settings.VEERKRACHT_MAP_MAX_FEATURES:
        out = _collection(level, [], None, zoom_in=True,
                          min_zoom=min(zoom + 1, MAX_ZOOM), total=int(len(rows)))
        out["meta"].update(extra)
        return out
    features = [
        f'{{"type":"Feature","id":{json.dumps(lay.ids[i])},'
        f'"geometry":{lay.geojson[i]},'
        f'"properties":{json.dumps(props[lay.ids[i]], ensure_ascii=False)}}}'
        for i in rows
    ]
    out = _collection(level, features, None)
    out["meta"].update(extra)
    return out


def _properties(frame, pid: str, level: str) -> dict:
    """What a feature carries: the door's published figures and how to draw them."""
    props = {"id": pid, "level": level}
    row = frame.loc[pid]
    for key in (
        "name",
        "visibility",
        "colour",
        "pattern",
        "band",
        "n_dwellings",
        "balance_class",
        "class_lo",
        "class_hi",
        "balance",
        "balance_lo",
        "balance_hi",
        "class_index",
    ):
        if key in row.index:
            value = row[key]
            if value is None or (
                not isinstance(value, str) and np.ndim(value) == 0 and _isnan(value)
            ):
                continue
            props[key] = value.item() if hasattr(value, "item") else value
    return props


def _isnan(value) -> bool:
    try:
        return bool(np.isnan(value))
    except TypeError:
        import pandas as pd

        return bool(pd.isna(value))


def _collection(
    level,
    features: list[str],
    fig,
    *,
    zoom_in: bool = False,
    min_zoom: int | None = None,
    total: int | None = None,
) -> dict:
    meta = {"level": level, "count": len(features), "zoom_in": zoom_in}
    if min_zoom is not None:
        meta["min_zoom"] = min_zoom
    if total is not None:
        meta["total"] = total
    if fig is not None:
        meta["mode"] = fig.mode
        meta["period"] = fig.period
        meta["legend"] = fig.legend()
    return {"meta": meta, "features": features}


def render(collection: dict) -> bytes:
    """The FeatureCollection as compact GeoJSON bytes (features pre-serialised)."""
    head = json.dumps(collection["meta"], ensure_ascii=False, default=str)
    body = ",".join(collection["features"])
    return (
        f'{{"type":"FeatureCollection","meta":{head},"features":[{body}]}}'
    ).encode()


def geojson_response(request, body: bytes):
    """A GeoJSON answer, gzip-compressed when the browser accepts it.

    Map answers are large and hold no secret (no form token), so compressing
    them here is safe; the site's pages are not compressed.
    """
    import gzip

    from django.http import HttpResponse
    from django.utils.cache import patch_vary_headers

    response = HttpResponse(content_type="application/geo+json")
    accepts = "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "")
    if accepts and len(body) > 1024:
        body = gzip.compress(body, compresslevel=5, mtime=0)
        response["Content-Encoding"] = "gzip"
    response.content = body
    patch_vary_headers(response, ("Accept-Encoding",))
    return response


def geometries(level: str, place_ids, *, zoom: int = 16) -> dict[str, str]:
    """GeoJSON text (WGS 84, simplified for ``zoom``) of the given places.

    The map's own cached geometry of ``level`` (the same shapes as
    :func:`layer`), for overlays that draw places they chose themselves
    (the alerts layer of ``veerkracht.web.alerts``): no figure, no filter;
    the caller decides which places the user may see. Unknown ids are left
    out; an empty dict when the level has no places.
    """
    check_level(level)
    version = workspace.version_of(f"place_{level}")
    if version is None:
        return {}
    with _lock:
        lay = _layer(level, _zoom_key(level, zoom), version)
    return {
        pid: lay.geojson[lay.index[pid]] for pid in place_ids if pid in lay.index
    }


def extent(level: str, visible: frozenset[str]) -> list[float] | None:
    """WGS 84 bounds [west, south, east, north] of the visible places of ``level``."""
    places = workspace.table(f"place_{level}")
    if places is None:
        return None
    mask = places["place_id"].astype("str").isin(visible).to_numpy()
    if not mask.any():
        return None
    xmin, ymin, xmax, ymax = shapely.total_bounds(places.geometry.to_numpy()[mask])
    (w, e), (s, n) = _TO_WGS84.transform([xmin, xmax], [ymin, ymax])
    return [round(w, 6), round(s, 6), round(e, 6), round(n, 6)]


def warm() -> None:
    """Build what the first map views ask for: the place layers, the base
    layer (:mod:`veerkracht.web.maps.context`) and the place search's index
    (``veerkracht serve`` runs it before it takes requests)."""
    from veerkracht.web.maps import context
    from veerkracht.web.places import search

    for level, zoom in (("buurt", 12), ("buurt", 14), ("street", 14),
                        ("block", 16), ("entrance", 17)):
        version = workspace.version_of(f"place_{level}")
        if version is not None:
            figures(level)
            with _lock:
                _layer(level, _zoom_key(level, zoom), version)
    context.warm()
    search.warm()


def clear_cache() -> None:
    from veerkracht.web.maps import context
    from veerkracht.web.places import search

    _layer.cache_clear()
    _only_points.cache_clear()
    context.clear_cache()
    search.clear_cache()

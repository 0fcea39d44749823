"""Finding a place: by address, postcode, street, area name or place id.

One service for every page where a place is chosen (the map, the story and
intervention forms, the search page): :func:`search` answers a typed text
with the **places** the user may open — never an address, never a figure.
ADR 0016 gives the reasons; in short:

* an address ("Bosweg 12", "9351 AA 12-2") or a postcode is matched on the
  public BAG addresses of the dwellings (``addresses`` joined to
  ``dwellings``, which holds each dwelling's places) and answered with the
  places that hold it — entrance, building, block, street, buurt — not with
  the address;
* a name matches the names of streets, buurten, wijken, the gemeente and
  corporation complexes (a derived block is named after its addresses,
  which the address search finds); a place id matches exactly;
* a candidate is returned only when its level is one the user's role may
  see, it lies in the user's areas (``scoping.visible_ids``), it is not under
  the dwelling floor (``services.shown_ids``, the rule of
  ``shown_place_row``) and the publication door publishes it for the user's
  audience (``figures.figures``): exactly the places the map draws for the
  user. Anything else is left out silently, so "outside your area", "too
  small" and "does not exist" give the same answer;
* a hit carries the place's level, id, name, the buurt (or wijk) it lies in
  and its bounds for the map: no count, class, band or visibility.

Nothing here reads households, and nothing logs the typed text.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from veerkracht.web import workspace
from veerkracht.web.accounts import roles, scoping
from veerkracht.web.levels import DWELLING_COLUMN, LABELS, LEVELS
from veerkracht.web.places import figures, services

#: Longest query looked at (characters); the rest is ignored.
MAX_QUERY = 100
#: Shortest query (letters and digits) that is searched.
MIN_QUERY = 2
#: Hits returned by default, and at most.
DEFAULT_LIMIT = 8
MAX_LIMIT = 25
#: Candidates looked at per query before the user's filters (bounds the work).
MAX_CANDIDATES = 400

#: An address hit gives these places, finest first.
ADDRESS_LEVELS = ("entrance", "building", "block", "street", "buurt")
#: Levels whose names are searched, coarse first.
NAME_LEVELS = ("gemeente", "wijk", "buurt", "street", "block")

_POSTCODE = re.compile(
    r"^(\d{4})\s*([a-z]{2})(?:\s+(\d{1,5})(?:\s*([a-z0-9]{1,6}(?:\s[a-z0-9]{1,6})?))?)?$"
)
_STREET_NUMBER = re.compile(r"^(.*[a-z].*?)\s+(\d{1,5})(?:\s*([a-z0-9]{1,6}))?$")
_TO_WGS84 = Transformer.from_crs(28992, 4326, always_xy=True)
_lock = threading.Lock()


def normalise(text: str) -> str:
    """Lower case, without accents, punctuation as spaces, single spaces.

    >>> normalise("  Hoofdstraat-Oost 12-a ")
    'hoofdstraat oost 12 a'
    >>> normalise("Café 't Hoekje")
    'cafe t hoekje'
    """
    return str(_normalised(pd.Series([str(text or "")]))[0])


@dataclass(frozen=True)
class Hit:
    """One place found: what the result list shows and where the map goes."""

    level: str
    place_id: str
    name: str
    context: str
    bounds: tuple[float, float, float, float] | None

    def as_dict(self) -> dict:
        return {
            "level": self.level,
            "id": self.place_id,
            "name": self.name,
            "level_label": str(LABELS[self.level]),
            "context": self.context,
            "bounds": list(self.bounds) if self.bounds else None,
        }


@dataclass(frozen=True)
class Result:
    hits: tuple[Hit, ...]
    #: more places matched than were returned
    truncated: bool = False


# -- the index ---------------------------------------------------------------------


def _normalised(values: pd.Series) -> np.ndarray:
    """:func:`normalise` of many texts at once (each distinct text once)."""
    codes, uniques = pd.factorize(values.astype("object").fillna("").astype(str))
    if not len(uniques):
        return np.array([""] * len(values), dtype=object)
    norms = (pd.Series(uniques, dtype=object).str.normalize("NFKD")
             .str.encode("ascii", "ignore").str.decode("ascii").str.lower()
             .str.replace(r"[^0-9a-z]+", " ", regex=True).str.strip())
    return norms.to_numpy(dtype=object)[codes]


class _Index:
    """Addresses and place names of one workspace version, ready to match.

    * ``ids``: per level, the upper-case place ids (a hash index);
    * ``words``: every name of :data:`NAME_LEVELS` from each of its word
      starts ("blok bosweg 1", "bosweg 1", "1"), sorted, so a prefix is two
      binary searches;
    * the BAG addresses of the dwellings with the places of each
      (``dwellings`` joined to ``addresses``), grouped by postcode, postcode
      and number, and street and number.
    """

    def __init__(self) -> None:
        self.ids: dict[str, tuple[pd.Index, np.ndarray]] = {}
        parts = []
        for level in LEVELS:
            places = workspace.table(f"place_{level}")
            if places is None or not len(places):
                continue
            pid = places["place_id"].astype("str")
            self.ids[level] = (pd.Index(pid.str.upper().to_numpy(dtype=object)),
                               pid.to_numpy(dtype=object))
            self.ids[level][0].get_indexer_for([""])  # its hash table, now
            if level in NAME_LEVELS and "name" in places.columns:
                named = np.ones(len(places), dtype=bool)
                if level == "block" and "method" in places.columns:
                    # a derived block is named after its addresses, which the
                    # address search finds; a complex may have a name of its own
                    named = (places["method"].astype("str") == "complex").to_numpy()
                norms = _normalised(places["name"].where(places["name"].notna(),
                                                         places["place_id"]))[named]
                ids = pid.to_numpy(dtype=object)[named]
                rest, first = pd.Series(norms, dtype=object), True
                owner = np.arange(len(norms))
                while len(rest):
                    # the name from each of its word starts on
                    parts.append(pd.DataFrame({
                        "word": rest.to_numpy(dtype=object), "first": first,
                        "level": NAME_LEVELS.index(level), "pid": ids[owner],
                        "text": norms[owner]}))
                    more = rest.str.contains(" ", regex=False).to_numpy(dtype=bool)
                    if not more.any():
                        break
                    rest = rest[more].str.partition(" ")[2]
                    owner, first = owner[more], False
        words = (pd.concat(parts, ignore_index=True) if parts else
                 pd.DataFrame({"word": [], "first": [], "level": [], "pid": [],
                               "text": []}))
        words = words.sort_values("word", kind="stable", ignore_index=True)
        self.words = words["word"].to_numpy(dtype=object)
        self.word_first = words["first"].to_numpy(dtype=bool)
        self.word_level = words["level"].to_numpy(dtype=np.int64)
        self.word_pid = words["pid"].to_numpy(dtype=object)
        self.word_text = words["text"].to_numpy(dtype=object)
        self.frame = None
        addresses = workspace.table("addresses")
        dwellings = workspace.table("dwellings")
        if addresses is None or dwellings is None or not len(dwellings):
            return
        columns = [DWELLING_COLUMN[lv] for lv in ADDRESS_LEVELS]
        wanted = ["address_id", "straat", "huisnummer", "huisletter", "toevoeging",
                  "postcode"]
        frame = pd.DataFrame(
            dwellings[["address_id", *columns]]).merge(
            pd.DataFrame(addresses[[c for c in wanted if c in addresses.columns]])
            .drop_duplicates("address_id"), on="address_id", how="inner")
        self.frame = frame[columns].astype("object").to_numpy()
        postcode = (frame["postcode"].astype("object").fillna("").astype(str)
                    .str.replace(" ", "", regex=False).str.lower().to_numpy())
        number = pd.to_numeric(frame["huisnummer"], errors="coerce").fillna(-1)
        number = number.astype(np.int64).to_numpy()
        street = _normalised(frame["straat"])
        suffix = (frame.get("huisletter", pd.Series("", index=frame.index))
                  .astype("object").fillna("").astype(str)
                  + frame.get("toevoeging", pd.Series("", index=frame.index))
                  .astype("object").fillna("").astype(str))
        self.suffix = (suffix.str.lower().str.replace(r"[^0-9a-z]", "", regex=True)
                       .to_numpy(dtype=object))
        rows = pd.Series(np.arange(len(frame)))
        self.by_postcode = rows.groupby(postcode).indices
        self.by_postcode_number = rows.groupby([postcode, number]).indices
        self.by_street_number = rows.groupby([street, number]).indices
        self.streets = np.array(sorted(set(street) - {""}), dtype=object)

    # -- candidates: (rank, level, place_id) ------------------------------------

    def candidates(self, query: str) -> list[tuple[tuple, str, str]]:
        norm = normalise(query)
        out: list[tuple[tuple, str, str]] = []
        wanted = query.strip().upper()
        for level, (index, ids) in self.ids.items():
            for hit in index.get_indexer_for([wanted]):
                if hit >= 0:
                    out.append(((0, 0), level, ids[hit]))
        rows = self._address_rows(norm)
        if rows is not None and len(rows):
            out.extend(self._places_of(rows))
        out.extend(self._by_name(norm))
        return out

    def _address_rows(self, norm: str) -> np.ndarray | None:
        if self.frame is None:
            return None
        m = _POSTCODE.match(norm)
        if m:
            postcode = m.group(1) + m.group(2)
            if m.group(3) is None:
                return self.by_postcode.get(postcode)
            rows = self.by_postcode_number.get((postcode, int(m.group(3))))
            return self._with_suffix(rows, m.group(4))
        m = _STREET_NUMBER.match(norm)
        if not m:
            return None
        street, number = m.group(1).strip(), int(m.group(2))
        streets = ([street] if self._has_street(street)
                   else self._streets_starting(street))
        found = [self.by_street_number.get((s, number)) for s in streets[:20]]
        found = [f for f in found if f is not None]
        if not found:
            return None
        return self._with_suffix(np.concatenate(found), m.group(3))

    def _has_street(self, street: str) -> bool:
        i = np.searchsorted(self.streets, street)
        return i < len(self.streets) and self.streets[i] == street

    def _streets_starting(self, prefix: str) -> list[str]:
        lo = np.searchsorted(self.streets, prefix)
        hi = np.searchsorted(self.streets, prefix + "\uffff")
        return list(self.streets[lo:hi])

    def _with_suffix(self, rows, suffix: str | None):
        if rows is None or not suffix:
            return rows
        want = suffix.replace(" ", "")
        exact = rows[self.suffix[rows] == want]
        return exact if len(exact) else rows

    def _places_of(self, rows: np.ndarray) -> list[tuple[tuple, str, str]]:
        out = []
        values = self.frame[np.asarray(rows, dtype=np.int64)]
        for j, level in enumerate(ADDRESS_LEVELS):
            seen = []
            for pid in values[:, j]:
                if isinstance(pid, str) and pid and pid not in seen:
                    seen.append(pid)
            out.extend(((1, j), level, pid) for pid in seen)
        return out

    def _by_name(self, norm: str) -> list[tuple[tuple, str, str]]:
        """Names that are the query, start with it, or have a word that does."""
        if not norm or not len(self.words):
            return []
        lo = np.searchsorted(self.words, norm)
        hi = np.searchsorted(self.words, norm + "\uffff")
        out = []
        for i in range(lo, min(hi, lo + MAX_CANDIDATES)):
            text, j = self.word_text[i], int(self.word_level[i])
            rank = (2 if text == norm else 3) if self.word_first[i] else 4
            out.append(((rank, j, text), NAME_LEVELS[j], self.word_pid[i]))
        return out


_indexes: dict[tuple, _Index] = {}


def _index(versions: dict | None = None) -> _Index:
    versions = versions if versions is not None else workspace.versions()
    key = (
        workspace.location(),
        tuple(sorted((n, v) for n, v in versions.items()
                     if n in ("addresses", "dwellings", "buurten")
                     or n.startswith("place_"))),
    )
    with _lock:
        hit = _indexes.get(key)
        if hit is None:
            _indexes.clear()
            hit = _indexes[key] = _Index()
        return hit


def warm() -> None:
    """Build the index before the first search (``veerkracht serve`` does)."""
    _index()
    for level in LEVELS:
        version = workspace.version_of(f"place_{level}")
        if version is not None:
            _place_info(workspace.location(), level, version)
            services.shown_ids(level)


def clear_cache() -> None:
    with _lock:
        _indexes.clear()
    _place_info.cache_clear()


# -- what a hit shows ------------------------------------------------------------


@lru_cache(maxsize=16)
def _place_info(location: str, level: str, version: int):
    """Per level: place id -> (name, buurt or wijk code, bounds in WGS 84)."""
    places = workspace.table(f"place_{level}")
    ids = places["place_id"].astype("str").to_numpy(dtype=object)
    names = (places["name"].astype("object").where(places["name"].notna(),
                                                   places["place_id"])
             if "name" in places.columns else places["place_id"]).astype("str")
    # the area a hit names: the buurt of a street and finer, else the parent
    area = places.get("parent_id" if level in ("buurt", "wijk", "gemeente")
                      else "buurtcode")
    area = (area.astype("object") if area is not None
            else pd.Series([None] * len(places))).to_numpy(dtype=object)
    b = shapely.bounds(places.geometry.to_numpy())
    w, s = _TO_WGS84.transform(b[:, 0], b[:, 1])
    e, n = _TO_WGS84.transform(b[:, 2], b[:, 3])
    bounds = np.round(np.column_stack([w, s, e, n]), 6)
    names = names.to_numpy(dtype=object)
    bounds = bounds.tolist()
    return {pid: (names[i], area[i], tuple(bounds[i])) for i, pid in enumerate(ids)}


def _info(level: str, place_id: str, versions: dict):
    version = versions.get(f"place_{level}")
    if version is None:
        return None
    return _place_info(workspace.location(), level, version).get(place_id)


def _hit(level: str, place_id: str, versions: dict) -> Hit | None:
    info = _info(level, place_id, versions)
    if info is None:
        return None
    name, area, bounds = info
    return Hit(level, place_id, name, _area_name(level, area, versions), bounds)


def _area_name(level: str, code, versions: dict) -> str:
    """The name of the buurt (for a street and finer) or wijk a place lies in."""
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return ""
    area_level = {"buurt": "wijk", "wijk": "gemeente", "gemeente": None}.get(
        level, "buurt")
    if area_level is None:
        return ""
    info = _info(area_level, str(code), versions)
    if info is None:
        return ""
    return f"{LABELS[area_level]} {info[0]}"


# -- the search ----------------------------------------------------------------


def levels_for(user) -> list[str]:
    """Levels the user may find places at: those of the map."""
    if not roles.has(user, "view_map"):
        return []
    return list(roles.levels_for(user))


def search(user, query: str, *, limit: int = DEFAULT_LIMIT,
           levels: tuple[str, ...] | None = None) -> Result:
    """The places matching ``query`` that ``user`` may open, best first.

    Parameters
    ----------
    user
        The Django user; decides levels, areas and the door's audience.
    query : str
        An address ("Bosweg 12", "Bosweg 12-2"), a postcode with or without
        a house number ("9351 AA 12"), a name of a street, buurt, wijk, the
        gemeente or a complex, or a place id. Cut at :data:`MAX_QUERY`.
    limit : int
        At most this many hits (cut at :data:`MAX_LIMIT`).
    levels : tuple of str, optional
        Only these levels (within the user's).
    """
    query = str(query or "")[:MAX_QUERY]
    allowed = [lv for lv in levels_for(user) if levels is None or lv in levels]
    if len(normalise(query).replace(" ", "")) < MIN_QUERY or not allowed:
        return Result(())
    limit = max(1, min(int(limit), MAX_LIMIT))
    versions = workspace.versions()  # one read of the catalogue per search
    candidates = sorted(
        (c for c in _index(versions).candidates(query) if c[1] in allowed),
        key=lambda c: c[0],
    )[:MAX_CANDIDATES]
    hits: list[Hit] = []
    seen: set[tuple[str, str]] = set()
    allowed_ids: dict[str, frozenset[str]] = {}
    truncated = False
    for _rank, level, pid in candidates:
        if (level, pid) in seen:
            continue
        seen.add((level, pid))
        if level not in allowed_ids:
            allowed_ids[level] = openable(user, level, versions)
        if pid not in allowed_ids[level]:
            continue
        if len(hits) == limit:
            truncated = True
            break
        hit = _hit(level, pid, versions)
        if hit is not None:
            hits.append(hit)
    return Result(tuple(hits), truncated)


def openable(user, level: str, versions: dict | None = None) -> frozenset[str]:
    """Ids of the places of ``level`` the map draws for ``user``: not under the
    dwelling floor (the rule of ``shown_place_row``), in the user's areas
    (``scoping.visible_ids``) and published by the door for the user's
    audience. Every hit of :func:`search` is one of them."""
    if level not in levels_for(user):
        return frozenset()
    visible = scoping.visible_ids(user, level)
    if not visible:
        return frozenset()
    versions = versions if versions is not None else workspace.versions()
    published = figures.published_ids(level, figures.audience_for(user, level),
                                      versions=versions)
    shown = services.shown_ids(level, version=versions.get(f"place_{level}"))
    return shown & visible & published


def place_label(user, level: str, place_id: str) -> Hit | None:
    """The hit for one known place (a form's chosen place), or ``None`` when
    the user may not open it — the same rule as :func:`search`."""
    versions = workspace.versions()
    if level not in LEVELS or place_id not in openable(user, level, versions):
        return None
    return _hit(level, place_id, versions)


# -- the lookup of a request (API and page) ----------------------------------------


class TooMany(Exception):
    """The user searched more often than ``VEERKRACHT_SEARCH_LIMIT`` allows."""


def lookup(request, query: str, *, limit: int = DEFAULT_LIMIT) -> Result:
    """:func:`search` for a request: the role, the rate limit and the audit row.

    Raises ``PermissionDenied`` (logged as refused) without the map's
    permission and :class:`TooMany` past the limit. The audit row says how
    many places were found, never what was typed.
    """
    from django.core.exceptions import PermissionDenied

    from veerkracht.web.accounts import throttle
    from veerkracht.web.audit.services import record

    request.audit_purpose = "search"
    if not roles.has(request.user, "view_map"):
        raise PermissionDenied("Uw rol geeft geen toegang tot de kaart.")
    if throttle.exceeded("search", request):
        raise TooMany(str(throttle.MESSAGES["search"]))
    throttle.count("search", request)
    result = search(request.user, query, limit=limit)
    record("view", request=request, object_id=f"search:{len(result.hits)}",
           purpose="search")
    return result

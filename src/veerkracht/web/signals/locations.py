"""Find where a signal is: an address, a street or a point, on the workspace.

The lookup reads the workspace ``addresses`` table (and ``dwellings`` /
``buurten`` when present, for entrance, street and area codes) once, keeps
an index in memory and rebuilds it when a table version changes. Nothing
here logs an address.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from django.utils.translation import gettext

from veerkracht.store import Workspace, WorkspaceError

POSTCODE_RE = re.compile(r"^\s*(\d{4})\s*([A-Za-z]{2})\s*$")
#: Within this distance (m) a point takes the area codes of the nearest address.
POINT_SNAP_METRES = 250.0


class LocationError(ValueError):
    """A location that cannot be found; the message is for the user (Dutch)."""


@dataclass(frozen=True)
class Location:
    """Where a signal is. ``kind`` is ``address``, ``street`` or ``point``."""

    kind: str
    x: float
    y: float
    address_id: str | None = None
    label: str = ""
    straat: str = ""
    woonplaats: str = ""
    entrance_id: str = ""
    building_id: str = ""
    block_id: str = ""
    street_id: str = ""
    buurtcode: str = ""
    wijkcode: str = ""
    gemeentecode: str = ""

    @property
    def area_codes(self) -> list[str]:
        """Buurt, wijk and gemeente code (those known), smallest first."""
        return [c for c in (self.buurtcode, self.wijkcode, self.gemeentecode) if c]


def normalise_postcode(value: str) -> str:
    """``"9351 aa"`` -> ``"9351AA"``; raise :class:`LocationError` if invalid.

    Examples
    --------
    >>> normalise_postcode(" 9351 aa ")
    '9351AA'
    """
    m = POSTCODE_RE.match(value or "")
    if not m:
        raise LocationError(
            gettext("Vul een geldige postcode in, bijvoorbeeld 1234 AB.")
        )
    return f"{m.group(1)}{m.group(2).upper()}"


def _norm_suffix(value: str | None) -> str:
    return re.sub(r"[\s\-_/]", "", value or "").upper()


def _codes_from_buurt(buurtcode: str) -> tuple[str, str]:
    """CBS convention: BU gggg ww bb -> WK gggg ww, GM gggg."""
    if re.fullmatch(r"BU\d{8}", buurtcode or ""):
        return "WK" + buurtcode[2:8], "GM" + buurtcode[2:6]
    return "", ""


def _s(value) -> str:
    return (
        ""
        if value is None or (not isinstance(value, str) and pd.isna(value))
        else str(value)
    )


class AddressIndex:
    """An in-memory index over the workspace addresses."""

    def __init__(
        self,
        addresses: pd.DataFrame,
        dwellings: pd.DataFrame | None = None,
        buurten: pd.DataFrame | None = None,
    ):
        cols = [
            "address_id",
            "straat",
            "huisnummer",
            "huisletter",
            "toevoeging",
            "postcode",
            "woonplaats",
            "buurtcode",
        ]
        frame = pd.DataFrame(
            {c: addresses.get(c, pd.NA) for c in cols}
        )
        geom = addresses.geometry
        frame["x"] = geom.x.to_numpy(dtype=float)
        frame["y"] = geom.y.to_numpy(dtype=float)
        frame = frame.reset_index(drop=True)
        extra = {
            "entrance_id": "",
            "building_id": "",
            "block_id": "",
            "street_id": "",
            "wijkcode": "",
            "gemeentecode": "",
        }
        for c, v in extra.items():
            frame[c] = v
        frame["buurtcode"] = frame["buurtcode"].astype("object").map(_s)
        if dwellings is not None and len(dwellings):
            d = dwellings.drop_duplicates("address_id").set_index("address_id")
            for c in (
                "entrance_id",
                "building_id",
                "block_id",
                "street_id",
                "buurtcode",
                "wijkcode",
                "gemeentecode",
            ):
                if c in d:
                    mapped = frame["address_id"].map(d[c]).astype("object").map(_s)
                    if c == "buurtcode":
                        mapped = mapped.where(mapped != "onbekend", "")
                    frame[c] = mapped.where(mapped != "", frame[c])
        if buurten is not None and len(buurten) and "buurtcode" in buurten:
            b = buurten.drop_duplicates("buurtcode").set_index("buurtcode")
            for c in ("wijkcode", "gemeentecode"):
                if c in b:
                    mapped = frame["buurtcode"].map(b[c]).astype("object").map(_s)
                    frame[c] = frame[c].where(frame[c] != "", mapped)
        # Fall back on the CBS code structure.
        fallback = frame["buurtcode"].map(_codes_from_buurt)
        frame["wijkcode"] = frame["wijkcode"].where(
            frame["wijkcode"] != "", fallback.map(lambda t: t[0])
        )
        frame["gemeentecode"] = frame["gemeentecode"].where(
            frame["gemeentecode"] != "", fallback.map(lambda t: t[1])
        )
        self.frame = frame
        pc = (
            frame["postcode"]
            .astype("object")
            .map(lambda v: _s(v).replace(" ", "").upper())
        )
        hn = pd.to_numeric(frame["huisnummer"], errors="coerce").fillna(-1).astype(int)
        self._by_number = (
            pd.Series(np.arange(len(frame)))
            .groupby([pc.to_numpy(), hn.to_numpy()])
            .indices
        )
        st = frame["straat"].astype("object").map(lambda v: _s(v).strip().lower())
        wp = frame["woonplaats"].astype("object").map(lambda v: _s(v).strip().lower())
        self._by_street = (
            pd.Series(np.arange(len(frame)))
            .groupby([st.to_numpy(), wp.to_numpy()])
            .indices
        )
        self._by_id = pd.Series(
            np.arange(len(frame)), index=frame["address_id"].astype(str)
        )
        self._tree = None
        # what a report at an address needs of a row, without making a row
        # (``frame.iloc[i]``) for every candidate of a postcode and number:
        # the columns' own arrays (no copies), and the letter, toevoeging and
        # their normalised join per row
        self._cols = {c: frame[c].array for c in frame.columns}
        letter = frame["huisletter"].astype("object").map(_s)
        toev = frame["toevoeging"].astype("object").map(_s)
        joined = letter + toev
        norm = {v: _norm_suffix(v) for v in joined.unique()}
        self._letter = letter.to_numpy(dtype=object)
        self._toev = toev.to_numpy(dtype=object)
        self._suffix = joined.map(norm).to_numpy(dtype=object)

    # -- lookups -------------------------------------------------------------
    def _location_of(self, i: int, kind: str = "address") -> Location:
        r = {c: a[i] for c, a in self._cols.items()}
        number = f"{int(r['huisnummer'])}{_s(r['huisletter'])}"
        if _s(r["toevoeging"]):
            number += f"-{_s(r['toevoeging'])}"
        label = f"{_s(r['straat'])} {number}".strip()
        if _s(r["woonplaats"]):
            label += f", {_s(r['woonplaats'])}"
        return Location(
            kind=kind,
            x=float(r["x"]),
            y=float(r["y"]),
            address_id=_s(r["address_id"]),
            label=label,
            straat=_s(r["straat"]),
            woonplaats=_s(r["woonplaats"]),
            entrance_id=r["entrance_id"],
            building_id=r["building_id"],
            block_id=r["block_id"],
            street_id=r["street_id"],
            buurtcode=r["buurtcode"],
            wijkcode=r["wijkcode"],
            gemeentecode=r["gemeentecode"],
        )

    def by_address(self, postcode: str, huisnummer, suffix: str = "") -> Location:
        """The address with this postcode, number and letter/suffix.

        ``suffix`` is the huisletter and/or toevoeging as people write them
        (``"A"``, ``"2"``, ``"A-2"``, ``"H"``).
        """
        pc = normalise_postcode(postcode)
        try:
            number = int(str(huisnummer).strip())
        except (TypeError, ValueError):
            raise LocationError(
                gettext("Vul het huisnummer in als getal, bijvoorbeeld 12.")
            ) from None
        rows = self._by_number.get((pc, number))
        if rows is None or len(rows) == 0:
            raise LocationError(
                gettext(
                    "Het adres %(pc)s %(number)s bestaat niet in de adressenlijst. "
                    "Controleer postcode en huisnummer."
                ) % {"pc": pc, "number": number}
            )
        want = _norm_suffix(suffix)
        options = [
            (int(i), self._suffix[i], self._letter[i], self._toev[i]) for i in rows
        ]
        hits = [o for o in options if o[1] == want]
        if not hits and want:
            raise LocationError(
                gettext(
                    "Bij %(pc)s %(number)s bestaat de toevoeging '%(suffix)s' niet. "
                    "Kies uit: %(choices)s."
                ) % {"pc": pc, "number": number, "suffix": suffix.strip(),
                   "choices": _choices(options)}
            )
        if not hits:
            raise LocationError(
                gettext(
                    "Op %(pc)s %(number)s zijn meerdere adressen; vul ook de "
                    "toevoeging in. Kies uit: %(choices)s."
                ) % {"pc": pc, "number": number, "choices": _choices(options)}
            )
        return self._location_of(hits[0][0])

    def by_id(self, address_id: str) -> Location:
        """The address with this ``address_id``."""
        i = self._by_id.get(str(address_id).strip())
        if i is None:
            raise LocationError(
                gettext("Dit adres-id bestaat niet in de adressenlijst.")
            )
        if isinstance(i, pd.Series):
            i = i.iloc[0]
        return self._location_of(int(i))

    def by_street(self, straat: str, woonplaats: str) -> Location:
        """A street within a woonplaats; the point is the middle of its addresses."""
        key = ((straat or "").strip().lower(), (woonplaats or "").strip().lower())
        if not key[0]:
            raise LocationError(gettext("Vul de straatnaam in."))
        if not key[1]:
            raise LocationError(gettext("Vul de woonplaats in."))
        rows = self._by_street.get(key)
        if rows is None or len(rows) == 0:
            raise LocationError(
                gettext(
                    "De straat '%(straat)s' is niet gevonden in '%(woonplaats)s'. "
                    "Controleer de spelling."
                ) % {"straat": straat.strip(), "woonplaats": woonplaats.strip()}
            )
        sub = self.frame.iloc[rows]
        mid = (float(sub["x"].median()), float(sub["y"].median()))
        first = sub.iloc[0]

        def mode(col: str) -> str:
            counts = Counter(v for v in sub[col] if v)
            return counts.most_common(1)[0][0] if counts else ""

        street_ids = {v for v in sub["street_id"] if v}
        return Location(
            kind="street",
            x=mid[0],
            y=mid[1],
            address_id=None,
            label=f"{_s(first['straat'])}, {_s(first['woonplaats'])}",
            straat=_s(first["straat"]),
            woonplaats=_s(first["woonplaats"]),
            street_id=street_ids.pop() if len(street_ids) == 1 else "",
            buurtcode=mode("buurtcode"),
            wijkcode=mode("wijkcode"),
            gemeentecode=mode("gemeentecode"),
        )

    def by_point(self, x: float, y: float) -> Location:
        """A point; takes the area codes of the nearest address within 250 m."""
        if self._tree is None:
            from scipy.spatial import cKDTree

            self._tree = cKDTree(self.frame[["x", "y"]].to_numpy())
        dist, i = self._tree.query([x, y])
        if not np.isfinite(dist) or dist > POINT_SNAP_METRES:
            raise LocationError(
                gettext(
                    "Deze locatie ligt niet in het gebied van deze gemeente "
                    "(geen adres binnen 250 meter)."
                )
            )
        near = self._location_of(int(i))
        return replace(
            near,
            kind="point",
            x=float(x),
            y=float(y),
            address_id=None,
            entrance_id="",
            building_id="",
            block_id="",
            label=f"in de buurt van {near.straat}".strip(),
        )


def _choices(options) -> str:
    labels = []
    for _, _, letter, toev in options:
        lab = letter + (f"-{toev}" if toev and letter else toev)
        labels.append(lab or "(geen)")
    return ", ".join(sorted(set(labels)))


_cache: dict[str, tuple[tuple, AddressIndex]] = {}
_lock = threading.Lock()


def _versions(ws: Workspace, names: tuple[str, ...]) -> tuple[int, ...]:
    """The tables' versions (0 when absent), from one read of the catalogue:
    this runs on every report, and one catalogue read per table was most of
    a report's own time."""
    try:
        have = {t.name: t.version for t in ws.tables()}
    except WorkspaceError:
        have = {}
    return tuple(int(have.get(n) or 0) for n in names)


def address_index(ws: Workspace) -> AddressIndex:
    """The (cached) index for this workspace; rebuilt when a table changes."""
    key = _versions(ws, ("addresses", "dwellings", "buurten"))
    with _lock:
        hit = _cache.get(ws.location)
        if hit and hit[0] == key:
            return hit[1]
        if key[0] == 0:
            raise LocationError(
                gettext(
                    "Er zijn nog geen adressen ingelezen; melden op adres kan nog "
                    "niet."
                )
            )
        addresses = ws.read("addresses")
        dwellings = ws.read("dwellings") if key[1] else None
        buurten = ws.read("buurten") if key[2] else None
        index = AddressIndex(addresses, dwellings, buurten)
        _cache[ws.location] = (key, index)
        return index


def clear_cache() -> None:
    """Forget every index (tests)."""
    with _lock:
        _cache.clear()

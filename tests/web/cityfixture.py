"""A tiny hand-built city in a workspace, for the web and browser tests.

Two buurten in one wijk; each buurt has streets of portiekflats (12-1, 12-2,
...), small single-family rows and a few small entrances (below 10
dwellings). Places are derived by the real job (``run_places``). Replace by
``veerkracht.synth.generate_city`` once that exists.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from veerkracht.store import open_workspace

X0, Y0 = 233000.0, 582000.0  # Groningen-ish, RD New
GEMEENTE = "GM9999"
WIJK = "WK999901"
BUURTEN = ("BU99990101", "BU99990102")
STREETS = {
    BUURTEN[0]: ["Bosweg", "Lindelaan", "Kastanjestraat"],
    BUURTEN[1]: ["Havenkade", "Zeilmakersstraat", "Ankerplein"],
}


def _addresses() -> gpd.GeoDataFrame:
    rows = []
    for b, buurt in enumerate(BUURTEN):
        for s, street in enumerate(STREETS[buurt]):
            y = Y0 + s * 120.0
            xbase = X0 + b * 1000.0
            postcode = f"99{b}{s}AA"
            for number in range(1, 30, 2):
                x = xbase + number * 12.0
                if number % 6 == 1:  # a portiek of 4..16 flats with suffixes
                    n_flats = 4 + (number * 3 + s * 5) % 13
                    for flat in range(1, n_flats + 1):
                        rows.append((street, number, None, str(flat), postcode, x, y))
                else:
                    rows.append((street, number, None, None, postcode, x, y))
    frame = pd.DataFrame(rows, columns=["straat", "huisnummer", "huisletter",
                                        "toevoeging", "postcode", "x", "y"])
    toev = frame["toevoeging"].fillna("")
    frame["address_id"] = (frame["postcode"] + "-" + frame["huisnummer"].astype(str)
                           + np.where(toev != "", "-" + toev, ""))
    gdf = gpd.GeoDataFrame(
        {
            "address_id": frame["address_id"].astype("str"),
            "straat": frame["straat"].astype("str"),
            "huisnummer": frame["huisnummer"].astype("int64"),
            "huisletter": pd.Series([pd.NA] * len(frame), dtype="str"),
            "toevoeging": frame["toevoeging"].astype("str"),
            "postcode": frame["postcode"].astype("str"),
            "woonplaats": pd.Series(["Proefdorp"] * len(frame), dtype="str"),
            "gemeente": pd.Series(["Proefdorp"] * len(frame), dtype="str"),
            "vbo_id": pd.Series([pd.NA] * len(frame), dtype="str"),
            "pand_id": pd.Series([pd.NA] * len(frame), dtype="str"),
            "gebruiksdoel": pd.Series(["woonfunctie"] * len(frame), dtype="str"),
            "is_dwelling": True,
            "buurtcode": pd.Series([pd.NA] * len(frame), dtype="str"),
            "source": pd.Series(["test"] * len(frame), dtype="str"),
        },
        geometry=shapely.points(frame["x"].to_numpy(), frame["y"].to_numpy()),
        crs=28992,
    )
    return gdf


def _buurten() -> gpd.GeoDataFrame:
    polys = [shapely.box(X0 - 100 + b * 1000, Y0 - 100, X0 + 500 + b * 1000, Y0 + 400)
             for b in range(len(BUURTEN))]
    return gpd.GeoDataFrame(
        {
            "buurtcode": pd.Series(BUURTEN, dtype="str"),
            "buurtnaam": pd.Series(["Bosrijk", "Havenkwartier"], dtype="str"),
            "wijkcode": pd.Series([WIJK] * 2, dtype="str"),
            "wijknaam": pd.Series(["Centrum"] * 2, dtype="str"),
            "gemeentecode": pd.Series([GEMEENTE] * 2, dtype="str"),
            "gemeentenaam": pd.Series(["Proefdorp"] * 2, dtype="str"),
            "source_code": pd.Series([pd.NA] * 2, dtype="str"),
        },
        geometry=polys,
        crs=28992,
    )


def build_city(folder: Path) -> str:
    """Fill ``folder`` with addresses, buurten, derived places and signals."""
    from veerkracht.jobs.places import run_places

    ws = open_workspace(folder)
    with ws.transaction("import", source="test city") as tx:
        tx.put("addresses", _addresses())
        tx.put("buurten", _buurten())
    run_places(ws)
    dwellings = ws.read("dwellings")
    rng = np.random.default_rng(12345)
    n = 400
    picks = dwellings.iloc[rng.integers(0, len(dwellings), n)]
    start = pd.Timestamp("2025-01-01", tz="UTC")
    signals = gpd.GeoDataFrame(
        {
            "signal_id": pd.Series([f"S{i:05d}" for i in range(n)], dtype="str"),
            "reported_at": start + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
            "category": pd.Series(rng.choice(["noise", "neighbour_conflict", "neglect",
                                              "care_worry"], n), dtype="str"),
            "source": pd.Series(["resident"] * n, dtype="str"),
            "address_id": picks["address_id"].astype("str").to_numpy(),
            "synthetic": True,
        },
        geometry=picks.geometry.to_numpy(),
        crs=28992,
    )
    with ws.transaction("import", source="test signals") as tx:
        tx.put("signals", signals)
    ws.close()
    return str(folder)

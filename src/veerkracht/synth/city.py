"""Assemble Voorbeeldstad: run every layer, move it into RD New, follow the contracts.

Each layer draws from its own random stream (spawned from the seed), so a
change in one layer leaves the others' draws alone and the same seed always
gives identical frames.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from veerkracht.synth.addresses import make_addresses, place_buildings
from veerkracht.synth.buildings import generate_blocks
from veerkracht.synth.facilities import (
    make_amenities,
    make_initiatives,
    make_professionals,
)
from veerkracht.synth.interventions import plant_interventions, thin_signals
from veerkracht.synth.layout import make_layout
from veerkracht.synth.params import CityParams
from veerkracht.synth.population import NEEDS, SEGMENTS, simulate
from veerkracht.synth.resilience import entrance_table, resilience
from veerkracht.synth.signals import Planted, make_signals
from veerkracht.synth.spaces import make_spaces
from veerkracht.synth.stock import make_stock

RD = "EPSG:28992"
SOURCE = "Voorbeeldstad (synthetisch)"
_LAYERS = (
    "blocks",
    "layout",
    "addresses",
    "stock",
    "facilities",
    "resilience",
    "population",
    "signals",
    "spaces",
    "interventions",
)

#: Tables of a City in the order they are written, with their contract.
TABLES = (
    "buurten",
    "streets",
    "buildings",
    "addresses",
    "stock",
    "amenities",
    "households",
    "signals",
    "initiatives",
    "professionals",
    "shared_spaces",
    "interventions",
    "intervention_places",
)


@dataclass(frozen=True)
class City:
    """Voorbeeldstad: every table of the synthetic city, in EPSG:28992.

    The frames follow the table contracts of ``docs/architecture.md``;
    ``streets`` (``straat``, ``woonplaats``, ``wijkcode``, ``synthetic``,
    line geometry) is an extra table for maps. ``building_types`` (``pand_id``,
    ``kind``, ``storeys``) is descriptive ground truth that is not written to
    a workspace. ``planted`` says where the tipping buurten, the emerging
    cluster and the quiet place are.
    """

    params: CityParams
    buurten: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    addresses: gpd.GeoDataFrame
    stock: pd.DataFrame
    amenities: gpd.GeoDataFrame
    households: pd.DataFrame
    signals: gpd.GeoDataFrame
    initiatives: gpd.GeoDataFrame
    professionals: gpd.GeoDataFrame
    shared_spaces: pd.DataFrame
    interventions: pd.DataFrame
    intervention_places: pd.DataFrame
    building_types: pd.DataFrame
    planted: Planted

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables to store, by workspace table name."""
        return {name: getattr(self, name) for name in TABLES}


def generate_city(
    seed: int = 20261124,
    n_dwellings: int = 12_000,
    years: int = 3,
    end_date: date | None = None,
    params: CityParams | None = None,
) -> City:
    """Generate Voorbeeldstad, the synthetic demo city.

    Parameters
    ----------
    seed : int
        Same seed, same city (every frame identical).
    n_dwellings : int
        Target number of dwellings (reached within a few percent).
    years : int
        Years of household history and signals.
    end_date : datetime.date, optional
        Exclusive end of the history (default :attr:`CityParams.end_date`).
    params : CityParams, optional
        Every other knob; ``seed``, ``n_dwellings``, ``years`` and
        ``end_date`` given here override its fields.

    Returns
    -------
    City

    Examples
    --------
    >>> city = generate_city(seed=1, n_dwellings=600, years=1)
    >>> city.addresses.crs.to_epsg()
    28992
    >>> bool(city.addresses["address_id"].is_unique)
    True
    """
    base = params or CityParams()
    changes: dict = {"seed": seed, "n_dwellings": n_dwellings, "years": years}
    if end_date is not None:
        changes["end_date"] = end_date
    p = dataclasses.replace(base, **changes)
    streams = dict(
        zip(
            _LAYERS,
            (
                np.random.default_rng(s)
                for s in np.random.SeedSequence(p.seed).spawn(len(_LAYERS))
            ),
            strict=True,
        )
    )
    end = np.datetime64(p.end_date, "D")
    start = np.datetime64(
        date(p.end_date.year - p.years, p.end_date.month, p.end_date.day), "D"
    )
    month_starts = np.arange(
        start.astype("datetime64[M]"), end.astype("datetime64[M]") + 1
    ).astype("datetime64[D]")
    month_starts[0], month_starts[-1] = start, end

    blocks, raw = generate_blocks(p, streams["blocks"])
    layout = make_layout(p, blocks, streams["layout"])
    bld = place_buildings(p, layout, blocks, raw)
    adr = make_addresses(p, layout, bld, streams["addresses"])
    stock = make_stock(p, bld, adr, streams["stock"])

    fac = streams["facilities"]
    amen = make_amenities(p, layout, adr, fac)
    inits = make_initiatives(p, layout, start, end, fac)
    pros = make_professionals(p, amen, bld, start, fac)

    ents = entrance_table(adr)
    res = resilience(
        p, ents, amen, inits, pros, month_starts[:-1], streams["resilience"]
    )

    dw = adr[adr["is_dwelling"]].copy()
    dw[stock.columns] = stock
    dw["entrance"] = ents.index.get_indexer(dw["entrance"])
    seg_name = np.where(dw["cheap_social"], "cheap_social", dw["tenure"].astype(str))
    segment = pd.Index(SEGMENTS).get_indexer(seg_name)
    tipping_b = np.array([b.tipping for b in p.buurten])
    kind = bld["kind"].to_numpy()[dw["pand"].to_numpy()]
    pop = simulate(
        p.move_rate,
        p.urgency_share,
        p.tipping_urgency,
        p.pressure_exodus,
        segment,
        dw["entrance"].to_numpy(),
        dw["cheap_social"].to_numpy() & tipping_b[dw["buurt"].to_numpy()],
        np.isin(kind, ["row", "semi", "detached"]),
        bld["bouwjaar"].to_numpy()[dw["pand"].to_numpy()],
        res,
        month_starts,
        streams["population"],
    )

    order = np.argsort(dw["entrance"].to_numpy(), kind="stable")
    first = np.searchsorted(dw["entrance"].to_numpy()[order], np.arange(len(ents)))
    sig_rng = streams["signals"]
    cluster_ent = _cluster_entrance(p, ents, bld, adr, sig_rng)
    sig = make_signals(
        p,
        ents,
        (order, first),
        pop.occupied,
        pop.pressure,
        pop.moves,
        res,
        month_starts,
        cluster_ent,
        sig_rng,
    )
    iv_rng = streams["interventions"]
    avoid = [i for i, b in enumerate(p.buurten) if b.quiet]
    if cluster_ent is not None:
        avoid.append(ents.iloc[cluster_ent]["buurt"])
    interventions, iv_places, plan = plant_interventions(
        dw, bld["pand_id"].to_numpy(), month_starts, iv_rng, avoid
    )
    if p.interventions:
        sig = thin_signals(sig, plan, iv_rng)
    else:
        interventions, iv_places = interventions.iloc[:0], iv_places.iloc[:0]
    spaces = make_spaces(
        bld, dw, pop.pressure[:, -6:].mean(axis=1), res[:, -1], end, streams["spaces"]
    )

    codes = _codes(p)
    to_rd = _transform(p)
    tables = _contract_frames(
        p, codes, to_rd, layout, bld, adr, dw, amen, inits, pros, pop, sig, spaces
    )
    planted = _planted(p, codes, to_rd, ents, cluster_ent, month_starts)
    types = pd.DataFrame(
        {
            "pand_id": pd.array(bld["pand_id"], dtype="str"),
            "kind": pd.array(bld["kind"], dtype="str"),
            "storeys": bld["storeys"].astype("int64"),
        }
    )
    return City(params=p, building_types=types, planted=planted,
                interventions=interventions, intervention_places=iv_places,
                **tables)


# -- codes and coordinates ---------------------------------------------------


def _codes(p: CityParams) -> dict:
    g = p.gemeentecode[2:]
    wijkcodes = [f"WK{g}{w + 1:02d}" for w in range(len(p.wijken))]
    buurtcodes, counter = [], {}
    for b in p.buurten:
        counter[b.wijk] = counter.get(b.wijk, 0) + 1
        buurtcodes.append(f"BU{g}{b.wijk + 1:02d}{counter[b.wijk]:02d}")
    return {"wijk": np.array(wijkcodes), "buurt": np.array(buurtcodes)}


def _transform(p: CityParams):
    """Local metres -> RD New: rotate about the origin, then translate."""
    a = math.radians(p.rotation_deg)
    cos, sin = math.cos(a), math.sin(a)
    ox, oy = p.origin_rd

    def to_rd(xy: np.ndarray) -> np.ndarray:
        x, y = xy[:, 0], xy[:, 1]
        return np.column_stack([ox + cos * x - sin * y, oy + sin * x + cos * y])

    return to_rd


def _points(to_rd, x, y) -> np.ndarray:
    xy = to_rd(np.column_stack([np.asarray(x, float), np.asarray(y, float)]))
    return shapely.points(xy)


def _boxes(to_rd, x0, y0, x1, y1) -> np.ndarray:
    return shapely.transform(shapely.box(x0, y0, x1, y1), to_rd)


def _s(values) -> pd.arrays.ArrowStringArray:
    return pd.array(
        list(values) if not isinstance(values, pd.Series) else values, dtype="str"
    )


def _ids(prefix: str, n: int) -> pd.arrays.ArrowStringArray:
    width = max(5, len(str(n)))
    return pd.array([f"{prefix}{i + 1:0{width}d}" for i in range(n)], dtype="str")


def _dates(values) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[D]").astype("datetime64[us]")


def _contract_frames(
    p, codes, to_rd, layout, bld, adr, dw, amen, inits, pros, pop, sig, spaces
) -> dict:
    buurt_codes, wijk_codes = codes["buurt"], codes["wijk"]
    n_b = len(p.buurten)
    boxes = layout.buurt_boxes
    buurten = gpd.GeoDataFrame(
        {
            "buurtcode": _s(buurt_codes),
            "buurtnaam": _s(b.name for b in p.buurten),
            "wijkcode": _s(wijk_codes[[b.wijk for b in p.buurten]]),
            "wijknaam": _s(p.wijken[b.wijk] for b in p.buurten),
            "gemeentecode": _s([p.gemeentecode] * n_b),
            "gemeentenaam": _s([p.gemeentenaam] * n_b),
            "source_code": pd.array([pd.NA] * n_b, dtype="str"),
        },
        geometry=_boxes(to_rd, boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]),
        crs=RD,
    )

    st = layout.streets
    lines = shapely.transform(
        shapely.linestrings(
            np.stack([st[["x0", "y0"]].to_numpy(), st[["x1", "y1"]].to_numpy()], axis=1)
        ),
        to_rd,
    )
    streets = gpd.GeoDataFrame(
        {
            "street_id": _ids("VS-ST-", len(st)),
            "straat": _s(st["straat"]),
            "woonplaats": _s([p.woonplaats] * len(st)),
            "wijkcode": _s(wijk_codes[st["wijk"].to_numpy()]),
            "synthetic": np.ones(len(st), bool),
        },
        geometry=lines,
        crs=RD,
    )

    buildings = gpd.GeoDataFrame(
        {
            "pand_id": _s(bld["pand_id"]),
            "bouwjaar": pd.array(bld["bouwjaar"], dtype="Int64"),
            "status": _s(["Pand in gebruik"] * len(bld)),
            "source": _s([SOURCE] * len(bld)),
        },
        geometry=_boxes(to_rd, bld["x0"], bld["y0"], bld["x1"], bld["y1"]),
        crs=RD,
    )

    key = (
        adr["postcode"]
        + "-"
        + adr["huisnummer"].astype(str)
        + adr["huisletter"].fillna("")
        + ("-" + adr["toevoeging"]).fillna("")
    )
    n_a = len(adr)
    vbo = [f"{p.gemeentecode[2:]}01{i + 1:010d}" for i in range(n_a)]
    addresses = gpd.GeoDataFrame(
        {
            "address_id": _s(key),
            "straat": _s(adr["straat"]),
            "huisnummer": adr["huisnummer"].astype("int64").to_numpy(),
            "huisletter": adr["huisletter"].astype("str").array,
            "toevoeging": adr["toevoeging"].astype("str").array,
            "postcode": _s(adr["postcode"]),
            "woonplaats": _s([p.woonplaats] * n_a),
            "gemeente": _s([p.gemeentenaam] * n_a),
            "vbo_id": _s(vbo),
            "pand_id": _s(bld["pand_id"].to_numpy()[adr["pand"].to_numpy()]),
            "gebruiksdoel": _s(
                np.where(adr["is_dwelling"], "woonfunctie", "winkelfunctie")
            ),
            "is_dwelling": adr["is_dwelling"].to_numpy(dtype=bool),
            "buurtcode": _s(buurt_codes[adr["buurt"].to_numpy()]),
            "source": _s([SOURCE] * n_a),
        },
        geometry=_points(to_rd, adr["x"], adr["y"]),
        crs=RD,
    )
    address_id = addresses["address_id"].to_numpy()
    dw_id = address_id[dw.index.to_numpy()]

    stock = pd.DataFrame(
        {
            "address_id": _s(dw_id),
            "corporatie": dw["corporatie"].astype("str").array,
            "complex_code": dw["complex_code"].astype("str").array,
            "tenure": dw["tenure"].astype("str").array,
            "rent": dw["rent"].astype(float).to_numpy(),
            "entrance_code": pd.array([pd.NA] * len(dw), dtype="str"),
        }
    )

    amenities = gpd.GeoDataFrame(
        {
            "amenity_id": _ids("VS-AM-", len(amen)),
            "kind": _s(amen["kind"]),
            "name": _s(amen["name"]),
            "source": _s([SOURCE] * len(amen)),
        },
        geometry=_points(to_rd, amen["x"], amen["y"]),
        crs=RD,
    )

    hh = pop.households
    rng_keys = np.random.default_rng(np.random.SeedSequence([p.seed, 7]))
    raw_keys = rng_keys.integers(0, 2**62, len(hh))
    households = pd.DataFrame(
        {
            "household_key": _s(f"hh-{k:016x}" for k in raw_keys),
            "address_id": _s(dw_id[hh["dwelling"].to_numpy()]),
            "tenure_start": _dates(hh["tenure_start"]),
            "tenure_end": _dates(hh["tenure_end"]),
            "household_type": _s(hh["household_type"]),
            **{n: hh[n].to_numpy(dtype=bool) for n in NEEDS},
            "urgency": hh["urgency"].to_numpy(dtype=bool),
            "source": _s([SOURCE] * len(hh)),
            "synthetic": np.ones(len(hh), bool),
        }
    )

    on_addr = sig["dwelling"].to_numpy() >= 0
    d_idx = np.where(on_addr, sig["dwelling"].to_numpy(), 0)
    dw_x, dw_y = dw["x"].to_numpy(), dw["y"].to_numpy()
    sx = np.where(on_addr, dw_x[d_idx], sig["x"].to_numpy())
    sy = np.where(on_addr, dw_y[d_idx], sig["y"].to_numpy())
    sig_addr = np.where(on_addr, dw_id[d_idx], None)
    signals = gpd.GeoDataFrame(
        {
            "signal_id": _ids("VS-SG-", len(sig)),
            "reported_at": pd.DatetimeIndex(
                sig["reported_at"].to_numpy().astype("datetime64[us]")
            ).tz_localize("UTC"),
            "category": _s(sig["category"]),
            "source": _s(sig["source"]),
            "address_id": pd.array(sig_addr, dtype="str"),
            "synthetic": np.ones(len(sig), bool),
        },
        geometry=_points(to_rd, sx, sy),
        crs=RD,
    )

    initiatives = gpd.GeoDataFrame(
        {
            "initiative_id": _ids("VS-IN-", len(inits)),
            "kind": _s(inits["kind"]),
            "size": inits["size"].astype("int64").to_numpy(),
            "started": _dates(inits["started"]),
            "ended": _dates(inits["ended"]),
            "synthetic": np.ones(len(inits), bool),
        },
        geometry=_points(to_rd, inits["x"], inits["y"]),
        crs=RD,
    )

    professionals = gpd.GeoDataFrame(
        {
            "presence_id": _ids("VS-PR-", len(pros)),
            "role": _s(pros["role"]),
            "hours_per_week": pros["hours_per_week"].astype("int64").to_numpy(),
            "started": _dates(pros["started"]),
            "ended": _dates(pros["ended"]),
            "synthetic": np.ones(len(pros), bool),
        },
        geometry=_points(to_rd, pros["x"], pros["y"]),
        crs=RD,
    )

    shared_spaces = pd.DataFrame(
        {
            "space_id": _ids("VS-SR-", len(spaces)),
            "pand_id": _s(bld["pand_id"].to_numpy()[spaces["pand"].to_numpy()]),
            "entrance_code": spaces["entrance_code"].astype("str").array,
            "kind": _s(spaces["kind"]),
            "condition": spaces["condition"].astype("int64").to_numpy(),
            "inspected_at": _dates(spaces["inspected_at"]),
            "synthetic": np.ones(len(spaces), bool),
        }
    )
    return {
        "buurten": buurten,
        "streets": streets,
        "buildings": buildings,
        "addresses": addresses,
        "stock": stock,
        "amenities": amenities,
        "households": households,
        "signals": signals,
        "initiatives": initiatives,
        "professionals": professionals,
        "shared_spaces": shared_spaces,
    }


def _cluster_entrance(p, ents, bld, adr, rng) -> int | None:
    """A portiek entrance of the cluster buurt, the centre of the planted cluster."""
    target = [i for i, b in enumerate(p.buurten) if b.cluster]
    if not target:
        return None
    in_b = np.flatnonzero(ents["buurt"].to_numpy() == target[0])
    flats = in_b[ents["n"].to_numpy()[in_b] >= 6]
    pool = flats if len(flats) else in_b
    return int(pool[rng.integers(len(pool))]) if len(pool) else None


def _planted(p, codes, to_rd, ents, cluster_ent, month_starts) -> Planted:
    n_m = len(month_starts) - 1
    buurt_codes = codes["buurt"]

    def day(m: int) -> date:
        return month_starts[max(0, m)].astype(object)

    centre = None
    cluster_buurt = None
    if cluster_ent is not None:
        row = ents.iloc[cluster_ent]
        xy = to_rd(np.array([[row["x"], row["y"]]]))[0]
        centre = (round(float(xy[0]), 1), round(float(xy[1]), 1))
        cluster_buurt = str(buurt_codes[int(row["buurt"])])
    quiet = [i for i, b in enumerate(p.buurten) if b.quiet]
    return Planted(
        tipping_buurten=tuple(
            str(buurt_codes[i]) for i, b in enumerate(p.buurten) if b.tipping
        ),
        cluster_buurt=cluster_buurt,
        cluster_centre=centre,
        cluster_radius=p.cluster_radius,
        cluster_start=day(n_m - p.cluster_months) if cluster_ent is not None else None,
        quiet_buurt=str(buurt_codes[quiet[0]]) if quiet else None,
        quiet_start=day(n_m - p.quiet_months) if quiet else None,
    )

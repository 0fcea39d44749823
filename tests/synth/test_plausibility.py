"""Voorbeeldstad behaves the way DESIGN.md section 1 describes, and is reproducible."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from veerkracht.synth import City, generate_city

NEEDS = ["need_care", "need_income", "need_outflow", "need_frail_elderly"]


def test_same_seed_gives_identical_frames():
    one = generate_city(seed=11, n_dwellings=1500, years=1)
    two = generate_city(seed=11, n_dwellings=1500, years=1)
    for name, frame in one.tables().items():
        pdt.assert_frame_equal(frame, two.tables()[name], check_exact=True)
    assert one.planted == two.planted
    other = generate_city(seed=12, n_dwellings=1500, years=1)
    assert not other.addresses.geometry.equals(one.addresses.geometry)


def _dwellings(city: City) -> pd.DataFrame:
    a = city.addresses[city.addresses["is_dwelling"]]
    dw = a[["address_id", "pand_id", "buurtcode"]].merge(city.stock, on="address_id")
    kind = city.building_types.set_index("pand_id")["kind"]
    dw["kind"] = kind.loc[dw["pand_id"]].to_numpy()
    dw["cheap_social"] = (
        (dw["tenure"] == "social_rent")
        & dw["kind"].isin(["portiek", "galerij"])
        & (dw["rent"] <= city.params.cheap_rent)
    )
    dw["owner_row"] = (dw["tenure"] == "owner") & (dw["kind"] == "row")
    return dw


def test_support_needs_concentrate_in_cheap_social_stairwells(city: City):
    dw = _dwellings(city)
    h = city.households.merge(dw, on="address_id")
    now = h[h["tenure_end"].isna()]
    need = now[NEEDS].any(axis=1)
    cheap = need[now["cheap_social"]].mean()
    owner = need[now["owner_row"]].mean()
    assert cheap > 3 * owner and cheap - owner > 0.2
    assert now.loc[now["cheap_social"], "urgency"].mean() > 0.1
    assert not now.loc[now["owner_row"], "urgency"].any()


def test_turnover_is_higher_in_cheap_social_stairwells(city: City):
    dw = _dwellings(city)
    moved = city.households[city.households["tenure_end"].notna()]
    moved = moved.merge(dw, on="address_id")
    rate_cheap = moved["cheap_social"].sum() / dw["cheap_social"].sum()
    rate_owner = moved["owner_row"].sum() / dw["owner_row"].sum()
    assert rate_cheap > 2 * rate_owner


def test_needs_rise_over_time_in_tipping_buurten(city: City):
    dw = _dwellings(city)
    h = city.households.merge(dw, on="address_id")
    start = pd.Timestamp(city.params.end_date) - pd.DateOffset(years=city.params.years)
    new = h[h["tenure_start"] >= start]
    new = new[new["buurtcode"].isin(city.planted.tipping_buurten) & new["cheap_social"]]
    early = new["tenure_start"] < start + pd.DateOffset(years=1)
    late = new["tenure_start"] >= start + pd.DateOffset(years=2)
    assert new.loc[late, "urgency"].mean() > new.loc[early, "urgency"].mean() + 0.1


def _signals_by_buurt(city: City) -> gpd.GeoDataFrame:
    return gpd.sjoin(
        city.signals, city.buurten[["buurtcode", "geometry"]], predicate="within"
    ).drop(columns="index_right")


def test_signals_per_dwelling_higher_in_tipping_buurten(city: City):
    s = _signals_by_buurt(city)
    dw = city.addresses[city.addresses["is_dwelling"]].groupby("buurtcode").size()
    rate = s.groupby("buurtcode").size() / dw
    tipping = rate[rate.index.isin(city.planted.tipping_buurten)]
    others = rate[~rate.index.isin(city.planted.tipping_buurten)]
    assert tipping.min() > 1.5 * others.median()
    assert tipping.min() > others.max()


def test_three_years_of_signals(city: City):
    t = city.signals["reported_at"]
    end = pd.Timestamp(city.params.end_date, tz="UTC")
    start = end - pd.DateOffset(years=3)
    assert t.min() >= start and t.max() < end
    assert t.min() < start + pd.Timedelta(days=15)
    assert t.max() > end - pd.Timedelta(days=15)
    per_month = t.dt.tz_localize(None).dt.to_period("M").value_counts()
    assert len(per_month) == 36


def test_noise_peaks_in_summer(city: City):
    s = city.signals
    noise = s[s["category"] == "noise"]["reported_at"].dt.month
    assert noise.isin([6, 7, 8]).mean() > noise.isin([12, 1, 2]).mean() * 1.3


def test_planted_cluster_emerges_in_the_last_months(city: City):
    p = city.planted
    assert p.cluster_buurt is not None and p.cluster_centre is not None
    s = city.signals
    near = s.distance(
        gpd.points_from_xy([p.cluster_centre[0]], [p.cluster_centre[1]])[0]
    )
    inside = s[(near <= p.cluster_radius)]
    start = pd.Timestamp(p.cluster_start, tz="UTC")
    before = inside[
        (inside["reported_at"] < start)
        & (inside["reported_at"] >= start - pd.DateOffset(years=1))
    ]
    during = inside[inside["reported_at"] >= start]
    months = city.params.cluster_months
    assert len(during) / months > 2.5 * len(before) / 12


def test_planted_quiet_place_reports_less_and_less(city: City):
    p = city.planted
    s = _signals_by_buurt(city)
    quiet = s[s["buurtcode"] == p.quiet_buurt]
    start = pd.Timestamp(p.quiet_start, tz="UTC")
    before = quiet[
        (quiet["reported_at"] < start)
        & (quiet["reported_at"] >= start - pd.DateOffset(years=1))
    ]
    last_q = quiet[
        quiet["reported_at"]
        >= pd.Timestamp(city.params.end_date, tz="UTC") - pd.DateOffset(months=3)
    ]
    assert len(last_q) / 3 < 0.7 * len(before) / 12
    residents = quiet["source"] == "resident"
    assert (
        residents[quiet["reported_at"] >= start].mean()
        < residents[quiet["reported_at"] < start].mean()
    )


def test_shared_spaces_are_worse_where_pressure_is_high(city: City):
    sp = city.shared_spaces[city.shared_spaces["kind"] == "stairwell"]
    h = city.households[city.households["tenure_end"].isna()]
    a = city.addresses.set_index("address_id")
    door = (
        a.loc[h["address_id"], "postcode"]
        + "-"
        + a.loc[h["address_id"], "huisnummer"].astype(str)
    )
    share = h[NEEDS].any(axis=1).groupby(door.to_numpy()).mean()
    merged = sp.assign(share=share.reindex(sp["entrance_code"]).to_numpy()).dropna()
    corr = np.corrcoef(merged["condition"], merged["share"])[0, 1]
    assert corr < -0.2


def test_initiatives_end_in_tipping_buurten(city: City):
    i = gpd.sjoin(
        city.initiatives, city.buurten[["buurtcode", "geometry"]], predicate="within"
    )
    tipping = i["buurtcode"].isin(city.planted.tipping_buurten)
    assert (
        i.loc[tipping, "ended"].notna().mean() > i.loc[~tipping, "ended"].notna().mean()
    )
    assert (i["size"] % 5 == 0).all() and (i["size"] >= 5).all()


def test_some_buurten_are_poorly_provided(city: City):
    a = gpd.sjoin(
        city.amenities, city.buurten[["buurtcode", "geometry"]], predicate="within"
    )
    dw = city.addresses[city.addresses["is_dwelling"]].groupby("buurtcode").size()
    per = a.groupby("buurtcode").size().reindex(dw.index, fill_value=0) / dw * 1000
    assert per.max() > 3 * per.min()
    assert set(a["kind"]) >= {
        "bench",
        "shop",
        "community_centre",
        "playground",
        "care_point",
    }
    assert (a["kind"] == "community_centre").sum() == city.buurten["wijkcode"].nunique()


@pytest.mark.slow
def test_a_large_city_still_works():
    big = generate_city(seed=3, n_dwellings=100_000)
    assert big.addresses["address_id"].is_unique
    assert 100_000 <= big.addresses["is_dwelling"].sum() <= 104_000

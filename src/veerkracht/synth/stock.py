"""Housing stock: who owns each dwelling, the rent, complex codes.

Ownership is decided per building (per row or pair for single-family houses),
so a complex is coherent: portiek- and galerijflats are mostly social rent of
a corporation, some mid rent; single-family rows are mostly owner-occupied;
flats above shops mostly private rent. A few flats in social portiekflats were
sold one by one (owner). The buurt's :attr:`BuurtSpec.social` scales the
corporation share. Corporation dwellings get a complex code per block.

Rents (euro/month): social portiek 470–640 (cheap), galerij 560–740, social
houses 680–880, mid rent 950–1200, private 1100–1600; owners have none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from veerkracht.synth.params import CityParams

CORPORATIONS = ("Woonstichting Voorbeeldstad", "Woongoed De Polder")
_PREFIX = ("WSV", "WDP")

# probabilities of (social_rent, mid_rent, private_rent) before scaling; rest owner
_TENURE = {
    "portiek": (0.92, 0.04, 0.03),
    "galerij": (0.85, 0.10, 0.02),
    "row": (0.45, 0.02, 0.05),
    "semi": (0.10, 0.0, 0.05),
    "detached": (0.0, 0.0, 0.04),
    "mixed": (0.3, 0.05, 0.55),
}
_RENT = {  # social rent range by building kind
    "portiek": (470, 640),
    "galerij": (560, 740),
    "row": (680, 880),
    "semi": (720, 880),
    "detached": (750, 880),
    "mixed": (600, 760),
}
TENURES = np.array(["social_rent", "mid_rent", "private_rent", "owner"], dtype=object)


def make_stock(
    params: CityParams,
    buildings: pd.DataFrame,
    addresses: pd.DataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Tenure, rent, corporation and complex per dwelling.

    Returns a frame aligned with the dwelling rows of ``addresses`` (same
    index) with ``tenure``, ``rent``, ``corporatie``, ``complex_code`` and
    ``cheap_social`` (social rent in a portiek or galerij at or below
    :attr:`CityParams.cheap_rent`).
    """
    b = buildings
    unit = np.where(
        b["group"].to_numpy() >= 0, -1 - b["group"].to_numpy(), b["pand"].to_numpy()
    )
    unit_codes, unit_idx = np.unique(unit, return_inverse=True)
    social_scale = np.array([s.social for s in params.buurten])[b["buurt"].to_numpy()]
    probs = np.array([_TENURE[k] for k in b["kind"]], dtype=float)
    probs[:, 0] = np.clip(probs[:, 0] * social_scale, 0, 0.97)
    probs[:, 1] *= np.where(social_scale > 0.2, 1.0, 0.0)
    u_unit = rng.random(len(unit_codes))[unit_idx]
    cum = np.cumsum(probs, axis=1)
    b_tenure = (u_unit[:, None] >= cum).sum(axis=1)  # 0..3

    dw = addresses[addresses["is_dwelling"]]
    pand = dw["pand"].to_numpy()
    tenure = b_tenure[pand].copy()
    kind = b["kind"].to_numpy()[pand]
    sold = (tenure == 0) & (kind == "portiek") & (rng.random(len(dw)) < 0.06)
    tenure[sold] = 3

    lo_hi = np.array([_RENT[k] for k in kind], dtype=float)
    ent = dw["entrance"].to_numpy()
    ent_u = rng.random(ent.max() + 1)[ent]  # rents are alike within an entrance
    social_rent = lo_hi[:, 0] + ent_u * (lo_hi[:, 1] - lo_hi[:, 0])
    social_rent += rng.normal(0, 15, len(dw))
    rent = np.select(
        [tenure == 0, tenure == 1, tenure == 2],
        [
            social_rent,
            rng.uniform(950, 1200, len(dw)),
            rng.uniform(1100, 1600, len(dw)),
        ],
        np.nan,
    ).round(0)
    buurt = dw["buurt"].to_numpy()
    corp_idx = buurt % 2
    is_corp = tenure <= 1
    corp = np.where(is_corp, np.array(CORPORATIONS, dtype=object)[corp_idx], None)
    complex_code = np.where(
        is_corp,
        [
            f"{_PREFIX[c]}-{blk:04d}"
            for c, blk in zip(corp_idx, dw["block"], strict=True)
        ],
        None,
    )
    cheap = (
        (tenure == 0)
        & np.isin(kind, ["portiek", "galerij"])
        & (rent <= params.cheap_rent)
    )
    return pd.DataFrame(
        {
            "tenure": pd.array(TENURES[tenure], dtype="str"),
            "rent": rent,
            "corporatie": pd.array(corp, dtype="str"),
            "complex_code": pd.array(complex_code, dtype="str"),
            "cheap_social": cheap,
        },
        index=dw.index,
    )

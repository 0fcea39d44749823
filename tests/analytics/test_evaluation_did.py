"""The staggered DiD reproduces R's ``did`` and recovers planted effects."""

import numpy as np
import pandas as pd
import pytest

from veerkracht.analytics.evaluation.did import simulated_panel, staggered_att

#: R: did::aggte(did::att_gt("lemp", "year", "countyreal", "first.treat",
#: data = mpdta, bstrap = FALSE), type = "simple")
R_ATT = -0.0399512751551763
R_SE = 0.0120340127701854


def _mpdta() -> pd.DataFrame:
    import moderndid

    df = moderndid.load_mpdta().to_pandas()
    return df.rename(
        columns={
            "countyreal": "place",
            "year": "period",
            "first.treat": "first_treated",
        }
    )


def test_reproduces_r_did_on_mpdta():
    effect = staggered_att(_mpdta(), "lemp", level=0.95)
    assert effect.att == pytest.approx(R_ATT, abs=1e-6)
    assert effect.se == pytest.approx(R_SE, rel=0.01)
    assert effect.n_treated == 191 and effect.n_comparison == 309
    low, high = effect.interval
    assert low < R_ATT < high < 0


def test_planted_effect_is_recovered_and_covered():
    rng = np.random.default_rng(20261202)
    covered = 0
    estimates = []
    for _ in range(20):
        panel = simulated_panel(120, 8, effect=-0.10, rng=rng)
        effect = staggered_att(panel, "y", level=0.90)
        estimates.append(effect.att)
        low, high = effect.interval
        covered += low <= -0.10 <= high
    assert abs(np.mean(estimates) + 0.10) < 0.01
    assert covered >= 15  # 90 % nominal; 15/20 leaves room for chance


def test_bad_input_is_refused():
    panel = simulated_panel(20, 5, effect=0.0, rng=np.random.default_rng(1))
    with pytest.raises(ValueError, match="mist kolommen"):
        staggered_att(panel.drop(columns="y"), "y")
    with pytest.raises(ValueError, match="zonder interventie"):
        staggered_att(panel.assign(first_treated=0), "y")

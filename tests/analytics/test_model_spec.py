"""Model file validation: every problem is found, in Dutch, at once."""

from __future__ import annotations

import copy
import tomllib

import pytest

from veerkracht.analytics.model.spec import ModelError, is_forbidden_field, parse_model
from veerkracht.io.model_file import default_model_bytes, load_model


@pytest.fixture
def base():
    return tomllib.loads(default_model_bytes().decode())


def problems(data):
    with pytest.raises(ModelError) as exc:
        parse_model(data)
    return exc.value.problems


def test_default_model_is_valid_and_versioned():
    spec = load_model()
    assert spec.version == "2.0" and spec.name == "veerkracht-basismodel"
    assert spec.class_names == ("in balans", "kwetsbaar evenwicht", "onder druk",
                                "overbelast", "kraan open")
    assert {i.group for i in spec.indicators} == {"pressure", "resilience"}
    assert all(i.weight > 0 for i in spec.indicators)
    for c in spec.classes:
        assert c.meaning  # every class is explained


def test_unknown_indicator_kind(base):
    base["pressure"]["urgency"]["kind"] = "vibes"
    assert any("onbekende indicator-soort 'vibes'" in p for p in problems(base))


def test_weight_that_is_not_a_number(base):
    base["resilience"]["long_tenure"]["weight"] = "hoog"
    assert any("weight is geen getal" in p for p in problems(base))


def test_thresholds_out_of_order(base):
    base["classes"][2]["min"] = 0.3
    assert any("niet in volgorde" in p for p in problems(base))


@pytest.mark.parametrize("name", ["nationality", "etniciteit", "country_of_birth",
                                  "migratieachtergrond", "Geboorteland_moeder"])
def test_forbidden_fields_are_refused_everywhere(base, name):
    data = copy.deepcopy(base)
    data["inputs"]["household_fields"].append(name)
    assert any("verboden" in p for p in problems(data))
    data = copy.deepcopy(base)
    data["pressure"]["urgency"]["field"] = name
    assert any("verboden" in p for p in problems(data))


def test_field_not_on_the_allow_list(base):
    base["inputs"]["household_fields"].remove("need_outflow")
    assert any("niet op de lijst van toegestane velden" in p for p in problems(base))


def test_all_problems_are_listed_together(base):
    base["pressure"]["urgency"]["weight"] = "x"
    base["classes"][1]["min"] = 0.5
    base["model"]["version"] = 1
    found = problems(base)
    assert len(found) >= 3
    msg = str(ModelError(found, "m.toml"))
    assert msg.startswith("m.toml: het model is ongeldig (")


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ModelError, match="niet gevonden"):
        load_model(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[model\nname=", encoding="utf-8")
    with pytest.raises(ModelError, match="geen geldige TOML"):
        load_model(bad)


def test_hash_changes_with_the_file(tmp_path):
    p = tmp_path / "m.toml"
    p.write_bytes(default_model_bytes().replace(b'version = "2.0"',
                                                b'version = "2.0-utrecht"'))
    spec = load_model(p)
    assert spec.version == "2.0-utrecht" and spec.hash != load_model().hash


def test_forbidden_detector_does_not_hit_need_fields():
    for f in ("need_care", "need_income", "need_outflow", "need_frail_elderly",
              "urgency", "household_type", "tenure_start"):
        assert not is_forbidden_field(f)


def test_parameters_must_map_onto_the_fixed_statistics(base):
    base["pressure"]["turnover"]["window_months"] = 18
    base["resilience"]["long_tenure"]["min_years"] = 3
    found = problems(base)
    assert any("window_months moet 12 zijn" in p for p in found)
    assert any("min_years moet een grens van de woonduurklassen" in p for p in found)


def test_worries_about_a_neighbour_are_never_pressure(base):
    base["pressure"]["signals"]["meaning"] = "attentiveness"
    assert any("nooit druk" in p for p in problems(base))
    data = copy.deepcopy(base)
    data["pressure"]["signals"]["meaning"] = "pressure"
    data["resilience"]["attentiveness"]["meaning"] = "pressure"
    assert any("geen veerkracht" in p for p in problems(data))


def test_reference_and_inflow_rule_are_read(base):
    spec = parse_model(base)
    assert spec.classes[-1].requires_inflow and not spec.classes[-2].requires_inflow
    base["reference"] = {"period": "2025", "level": "block",
                         "indicators": {"urgency": {"q05": 0.0, "q95": 0.1},
                                        "nonsense": {"q05": 0, "q95": 1}}}
    assert any("nonsense: geen indicator" in p for p in problems(base))
    del base["reference"]["indicators"]["nonsense"]
    spec = parse_model(base)
    assert spec.reference.quantiles == {"urgency": (0.0, 0.1)}


def test_model_1_still_loads():
    from veerkracht.io.model_file import MODEL_1, shipped_model_path

    spec = load_model(shipped_model_path(MODEL_1))
    assert spec.version == "1.0" and spec.reference is None
    assert spec.estimation.kappa_bounds == (0.5, 1e5)  # the old cap is not used

"""Households reader: allow-list, forbidden fields, every bad row reported."""

from __future__ import annotations

import pandas as pd
import pytest

from veerkracht.io.households import read_households
from veerkracht.io.validation import ImportRejected

HEADER = ("household_key;address_id;tenure_start;tenure_end;household_type;"
          "need_care;need_income;need_outflow;need_frail_elderly;urgency")


def write(tmp_path, text, name="huishoudens.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_reads_a_valid_file(tmp_path):
    p = write(tmp_path, HEADER + "\n"
              "H1;1013AB-12-2;2019-05-01;;alleenstaand;ja;nee;0;nee;1\n"
              "H2;1013AB-12-3;01-02-2010;2023-12-31;family;nee;ja;nee;nee;nee\n")
    res = read_households(p)
    f = res.frame
    assert list(f["household_type"]) == ["single", "family"]
    assert f["need_care"].tolist() == [True, False]
    assert f["urgency"].tolist() == [True, False]
    assert f["tenure_start"].iloc[1] == pd.Timestamp("2010-02-01")
    assert pd.isna(f["tenure_end"].iloc[0])
    assert not f["synthetic"].any() and (f["source"] == "huishoudens.csv").all()
    assert res.summary["living_now"] == 1 and res.summary["needs"]["need_care"] == 1


@pytest.mark.parametrize("column", ["nationaliteit", "Etniciteit", "country_of_birth",
                                    "migratieachtergrond", "herkomst"])
def test_forbidden_fields_refuse_the_file(tmp_path, column):
    p = write(tmp_path, HEADER + f";{column}\n"
              "H1;1013AB-12-2;2019-05-01;;single;ja;nee;nee;nee;nee;X\n")
    with pytest.raises(ImportRejected, match="verboden") as exc:
        read_households(p)
    assert "niets opgeslagen" in str(exc.value)


def test_fields_off_the_allow_list_refuse_the_file(tmp_path):
    p = write(tmp_path, HEADER + ";inkomen_euro\n"
              "H1;1013AB-12-2;2019-05-01;;single;ja;nee;nee;nee;nee;900\n")
    with pytest.raises(ImportRejected, match="toegestane velden"):
        read_households(p)


def test_missing_required_column(tmp_path):
    p = write(tmp_path, "household_key;address_id;tenure_start\nH1;A;2020-01-01\n")
    with pytest.raises(ImportRejected, match="ontbreken.*household_type"):
        read_households(p)


def test_every_bad_row_is_reported(tmp_path):
    p = write(tmp_path, HEADER + "\n"
              "H1;1013AB-12-2;2019-13-01;;single;ja;nee;nee;nee;nee\n"
              "H2;;2019-01-01;;single;ja;nee;nee;nee;nee\n"
              "H3;A;2019-01-01;2018-01-01;single;ja;nee;nee;nee;nee\n"
              "H4;A;2019-01-01;;kat;misschien;nee;nee;nee;nee\n"
              "H5;A;2019-01-01;;single;ja;nee;nee;nee;nee\n"
              "H5;B;2019-01-01;;single;ja;nee;nee;nee;nee\n")
    with pytest.raises(ImportRejected) as exc:
        read_households(p)
    by_line = {}
    for r in exc.value.rows:
        by_line.setdefault(r.line, []).append(r.reason)
    assert "tenure_start is geen datum" in by_line[2][0]
    assert any("address_id ontbreekt" in r for r in by_line[3])
    assert any("voor tenure_start" in r for r in by_line[4])
    assert any("household_type" in r for r in by_line[5])
    assert any("need_care moet ja of nee" in r for r in by_line[5])
    assert any("dubbel" in r for r in by_line[6]) and 7 in by_line

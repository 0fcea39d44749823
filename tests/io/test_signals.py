"""Signals reader: locations, codes, time zones, no free text."""

from __future__ import annotations

import pandas as pd
import pytest

from veerkracht.io.signals import read_signals
from veerkracht.io.validation import ImportRejected


def write(tmp_path, text, name="meldingen.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_address_rd_and_wgs84_locations(tmp_path):
    p = write(tmp_path, "signal_id;reported_at;category;source;address_id;lat;lon\n"
              "M1;2024-03-01 12:00;geluid;bewoner;1013AB-12-2;;\n"
              "M2;2024-07-01T10:00:00Z;care_worry;welfare;;52.37;4.89\n")
    f = read_signals(p).frame
    assert f.crs.to_epsg() == 28992
    assert f["category"].tolist() == ["noise", "care_worry"]
    assert f["source"].tolist() == ["resident", "welfare"]
    # 12:00 in Amsterdam in March (CET) is 11:00 UTC
    assert f["reported_at"].iloc[0] == pd.Timestamp("2024-03-01 11:00", tz="UTC")
    assert f.geometry.iloc[0] is None
    assert 120_000 < f.geometry.iloc[1].x < 123_000
    assert 486_000 < f.geometry.iloc[1].y < 488_000


def test_ids_default_to_file_and_line(tmp_path):
    p = write(tmp_path, "reported_at,category,source,x,y\n"
              "2024-01-05,neglect,corporation,121000,487000\n")
    f = read_signals(p).frame
    assert f["signal_id"].tolist() == ["meldingen-2"]


def test_free_text_is_refused(tmp_path):
    p = write(tmp_path, "reported_at;category;source;address_id;omschrijving\n"
              "2024-01-05;noise;resident;A;de buren van 3 hoog\n")
    with pytest.raises(ImportRejected, match="toegestane velden"):
        read_signals(p)


def test_bad_rows_are_all_reported(tmp_path):
    p = write(tmp_path, "reported_at;category;source;address_id;x;y\n"
              "gisteren;noise;resident;A;;\n"
              "2024-01-05;vuurwerk;resident;A;;\n"
              "2024-01-05;noise;buurman;A;;\n"
              "2024-01-05;noise;resident;;;\n"
              "2024-01-05;noise;resident;;5.1;52.1\n")
    with pytest.raises(ImportRejected) as exc:
        read_signals(p)
    lines = sorted({r.line for r in exc.value.rows})
    assert lines == [2, 3, 4, 5, 6]
    assert "WGS84" in exc.value.message() or "graden" in exc.value.message()

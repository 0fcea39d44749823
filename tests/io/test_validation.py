"""The rejection report: every row kept, the first 20 shown, CSV written."""

from __future__ import annotations

import csv

from veerkracht.io.validation import ImportRejected, ImportResult, RejectedRow


def test_message_shows_twenty_rows_and_the_total(tmp_path):
    rows = [
        RejectedRow(i, "huisnummer is geen geheel getal", f"{i}a") for i in range(2, 32)
    ]
    err = ImportRejected(rows, source="a.csv")
    text = str(err)
    assert text.startswith("a.csv: 30 rijen afgekeurd; er is niets opgeslagen.")
    assert "regel 21:" in text and "regel 22:" not in text
    assert "en nog 10 (totaal 30 afgekeurde rijen)" in text
    assert len(err.rows) == 30 and not err.file_level
    path = err.write_csv(tmp_path / "afgekeurd.csv")
    with path.open(encoding="utf-8") as fh:
        table = list(csv.reader(fh, delimiter=";"))
    assert table[0] == ["bestand", "regel", "reden", "waarde"]
    assert len(table) == 31 and table[1] == [
        "a.csv",
        "2",
        "huisnummer is geen geheel getal",
        "2a",
    ]


def test_file_level_message_is_one_sentence():
    err = ImportRejected(
        [RejectedRow(0, "bestand niet gevonden: x.csv")], source="x.csv"
    )
    assert err.file_level
    assert str(err) == "x.csv: bestand niet gevonden: x.csv; er is niets opgeslagen."


def test_combine_names_each_file():
    a = ImportRejected([RejectedRow(3, "fout")], source="a.csv")
    b = ImportRejected([RejectedRow(5, "fout")], source="b.csv")
    both = ImportRejected.combine([a, b])
    assert [(r.source, r.line) for r in both.rows] == [("a.csv", 3), ("b.csv", 5)]
    assert "a.csv, regel 3" in str(both)


def test_result_is_frozen():
    import dataclasses

    import pandas as pd
    import pytest

    result = ImportResult(pd.DataFrame(), {"rows_read": 0})
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.summary = {}

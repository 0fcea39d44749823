"""The workspace contract, run against both backends."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from veerkracht.store import WorkspaceError, open_workspace


@pytest.fixture(params=["files", pytest.param("postgres", marks=pytest.mark.postgres)])
def workspace(request, tmp_path):
    if request.param == "files":
        ws = open_workspace(tmp_path / "ws")
    else:
        ws = open_workspace(request.getfixturevalue("pg_workspace_url"))
    yield ws
    ws.close()


def _points(n: int = 5) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "address_id": [f"a{i}" for i in range(n)],
            "huisnummer": np.arange(1, n + 1, dtype="int64"),
            "huisletter": ["A", None, "b", None, ""][:n],
            "share": [0.5, np.nan, 1.0, 2.5, -1.0][:n],
            "flag": [True, False, True, False, True][:n],
            "n_opt": pd.array([1, None, 3, None, 5][:n], dtype="Int64"),
        },
        geometry=[Point(120000 + i, 480000 + i) for i in range(n)],
        crs="EPSG:28992",
    )


def test_roundtrip_keeps_values_types_and_crs(workspace):
    frame = _points()
    with workspace.transaction("test", source="unit") as tx:
        tx.put("addresses", frame)
        tx.put("plain", pd.DataFrame({"k": ["x", "y"], "v": [1.5, 2.5]}))
    back = workspace.read("addresses")
    assert isinstance(back, gpd.GeoDataFrame)
    assert back.crs.to_epsg() == 28992
    pd.testing.assert_frame_equal(
        pd.DataFrame(back.drop(columns="geometry")),
        pd.DataFrame(frame.drop(columns="geometry")),
        check_dtype=False,
    )
    letters = back["huisletter"]
    assert letters.isna().tolist() == [False, True, False, True, False]
    assert letters[~letters.isna()].tolist() == ["A", "b", ""]
    assert back.geometry.geom_equals(frame.geometry).all()
    assert workspace.read("plain")["v"].tolist() == [1.5, 2.5]
    assert workspace.read("addresses", columns=["address_id"]).columns.tolist() == [
        "address_id"
    ]
    ops = workspace.operations()
    assert [o.action for o in ops] == ["test"]
    assert set(ops[0].tables) == {"addresses", "plain"}


def test_timestamps_with_and_without_fractions_read_back(workspace):
    """PostgreSQL writes whole seconds without a fraction: a column where the
    first value has one and a later one not must read back (a national
    compute on PostgreSQL stopped on exactly that)."""
    utc = pd.to_datetime(["2024-08-21 04:11:30.5", "2024-08-21 04:11:30", None,
                          "2025-01-01 00:00:00.000001"], utc=True, format="ISO8601")
    naive = pd.to_datetime(["2024-08-21 04:11:30.25", "2024-08-21 04:11:31", None,
                            "2025-01-01"], format="ISO8601")
    frame = pd.DataFrame({"k": list("abcd"), "at": utc, "day": naive})
    with workspace.transaction("test", source="unit") as tx:
        tx.put("times", frame)
    back = workspace.read("times")
    assert back["at"].dt.tz is not None and back["day"].dt.tz is None
    pd.testing.assert_series_equal(back["at"], frame["at"], check_dtype=False)
    pd.testing.assert_series_equal(back["day"], frame["day"], check_dtype=False)


def test_categoricals_read_back_as_categoricals_past_one_read_block(
        workspace, monkeypatch):
    """A run's constant columns are categoricals (compute's provenance JSON
    of 5 kB on every result row). Read back as one string per row they cost
    PostgreSQL six times the memory of the files workspace (270 against
    42 MB of results on a 500,000-address replica); and a table larger
    than the streamed read's 1 MiB buffer, written in several COPY slices,
    arrives whole, row for row."""
    from veerkracht.store import postgres

    monkeypatch.setattr(postgres, "_COPY_ROWS", 7_000)
    n = 60_000
    big = "{" + "x" * 5000 + "}"
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({
        "k": [f"p{i}" for i in range(n)],
        "v": rng.normal(size=n),
        "estimation": pd.Categorical.from_codes(np.zeros(n, dtype=np.int8),
                                                categories=[big]),
        "band": pd.Categorical.from_codes(rng.integers(-1, 3, n),
                                          categories=["laag", "midden", "hoog"]),
    })
    with workspace.transaction("test", source="unit") as tx:
        tx.put("results", frame)
    back = workspace.read("results")
    for col in ("estimation", "band"):
        assert isinstance(back[col].dtype, pd.CategoricalDtype), col
        assert back[col].astype(object).equals(frame[col].astype(object)), col
    assert back["k"].tolist() == frame["k"].tolist()
    np.testing.assert_array_equal(back["v"].to_numpy(), frame["v"].to_numpy())
    assert back.memory_usage(deep=True).sum() < 20e6  # not 300 MB of copies


def test_awkward_values_survive_the_round_trip(workspace):
    """What a CSV transport can garble: quotes, separators, newlines and
    non-ASCII in text, an empty string beside a missing one, NaN and
    infinity, nanosecond UTC times, and a table with no rows at all."""
    text = ['a "quoted", word', "line\nbreak;semi", "", None, "ρ = 0,25 — één"]
    frame = pd.DataFrame({
        "text": text,
        "x": [1.5, np.nan, np.inf, -np.inf, 0.0],
        "n": pd.array([1, None, 3, 4, None], dtype="Int64"),
        "ok": [True, False, True, True, False],
        "at": pd.to_datetime(["2024-01-01 00:00:00.123456789", None,
                              "2024-06-30 23:59:59", "2025-01-01", "2025-02-03"],
                             utc=True, format="ISO8601"),
    })
    with workspace.transaction("test", source="unit") as tx:
        tx.put("awkward", frame)
        tx.put("none", frame.iloc[:0])
    back = workspace.read("awkward")
    got = back["text"]
    assert got.isna().tolist() == [False, False, False, True, False]
    assert got[got.notna()].tolist() == [t for t in text if t is not None]
    assert back["x"].iloc[0] == 1.5 and np.isnan(back["x"].iloc[1])
    assert back["x"].iloc[2] == np.inf and back["x"].iloc[3] == -np.inf
    assert back["n"].isna().tolist() == [False, True, False, False, True]
    assert back["n"].dropna().astype(int).tolist() == [1, 3, 4]
    assert back["ok"].tolist() == [True, False, True, True, False]
    assert back["at"].isna().tolist() == [False, True, False, False, False]
    # microseconds are what both stores keep at least
    assert abs(back["at"].iloc[0] - frame["at"].iloc[0]) < pd.Timedelta("1us")
    assert back["at"].iloc[2] == frame["at"].iloc[2]
    empty = workspace.read("none")
    assert empty.empty and list(empty.columns) == list(frame.columns)


def test_failed_transaction_leaves_everything_as_it_was(workspace):
    with workspace.transaction("first") as tx:
        tx.put("addresses", _points(3))
    before = workspace.tables()
    with (
        pytest.raises(RuntimeError, match="boom"),
        workspace.transaction("second") as tx,
    ):
        tx.put("addresses", _points(5))
        tx.put("other", pd.DataFrame({"a": [1]}))
        raise RuntimeError("boom")
    assert workspace.tables() == before
    assert len(workspace.read("addresses")) == 3
    assert not workspace.has("other")
    assert [o.action for o in workspace.operations()] == ["first"]


def test_replace_bumps_version_and_append_keeps_rows(workspace):
    with workspace.transaction("a") as tx:
        tx.put("results", pd.DataFrame({"period": ["2024"], "x": [1.0]}))
    with workspace.transaction("b") as tx:
        tx.append("results", pd.DataFrame({"period": ["2025"], "x": [2.0]}))
    info = workspace.info("results")
    assert info.version == 2 and info.rows == 2
    assert workspace.read("results")["period"].tolist() == ["2024", "2025"]


def test_missing_table_and_bad_names_are_clear_errors(workspace):
    with pytest.raises(WorkspaceError, match="bestaat niet"):
        workspace.read("nothing")
    with (
        pytest.raises(WorkspaceError, match="invalid table name"),
        workspace.transaction("x") as tx,
    ):
        tx.put("drop table;", pd.DataFrame({"a": [1]}))


def test_geometry_without_crs_is_refused(workspace):
    frame = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)])
    with pytest.raises(WorkspaceError, match="CRS"), workspace.transaction("x") as tx:
        tx.put("nocrs", frame)


def test_file_workspace_leaves_no_stray_files(tmp_path):
    ws = open_workspace(tmp_path / "ws")
    for i in range(3):
        with ws.transaction("v") as tx:
            tx.put("t", pd.DataFrame({"i": [i]}))
    files = sorted(p.name for p in (tmp_path / "ws" / "tables").iterdir())
    assert files == ["t-3.parquet"]


def test_columns_lists_a_table_without_reading_it(workspace):
    with workspace.transaction("test") as tx:
        tx.put("addresses", _points())
    assert workspace.columns("addresses") == list(_points().columns)
    with pytest.raises(WorkspaceError, match="bestaat niet"):
        workspace.columns("nothing")


def test_concat_rows_keeps_categoricals_over_the_union():
    from veerkracht.store import concat_rows

    a = pd.DataFrame({"p": pd.Categorical(["2025", "2024"]), "n": [1, 2],
                      "s": pd.Categorical(["x", "y"])})
    b = pd.DataFrame({"p": pd.Categorical(["2026", "2025"]), "n": [3, 4],
                      "s": ["z", "x"]})  # text here (an older table read back)
    out = concat_rows([a, b])
    assert isinstance(out["p"].dtype, pd.CategoricalDtype)
    assert out["p"].tolist() == ["2025", "2024", "2026", "2025"]
    assert out["n"].tolist() == [1, 2, 3, 4] and list(out.index) == [0, 1, 2, 3]
    # text beside a categorical becomes categorical: else one string per row
    assert isinstance(out["s"].dtype, pd.CategoricalDtype)
    assert out["s"].tolist() == ["x", "y", "z", "x"]
    # an emptied old table (every row replaced) does not decide the type
    empty = pd.DataFrame({"p": pd.Series([], dtype="string"), "n": [],
                          "s": pd.Series([], dtype=object)})
    out = concat_rows([empty, a])
    assert isinstance(out["p"].dtype, pd.CategoricalDtype)
    assert out["p"].tolist() == ["2025", "2024"]
    # numbers beside a categorical are left to pandas
    num = pd.DataFrame({"p": [7], "n": [5], "s": ["q"]})
    assert concat_rows([a, num])["p"].astype(str).tolist() == ["2025", "2024", "7"]
    # a column missing from one frame is filled as pandas does
    c = pd.DataFrame({"n": [5]})
    assert concat_rows([a, c])["p"].isna().tolist() == [False, False, True]


def test_read_points_gives_x_y_for_points_and_other_shapes(workspace):
    """Plain points are read without a geometry object per row (file
    backend); every other case (a polygon, a missing or empty geometry)
    falls back to a point on the surface; both give the same frame as
    ``points_xy`` of the full read."""
    from shapely.geometry import Polygon

    from veerkracht.store import points_xy

    pts = _points()
    odd = gpd.GeoDataFrame(
        {"k": ["sq", "none", "empty", "pt"]},
        geometry=[Polygon([(0, 0), (4, 0), (4, 2), (0, 2)]), None, Point(),
                  Point(7.25, -3.5)], crs="EPSG:28992")
    with workspace.transaction("test", source="unit") as tx:
        tx.put("pts", pts)
        tx.put("odd", odd)
        tx.put("plain", pd.DataFrame({"k": ["x"], "v": [1.0]}))
    fast = workspace.read_points("pts")
    assert fast.columns.tolist() == [*pts.columns.drop("geometry"), "x", "y"]
    assert fast["x"].tolist() == [120000.0 + i for i in range(5)]
    assert fast["y"].tolist() == [480000.0 + i for i in range(5)]
    pd.testing.assert_frame_equal(fast, points_xy(workspace.read("pts")))
    two = workspace.read_points("pts", ["address_id", "geometry"])
    assert two.columns.tolist() == ["address_id", "x", "y"]
    # without the geometry among the columns: no coordinates to give
    assert workspace.read_points("pts", ["address_id"])["x"].isna().all()
    back = workspace.read_points("odd")
    assert back["x"].tolist()[0] == pytest.approx(2.0)
    assert back["y"].tolist()[0] == pytest.approx(1.0)
    assert back[["x", "y"]].iloc[1:3].isna().all().all()
    assert back[["x", "y"]].iloc[3].tolist() == [7.25, -3.5]
    assert workspace.read_points("plain")["x"].isna().all()

"""The real-address workspace of the output attacks (issue 8), built as a user would.

The LJPc addresses of the centre of Groningen (gemeente Groningen, postcodes
9711–9712, about 15,000 addresses) go through the CLI exactly as a user
would run it: ``import addresses`` (a scratch copy of the filtered rows,
never in the repository), ``places``, ``synth households --seed 1
--signals``, ``privacy protect`` for 2024 and 2025, ``compute`` for both.
Shared by ``tests/privacy/test_attacks_outputs.py`` and
``tests/web/test_attacks_outputs_web.py``.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

from veerkracht.analytics.model.periods import parse_period
from veerkracht.analytics.statistics import place_statistics
from veerkracht.cli.main import main
from veerkracht.store import open_workspace, points_xy

LEVELS = ("entrance", "building", "block", "street")
ID = {"entrance": "entrance_id", "building": "building_id", "block": "block_id",
      "street": "street_id"}
FLAGS = ("need_care", "need_income", "need_outflow", "need_frail_elderly", "urgency")
POSTCODES = ("9711", "9712")



def cli(ws: Path, *argv: str) -> tuple[int, str]:
    """Run ``veerkracht -w ws ARGV`` in-process; (exit code, output as one line)."""
    buf = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        try:
            main(["-w", str(ws), *argv])
        except SystemExit as exc:
            code = exc.code or 0
    return code, " ".join(buf.getvalue().split())


def ok(ws: Path, *argv: str) -> str:
    code, out = cli(ws, *argv)
    assert code == 0, out
    return out


class Real:
    """The real-address workspace and what the attacker must not learn."""

    def __init__(self, folder: Path, source: Path):
        self.folder = folder
        addresses = pd.read_csv(source, sep=";", dtype=str, keep_default_na=False)
        keep = (addresses["gemeente"].eq("Groningen")
                & addresses["postcode"].str[:4].isin(POSTCODES))
        csv = folder / "ljpc_adressen_centrum.csv"  # a scratch copy, never in the repo
        addresses[keep].to_csv(csv, sep=";", index=False)
        self.ws_path = folder / "ws"
        w = self.ws_path
        ok(w, "import", "addresses", str(csv))
        ok(w, "places")
        ok(w, "synth", "households", "--seed", "1", "--signals")
        for period in ("2024", "2025"):
            ok(w, "privacy", "protect", "--period", period)
        ok(w, "compute", "--period", "2024", "--no-profiles")
        self.summary = ok(w, "compute", "--period", "2025")
        ws = open_workspace(w)
        self.dw = points_xy(ws.read("dwellings")).reset_index(drop=True)
        self.hh = ws.read("households")
        self.places = {lv: ws.read(f"place_{lv}") for lv in LEVELS}
        self.exact = {p: place_statistics(self.dw, self.hh, None, parse_period(p))
                      for p in ("2024", "2025")}
        ws.close()

    def copy(self, name: str) -> Path:
        target = self.folder / name
        shutil.copytree(self.ws_path, target)
        return target

    def sizes(self, level: str) -> pd.Series:
        p = self.places[level]
        return pd.Series(p["n_dwellings"].to_numpy(), index=p["place_id"].astype(str))

    def truth(self, level: str, period: str = "2025") -> pd.DataFrame:
        return self.exact[period][level].set_index("place_id")


_BUILT: dict[str, Real] = {}


def real_workspace(shared_data: Path, tmp_path_factory) -> Real:
    """Build the workspace once per test process (the privacy and the web
    attack modules share it)."""
    source = shared_data / "ljpc_adressen_Groningen.csv.zst"
    if not source.exists():
        pytest.skip("ljpc_adressen_Groningen.csv.zst is not available here")
    if "real" not in _BUILT:
        _BUILT["real"] = Real(tmp_path_factory.mktemp("attacks"), source)
    return _BUILT["real"]


def export(ws: Path, level: str, fmt: str = "csv", period: str | None = None,
           folder: Path | None = None) -> pd.DataFrame:
    """What ``veerkracht export LEVEL --format FMT`` gives the attacker."""
    import geopandas as gpd

    out = (folder or ws.parent) / f"{level}-{period or 'last'}.{fmt}"
    argv = ["export", level, "--format", fmt, "--out", str(out)]
    if period:
        argv += ["--period", period]
    ok(ws, *argv)
    if fmt == "csv":
        frame = pd.read_csv(out, dtype={"place_id": str})
    elif fmt == "parquet":
        frame = pd.DataFrame(gpd.read_parquet(out))
    else:
        frame = pd.DataFrame(gpd.read_file(out))
    if "place_id" not in frame.columns and "id" in frame.columns:
        frame = frame.rename(columns={"id": "place_id"})
    return frame



"""A small computed demo city for the headroom and what-if pages.

Built by the real jobs (``build_demo``: places, compute with the shipped
model file, protection), so the placement model of
:mod:`veerkracht.jobs.allocate` can read it; the model file is approved by
the privacy officer, so a corporation assigned to an area gets bands of
its small places (and the headroom pages must say "niet getoond" there).
"""

from __future__ import annotations

from pathlib import Path

from veerkracht.jobs import publish
from veerkracht.jobs.demo import build_demo
from veerkracht.store import open_workspace


def build_planned_city(folder: Path) -> str:
    ws = open_workspace(folder)
    build_demo(ws, seed=5, n_dwellings=250, years=1)
    last = ws.read("results").sort_values("computed_at").iloc[-1]
    publish.approve_model(ws, last["model_name"], last["model_version"],
                          last["model_hash"], actor_role="privacy_officer")
    ws.close()
    return str(folder)

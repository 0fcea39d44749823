"""``veerkracht validate``: the area-level model against outcomes it never used.

Reads ``kerncijfers`` (CBS figures, and police-registered crime where a
``woonikveilig`` file was imported) and ``leefbaarometer`` from the workspace,
computes the area-level version of the model per dataset (gemeente × level ×
year, see :mod:`veerkracht.analytics.validation`), and reports Spearman
associations with:

* crime per 1,000 inhabitants (``misdrijven_per_1000``), expected to rise with
  pressure and fall with resilience — same dataset, same year;
* the Leefbaarometer total score and its dimensions ``bev`` (residents),
  ``vei`` (safety) and ``won`` (dwellings) of the latest Leefbaarometer year,
  joined on the wijk or buurt code — expected to fall with pressure.

The result is appended to the ``validation`` table (one row per association,
with the model version and time), so earlier runs stay.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from veerkracht.analytics.validation import (
    Association,
    ValidationReport,
    area_scores,
    associate,
    disagreements,
    parse_proxies,
)
from veerkracht.store import Workspace

# (outcome column, table it comes from, which end is bad)
OUTCOMES = (
    ("misdrijven_per_1000", "kerncijfers", "high"),
    ("lbm", "leefbaarometer", "low"),
    ("bev", "leefbaarometer", "low"),
    ("vei", "leefbaarometer", "low"),
    ("won", "leefbaarometer", "low"),
)
# Crime per 1,000 inhabitants is also reported for residential areas only:
# business parks and city centres have few inhabitants and many offences, so
# the rate says little about living together there. (Added after the first
# run showed business parks leading the disagreements; both are reported.)
MIN_INHABITANTS_RESIDENTIAL = 200
# Expected sign of rho per score when the bad end of the outcome is "high".
_EXPECT_HIGH_BAD = {"pressure": "+", "resilience": "-", "balance": "-"}


class ValidationError(ValueError):
    """Nothing to validate with (no CBS figures, no outcomes)."""


@dataclass(frozen=True)
class ValidationRun:
    """The report and the rows appended to the workspace."""

    report: ValidationReport
    rows: pd.DataFrame
    model: str


def _model_validation_section(model_path=None) -> tuple[dict, str]:
    from veerkracht.io.model_file import default_model_bytes, load_model

    spec = load_model(model_path)
    raw = default_model_bytes() if model_path is None else Path(model_path).read_bytes()
    data = tomllib.loads(raw.decode("utf-8-sig"))
    section = data.get("validation", {}).get("proxies")
    if not section:
        raise ValidationError(
            "het modelbestand heeft geen sectie [validation.proxies]: daarin staat "
            "welk CBS-cijfer voor welke indicator staat"
        )
    return section, f"{spec.name} {spec.version} ({spec.hash})"


def run_validate(
    ws: Workspace, model_path=None, *, seed: int = 12345, progress=None
) -> ValidationRun:
    """Compute the associations and append them to the ``validation`` table."""
    if not ws.has("kerncijfers"):
        raise ValidationError(
            "er zijn geen CBS-kerncijfers in de werkmap; importeer ze eerst met "
            "'veerkracht import kerncijfers BESTAND'"
        )
    section, model = _model_validation_section(model_path)
    proxies = parse_proxies(section)
    kwb = ws.read("kerncijfers")
    lbm = ws.read("leefbaarometer") if ws.has("leefbaarometer") else None
    if lbm is not None:
        latest = lbm.sort_values("jaar").groupby("regiocode").tail(1)
        lbm_year = latest.set_index("regiocode")

    kwb = kwb[kwb["regioniveau"].isin(["buurt", "wijk"])].copy()
    kwb["gemeentecode"] = "GM" + kwb["regiocode"].str[2:6]
    groups = list(kwb.groupby(["gemeentecode", "regioniveau", "jaar"], sort=True))
    if progress:
        progress(0, description="validatie", total=len(groups))

    associations: list[Association] = []
    gaps: dict[str, pd.DataFrame] = {}
    datasets: dict[str, dict] = {}
    for (gm, level, year), areas in groups:
        name = f"{gm} {level} {year}"
        areas = areas.reset_index(drop=True)
        scores = area_scores(areas, proxies)
        if progress:
            progress(1)
        if scores["pressure"].notna().sum() < 5:
            continue  # a file with outcomes only (e.g. crime in earlier years)
        info = {"areas": len(areas), "proxies": scores["proxies_used"].iloc[0]}
        for outcome, table, worse in OUTCOMES:
            if table == "kerncijfers":
                values = areas.get(outcome)
                info_key = outcome
            else:
                if lbm is None:
                    continue
                values = areas["regiocode"].map(lbm_year[outcome])
                info_key = f"{outcome} (Leefbaarometer {int(lbm_year['jaar'].max())})"
            if values is None or values.notna().sum() < 5:
                continue
            variants = [(name, pd.Series(True, index=areas.index))]
            if outcome == "misdrijven_per_1000" and "a_inw" in areas:
                variants.append(
                    (
                        f"{name} (≥{MIN_INHABITANTS_RESIDENTIAL} inw.)",
                        areas["a_inw"] >= MIN_INHABITANTS_RESIDENTIAL,
                    )
                )
            info[info_key] = int(values.notna().sum())
            for label, keep in variants:
                for score in ("pressure", "resilience", "balance"):
                    expected = _EXPECT_HIGH_BAD[score]
                    if worse == "low":
                        expected = "-" if expected == "+" else "+"
                    found = associate(
                        label,
                        score,
                        scores[score].where(keep),
                        outcome,
                        values.where(keep),
                        expected,
                        seed=seed,
                    )
                    if (
                        found.n >= 5
                    ):  # a score with no proxy in this file: nothing to say
                        associations.append(found)
                gap = disagreements(
                    scores[keep.to_numpy()],
                    values[keep],
                    worse,
                    names=areas["regionaam"][keep],
                )
                if len(gap):
                    gaps[f"{label} · {outcome}"] = gap
        datasets[name] = info

    report = ValidationReport(tuple(associations), gaps, datasets)
    rows = report.table()
    if rows.empty:
        raise ValidationError(
            "geen enkele uitkomst om mee te vergelijken: importeer "
            "criminaliteitscijfers (woonikveilig) of Leefbaarometer-scores voor "
            "dezelfde gebieden"
        )
    rows["model"] = model
    rows["computed_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    rows["agrees"] = rows["agrees"].astype("boolean")
    with ws.transaction("validate", source=model) as tx:
        tx.append("validation", rows)
        tx.summary = {
            "associations": len(rows),
            "datasets": len(datasets),
            "model": model,
        }
    return ValidationRun(report, rows, model)


def report_markdown(run: ValidationRun) -> str:
    """The report as Markdown (for docs/method.md and ``--out``)."""
    lines = [
        f"Model: {run.model}",
        "",
        "| dataset | score | outcome | expected | n | rho | 95% interval | agrees |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for a in run.report.associations:
        agrees = {True: "yes", False: "no", None: "–"}[a.agrees]
        lines.append(
            f"| {a.dataset} | {a.score} | {a.outcome} | {a.expected} | {a.n} | "
            f"{a.rho:+.2f} | {a.lo:+.2f} … {a.hi:+.2f} | {agrees} |"
        )
    lines += [
        "",
        "yes: the 95% interval lies wholly on the expected side of zero; "
        "no: wholly on the other side; –: it straddles zero.",
        "",
        "Datasets:",
        "",
    ]
    for name, info in run.report.datasets.items():
        lines.append(f"- {name}: " + ", ".join(f"{k}: {v}" for k, v in info.items()))
    if run.report.disagreements:
        lines += [
            "",
            "Largest disagreements (pressure quintile vs outcome quintile, |gap| ≥ 3):",
            "",
        ]
        for key, gap in run.report.disagreements.items():
            shown = ", ".join(
                f"{r.regionaam} ({r.regiocode}, gap {r.gap:+d})"
                for r in gap.head(6).itertuples()
            )
            lines.append(f"- {key}: {shown}")
    return "\n".join(lines) + "\n"

"""``veerkracht validate``: the area-level model against outcomes it never used."""

from __future__ import annotations

from pathlib import Path

import typer

from veerkracht.analytics.model.spec import ModelError
from veerkracht.cli.common import UserError, console, out, progress, workspace_of
from veerkracht.jobs.validate import ValidationError, report_markdown, run_validate


def register(app: typer.Typer) -> None:
    """Attach ``validate`` to the root app."""
    app.command(name="validate")(validate)


def validate(
    ctx: typer.Context,
    model: Path = typer.Option(
        None, "--model", help="Modelbestand (standaard het meegeleverde)."
    ),
    out_file: Path = typer.Option(
        None, "--out", help="Schrijf het rapport ook als Markdown."
    ),
    seed: int = typer.Option(
        12345, "--seed", help="Zaad voor de bootstrap-intervallen."
    ),
) -> None:
    """Toets het model op buurt- en wijkniveau aan uitkomsten die het niet gebruikt.

    Berekent de gebiedsversie van het model uit de CBS-kerncijfers in de werkmap en
    vergelijkt die (Spearman, met bootstrap-interval) met criminaliteit per 1.000
    inwoners en de Leefbaarometer-scores. Niets wordt op die uitkomsten afgesteld.

    Voorbeeld:

      veerkracht import kerncijfers cbs_kwb2024.xlsx woonikveilig_GM0014.csv

      veerkracht import leefbaarometer leefbaarometer_dimensiescores.xlsx

      veerkracht validate --out validatie.md
    """
    ws = workspace_of(ctx)
    try:
        with progress("Validatie per gemeente, niveau en jaar") as advance:
            run = run_validate(ws, model, seed=seed, progress=advance)
    except (ValidationError, ModelError) as exc:
        raise UserError(str(exc)) from exc
    finally:
        ws.close()
    table = run.rows
    agree = table["agrees"].fillna(False).sum()
    against = (table["agrees"] == False).sum()  # noqa: E712 - pandas boolean NA
    out.print(report_markdown(run), markup=False, highlight=False)
    console.print(
        f"{len(table)} verbanden in {len(run.report.datasets)} datasets: "
        f"{agree} in de verwachte richting (interval geheel aan die kant van 0), "
        f"{against} niet; de rest onbeslist.",
        highlight=False,
    )
    if out_file:
        out_file.write_text(report_markdown(run), encoding="utf-8")
        console.print(f"Rapport geschreven naar {out_file}", highlight=False)

"""``veerkracht validate``: the area-level model against outcomes it never used."""

from __future__ import annotations

from pathlib import Path

import typer

from veerkracht.cli.common import UserError, console, out, progress, workspace_of
from veerkracht.defaults import SIMULATION_SEED


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
    n_boot: int = typer.Option(
        2000, "--bootstrap", min=100,
        help="Aantal bootstrap-trekkingen per verband (2000 voor gepubliceerde "
        "cijfers; minder alleen om snel iets te proberen).",
    ),
    simulation: bool = typer.Option(
        True, "--simulation/--no-simulation",
        help="Toets het model ook op een kleine gesimuleerde stad met bekende "
        "waarheid (dekking van de intervallen, spreiding tussen plaatsen, de "
        "portiek van 12, kantelblokken).",
    ),
    simulation_seed: int = typer.Option(
        SIMULATION_SEED, "--simulation-seed",
        help="Zaad van de gesimuleerde stad.",
    ),
) -> None:
    """Toets het model op buurt- en wijkniveau aan uitkomsten die het niet gebruikt.

    Berekent de gebiedsversie van het model uit de CBS-kerncijfers in de werkmap en
    vergelijkt die (Spearman, met bootstrap-interval) met criminaliteit per 1.000
    inwoners en de Leefbaarometer-scores (2.0 en 3.0, niveau en verandering),
    ook partieel: gegeven adresdichtheid en eengezinsaandeel, en gegeven het
    beste enkele CBS-cijfer. Niets wordt op die uitkomsten afgesteld.

    Daarna (tenzij --no-simulation) een gesimuleerde stad met bekende waarheid:
    dekken de 90 %-intervallen de ware aandelen, klopt de geschatte spreiding
    tussen plaatsen, valt de portiek van 12 met 6 zorgbehoevenden op, en vindt
    de balans de geplante kantelblokken?

    Voorbeeld:

      veerkracht import kerncijfers cbs_kwb2024.xlsx woonikveilig_GM0014.csv

      veerkracht import leefbaarometer leefbaarometer3_buurt_groningen.csv

      veerkracht validate --out validatie.md
    """
    from veerkracht.analytics.model.spec import ModelError
    from veerkracht.jobs.validate import (
        ValidationError,
        report_markdown,
        run_validate,
        simulation_verdict,
    )

    ws = workspace_of(ctx)
    try:
        with progress("Validatie per gemeente, niveau en jaar") as advance:
            run = run_validate(ws, model, seed=seed, progress=advance,
                               n_boot=n_boot, simulation=simulation,
                               simulation_seed=simulation_seed)
    except (ValidationError, ModelError) as exc:
        raise UserError(str(exc)) from exc
    finally:
        ws.close()
    table = run.rows
    out.print(report_markdown(run), markup=False, highlight=False)
    composite = ~table["score"].str.startswith("single: ")
    given = table["given"].fillna("")
    kinds = (
        ("zonder controles", composite & (given == "")),
        ("gegeven adresdichtheid en eengezinsaandeel",
         composite & (given != "") & ~given.str.startswith("single: ")),
        ("gegeven het beste enkele cijfer",
         composite & given.str.startswith("single: ")),
    )
    parts = []
    for label, mask in kinds:
        agrees = table.loc[mask, "agrees"]
        parts.append(
            f"{label}: {int(mask.sum())} verbanden, {int((agrees == True).sum())} "  # noqa: E712
            f"in de verwachte richting, {int((agrees == False).sum())} ertegen"  # noqa: E712
        )
    console.print(
        f"{len(run.report.datasets)} datasets (verwacht = interval geheel aan die "
        "kant van 0; de rest onbeslist). " + "; ".join(parts) + ".",
        highlight=False,
    )
    if run.simulation is not None:
        console.print(simulation_verdict(run.simulation), highlight=False)
    if out_file:
        out_file.write_text(report_markdown(run), encoding="utf-8")
        console.print(f"Rapport geschreven naar {out_file}", highlight=False)

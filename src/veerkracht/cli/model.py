"""Model commands: ``compute``, ``synth households`` and the confidential imports.

* ``veerkracht import households FILE`` / ``veerkracht import signals FILE``
  (added to the shared ``import`` group);
* ``veerkracht synth households [--seed N] [--signals]``;
* ``veerkracht compute [--model FILE] [--period P] [--sensitivity]``;
  ``veerkracht compute --set-reference PERIOD --out NIEUW.toml`` writes a
  model file with the fixed reference of that period.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from veerkracht.cli.common import UserError, out, progress, workspace_of
from veerkracht.cli.import_app import import_app
from veerkracht.jobs.compute import (
    ComputeError,
    run_compute,
    run_sensitivity,
    run_set_reference,
    run_synth_households,
)

LEVELS_NL = {"entrance": "portiek", "building": "pand", "block": "blok",
             "street": "straat", "buurt": "buurt", "wijk": "wijk",
             "gemeente": "gemeente"}

synth_app = typer.Typer(
    name="synth",
    help="Synthetische gegevens maken voor ingelezen (echte) woningen.",
    no_args_is_help=True,
)

_COMPUTE_HELP = """Bereken druk, veerkracht en balans voor elke plaats en periode.

Leest de werkmap (woningen en plaatsen, huishoudens, meldingen, voorzieningen,
initiatieven, professionals, gedeelde ruimten) en VOEGT de uitkomsten toe aan
de tabel results: perioden en modelversies blijven naast elkaar bewaard. Wie
dezelfde periode met dezelfde modelversie opnieuw berekent, vervangt alleen
die plak. Het overzicht hieronder is na onthullingscontrole (docs/privacy.md).

Voorbeelden:

  veerkracht compute

  veerkracht compute --period 2025-Q3

  veerkracht compute --model mijn-model.toml --period 2025 --sensitivity

  veerkracht compute --set-reference 2025 --out mijn-model-ref2025.toml
"""


def _nl(n) -> str:
    return f"{int(n):,}".replace(",", ".")


def _class_table(period: str, classes: dict, visibility: dict) -> Table:
    levels = list(classes)
    names = list(next(iter(classes.values())))
    table = Table(title=f"Plaatsen per balansklasse, periode {period}")
    table.add_column("niveau")
    for name in names:
        table.add_column(name, justify="right")
    for lv in levels:
        table.add_row(LEVELS_NL.get(lv, lv), *[_nl(classes[lv][c]) for c in names])
    return table


def register(app: typer.Typer) -> None:
    """Attach ``compute`` and ``synth`` to the root app, imports to ``import``."""

    @app.command("compute", help=_COMPUTE_HELP)
    def compute_command(
        ctx: typer.Context,
        model: Path = typer.Option(None, "--model", help="Modelbestand (TOML); "
                                   "standaard het meegeleverde model 2.0."),
        period: str = typer.Option(None, "--period", help="Jaar (2025) of kwartaal "
                                   "(2025-Q3); standaard elk kalenderjaar met "
                                   "meldingen."),
        sensitivity: bool = typer.Option(False, "--sensitivity", help="Toon ook hoe "
                                         "gevoelig de klassen zijn voor de gewichten "
                                         "(±25 % en één indicator weg)."),
        profiles: bool = typer.Option(True, "--profiles/--no-profiles",
                                      help="Ook de multischaalprofielen (k = 10 … "
                                      "1600 dichtstbijzijnde huishoudens) voor de "
                                      "laatste periode berekenen."),
        set_reference: str = typer.Option(
            None, "--set-reference", metavar="PERIODE",
            help="Schrijf een modelbestand (--out) met de vaste referentie "
            "(q05 en q95 per indicator) uit deze periode; er wordt niets in de "
            "werkmap bewaard."),
        out_file: Path = typer.Option(None, "--out", help="Het nieuwe "
                                      "modelbestand bij --set-reference."),
    ) -> None:
        ws = workspace_of(ctx)
        if set_reference is not None:
            if out_file is None:
                raise UserError("--set-reference vraagt --out NIEUW_MODEL.toml")
            try:
                with progress("Referentie bepalen") as advance:
                    r = run_set_reference(ws, set_reference, out_file,
                                          model_path=model, progress=advance)
            except ComputeError as exc:
                raise UserError(str(exc)) from exc
            out.print(f"Modelbestand {r['out']} geschreven met de referentie uit "
                      f"periode {r['period']} (niveau {r['level']}, "
                      f"{_nl(len(r['quantiles']))} indicatoren, "
                      f"{r['statistics']} statistieken). Gebruik het met "
                      f"--model {r['out']}.", highlight=False)
            return
        try:
            with progress("Model berekenen") as advance:
                summary = run_compute(ws, model_path=model, period=period,
                                      progress=advance, profiles=profiles)
        except ComputeError as exc:
            raise UserError(str(exc)) from exc
        m = summary["model"]
        out.print(f"Model {m['name']} {m['version']} (hash {m['hash']}): "
                  f"{_nl(summary['rows'])} plaatsen berekend voor "
                  f"{', '.join(summary['periods'])}; toegevoegd aan results"
                  + (f" ({_nl(summary['replaced_rows'])} oude rijen van dezelfde "
                     "periode en versie vervangen)" if summary["replaced_rows"] else "")
                  + ".", highlight=False)
        if "profiles" in summary:
            out.print(f"Multischaalprofielen voor {summary['profiles']['period']}: "
                      f"{_nl(summary['profiles']['rows'])} rijen (plaats × k) in "
                      "profiles.", highlight=False)
        if summary["skipped"]:
            out.print("Niet berekend (gegevens ontbreken): "
                      f"{', '.join(summary['skipped'])}", highlight=False)
        for p in summary["periods"]:
            out.print(_class_table(p, summary["classes"][p], summary["visibility"][p]))
        out.print("Geteld zoals gepubliceerd (de publicatiedeur): 'niet openbaar' zijn "
                  "plaatsen met minder dan 10 huishoudens; plaatsen met minder dan 5 "
                  "woningen zijn geen plaats.", highlight=False)
        if sensitivity:
            try:
                table = run_sensitivity(ws, model_path=model,
                                        period=period or summary["periods"][-1])
            except ComputeError as exc:
                raise UserError(str(exc)) from exc
            out.print(_sensitivity_table(table))

    @synth_app.command(
        "households",
        help="Synthetische huishoudens (en met --signals meldingen) voor de "
        "ingelezen woningen, afgestemd op de CBS-kerncijfers als die zijn "
        "ingelezen. Alles krijgt synthetic=True; echte gegevens worden nooit "
        "overschreven.\n\nVoorbeelden:\n\n  veerkracht synth households\n\n"
        "  veerkracht synth households --seed 7 --signals",
    )
    def synth_households(
        ctx: typer.Context,
        seed: int = typer.Option(1, "--seed", help="Zelfde seed, zelfde huishoudens."),
        signals: bool = typer.Option(False, "--signals", help="Maak ook meldingen "
                                     "(drie jaar)."),
    ) -> None:
        ws = workspace_of(ctx)
        try:
            with progress("Synthetische huishoudens") as advance:
                s = run_synth_households(ws, seed=seed, signals=signals,
                                         progress=advance)
        except ComputeError as exc:
            raise UserError(str(exc)) from exc
        kern = ("afgestemd op de CBS-kerncijfers" if s["calibrated_on_kerncijfers"]
                else "zonder kerncijfers (landelijke standaardwaarden)")
        line = (f"{_nl(s['households'])} synthetische huishoudens gemaakt "
                f"({_nl(s['living_now'])} wonen er nu), {kern}")
        if "signals" in s:
            line += f"; {_nl(s['signals'])} synthetische meldingen"
        out.print(line + ".", highlight=False)

    app.add_typer(synth_app, name="synth")

    @import_app.command(
        "households",
        help="Huishoudens met ondersteuningsbehoeften inlezen (vertrouwelijk, "
        "gepseudonimiseerd; CSV, formaat in docs/data.md). Velden over "
        "nationaliteit, etniciteit, geboorteland of migratieachtergrond — en elk "
        "veld dat niet op de lijst staat — worden geweigerd.\n\n"
        "Voorbeeld:\n\n  veerkracht import households huishoudens.csv",
    )
    def import_households(
        ctx: typer.Context,
        files: list[Path] = typer.Argument(..., help="Eén of meer CSV-bestanden."),
        append: bool = typer.Option(False, "--append", help="Toevoegen in plaats "
                                    "van vervangen."),
    ) -> None:
        from veerkracht.cli.imports import _import
        from veerkracht.io.households import read_households

        _import(ctx, "households", files, read_households,
                ["household_key", "tenure_start"], "huishoudens", append)

    @import_app.command(
        "signals",
        help="Meldingen inlezen (CSV: reported_at, category, source en address_id "
        "of x/y of lat/lon; formaat in docs/data.md). Vrije tekst wordt "
        "geweigerd.\n\nVoorbeeld:\n\n  veerkracht import signals meldingen.csv "
        "--append",
    )
    def import_signals(
        ctx: typer.Context,
        files: list[Path] = typer.Argument(..., help="Eén of meer CSV-bestanden."),
        append: bool = typer.Option(False, "--append", help="Toevoegen in plaats "
                                    "van vervangen."),
    ) -> None:
        from veerkracht.cli.imports import _import
        from veerkracht.io.signals import read_signals

        _import(ctx, "signals", files, read_signals, ["signal_id"], "meldingen",
                append)


def _sensitivity_table(table) -> Table:
    """Per indicator and variant: mean stability and rho over the levels."""
    agg = (table.groupby(["indicator", "variant"], sort=False)
           [["class_stability", "spearman"]].mean().reset_index())
    t = Table(title=f"Gevoeligheid voor de gewichten, periode {table['period'].iloc[0]}"
              " (gemiddeld over de niveaus)")
    t.add_column("indicator")
    t.add_column("variant")
    t.add_column("zelfde klasse", justify="right")
    t.add_column("Spearman", justify="right")
    for row in agg.itertuples(index=False):
        t.add_row(row.indicator, row.variant,
                  f"{row.class_stability:.0%}".replace(".", ","),
                  f"{row.spearman:.3f}".replace(".", ","))
    return t

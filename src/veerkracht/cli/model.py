"""Model commands: ``compute``, ``synth households`` and the confidential imports.

* ``veerkracht import households FILE`` / ``veerkracht import signals FILE``
  (added to the shared ``import`` group);
* ``veerkracht synth households [--seed N] [--signals]``;
* ``veerkracht compute [--model FILE] [--period P] [--sensitivity]``, always
  on the protected place statistics (drawn on first use of a period);
  ``veerkracht compute --set-reference PERIOD --out NIEUW.toml`` writes a
  model file with the fixed reference of that period.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from veerkracht.cli.common import UserError, out, progress, workspace_of
from veerkracht.cli.common import dutch_int as _nl
from veerkracht.cli.import_app import import_app
from veerkracht.defaults import LEVEL_NAMES_NL

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
die plak.

Het model rekent altijd op de beschermde plaatsstatistieken (differentiële
privacy, docs/privacy.md): de eerste keer voor een periode worden ze getrokken
(dat kost privacybudget en komt in het grootboek, 'veerkracht privacy
ledger'); elke latere berekening van die periode, met welk model ook, leest
dezelfde trekking en kost niets. Zo kan alles wat compute maakt door de
publicatiedeur (export, webapplicatie). Het overzicht hieronder is geteld
zoals gepubliceerd.

Voorbeelden:

  veerkracht compute

  veerkracht compute --period 2025-Q3

  veerkracht compute --model mijn-model.toml --period 2025 --sensitivity

  veerkracht compute --set-reference 2025 --out mijn-model-ref2025.toml
"""


def _class_table(period: str, classes: dict, visibility: dict) -> Table:
    levels = list(classes)
    names = list(next(iter(classes.values())))
    table = Table(title=f"Plaatsen per balansklasse, periode {period}")
    table.add_column("niveau")
    for name in names:
        table.add_column(name, justify="right")
    for lv in levels:
        table.add_row(LEVEL_NAMES_NL.get(lv, lv), *[_nl(classes[lv][c]) for c in names])
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
        sensitivity: bool = typer.Option(False, "--sensitivity", help="Daarna een "
                                         "globale onzekerheids- en gevoeligheids"
                                         "analyse (gewichten, klassegrenzen, "
                                         "normalisatie, prior en halfwaardetijd "
                                         "samen); klassestabiliteit per plaats in "
                                         "de tabel sensitivity."),
        runs: int = typer.Option(8, "--runs", min=2, help="Met --sensitivity: "
                                 "grootte N van de basissteekproef (een macht van "
                                 "2); het model wordt 1 + N × (groepen + 2) keer "
                                 "berekend."),
        seed: int = typer.Option(1, "--seed", help="Met --sensitivity: zelfde seed, "
                                 "zelfde uitkomst."),
        profiles: bool = typer.Option(True, "--profiles/--no-profiles",
                                      help="Ook de multischaalprofielen (k = 10 … "
                                      "1600 dichtstbijzijnde woningen) voor de "
                                      "laatste periode berekenen."),
        set_reference: str = typer.Option(
            None, "--set-reference", metavar="PERIODE",
            help="Schrijf een modelbestand (--out) met de vaste referentie "
            "(q05 en q95 per indicator) uit deze periode; er wordt niets in de "
            "werkmap bewaard."),
        out_file: Path = typer.Option(None, "--out", help="Het nieuwe "
                                      "modelbestand bij --set-reference."),
        scheduler: str = typer.Option(
            None, "--scheduler", help="Waar de multischaalprofielen draaien: "
            "'local' (dit proces, standaard) of het adres van een Dask-scheduler "
            "(tcp://host:8786): dan per gemeente verdeeld, met de buren over de "
            "grens. Het model zelf rekent altijd hier (het schat op alle plaatsen "
            "van een niveau tegelijk)."),
    ) -> None:
        from veerkracht.jobs.compute import (
            ComputeError,
            run_compute,
            run_sensitivity,
            run_set_reference,
        )

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
                                      progress=advance, profiles=profiles,
                                      scheduler=None if scheduler in (None, "local")
                                      else scheduler)
        except ComputeError as exc:
            raise UserError(str(exc)) from exc
        m = summary["model"]
        out.print(f"Model {m['name']} {m['version']} (hash {m['hash']}): "
                  f"{_nl(summary['rows'])} plaatsen berekend voor "
                  f"{', '.join(summary['periods'])}; toegevoegd aan results"
                  + (f" ({_nl(summary['replaced_rows'])} oude rijen van dezelfde "
                     "periode en versie vervangen)" if summary["replaced_rows"] else "")
                  + ".", highlight=False)
        _print_privacy(summary.get("privacy"))
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
                with progress("Gevoeligheidsanalyse") as advance:
                    result = run_sensitivity(ws, model_path=model,
                                             period=period or summary["periods"][-1],
                                             runs=runs, seed=seed, progress=advance)
            except ComputeError as exc:
                raise UserError(str(exc)) from exc
            _print_sensitivity(result)

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
        from veerkracht.jobs.compute import ComputeError, run_synth_households

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
        "geweigerd. Politieregistraties (kolommen id, bronreg, srtcode, b_datum, "
        "..., x, y) worden herkend: elke rij wordt een melding onveiligheid van "
        "de politie op x/y met het begin van de pleegperiode als tijdstip; alle "
        "andere kolommen (adres, object, ...) worden niet opgeslagen."
        "\n\nVoorbeelden:\n\n  veerkracht import signals meldingen.csv "
        "--append\n\n  veerkracht import signals fietsdiefstallen.csv.zst "
        "--format politie",
    )
    def import_signals(
        ctx: typer.Context,
        files: list[Path] = typer.Argument(..., help="Eén of meer CSV-bestanden."),
        format: str = typer.Option(  # noqa: A002 - the option is called --format
            None, "--format", "-f", help="standaard of politie (zonder --format: "
            "herkend aan de kopregel)."),
        append: bool = typer.Option(False, "--append", help="Toevoegen in plaats "
                                    "van vervangen."),
    ) -> None:
        from veerkracht.cli.imports import _import
        from veerkracht.io.signals import read_signals

        def reader(path, progress=None):
            return read_signals(path, progress=progress, format=format)

        _import(ctx, "signals", files, reader, ["signal_id"], "meldingen",
                append)


def _rho(x: float) -> str:
    return f"{x:.4g}".replace(".", ",")


def _print_privacy(privacy: dict | None) -> None:
    """Per period: protected now (budget spent) or the stored draw; then the ledger."""
    if not privacy:
        return
    for d in privacy["draws"]:
        if d["drawn"]:
            out.print(f"Periode {d['period']}: plaatsstatistieken nu beschermd; "
                      f"privacybudget besteed ρ = {_rho(d['rho_households'])} "
                      f"(huishoudens) en ρ = {_rho(d['rho_signals'])} (meldingen), "
                      "vastgelegd in het grootboek.", highlight=False)
        else:
            out.print(f"Periode {d['period']}: de bewaarde beschermde trekking "
                      "gebruikt; geen nieuw privacybudget besteed.", highlight=False)
    t = privacy["ledger"]
    out.print(f"Grootboek: {_nl(t['draws'])} trekking(en) over {_nl(t['periods'])} "
              f"periode(n); totaal ρ = {_rho(t['rho_households'])} (huishoudens, "
              f"ε = {_rho(t['epsilon_households'])}) en ρ = {_rho(t['rho_signals'])} "
              f"(meldingen, ε = {_rho(t['epsilon_signals'])}) bij δ = "
              f"{t['delta']:g}. Zie 'veerkracht privacy ledger'.", highlight=False)


def _pct(x) -> str:
    return "–" if x != x else f"{x:.0%}".replace(".", ",")


def _idx(x) -> str:
    return "–" if x != x else f"{x:.2f}".replace(".", ",")


def _print_sensitivity(result) -> None:
    """Stability per level, then the Sobol' indices per level (Dutch tables)."""
    best = result.best_class
    worst = " of ".join(result.worst_classes)
    out.print(f"Globale gevoeligheidsanalyse, periode {result.period}: "
              f"{_nl(result.n_runs)} modelberekeningen (N = {result.n_base}, seed "
              f"{result.seed}, {len(result.factors)} keuzes) in "
              f"{round(result.seconds):d} s, op de "
              f"{'beschermde' if result.statistics == 'protected' else 'exacte'} "
              "plaatsstatistieken.", highlight=False)
    t = Table(title="Klassestabiliteit (aandeel runs in de eigen klasse ≥ 80 %)")
    for col in ("niveau", "plaatsen", "stabiel (plaatsen)", "stabiel (woningen)",
                f"niet '{best}'", "stabiel (plaatsen)", "stabiel (woningen)",
                "rangbreedte 5–95 %"):
        t.add_column(col, justify="left" if col == "niveau" else "right")
    for r in result.levels.itertuples(index=False):
        t.add_row(LEVEL_NAMES_NL.get(r.level, r.level), _nl(r.n_places),
                  _pct(r.stable_places), _pct(r.stable_dwellings),
                  _nl(r.n_places_excl), _pct(r.stable_places_excl),
                  _pct(r.stable_dwellings_excl), _pct(r.rank_range_median))
    out.print(t)
    out.print("Rangbreedte: mediane breedte van het 5–95 %-bereik van de rang van "
              "een plaats, als aandeel van het aantal plaatsen op dat niveau.",
              highlight=False)
    labels = {f.group: f.label for f in result.factors}
    labels["prior"] = "prior"
    ind = result.indices
    few = result.levels.loc[result.levels["n_places"] < 10, "level"].tolist()
    for lv in result.levels["level"]:
        if lv in few:
            continue
        sub = ind[ind["level"] == lv]
        name = LEVEL_NAMES_NL.get(lv, lv)
        t = Table(title=f"Gevoeligheidsindices, {name} (eerste orde S1 / totaal ST)")
        for col in ("keuze", "S1 balans", "ST balans", "S1 klasse", "ST klasse",
                    f"ST aandeel {worst} [95 %]"):
            t.add_column(col, justify="left" if col == "keuze" else "right")
        by = {o: g.set_index("group") for o, g in sub.groupby("output")}
        for g in dict.fromkeys(sub["group"]):
            z = by["aandeel_zwaar"].loc[g]
            t.add_row(labels.get(g, g), _idx(by["balans"].loc[g, "S1"]),
                      _idx(by["balans"].loc[g, "ST"]), _idx(by["klasse"].loc[g, "S1"]),
                      _idx(by["klasse"].loc[g, "ST"]),
                      f"{_idx(z['ST'])} [{_idx(z['ST_lo'])}; {_idx(z['ST_hi'])}]")
        out.print(t)
    out.print("Balans en klasse: het aandeel van de (naar woningen gewogen) variantie "
              "van alle plaatsen van het niveau dat een keuze verklaart. Aandeel: "
              f"het aandeel woningen van het niveau in {worst}. Geen indices voor "
              "niveaus met minder dan 10 plaatsen"
              + (f" ({', '.join(LEVEL_NAMES_NL.get(lv, lv) for lv in few)})"
                 if few else "")
              + ". Klassestabiliteit per plaats in de tabel sensitivity.",
              highlight=False)

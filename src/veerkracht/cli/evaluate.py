"""``veerkracht evaluate``: what the registered interventions did; and
``veerkracht deviance``: where it goes well.

Estimates the effect of every intervention and every combination on the
outcomes per place and period, against matched comparison places without
any intervention (docs/evaluation.md), stores the rows in the workspace
table ``evaluations`` and prints what the publication door publishes.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from veerkracht.cli.common import UserError, out, progress, workspace_of, write_csv

_HELP = """Wat werkt? Het effect van elke geregistreerde interventie en elke
combinatie van interventies op één plaats.

Per uitkomst (meldingen van druk en van attentheid per woning per jaar,
balans, druk, veerkracht, meldbereidheid) een verschil-in-verschillen met
gespreide starts (Callaway & Sant'Anna) tegen vergelijkbare plaatsen zonder
interventie: gekozen op grootte en op niveau en trend van de uitkomst vóór
de start. Met een interval, een toets op parallelle trends vóór de start
(p-waarde; klein = niet te vertrouwen) en een placebo op de
vergelijkingsplaatsen (het interval hoort nul te bevatten). Alleen uit
beschermde cijfers, alleen over plaatsen die de publicatiedeur toont; een
effect op minder dan twee plaatsen wordt niet getoond.

Voorbeelden:

  veerkracht evaluate

  veerkracht evaluate --outcome signals_pressure --outcome balance --interval 0.95

  veerkracht evaluate --out effecten.csv
"""


def _fmt(x, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "–"
    return f"{x:.{digits}f}".replace(".", ",")


def register(app: typer.Typer) -> None:
    """Attach ``evaluate`` and ``deviance`` to the root app."""
    _deviance(app)

    @app.command("evaluate", help=_HELP)
    def evaluate_command(
        ctx: typer.Context,
        outcome: list[str] = typer.Option(
            None, "--outcome", help="Uitkomst (meerdere keren mogelijk): "
            "signals_pressure, signals_attentiveness, balance, pressure, "
            "resilience, reporting. Standaard alle."),
        interval: float = typer.Option(0.90, "--interval",
                                       help="Betrouwbaarheid van de intervallen."),
        seed: int = typer.Option(None, "--seed",
                                 help="Zaad van de placebo's (standaard vast)."),
        out_path: Path = typer.Option(None, "--out", "-o",
                                      help="Schrijf de gepubliceerde effecten naar "
                                      "dit CSV-bestand."),
    ) -> None:
        from veerkracht.analytics.evaluation.panel import OUTCOMES
        from veerkracht.defaults import LEVEL_NAMES_NL
        from veerkracht.jobs.evaluate import (
            DEFAULT_SEED,
            EvaluateError,
            published_evaluations,
            run_evaluate,
        )
        from veerkracht.jobs.publish import PublishError

        ws = workspace_of(ctx)
        try:
            with progress("Interventies evalueren") as advance:
                summary = run_evaluate(ws, outcomes=outcome or None,
                                       interval=interval,
                                       seed=DEFAULT_SEED if seed is None else seed,
                                       progress=advance)
            shown = published_evaluations(ws)
        except (EvaluateError, PublishError) as exc:
            raise UserError(str(exc)) from None
        out.print(f"{summary['treatments']} interventies en combinaties, "
                  f"{summary['rows']} evaluaties, {int(shown['shown'].sum())} "
                  f"getoond (beschermde statistieken van {summary['statistics_period']}"
                  f"; interval {interval:.0%}).", highlight=False)
        for _, rows in shown.groupby("treatment_id", sort=False):
            first = rows.iloc[0]
            out.print(f"\n[bold]{first['title']}[/] ({first['kind']}, "
                      f"per {LEVEL_NAMES_NL.get(first['level'], first['level'])})",
                      highlight=False)
            table = Table("uitkomst", "plaatsen", "effect (interval)",
                          "pre-trend p", "placebo")
            for r in rows.itertuples():
                if not r.shown:
                    table.add_row(OUTCOMES[r.outcome], "", "niet getoond: "
                                  + str(r.message)[:60], "", "")
                    continue
                synth = getattr(r, "method", "") == "synth"
                # a missing placebo (nan) is no finding
                off = (r.placebo_lo == r.placebo_lo and r.placebo_hi == r.placebo_hi
                       and not r.placebo_lo <= 0 <= r.placebo_hi)
                table.add_row(OUTCOMES[r.outcome],
                              f"{int(r.n_treated)}/{int(r.n_comparison)}"
                              + (" synth." if synth else ""),
                              f"{_fmt(r.att)} ({_fmt(r.lo)} – {_fmt(r.hi)})",
                              _fmt(r.pretrend_p, 2),
                              f"{_fmt(r.placebo_att)}" + (" *" if off else ""))
            out.print(table)
        out.print("plaatsen: met interventie / vergelijkbaar zonder. Meldingen per "
                  "woning per jaar; balans, druk, veerkracht en meldbereidheid op "
                  "de schaal van het model. Een pre-trend-p onder 0,05 of een "
                  "placebo met * (interval zonder nul): het effect is niet te "
                  "vertrouwen. synth.: synthetische controle voor één grote "
                  "plaats; de pre-trend-p is dan het aandeel placebo's dat voor "
                  "de start even slecht of slechter paste.", highlight=False)
        if out_path is not None:
            write_csv(shown, out_path)
            out.print(f"Alle effecten: {out_path}", highlight=False)


_DEVIANCE_HELP = """Waar gaat het goed? Plaatsen die duidelijk beter scoren dan hun
samenstelling doet verwachten (positieve deviantie).

Per plaats de balans tegen wat plaatsen met dezelfde samenstelling gewoonlijk
halen (aandeel huishoudens met een ondersteuningsbehoefte, met twee of meer,
nieuw ingestroomd, ingestroomd met een behoefte, grootte), verkleind naar nul
naar gelang de onzekerheid (empirische Bayes), met een interval. 'Duidelijk
beter': het hele interval boven nul. Met de geregistreerde interventies erbij,
en hoe stabiel de rangorde is tegenover de vorige periode (Spearman). Alleen
plaatsen die de publicatiedeur toont.

Voorbeelden:

  veerkracht deviance --level block

  veerkracht deviance --level building --period 2024 --top 25 --out goed.csv
"""


def _deviance(app: typer.Typer) -> None:
    @app.command("deviance", help=_DEVIANCE_HELP)
    def deviance_command(
        ctx: typer.Context,
        level: str = typer.Option("block", "--level", "-l",
                                  help="entrance, building, block, street of buurt."),
        period: str = typer.Option(None, "--period",
                                   help="Periode (2025); standaard de laatste."),
        top: int = typer.Option(15, "--top", min=0,
                                help="Zoveel plaatsen tonen, de beste eerst."),
        out_path: Path = typer.Option(None, "--out", "-o",
                                      help="Schrijf alle plaatsen naar dit "
                                      "CSV-bestand."),
    ) -> None:
        from veerkracht.jobs.evaluate import EvaluateError, published_deviance
        from veerkracht.jobs.publish import PublishError

        ws = workspace_of(ctx)
        try:
            rows = published_deviance(ws, level, period)
        except (EvaluateError, PublishError) as exc:
            raise UserError(str(exc)) from None
        a = rows.attrs
        rho = ("–" if a["rank_correlation"] is None else
               f"{a['rank_correlation']:.2f}".replace(".", ","))
        out.print(f"{len(rows)} plaatsen ({level}, periode {a['period']}), "
                  f"{int(rows['positive'].sum())} duidelijk beter dan hun "
                  f"samenstelling. Stabiliteit tegenover {a['previous'] or '–'}: "
                  f"rangcorrelatie {rho} over {a['common']} plaatsen.",
                  highlight=False)
        table = Table("#", "plaats", "balans", "verwacht", "beter (interval)",
                      "interventies")
        for r in rows[rows["positive"]].head(top).itertuples():
            table.add_row(str(r.rank), r.name or r.place_id, _fmt(r.balance),
                          _fmt(r.predicted),
                          f"{_fmt(r.deviation)} ({_fmt(r.deviation_lo)} – "
                          f"{_fmt(r.deviation_hi)})", r.interventions)
        if top:
            out.print(table)
        if out_path is not None:
            write_csv(rows, out_path)
            out.print(f"Alle plaatsen: {out_path}", highlight=False)

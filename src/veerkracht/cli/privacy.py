"""Privacy commands: ``veerkracht privacy protect`` and ``veerkracht privacy ledger``.

The per-place statistics of a period are protected once with differential
privacy (ADR 0006, docs/privacy.md); the ledger shows what every draw cost.
"""

from __future__ import annotations

import math

import typer
from rich.table import Table

from veerkracht.cli.common import UserError, dutch_int, out, progress, workspace_of
from veerkracht.defaults import BAND_MIN_FLOOR, LEVEL_NAMES_NL

privacy_app = typer.Typer(
    name="privacy",
    help=("Differentiële privacy op de plaatsstatistieken: beschermen per "
          "periode en het grootboek van het privacybudget (docs/privacy.md).\n\n"
          "Voorbeelden:\n\n"
          "  veerkracht privacy protect --period 2025\n\n"
          "  veerkracht privacy ledger"),
    no_args_is_help=True,
)

_PROTECT_HELP = f"""Bescherm de plaatsstatistieken van één periode (eenmalig).

Telt per plaats van elk niveau de huishoudens (per behoefte, type, woonduur,
in- en uitstroom) en de meldingen, voegt exacte discrete Gaussische ruis toe
(OpenDP, ρ-zCDP) en bewaart die trekking met een regel in het grootboek.
Elke latere berekening (elk modelbestand, elk niveau) leest deze trekking en
kost geen extra budget. Plaatsen met minder dan {BAND_MIN_FLOOR} woningen (BAG) worden
nooit beschermd of gepubliceerd.

Is de periode al beschermd, dan wordt geweigerd, tenzij --redraw: een nieuwe
trekking kost opnieuw budget en komt in het grootboek.

Voorbeelden:

  veerkracht privacy protect --period 2025

  veerkracht privacy protect --period 2025-Q3 --rho-households 0.5 --rho-signals 0.1

  veerkracht privacy protect --period 2025 --redraw
"""


def _nl_float(x: float, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:.{digits}f}".replace(".", ",")


def _sigma_table(row: dict, counts: dict[str, int] | None = None) -> Table:
    from veerkracht.analytics.dp import LEVELS

    table = Table(title=f"Ruis per niveau, periode {row['period']}")
    table.add_column("niveau")
    if counts is not None:
        table.add_column("beschermde plaatsen", justify="right")
    table.add_column("σ huishoudens", justify="right")
    table.add_column("σ meldingen", justify="right")
    for lv in LEVELS:
        sh = row[f"sigma_households_{lv}"]
        if isinstance(sh, float) and math.isnan(sh):
            continue
        cells = [LEVEL_NAMES_NL[lv]]
        if counts is not None:
            cells.append(dutch_int(counts.get(lv, 0)))
        cells += [_nl_float(sh), _nl_float(row[f"sigma_signals_{lv}"])]
        table.add_row(*cells)
    return table


def _totals_line(t: dict) -> str:
    return (f"Totaal over {t['draws']} trekking(en) in {t['periods']} periode(n): "
            f"huishoudens ρ = {_nl_float(t['rho_households'])} "
            f"(ε = {_nl_float(t['epsilon_households'])} bij δ = 10⁻⁶), "
            f"meldingen ρ = {_nl_float(t['rho_signals'])} "
            f"(ε = {_nl_float(t['epsilon_signals'])} bij δ = 10⁻⁶).")


def register(app: typer.Typer) -> None:
    """Attach ``veerkracht privacy ...`` to the root app."""

    @privacy_app.command("protect", help=_PROTECT_HELP)
    def protect_command(
        ctx: typer.Context,
        period: str = typer.Option(
            ..., "--period", "-p",
            help="De periode: een jaar (2025) of een kwartaal (2025-Q3). "
                 "Voorbeeld: --period 2025"),
        rho_households: float = typer.Option(
            1.0, "--rho-households",
            help="Privacybudget ρ (zCDP) van deze periode per huishouden; kleiner "
                 "is meer ruis. Voorbeeld: --rho-households 0.5"),
        rho_signals: float = typer.Option(
            0.25, "--rho-signals",
            help="Privacybudget ρ van deze periode per melding. "
                 "Voorbeeld: --rho-signals 0.1"),
        band_min: int = typer.Option(
            BAND_MIN_FLOOR, "--band-min",
            help=f"Plaatsen met minder woningen worden niet beschermd en nooit "
                 f"gepubliceerd; minimaal {BAND_MIN_FLOOR}. Voorbeeld: --band-min 10"),
        redraw: bool = typer.Option(
            False, "--redraw",
            help="Trek opnieuw voor een al beschermde periode (kost opnieuw "
                 "budget, komt in het grootboek). Voorbeeld: --redraw"),
    ) -> None:
        from veerkracht.analytics.dp import LEVELS, NoisePlan, PrivacyError
        from veerkracht.analytics.model.periods import PeriodError, parse_period
        from veerkracht.jobs.protect import (
            STEPS,
            ProtectError,
            ledger,
            privacy_budget,
            protected_statistics,
        )

        try:
            plan = NoisePlan(rho_households=rho_households, rho_signals=rho_signals,
                             band_min=band_min)
        except PrivacyError as exc:
            raise UserError(str(exc)) from exc
        try:
            period = parse_period(period).label
        except PeriodError as exc:
            raise UserError(f"onbekende periode {period!r}: {exc}") from exc
        ws = workspace_of(ctx)
        if not redraw and len(ledger(ws).for_period(period)):
            raise UserError(
                f"periode {period} is al beschermd; de bewaarde trekking wordt "
                "gebruikt. Een nieuwe trekking kost extra privacybudget: geef "
                "--redraw als dat echt nodig is (zie 'veerkracht privacy ledger')")
        try:
            with progress("Plaatsstatistieken beschermen",
                          total=STEPS + len(LEVELS)) as advance:
                stats, _, row = protected_statistics(ws, period, plan=plan,
                                                     redraw=redraw, progress=advance)
        except ProtectError as exc:
            raise UserError(str(exc)) from exc
        out.print(_sigma_table(row, {lv: len(f) for lv, f in stats.items()}))
        out.print(_totals_line(privacy_budget(ws)), highlight=False)

    @privacy_app.command(
        "ledger",
        help="Toon het grootboek van het privacybudget: elke trekking per "
             "periode met ρ, ε en σ per niveau, en het totaal over alle "
             "perioden.\n\nVoorbeeld:\n\n  veerkracht privacy ledger")
    def ledger_command(ctx: typer.Context) -> None:
        from veerkracht.jobs.protect import ledger, privacy_budget

        ws = workspace_of(ctx)
        led = ledger(ws)
        if not len(led.rows):
            out.print("Er is nog niets beschermd; begin met 'veerkracht privacy "
                      "protect --period 2025'.", highlight=False)
            return
        table = Table(title="Grootboek privacybudget")
        for col in ("periode", "handeling", "datum", "ρ huish.", "ρ meld.",
                    "ε huish.", "ε meld.", "drempel"):
            table.add_column(col, overflow="fold",
                             justify="left" if col in ("periode", "handeling",
                                                       "datum") else "right")
        records = led.rows.to_dict("records")
        for row in records:
            table.add_row(str(row["period"]),
                          {"protect": "eerste", "redraw": "opnieuw"}
                          .get(row["operation"], str(row["operation"])),
                          str(row["created_at"])[:10], _nl_float(row["rho_households"]),
                          _nl_float(row["rho_signals"]),
                          _nl_float(row["epsilon_households"]),
                          _nl_float(row["epsilon_signals"]),
                          str(int(row["band_min"])))
        out.print(table)
        latest = {str(r["period"]): r for r in records}
        for row in latest.values():
            out.print(_sigma_table(row))
        out.print(_totals_line(privacy_budget(ws)), highlight=False)

    @privacy_app.command(
        "settings",
        help="Toon of wijzig de publicatieregels van de privacy officer: het "
             "minimum aantal huishoudens achter elk gepubliceerd getal (nooit "
             "onder 10) en de banddrempel (nooit onder 5). Verhogen werkt meteen "
             "in elke uitvoer (exports, kaart, profielen, API). Zonder opties: de "
             "huidige instelling.\n\nVoorbeelden:\n\n"
             "  veerkracht privacy settings\n\n"
             "  veerkracht privacy settings --min-count 15 --band-min 5")
    def settings_command(
        ctx: typer.Context,
        min_count: int = typer.Option(
            None, "--min-count", help="Minimum aantal huishoudens (na ruis) achter "
            "teller, noemer en complement; minimaal 10. Voorbeeld: --min-count 15"),
        band_min: int = typer.Option(
            None, "--band-min", help="Banddrempel in woningen en huishoudens; "
            "minimaal 5. Voorbeeld: --band-min 5"),
    ) -> None:
        from veerkracht.analytics.publication import (
            PublicationConfigError,
            PublicationRules,
        )
        from veerkracht.jobs.publish import PublishError, current_rules, set_rules

        ws = workspace_of(ctx)
        try:
            rules = current_rules(ws)
            if min_count is not None or band_min is not None:
                rules = PublicationRules(
                    min_count=rules.min_count if min_count is None else min_count,
                    band_min=rules.band_min if band_min is None else band_min)
                set_rules(ws, rules, "privacy_officer")
        except (PublicationConfigError, PublishError) as exc:
            raise UserError(str(exc)) from exc
        out.print(f"Publicatieregels: minimaal {rules.min_count} huishoudens achter "
                  f"elk getal, banddrempel {rules.band_min}, afronding op "
                  f"{rules.rounding_base}.", highlight=False)

    app.add_typer(privacy_app, name="privacy")

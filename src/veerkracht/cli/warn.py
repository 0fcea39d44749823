"""``veerkracht warn``: emerging clusters, places going quiet, hot spots.

The method, its settings and its limits: docs/warning.md. Alerts are for
the team of their area only (ADR 0008); this command stores them in the
workspace, where the web application shows them under "Aandacht deze week".
"""

from __future__ import annotations

from datetime import date, timedelta

import typer
from rich.table import Table

from veerkracht.cli.common import UserError, out, progress, workspace_of
from veerkracht.defaults import (
    SCAN_MAX_DAYS,
    SCAN_MAX_RADIUS_M,
    SCAN_REPLICATES,
    SCAN_SEED,
    WARN_ALPHA,
    WARN_STUDY_DAYS,
)


def say(what) -> None:
    out.print(what, highlight=False)


warn_app = typer.Typer(
    name="warn",
    help=("Vroegsignalering: opkomende clusters van meldingen, plaatsen die stil "
          "worden en hotspots (docs/warning.md).\n\n"
          "Voorbeelden:\n\n"
          "  veerkracht warn run\n\n"
          "  veerkracht warn run --as-of 2025-06-30 --replicates 999\n\n"
          "  veerkracht warn list\n\n"
          "  veerkracht warn digest"),
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Attach ``warn`` to the root app."""
    app.add_typer(warn_app, name="warn")


def _parse_date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{option} verwacht een datum als 2025-06-30, niet {text!r}"
                        ) from None


def _period_end(period: str | None) -> date | None:
    if period is None:
        return None
    from veerkracht.analytics.model.periods import PeriodError, parse_period

    try:
        p = parse_period(period)
    except PeriodError as exc:
        raise UserError(str(exc)) from None
    return (p.end.to_pydatetime() - timedelta(days=1)).date()


@warn_app.command("run")
def run(
    ctx: typer.Context,
    as_of: str = typer.Option(
        None, "--as-of", help="Analysedatum (JJJJ-MM-DD); standaard de laatste dag "
        "met een melding."),
    period: str = typer.Option(
        None, "--period", help="Of: de laatste dag van deze periode (2025, 2025-Q3)."),
    replicates: int = typer.Option(
        SCAN_REPLICATES, "--replicates", min=9,
        help="Monte-Carlo-herhalingen per scan (999 voor echte signalering; "
        "minder alleen om te proberen)."),
    early_stop: bool = typer.Option(
        True, "--early-stop/--all-replicates",
        help="Stop de herhalingen van een scan zodra geen cluster meer "
        "significant (p ≤ alpha) kan worden; dezelfde signaleringen, alleen "
        "sneller. --all-replicates draait ze alle, voor exacte p-waarden boven "
        "alpha."),
    seed: int = typer.Option(SCAN_SEED, "--seed",
                             help="Zaad van de Monte-Carlo-herhalingen."),
    max_radius: float = typer.Option(
        None, "--max-radius", min=10.0, show_default=False,
        help=f"Grootste straal van een cluster (m). Zonder deze optie "
        f"{SCAN_MAX_RADIUS_M:.0f} m, of de grootste straal (een veelvoud van "
        "10 m) waarbij de scans in het geheugen passen als dat minder is; de "
        "uitvoer noemt de gebruikte straal. Met deze optie precies die straal, "
        "en een weigering als hij niet past."),
    max_days: int = typer.Option(
        SCAN_MAX_DAYS, "--max-days", min=1,
        help="Langste tijdvenster (dagen), eindigend op de analysedatum."),
    study_days: int = typer.Option(
        WARN_STUDY_DAYS, "--study-days", min=14,
        help="Dagen geschiedenis waarmee vergeleken wordt."),
    alpha: float = typer.Option(
        WARN_ALPHA, "--alpha",
        help="Een bevinding wordt een signalering bij p ≤ alpha."),
    quiet: bool = typer.Option(True, "--quiet-test/--no-quiet-test",
                               help="Toets per straat of het stil wordt."),
    hotspots: bool = typer.Option(True, "--hotspots/--no-hotspots",
                                  help="Getis-Ord Gi* en opkomende hotspots."),
    low_scan: bool = typer.Option(True, "--low-scan/--no-low-scan",
                                  help="Scan ook op minder meldingen dan verwacht."),
    scheduler: str = typer.Option(
        None, "--scheduler", help="Waar de herhalingen draaien: 'local' (dit proces, "
        "standaard), 'processes' (alle kernen) of het adres van een Dask-scheduler "
        "(tcp://host:8786)."),
    partition: str = typer.Option(
        None, "--partition", help="'gemeente': elke scan per gemeente verdeeld "
        "(met de portieken binnen de straal over de grens); 'none': in één stuk. "
        "Standaard per gemeente op een Dask-cluster, anders in één stuk. De "
        "uitkomst is dezelfde."),
) -> None:
    """Zoek opkomende clusters, plaatsen die stil worden en hotspots; bewaar ze.

    De ruimte-tijd-permutatiescan (Kulldorff 2005) kijkt per betekenis van de
    meldingen (overlast en onveiligheid; zorgen om een buur) of ergens rond een
    portiek in de laatste dagen meer gemeld wordt dan de plaats en de dag
    samen doen verwachten, met Monte-Carlo-p-waarden. Elke signalering hoort
    bij een plaats van minstens 5 woningen, nooit bij een adres, en is alleen
    zichtbaar voor het team van dat gebied.
    """
    from veerkracht.analytics.warning.scan import ScanSettings
    from veerkracht.jobs.warn import WarnError, WarnSettings, run_warn

    if as_of and period:
        raise UserError("geef --as-of of --period, niet allebei")
    day = _parse_date(as_of, "--as-of") or _period_end(period)
    if not 0 < alpha < 1:
        raise UserError("--alpha ligt tussen 0 en 1")
    sched = None if scheduler in (None, "local") else scheduler
    try:
        settings = WarnSettings(
            scan=ScanSettings(
                max_radius_m=SCAN_MAX_RADIUS_M if max_radius is None else max_radius,
                max_days=max_days, replicates=replicates, seed=seed),
            study_days=study_days, alpha=alpha, quiet=quiet, hotspots=hotspots,
            low_scan=low_scan, early_stop=early_stop,
            fit_radius=max_radius is None)
        ws = workspace_of(ctx)
        with progress("Vroegsignalering") as advance:
            summary = run_warn(ws, as_of=day, settings=settings, scheduler=sched,
                               progress=advance, partition=partition)
    except (WarnError, ValueError) as exc:
        raise UserError(str(exc)) from None
    say(f"Analysedatum {summary['as_of']} (vergeleken met {summary['study_start']} "
        f"en later): {summary['signals']} meldingen op {summary['locations']} "
        "portieken.")
    radius = summary.get("radius") or {}
    if radius.get("fitted"):
        say(f"Grootste straal {radius['used_m']:.0f} m in plaats van "
            f"{radius['asked_m']:.0f} m: bij {radius['asked_m']:.0f} m passen de "
            "buurlijsten van de scans niet binnen de geheugengrens "
            "(VEERKRACHT_SCAN_MAX_MB). Geef --max-radius om een straal af te "
            "dwingen, of zet de grens hoger als het geheugen er is.")
    table = Table(title="Scans")
    for col in ("scan", "meldingen", "herhalingen", "signaleringen", "hoogste LLR",
                "p"):
        table.add_column(col, justify="right" if col != "scan" else "left")
    for key, s in summary["scans"].items():
        table.add_row(key, str(s["signals"]), str(s.get("replicates", "–")),
                      str(s["clusters"]),
                      "–" if s.get("top_llr") is None else f"{s['top_llr']:.2f}",
                      "–" if s.get("top_p") is None else f"{s['top_p']:.3f}")
    say(table)
    if "quiet" in summary:
        say(f"Straten die stil worden: {summary['quiet']}.")
    if "hotspots" in summary:
        say(f"Opkomende hotspots: {summary['hotspots']}.")
    say(f"{summary['alerts']} signaleringen bewaard; het team van elk gebied ziet ze "
        "onder 'Aandacht deze week'.")


@warn_app.command("list")
def list_alerts(
    ctx: typer.Context,
    as_of: str = typer.Option(None, "--as-of", help="Alleen deze analysedatum."),
) -> None:
    """Toon welke plaatsen een signalering hebben (soort, venster, p-waarde).

    Voor de beheerder van de werkmap. Zonder aantallen meldingen: het bewijs
    (waargenomen en verwacht) ziet alleen het team van het gebied, in de
    webapplicatie onder 'Aandacht deze week' (ADR 0008).
    """
    ws = workspace_of(ctx)
    if not ws.has("alerts"):
        raise UserError("er zijn nog geen signaleringen; voer eerst 'veerkracht warn "
                        "run' uit")
    alerts = ws.read("alerts")
    day = _parse_date(as_of, "--as-of")
    if day is not None:
        alerts = alerts.loc[alerts["as_of"].astype(str) == day.isoformat()]
    if not len(alerts):
        say("Geen signaleringen.")
        return
    table = Table(title=f"{len(alerts)} signaleringen")
    for col in ("datum", "soort", "betekenis", "niveau", "plaats", "venster", "p",
                "methode"):
        table.add_column(col)
    for r in alerts.sort_values(["as_of", "p_value"]).itertuples(index=False):
        table.add_row(r.as_of, r.kind, r.meaning, r.level, r.place_id,
                      f"{r.window_start} – {r.window_end}", f"{r.p_value:.3f}",
                      r.method)
    say(table)


@warn_app.command("digest")
def digest(
    ctx: typer.Context,
    settings: str = typer.Option(None, "--settings", help="Django-instellingen."),
) -> None:
    """Stuur elk team per e-mail een overzicht van zijn open signaleringen.

    Leest eerst de nieuwste signaleringen uit de werkmap in. Gebruikt de
    e-mailinstellingen van de webapplicatie (docs/config.md); in de demo gaat
    de mail naar de console. Bedoeld voor de wekelijkse planning, na
    'veerkracht warn run'.
    """
    from veerkracht.cli.serve import management_command

    management_command(ctx, settings, "send_alert_digest")

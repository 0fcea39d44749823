"""``veerkracht allocate``: advise a year's placements over the expected vacancies.

The plan file, the optimiser and the fairness figures: docs/allocation.md.
The advice works on need categories and counts and advises people; it never
decides about a person, and its outputs leave through the publication door
(:func:`veerkracht.jobs.allocate.published_plan`).
"""

from __future__ import annotations

from pathlib import Path

import typer

from veerkracht.cli.common import UserError, out, progress, workspace_of

_HELP = """Verdeel de plaatsingen van een jaar over de vrijkomende woningen.

Het planbestand (CSV, ; of ,) noemt de verwachte vrijkomende woningen
(soort woning, of soort voorraad met een verhuisgraad) en de groepen
huishoudens om te plaatsen (soort huishoudens: categorie, aantal en hun
eisen). Het advies houdt elke portiek, elk blok en elke straat in zijn
klasse, voldoet aan de eisen van elke groep, en spreidt zo goed mogelijk
(kleinste grootste aandeel per straat plus segregatie-index over buurten).
Het vergelijkt met 'eerst komt, eerst maalt'. Uitleg: docs/allocation.md.

Het advies gaat over categorieën en aantallen, nooit over een persoon; het
adviseert mensen en beslist niets.

Voorbeelden:

  veerkracht allocate --voorbeeld plan.csv      # een voorbeeldplan schrijven

  veerkracht allocate plan.csv

  veerkracht allocate plan.csv --periode 2025 --uit advies/ --tijdslimiet 60
"""


def register(app: typer.Typer) -> None:
    """Attach ``allocate`` to the root app."""
    app.command("allocate", help=_HELP)(allocate)


def _fmt(x, digits: int = 3) -> str:
    if x is None:
        return "–"
    return f"{x:.{digits}f}".replace(".", ",")


def allocate(
    ctx: typer.Context,
    plan: Path = typer.Argument(
        ..., help="Het planbestand (PLAN.csv).", show_default=False
    ),
    periode: str = typer.Option(
        None, "--periode", help="Periode van het model (standaard de laatste)."
    ),
    uit: Path = typer.Option(
        None, "--uit", help="Map voor de uitvoer (standaard advies-<periode>/)."
    ),
    tijdslimiet: float = typer.Option(
        30.0, "--tijdslimiet", min=1.0, help="Seconden voor de optimalisatie."
    ),
    zaad: int = typer.Option(
        1, "--zaad", help="Zaad van de volgorde van 'eerst komt, eerst maalt'."
    ),
    voorbeeld: bool = typer.Option(
        False, "--voorbeeld", help="Schrijf een voorbeeldplan naar PLAN.csv en stop."
    ),
) -> None:
    from veerkracht.jobs.allocate import AllocationError

    ws = workspace_of(ctx)
    if voorbeeld:
        from veerkracht.jobs.allocate import example_plan_text

        if plan.exists():
            raise UserError(f"{plan} bestaat al; kies een andere naam")
        try:
            text = example_plan_text(ws)
        except AllocationError as exc:
            raise UserError(str(exc)) from None
        plan.write_text(text, encoding="utf-8")
        out.print(f"Voorbeeldplan geschreven naar {plan}.", highlight=False)
        return
    if not plan.is_file():
        raise UserError(f"planbestand niet gevonden: {plan}")
    from veerkracht.jobs.allocate import plan_outputs, published_plan

    try:
        with progress("Plaatsingen verdelen") as advance:

            def tick(n, text):
                advance(1, description=f"Plaatsingen verdelen ({text})")

            got = published_plan(
                ws,
                plan,
                period=periode,
                time_limit=tijdslimiet,
                seed=zaad,
                progress=tick,
            )
    except AllocationError as exc:
        raise UserError(" ".join(str(exc).split())) from None
    s = got["samenvatting"]
    folder = uit or Path(f"advies-{s['periode']}")
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in plan_outputs(got).items():
        (folder / name).write_text(text, encoding="utf-8")
    say = lambda t: out.print(t, highlight=False)  # noqa: E731
    total = s["geplaatst"] + s["niet_geplaatst"]
    say(
        f"Periode {s['periode']}: {s['geplaatst']} van {total}"
        f" huishoudens geadviseerd over {s['vrijkomend']} vrijkomende woningen."
    )
    say(
        f"Oplossing: {s['status_tekst']} (doel {_fmt(s['doel'])}, ondergrens "
        f"{_fmt(s['ondergrens'])}, marge "
        f"{'–' if s['marge'] is None else _fmt(100 * s['marge'], 2) + ' %'}, "
        f"{s['rondes']} ronde(s), {_fmt(s['seconden'], 1)} s)."
    )
    for line in s["meldingen"]:
        say(f"  - {line}")
    say(
        f"Eerst komt, eerst maalt: doel {_fmt(s['doel_naief'])}, "
        f"{s['grenzen_geschonden_naief']} plaatsen zakken een klasse "
        f"(advies: {s['grenzen_geschonden_advies']})."
    )
    f = got["eerlijkheid"]
    for ind, lv, name in (("dissimilarity", "buurt", "buurten"),
                          ("largest_share", "street", "straten")):
        row = f[(f["indicator"] == ind) & (f["niveau"] == lv)]
        if len(row):
            r = row.iloc[0]
            say(
                f"{r['omschrijving']} ({name}): nu {_fmt(r['huidig'])}, advies "
                f"{_fmt(r['advies'])}, eerst komt eerst maalt {_fmt(r['naief'])}."
            )
    say(
        f"Uitvoer in {folder}/: advies_per_woning.csv, advies_per_plaats.csv, "
        "eerlijkheid.csv, lorenz.csv."
    )
    if s["niet_geplaatst"]:  # not everyone placed (infeasible or partial)
        raise typer.Exit(1)

"""``veerkracht headroom``, ``what-if`` and ``scenario``: room for placements.

Headroom per entrance, block and street for households of a need category,
and what one placement at an address does to its entrance, block and
street (docs/allocation.md). Both read the protected results of a computed
period and print only what the publication door publishes.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from veerkracht.cli.common import UserError, out, workspace_of, write_csv

_CATEGORIES = ("zorg, inkomen, uitstroom, kwetsbare_oudere (kwetsbare oudere die "
               "alleen woont) of meervoudig (twee of meer ondersteuningsbehoeften)")

_HEADROOM_HELP = f"""Ruimte per plaats: hoeveel huishoudens met een
ondersteuningsbehoefte een portiek, blok of straat nog kan opnemen voordat
de balansklasse zakt.

Per plaats het aantal met een interval (uit de onzekerheid van de balans), en
of de woningen de grens zijn in plaats van het model ('begrensd'). Een plaats
met de klasse 'kraan open' heeft geen ruimte. Alleen plaatsen die de
publicatiedeur toont krijgen een getal; de rest staat er als 'niet getoond'.
Categorie: {_CATEGORIES}.

Voorbeelden:

  veerkracht headroom --level block --category zorg

  veerkracht headroom --level street --category uitstroom --urgent --out ruimte.csv
"""

_WHATIF_HELP = f"""Wat doet één plaatsing? Druk, balans en klasse van het portiek,
het blok en de straat van een vrijkomende woning, voor en na één huishouden van een
categorie, en de ruimte die daarna overblijft.

ADRES is een adres-id of postcode, huisnummer en toevoeging ('9990AA 11 A').
Categorie: {_CATEGORIES}. Het advies gaat over aantallen per plaats, nooit
over een persoon.

Voorbeelden:

  veerkracht what-if "9990AA 11 A" --category zorg

  veerkracht what-if 9990AA-11A --category uitstroom --urgent
"""


_SCENARIO_HELP = f"""Scenario over meerdere jaren: verhuizingen en plaatsingen onder
verschillend beleid, met een vast zaad. GEEN VOORSPELLING.

Elk jaar komt elke woning van de voorraad vrij met de verhuisgraad; het
beleid geeft de huishoudens van --demand (elk jaar opnieuw) een woning; de
andere woningen gaan naar huishoudens zonder ondersteuningsbehoefte. Per
beleid en jaar het aantal portieken, blokken en straten per balansklasse
(alleen plaatsen die de publicatiedeur toont) en hoeveel huishoudens geen
woning vonden. Beleid: routes (huidige routes, wie eerst komt),
street_cap (plafond per straat, 20 % van de vrijkomende woningen) en advisor
(plaatsingsadviseur, binnen de ruimte van elk jaar). Categorie: {_CATEGORIES};
'+urgent' na de categorie: via een urgentieroute.

Voorbeelden:

  veerkracht scenario --demand zorg=40,uitstroom=30,meervoudig=20

  veerkracht scenario --demand uitstroom+urgent=25 --years 3 --seed 7 --out scenario.csv
"""


def _fmt(x, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "niet getoond"
    if isinstance(x, float):
        return f"{x:.{digits}f}".replace(".", ",")
    return str(x)


def register(app: typer.Typer) -> None:
    """Attach ``headroom`` and ``what-if`` to the root app."""

    @app.command("headroom", help=_HEADROOM_HELP)
    def headroom_command(
        ctx: typer.Context,
        level: str = typer.Option("block", "--level", "-l",
                                  help="entrance, block of street (ook portiek, "
                                  "blok, straat)."),
        category: str = typer.Option(..., "--category", "-c", help="De categorie."),
        urgent: bool = typer.Option(False, "--urgent/--not-urgent",
                                    help="Geplaatst via een urgentieroute."),
        period: str = typer.Option(None, "--period",
                                   help="Periode (2025); standaard de laatste."),
        out_path: Path = typer.Option(None, "--out", "-o",
                                      help="Schrijf alle plaatsen naar dit "
                                      "CSV-bestand."),
        top: int = typer.Option(15, "--top", min=0,
                                help="Zoveel plaatsen met de minste ruimte tonen."),
    ) -> None:
        from veerkracht.jobs.allocate import AllocationError, published_headroom
        from veerkracht.jobs.publish import PublishError

        level = _LEVEL_NAMES.get(level.lower(), level.lower())
        ws = workspace_of(ctx)
        try:
            room = published_headroom(ws, level, category, urgent, period)
        except (AllocationError, PublishError) as exc:
            raise UserError(str(exc)) from None
        if out_path is not None:
            write_csv(room, out_path)
        shown = room[room["visibility"] == "public"]
        none = int((shown["headroom"] == 0).sum())
        out.print(f"{len(room)} plaatsen ({level}), {len(shown)} getoond; "
                  f"{none} zonder ruimte voor '{category}' "
                  f"(periode {room['period'].iloc[0] if len(room) else '-'}).",
                  highlight=False)
        table = Table("plaats", "klasse", "ruimte", "interval", "begrensd")
        for r in shown.sort_values("headroom").head(top).itertuples():
            table.add_row(r.place_id, str(r.balance_class), f"{r.headroom:.0f}",
                          f"{r.headroom_lo:.0f}–{r.headroom_hi:.0f}",
                          "woningen" if r.limited else "")
        if top:
            out.print(table)
        if out_path is not None:
            out.print(f"Alle plaatsen: {out_path}", highlight=False)

    _scenario(app)

    @app.command("what-if", help=_WHATIF_HELP)
    def what_if_command(
        ctx: typer.Context,
        address: str = typer.Argument(..., help="Adres-id of '9990AA 11 A'."),
        category: str = typer.Option(..., "--category", "-c", help="De categorie."),
        urgent: bool = typer.Option(False, "--urgent/--not-urgent",
                                    help="Geplaatst via een urgentieroute."),
        period: str = typer.Option(None, "--period",
                                   help="Periode (2025); standaard de laatste."),
    ) -> None:
        from veerkracht.jobs.allocate import (
            AllocationError,
            find_address,
            published_effect,
        )
        from veerkracht.jobs.publish import PublishError

        ws = workspace_of(ctx)
        try:
            eff = published_effect(ws, find_address(ws, address), category, urgent,
                                   period)
        except (AllocationError, PublishError) as exc:
            raise UserError(str(exc)) from None
        if eff.empty:
            raise UserError("voor dit adres is geen portiek, blok of straat berekend")
        out.print(f"Eén huishouden '{category}' in een vrijkomende woning "
                  f"(periode {eff['period'].iloc[0]}):", highlight=False)
        for r in eff.itertuples():
            name = _DUTCH.get(r.level, r.level)
            if r.visibility != "public":
                out.print(f"  {name} {r.place_id}: niet getoond (te klein voor de "
                          "publicatiedeur)", highlight=False)
                continue
            out.print(f"  {name} {r.place_id}: klasse {r.class_before} → "
                      f"{r.class_after}; druk {_fmt(r.pressure_before)} → "
                      f"{_fmt(r.pressure_after)}, balans {_fmt(r.balance_before)} → "
                      f"{_fmt(r.balance_after)}; ruimte {r.headroom_before:.0f} → "
                      f"{r.headroom_after:.0f}", highlight=False)


def _scenario(app: typer.Typer) -> None:
    @app.command("scenario", help=_SCENARIO_HELP)
    def scenario_command(
        ctx: typer.Context,
        demand: str = typer.Option(..., "--demand", "-d",
                                   help="Elk jaar te plaatsen: categorie=aantal, ..."),
        years: int = typer.Option(3, "--years", min=1, max=10, help="Aantal jaren."),
        policy: list[str] = typer.Option(
            None, "--policy", help="routes, street_cap of advisor (meer keren; "
            "standaard alle drie)."),
        turnover: float = typer.Option(0.08, "--turnover",
                                       help="Verhuisgraad per jaar (0..1)."),
        corporation: str = typer.Option(None, "--corporation",
                                        help="Alleen de voorraad van deze corporatie."),
        seed: int = typer.Option(1, "--seed", help="Zelfde zaad, zelfde scenario."),
        period: str = typer.Option(None, "--period",
                                   help="Startperiode (2025); standaard de laatste."),
        out_path: Path = typer.Option(None, "--out", "-o",
                                      help="Schrijf de uitkomst naar dit CSV-bestand."),
    ) -> None:
        from veerkracht.analytics.allocation.scenario import POLICIES
        from veerkracht.cli.common import progress
        from veerkracht.jobs.allocate import (
            AllocationError,
            parse_demand,
            published_scenario,
        )
        from veerkracht.jobs.publish import PublishError

        ws = workspace_of(ctx)
        chosen = tuple(policy) if policy else tuple(POLICIES)
        try:
            wanted = parse_demand(demand)
            with progress("Scenario doorrekenen", total=years * len(chosen)) as tick:
                res = published_scenario(ws, wanted, years, chosen, seed, turnover,
                                         corporation, period,
                                         progress=lambda n: tick(n))
        except (AllocationError, PublishError) as exc:
            raise UserError(str(exc)) from None
        if out_path is not None:
            write_csv(res, out_path)
        out.print(f"SCENARIO — geen voorspelling (zaad {seed}, start periode "
                  f"{res['period'].iloc[0]}, verhuisgraad {turnover:.0%}).",
                  highlight=False)
        for lv, title in (("block", "Blokken"), ("street", "Straten")):
            years_ = sorted(res["year"].unique())
            table = Table("beleid", *[f"jaar {y}" for y in years_],
                          title=f"{title} onder druk of slechter")
            part = res[res["level"] == lv]
            for pol in chosen:
                rows = part[part["policy"] == pol].sort_values("year")
                table.add_row(POLICIES[pol], *[str(v) for v in rows["under_pressure"]])
            out.print(table)
        last = res[(res["year"] == res["year"].max()) & (res["level"] == "block")]
        for r in last.itertuples():
            if r.unplaced:
                out.print(f"{POLICIES[r.policy]}: in het laatste jaar vonden "
                          f"{r.unplaced} huishoudens geen woning.", highlight=False)
        if out_path is not None:
            out.print(f"Alle klassen per jaar: {out_path}", highlight=False)


_LEVEL_NAMES = {"portiek": "entrance", "blok": "block", "straat": "street",
                "pand": "building", "gebouw": "building"}
_DUTCH = {"entrance": "portiek", "block": "blok", "street": "straat"}

"""``veerkracht places``: derive entrances, buildings, blocks, streets, areas."""

from __future__ import annotations

import typer
from rich.table import Table

from veerkracht.cli.common import UserError, dutch_int, out, progress, workspace_of
from veerkracht.defaults import LEVEL_NAMES_NL

_HELP = """Leid alle plaatsniveaus af uit de ingelezen adressen.

Elke woning komt in precies één portiek, pand, blok, straat, buurt, wijk en
gemeente. Panden (`import buildings`), buurt- en wijkvlakken (`import
buurten`, `import wijken`), een gemeentelijst (`import gemeenten`; anders de
meegeleverde CBS-lijst) en de eigen portiek- en complexcodes van een
corporatie (`stock`) worden gebruikt als ze zijn ingelezen; zonder die
gegevens wordt op adrespunten geclusterd.
De regels staan in docs/places.md.

Voorbeelden:

  veerkracht places

  veerkracht --workspace ./mijnstad places
"""

_METHODS_NL = {
    "single": "eigen voordeur", "number": "zelfde huisnummer",
    "point": "zelfde adrespunt", "override": "corporatie",
    "bag_pand": "BAG-pand", "footprint": "pandvlak", "cluster": "puntclustering",
    "footprints": "rakende panden", "complex": "complexcode",
    "buurt": "binnen buurt", "woonplaats": "binnen woonplaats",
    "code": "code", "polygon": "vlak", "unknown": "onbekend (rest)",
    "mixed": "gemengd", "nearest": "dichtstbijzijnde vlak", "name": "gemeentenaam",
}


def summary_table(places, band_min: int = 5) -> Table:
    """A Dutch table: places per level, dwellings per place, how formed.

    ``als plaats`` counts the places with at least ``band_min`` dwellings:
    only those are places in any output (a single-dwelling entrance is no
    entrance there; docs/privacy.md, "De publicatiedeur").
    """
    table = Table(title=f"Plaatsen voor {dutch_int(places.summary['dwellings'])} "
                  "woningen")
    table.add_column("niveau")
    table.add_column("plaatsen", justify="right")
    table.add_column(f"als plaats (≥ {band_min} woningen)", justify="right")
    table.add_column("woningen per plaats (gem. / max.)", justify="right")
    table.add_column("gevormd door")
    for level, frame in places.levels.items():
        n = frame["n_dwellings"]
        methods = ", ".join(
            f"{_METHODS_NL.get(m, m)} {dutch_int(c)}"
            for m, c in places.summary["methods"][level].items()
        )
        table.add_row(LEVEL_NAMES_NL[level], dutch_int(len(frame)),
                      dutch_int(int((n >= band_min).sum())),
                      f"{n.mean():.1f} / {dutch_int(n.max())}".replace(".", ",", 1),
                      methods)
    return table


def register(app: typer.Typer) -> None:
    """Attach ``veerkracht places`` to the root app."""

    @app.command("places", help=_HELP)
    def places_command(ctx: typer.Context) -> None:
        from veerkracht.jobs.places import PlacesError, run_places
        from veerkracht.jobs.publish import current_rules

        ws = workspace_of(ctx)
        try:
            with progress("Plaatsen afleiden", total=4) as advance:
                places = run_places(ws, progress=advance)
        except PlacesError as exc:
            raise UserError(str(exc)) from exc
        out.print(summary_table(places, current_rules(ws).band_min))
        unknown = places.summary["unknown_buurt_dwellings"]
        if unknown:
            out.print(
                f"{dutch_int(unknown)} woningen liggen in een onbekende buurt (geen "
                "buurtcode en geen buurtvlak; ze vormen de rest van hun wijk of "
                "gemeente); lees buurtvlakken in met `veerkracht import buurten`.",
                highlight=False,
            )
        areas = places.summary.get("areas", {})
        for name, n in (areas.get("gemeente_names_unmatched") or {}).items():
            out.print(f"gemeentenaam {name!r} ({dutch_int(n)} woningen) heeft geen "
                      "CBS-code; lees een gemeentelijst in met `veerkracht import "
                      "gemeenten`.", highlight=False, markup=False)
        for key, text in (
                ("wijk_other_gemeente", "lagen alleen in een wijkvlak van een andere "
                 "gemeente dan die van hun adres (de gemeentenaam gaat voor)"),
                ("wijk_snapped", "lagen net buiten de wijkvlakken van hun gemeente "
                 "en kregen de dichtstbijzijnde wijk")):
            if areas.get(key):
                out.print(f"{dutch_int(areas[key])} woningen {text}.",
                          highlight=False)

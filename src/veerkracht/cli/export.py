"""``veerkracht export LEVEL``: places (or dwellings) to CSV, GeoJSON, GPKG, Parquet."""

from __future__ import annotations

from pathlib import Path

import typer

from veerkracht.cli.common import UserError, dutch_int, out, workspace_of
from veerkracht.defaults import EXPORT_FORMATS as FORMATS
from veerkracht.defaults import EXPORT_LEVELS, LEVEL_NAMES_NL

_ALIASES = {nl: en for en, nl in LEVEL_NAMES_NL.items()} | {
    "portieken": "entrance", "woningen": "dwelling", "panden": "building",
    "blokken": "block", "straten": "street",
}

_HELP = f"""Exporteer één plaatsniveau met zijn leden en aantallen.

LEVEL is een van: {', '.join(EXPORT_LEVELS)} (Nederlandse namen zoals
portiek, pand, blok en straat mogen ook). `dwelling` geeft één rij per woning
met de ids van portiek, pand, blok, straat, buurt, wijk en gemeente; de andere
niveaus één rij per plaats met het aantal woningen (n_dwellings), de aantallen
kleinere plaatsen erin (n_entrance, n_building, ...) en bij portieken de
adressen (members). Een plaats met minder woningen dan de banddrempel (5) is
geen plaats: die komt in geen enkele export voor, en een portiek van één
woning is geen portiek.

Na `veerkracht compute` krijgt elk plaatsniveau ook de modelcijfers — druk,
veerkracht, balans met interval, klasse, kansen per klasse, modelversie en
periode — alleen door de publicatiedeur (docs/privacy.md): getallen en
klasse waar visibility 'public' is (minstens 10 huishoudens, na ruis); bij
alle andere plaatsen niets, ook geen adressenlijst, precies zoals bij een
plaats zonder huishoudens. Een bulkexport bevat nooit klassebanden. Het
niveau dwelling krijgt nooit modelcijfers: een cijfer per adres zou een score
per huishouden zijn.

Formaten: csv (punten als x/y, andere vormen als WKT, RD New), geojson
(WGS84, RFC 7946), gpkg en parquet (GeoParquet, RD New). Het bestand wordt
pas op zijn plaats gezet als het helemaal geschreven is.

Voorbeelden:

  veerkracht export entrance --format csv --out portieken.csv

  veerkracht export block --out blokken.gpkg

  veerkracht export dwelling --format parquet --out woningen.parquet
"""


def register(app: typer.Typer) -> None:
    """Attach ``veerkracht export`` to the root app."""

    @app.command("export", help=_HELP)
    def export_command(
        ctx: typer.Context,
        level: str = typer.Argument(..., help="Niveau: " + ", ".join(EXPORT_LEVELS)),
        out_path: Path = typer.Option(..., "--out", "-o", help="Het doelbestand."),
        fmt: str = typer.Option(
            None, "--format", "-f",
            help=f"{'|'.join(FORMATS)}; standaard afgeleid uit de extensie van --out.",
            show_default=False,
        ),
        period: str = typer.Option(
            None, "--period",
            help="Periode van de modelcijfers (standaard de laatste berekende).",
        ),
        bands: bool = typer.Option(
            False, "--bands/--no-bands", hidden=True,
            help="Bestaat niet meer: een bulkexport bevat nooit klassebanden.",
        ),
    ) -> None:
        if bands:
            raise UserError(
                "een export bevat nooit klassebanden: banden van kleine plaatsen "
                "ziet alleen een professional die aan het gebied is toegewezen, "
                "in de webapplicatie, van een goedgekeurd model")
        name = _ALIASES.get(level.lower(), level.lower())
        if name not in EXPORT_LEVELS:
            raise UserError(
                f"onbekend niveau {level!r}; kies uit {', '.join(EXPORT_LEVELS)}"
            )
        from veerkracht.io.export import ExportError, format_of, write_table
        from veerkracht.jobs.compute import ComputeError
        from veerkracht.jobs.places import PlacesError, level_frame
        from veerkracht.jobs.publish import PublishError

        ws = workspace_of(ctx)
        try:
            fmt_ = fmt.lower() if fmt else format_of(out_path)
            if fmt_ not in FORMATS:
                raise ExportError(
                    f"onbekend exportformaat {fmt!r}; kies uit {', '.join(FORMATS)}"
                )
            frame = level_frame(ws, name, period=period)
            written = write_table(frame, out_path, fmt_)
        except (PlacesError, ExportError, ComputeError, PublishError) as exc:
            raise UserError(str(exc)) from exc
        out.print(
            f"{dutch_int(len(frame))} rijen ({LEVEL_NAMES_NL[name]}) geschreven "
            f"naar {written} ({fmt_}).", highlight=False,
        )

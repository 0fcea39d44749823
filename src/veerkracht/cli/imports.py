"""The public-data importers of ``veerkracht import ...``.

Commands: addresses, buildings, buurten, wijken, gemeenten, kerncijfers,
leefbaarometer, amenities (households and signals live in cli/model.py).

Every command reads all its files first (validating everything), then writes
one transaction. One rejected row anywhere and nothing is written: the Dutch
report goes to the terminal and the full list of rejected rows to a CSV file
next to the workspace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from veerkracht.cli.common import console, out, progress, workspace_of
from veerkracht.cli.common import dutch_int as _nl
from veerkracht.cli.import_app import import_app

if TYPE_CHECKING:  # heavy: imported inside the functions (quick --help)
    import numpy as np
    import pandas as pd

    from veerkracht.io.validation import ImportRejected, ImportResult

FILES = typer.Argument(..., exists=False, show_default=False,
                       help="Eén of meer bestanden.")
APPEND = typer.Option(False, "--append",
                      help="Toevoegen aan wat er al is in plaats van vervangen "
                      "(dubbele sleutels worden afgekeurd).")


def register(app: typer.Typer) -> None:
    """The commands attach to the shared ``import`` group when this module loads."""


def _rejection_csv(ws, table: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    location = str(ws.location)
    base = Path.cwd() if "://" in location else Path(location).resolve().parent
    return base / f"afgekeurd-{table}-{stamp}.csv"


def _report(ws, table: str, err: ImportRejected) -> typer.Exit:
    console.print("[bold red]Import afgekeurd[/]", highlight=False)
    console.print(err.message(), highlight=False, markup=False)
    if not err.file_level:
        path = err.write_csv(_rejection_csv(ws, table))
        console.print(f"Alle {_nl(len(err.rows))} afgekeurde rijen staan in {path}",
                      highlight=False, markup=False)
    console.print("De werkmap is niet gewijzigd.", highlight=False)
    return typer.Exit(1)


def _read_all(files: Sequence[Path], reader: Callable[..., ImportResult],
              what: str) -> list[ImportResult]:
    """Read every file (reporting all rejections at once) with a progress bar."""
    from veerkracht.io.validation import ImportRejected

    results, errors = [], []
    with progress(f"{what} inlezen") as advance:
        for f in files:
            try:
                results.append(reader(f, progress=advance))
            except ImportRejected as err:
                errors.append(err)
    if errors:
        raise errors[0] if len(errors) == 1 else ImportRejected.combine(errors)
    return results


def _check_keys(new: list[tuple[str, pd.DataFrame, np.ndarray | None]],
                key: list[str], what: str, existing: pd.DataFrame | None) -> None:
    """Reject keys that occur in more than one file or already in the table."""
    import numpy as np
    import pandas as pd

    from veerkracht.io.validation import ImportRejected, RejectedRow

    parts = []
    for name, frame, lines in new:
        k = frame[key].copy()
        k["_src"] = name
        k["_line"] = lines if lines is not None else 0
        parts.append(k)
    allk = pd.concat(parts, ignore_index=True)
    twice = allk.duplicated(key, keep=False).to_numpy()
    stored = np.zeros(len(allk), dtype=bool)
    if existing is not None and len(existing):
        idx = pd.MultiIndex.from_frame(existing[key])
        stored = pd.MultiIndex.from_frame(allk[key]).isin(idx)
    bad = twice | stored
    if not bad.any():
        return
    rows = []
    for (*vals, src, line), in_ws in zip(allk.loc[bad].itertuples(index=False),
                                         stored[bad], strict=True):
        reason = ("staat al in de werkmap" if in_ws
                  else "staat ook in een ander bestand van deze import")
        rows.append(RejectedRow(int(line), reason, "/".join(map(str, vals)), src))
    raise ImportRejected(rows, hint=f"Dubbele {what}: een sleutel mag maar één keer "
                         "voorkomen (gebruik --append alleen voor nieuwe gegevens).")


def _import(ctx: typer.Context, table: str, files: Sequence[Path],
            reader: Callable[..., ImportResult], key: list[str], what: str,
            append: bool = False,
            merge: Callable[[list[ImportResult]], pd.DataFrame] | None = None,
            across: Callable[[list], list[dict]] | None = None,
            across_notes: Callable[[list[dict]], list[str]] | None = None) -> None:
    import geopandas as gpd
    import pandas as pd

    from veerkracht.io._common import RD
    from veerkracht.io.validation import ImportRejected

    ws = workspace_of(ctx)
    records: list[dict] = []
    try:
        results = _read_all(files, reader, what)
        names = [Path(f).name for f in files]
        existing = None
        if append and ws.has(table):
            existing = ws.read(table)
        if merge is not None:
            frame = merge(results)
        else:
            new = [(n, r.frame, r.lines)
                   for n, r in zip(names, results, strict=True)]
            # what only this table knows about keys over several files of
            # one call (register pairs of addresses) comes before the check
            records = across(new) if across is not None and len(new) > 1 else []
            if len(new) > 1 or existing is not None:
                _check_keys(new, key, what, existing)
            frame = pd.concat([r.frame for r in results], ignore_index=True)
        if existing is not None:
            frame = pd.concat([existing, frame], ignore_index=True)
        if isinstance(results[0].frame, gpd.GeoDataFrame):
            frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=RD)
    except ImportRejected as err:
        raise _report(ws, table, err) from None
    summary = _summary(names, results, frame, append, existing)
    if records:
        from veerkracht.io.addresses import CONFLICTS_LISTED

        summary["pairs_across_files"] = len(records)
        summary["pairs_across_files_listed"] = records[:CONFLICTS_LISTED]
        summary["notes"] = across_notes(records) if across_notes else []
    with ws.transaction(f"import {table}", source=", ".join(names)) as tx:
        tx.put(table, frame)
        tx.summary.update(summary)
    _print_summary(table, what, summary)


def _summary(names, results, frame, append, existing) -> dict:
    from veerkracht.io._common import RD

    per_file = {n: r.summary for n, r in zip(names, results, strict=True)}
    dropped = sorted({c for r in results for c in r.summary.get("dropped_columns", [])})
    crs_in = sorted({r.summary["crs_in"] for r in results if r.summary.get("crs_in")})
    summary = {
        "files": per_file,
        "rows_read": int(sum(r.summary.get("rows_read", len(r.frame))
                             for r in results)),
        "rows_written": len(frame),
        "rows_new": int(sum(len(r.frame) for r in results)),
        "rows_kept_from_before": 0 if existing is None else len(existing),
        "append": bool(append),
        "dropped_columns": dropped,
    }
    if crs_in:
        summary["crs_in"] = crs_in
        summary["crs_out"] = RD
    return summary


def _print_summary(table: str, what: str, s: dict) -> None:
    n_files = len(s["files"])
    line = (f"{_nl(s['rows_new'])} {what} ingelezen uit {n_files} "
            f"{'bestand' if n_files == 1 else 'bestanden'} "
            f"({_nl(s['rows_read'])} rijen gelezen)")
    out.print(line, highlight=False)
    merged = sum(f.get("duplicates_merged", 0) for f in s["files"].values())
    if merged:
        out.print(f"  {_nl(merged)} dubbele adresregels samengevoegd "
                  "(zelfde adres, zelfde straat, dicht bij elkaar; zie "
                  "docs/adr/0002-duplicate-addresses.md)", highlight=False)
    skipped = [c for f in s["files"].values()
               for c in f.get("skipped_without_cbs_code", [])]
    if skipped:
        out.print(f"  {len(skipped)} buurten zonder CBS-code overgeslagen: "
                  f"{', '.join(skipped[:10])}{' …' if len(skipped) > 10 else ''}",
                  highlight=False)
    for note in (*(n for f in s["files"].values() for n in f.get("notes", [])),
                 *s.get("notes", [])):
        out.print(f"  {note}", highlight=False, markup=False)
    if s["dropped_columns"]:
        out.print(f"  niet opgeslagen (herkomst/nationaliteit): "
                  f"{', '.join(s['dropped_columns'])}", highlight=False)
    zeros = [f for f in s["files"].values() if f.get("zeros_possibly_missing")]
    if zeros:
        out.print("  let op: in deze bron staat 0 ook voor 'onbekend' "
                  "(zie docs/data.md)", highlight=False)
    if s.get("crs_in"):
        out.print(f"  coördinaten: {', '.join(s['crs_in'])} -> {s['crs_out']}",
                  highlight=False)
    out.print(f"Tabel {table}: {_nl(s['rows_written'])} rijen"
              f"{' (toegevoegd)' if s['append'] else ''}.", highlight=False)


# ------------------------------------------------------------------ commands


@import_app.command(
    "addresses",
    help=(
        "BAG-adressen inlezen (LJPc-CSV, ook .csv.zst, of BAG-GeoPackage).\n\n"
        "Meerdere bestanden gaan in één transactie. Zonder gebruiksdoel in de bron "
        "telt elk adres als woning.\n\n"
        "Voorbeelden:\n\n"
        "  veerkracht import addresses Groningen.csv.zst Flevoland.csv.zst\n\n"
        "  veerkracht import addresses bag.gpkg --format bag-gpkg\n\n"
        "  veerkracht import addresses Drenthe.csv.zst --append"
    ),
)
def import_addresses(
    ctx: typer.Context,
    files: list[Path] = FILES,
    format: str = typer.Option(  # noqa: A002 - the option is called --format
        None, "--format", "-f",
        help="ljpc-csv of bag-gpkg (standaard: herkend aan inhoud en extensie)."),
    append: bool = APPEND,
) -> None:
    from veerkracht.io._common import InputTooLarge
    from veerkracht.io.addresses import (
        across_files_notes,
        pairs_across_files,
        read_addresses,
    )

    def one_line(message: str) -> typer.Exit:
        console.print(f"[bold red]Fout:[/] {message}", highlight=False, soft_wrap=True)
        return typer.Exit(2)

    def reader(path, progress=None):
        try:
            return read_addresses(path, format=format, progress=progress)
        except InputTooLarge as err:  # a bomb or a huge file: exit 2, no report
            raise one_line(err.message()) from None

    try:
        _import(ctx, "addresses", files, reader, ["address_id"], "adressen", append,
                across=pairs_across_files, across_notes=across_files_notes)
    except MemoryError:
        names = ", ".join(Path(f).name for f in files)
        raise one_line(f"onvoldoende geheugen om de adressen van {names} in te lezen; "
                       "er is niets opgeslagen. Lees minder bestanden tegelijk in "
                       "(--append) of gebruik een machine met meer geheugen.") from None


@import_app.command(
    "buildings",
    help=(
        "BAG-panden (footprints met bouwjaar en status) inlezen uit GeoPackage of "
        "GeoJSON.\n\n"
        "Voorbeelden:\n\n"
        "  veerkracht import buildings doesburg_panden.gpkg\n\n"
        "  veerkracht import buildings noord.geojson zuid.geojson --append"
    ),
)
def import_buildings(ctx: typer.Context, files: list[Path] = FILES,
                     append: bool = APPEND) -> None:
    from veerkracht.io.buildings import read_buildings

    _import(ctx, "buildings", files, read_buildings, ["pand_id"], "panden", append)


@import_app.command(
    "buurten",
    help=(
        "Buurtgrenzen inlezen (CBS-wijk- en buurtkaart of Amsterdams eigen "
        "buurtbestand; Amsterdamse codes worden CBS-codes).\n\n"
        "Voorbeelden:\n\n"
        "  veerkracht import buurten wijkenbuurten_2024.gpkg\n\n"
        "  veerkracht import buurten amsterdam_gebied_buurten.csv"
    ),
)
def import_buurten(
    ctx: typer.Context,
    file: Path = typer.Argument(..., show_default=False, help="Het buurtbestand."),
) -> None:
    from veerkracht.io.buurten import read_buurten

    _import(ctx, "buurten", [file], read_buurten, ["buurtcode"], "buurten")


@import_app.command(
    "wijken",
    help=(
        "Wijkgrenzen inlezen (CBS-wijk- en buurtkaart: GeoPackage, GeoJSON of CSV "
        "met WKT, elk coördinatenstelsel). Kolomnamen per jaar en bron worden herkend. "
        "`veerkracht places` legt daarna elke woning in de wijk waarin haar "
        "adrespunt ligt.\n\n"
        "Voorbeelden:\n\n"
        "  veerkracht import wijken wijken_2024.gpkg\n\n"
        "  veerkracht import wijken cbs_wijken_2022.geojson"
    ),
)
def import_wijken(
    ctx: typer.Context,
    file: Path = typer.Argument(..., show_default=False, help="Het wijkbestand."),
) -> None:
    from veerkracht.io.buurten import read_wijken

    _import(ctx, "wijken", [file], read_wijken, ["wijkcode"], "wijken")


@import_app.command(
    "gemeenten",
    help=(
        "Een gemeentelijst (CBS 'Gemeenten alfabetisch', CSV of xlsx) of "
        "gemeentegrenzen (GeoPackage/GeoJSON) inlezen. De lijst vertaalt de "
        "gemeentenaam van de adressen naar de CBS-code en gaat vóór de lijst die "
        "met Veerkracht meekomt (2023); grenzen tekenen de gemeenten op de "
        "kaart.\n\n"
        "Voorbeelden:\n\n"
        "  veerkracht import gemeenten gemeenten-alfabetisch-2024.csv\n\n"
        "  veerkracht import gemeenten gemeenten_2024.gpkg"
    ),
)
def import_gemeenten(
    ctx: typer.Context,
    file: Path = typer.Argument(..., show_default=False,
                                help="De gemeentelijst of het grenzenbestand."),
) -> None:
    from veerkracht.io.gemeenten import read_gemeenten

    _import(ctx, "gemeenten", [file], read_gemeenten, ["gemeentecode"],
            "gemeenten")


@import_app.command(
    "kerncijfers",
    help=(
        "CBS-kerncijfers wijken en buurten (xlsx/csv) en politiecijfers "
        "(woonikveilig) inlezen. Ontbrekende of geheime waarden worden leeg, nooit "
        "0; kolommen over herkomst of nationaliteit worden niet opgeslagen.\n\n"
        "Voorbeelden:\n\n"
        "  veerkracht import kerncijfers kwb-2023.xlsx kwb-2024.xlsx\n\n"
        "  veerkracht import kerncijfers woonikveilig_GM0014_2024.csv --append\n\n"
        "  veerkracht import kerncijfers cijfers.csv --jaar 2022"
    ),
)
def import_kerncijfers(
    ctx: typer.Context,
    files: list[Path] = FILES,
    jaar: int = typer.Option(
        None, "--jaar",
        help="Het jaar van de cijfers, als het niet in blad- of bestandsnaam staat."),
    append: bool = APPEND,
) -> None:
    from veerkracht.io.cbs import read_kerncijfers

    def reader(path, progress=None):
        return read_kerncijfers(path, year=jaar, progress=progress)

    _import(ctx, "kerncijfers", files, reader, ["regiocode", "jaar"], "regio's",
            append)


@import_app.command(
    "leefbaarometer",
    help=(
        "Leefbaarometer-scores (dimensiescores 2.0 of 3.0) en/of klassen per wijk "
        "of buurt inlezen; meerdere bestanden worden per gebied en jaar "
        "samengevoegd.\n\n"
        "Voorbeelden:\n\n"
        "  veerkracht import leefbaarometer dimensiescores.xlsx klassen.xlsx\n\n"
        "  veerkracht import leefbaarometer leefbaarometer_wijk.csv\n\n"
        "  veerkracht import leefbaarometer leefbaarometer3_buurt_groningen.csv"
    ),
)
def import_leefbaarometer(ctx: typer.Context, files: list[Path] = FILES) -> None:
    from veerkracht.io.leefbaarometer import combine, read_leefbaarometer

    def merge(results):
        return combine(results) if len(results) > 1 else results[0].frame

    _import(ctx, "leefbaarometer", files, read_leefbaarometer,
            ["regiocode", "jaar"], "wijkscores", merge=merge)


@import_app.command(
    "amenities",
    help=(
        "Voorzieningen (ontmoetingsplekken, bankjes, winkels, repaircafés) als "
        "punten inlezen uit CSV (kind, name, lat/lon of x/y) of GeoJSON.\n\n"
        "Voorbeelden:\n\n"
        "  veerkracht import amenities repaircafes.csv\n\n"
        "  veerkracht import amenities bankjes.geojson"
    ),
)
def import_amenities(
    ctx: typer.Context,
    file: Path = typer.Argument(..., show_default=False,
                                help="Het bestand met voorzieningen."),
) -> None:
    from veerkracht.io.amenities import read_amenities

    _import(ctx, "amenities", [file], read_amenities, ["amenity_id"],
            "voorzieningen")

"""``veerkracht library``: share evaluated interventions between municipalities.

The format (``veerkracht-kennisbibliotheek`` 1.0, a JSON document with a
JSON Schema) is documented in docs/library.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from veerkracht.cli.common import UserError, out, workspace_of

library_app = typer.Typer(
    name="library",
    help=("De kennisbibliotheek: geëvalueerde interventies delen tussen gemeenten "
          "(docs/library.md).\n\n"
          "Voorbeelden:\n\n"
          "  veerkracht library export bibliotheek.json\n\n"
          "  veerkracht library validate andere-gemeente.json\n\n"
          "  veerkracht library import andere-gemeente.json\n\n"
          "  veerkracht library schema --out kennisbibliotheek.schema.json"),
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Attach ``library`` to the root app."""
    app.add_typer(library_app, name="library")


def _read(path: Path) -> bytes:
    from veerkracht.analytics.evaluation.library import MAX_BYTES

    try:
        if path.stat().st_size > MAX_BYTES:
            raise UserError(f"{path} is groter dan {MAX_BYTES // 2**20} MB")
        return path.read_bytes()
    except OSError as exc:
        raise UserError(f"kan {path} niet lezen: {exc}") from None


@library_app.command("export")
def export(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="Het JSON-bestand dat u schrijft."),
    gemeente: str = typer.Option(None, "--gemeente",
                                 help="CBS-code van de gemeente die deelt (GM0014); "
                                 "standaard de enige in de werkmap."),
) -> None:
    """Schrijf de eigen bibliotheek: elke interventie met gepubliceerde effecten.

    Alleen wat de publicatiedeur toont: per interventie en combinatie wat,
    op welk niveau en op hoeveel plaatsen (nooit welke), wanneer, en het
    effect met interval en oordeel.
    """
    from veerkracht.analytics.evaluation.library import LibraryError
    from veerkracht.jobs.evaluate import EvaluateError, published_library

    try:
        document = published_library(workspace_of(ctx), gemeente)
    except (EvaluateError, LibraryError) as exc:
        raise UserError(str(exc)) from None
    try:
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1),
                        encoding="utf-8")
    except OSError as exc:
        raise UserError(f"kan {path} niet schrijven: {exc}") from None
    n = len(document["entries"])
    out.print(f"{n} interventies en combinaties van "
              f"{document['municipality']['name']} in {path}.", highlight=False)


@library_app.command("validate")
def validate(path: Path = typer.Argument(..., help="Het JSON-bestand.")) -> None:
    """Controleer of een bibliotheek het formaat volgt (schema en samenhang)."""
    from veerkracht.analytics.evaluation.library import LibraryError, check_library

    try:
        document = check_library(_read(path))
    except LibraryError as exc:
        raise UserError(f"{path}: {exc}") from None
    out.print(f"{path}: in orde — {len(document['entries'])} interventies van "
              f"{document['municipality']['name']} "
              f"({document['municipality']['code']}).", highlight=False)


@library_app.command("import")
def import_(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="De bibliotheek van een andere gemeente."),
) -> None:
    """Lees de bibliotheek van een andere gemeente in; zij staat daarna op de
    pagina "Wat werkt" naast de eigen interventies. Een eerdere versie van
    dezelfde gemeente wordt vervangen; een bestand met fouten helemaal
    geweigerd."""
    from veerkracht.analytics.evaluation.library import LibraryError
    from veerkracht.jobs.evaluate import import_library

    try:
        got = import_library(workspace_of(ctx), _read(path))
    except LibraryError as exc:
        raise UserError(f"{path}: {exc}") from None
    out.print(f"{got['entries']} interventies ({got['effects']} effecten) van "
              f"{got['municipality']['name']} ingelezen.", highlight=False)


@library_app.command("schema")
def schema_command(
    out_path: Path = typer.Option(None, "--out", "-o",
                                  help="Schrijf het schema naar dit bestand."),
) -> None:
    """Het JSON Schema van het formaat (voor wie een eigen bibliotheek maakt)."""
    from veerkracht.analytics.evaluation.library import schema

    text = json.dumps(schema(), ensure_ascii=False, indent=2)
    if out_path is None:
        out.print(text, highlight=False, markup=False)
        return
    try:
        out_path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"kan {out_path} niet schrijven: {exc}") from None
    out.print(f"Schema in {out_path}.", highlight=False)

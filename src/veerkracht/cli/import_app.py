"""The ``veerkracht import ...`` command group, shared by several modules.

Public data importers live in ``veerkracht.cli.imports``; the confidential
ones (households, signals) in ``veerkracht.cli.model``. Both add commands to
this one group.
"""

from __future__ import annotations

import typer

import_app = typer.Typer(
    name="import",
    help="Gegevens inlezen in de werkmap "
    "(alles-of-niets: bij één fout wordt niets opgeslagen).",
    no_args_is_help=True,
)

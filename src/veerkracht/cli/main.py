"""Entry point: ``veerkracht [--workspace DIR|URL] COMMAND ...``."""

from __future__ import annotations

import importlib

import typer

from veerkracht import __version__
from veerkracht.cli.common import UserError, fail
from veerkracht.defaults import ENV_VAR
from veerkracht.errors import WorkspaceError

app = typer.Typer(
    name="veerkracht",
    help=(
        "Veerkracht: druk en veerkracht van samenleven, "
        "per portiek, blok en straat.\n\n"
        "Voorbeelden:\n\n"
        "  veerkracht demo                       # Voorbeeldstad maken en tonen\n\n"
        "  veerkracht import addresses Groningen.csv.zst\n\n"
        "  veerkracht places && "
        "veerkracht export entrance --format csv --out portieken.csv"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

# One module per command group; each exposes ``register(app)``. They import heavy
# libraries inside the commands only, so that every --help stays quick
# (tests/cli/test_quick_start.py).
COMMAND_MODULES = ("imports", "places", "export", "demo", "serve", "model", "validate",
                   "privacy", "warn", "schedule", "headroom", "allocate",
                   "evaluate", "library")


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"veerkracht {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    workspace: str = typer.Option(
        None,
        "--workspace",
        "-w",
        envvar=ENV_VAR,
        help="Werkmap (map met SQLite en GeoParquet) of een postgresql://-URL. "
        "Standaard $VEERKRACHT_WORKSPACE of ./veerkracht-data.",
        show_default=False,
    ),
    version: bool = typer.Option(
        False,
        "--version",
        help="Toon de versie en stop.",
        is_eager=True,
        callback=_show_version,
    ),
) -> None:
    ctx.obj = {"workspace": workspace}


for _name in COMMAND_MODULES:
    importlib.import_module(f"veerkracht.cli.{_name}").register(app)

from veerkracht.cli.import_app import import_app  # noqa: E402 - after the modules filled it

app.add_typer(import_app, name="import")


def main(argv: list[str] | None = None) -> None:
    """Run the command line; user errors print one clear line and exit 2.

    So do the two resource limits a user can meet with a big input: memory
    (``MemoryError``) and a full disk outside the workspace (an export, the
    list of rejected rows; the workspace itself reports its own full disk).
    """
    import errno

    try:
        app(args=argv, standalone_mode=True)
    except (UserError, WorkspaceError) as exc:
        raise SystemExit(fail(str(exc)).exit_code) from None
    except MemoryError:
        raise SystemExit(fail(
            "onvoldoende werkgeheugen voor deze opdracht; er is niets opgeslagen. "
            "Lees minder of kleinere bestanden tegelijk in, of gebruik een machine "
            "met meer geheugen").exit_code) from None
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        raise SystemExit(fail(
            f"de schijf is vol (of het schijfquotum is op){where}; maak ruimte "
            "vrij en voer de opdracht opnieuw uit").exit_code) from None

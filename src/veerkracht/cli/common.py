"""What every command shares: the workspace option, errors, progress bars."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from veerkracht.errors import WorkspaceError

if TYPE_CHECKING:
    from veerkracht.store import Workspace

console = Console(stderr=True)
out = Console()


def dutch_int(n: int) -> str:
    """``12345`` as ``12.345`` (Dutch thousands separator)."""
    return f"{int(n):,}".replace(",", ".")


class UserError(Exception):
    """A problem the user can fix (bad input, missing data); no traceback."""


def workspace_of(ctx: typer.Context) -> Workspace:
    """Open the workspace chosen with ``--workspace`` (or the default)."""
    from veerkracht.store import open_workspace

    root = ctx.find_root()
    location = (root.obj or {}).get("workspace")
    try:
        return open_workspace(location)
    except WorkspaceError as exc:
        raise UserError(str(exc)) from exc


def write_csv(frame, path) -> None:
    """Write ``frame`` as a Dutch CSV (``;``, decimal comma), or a UserError."""
    try:
        from veerkracht.io._common import dutch_csv

        dutch_csv(frame, path)
    except OSError as exc:
        raise UserError(f"kan {path} niet schrijven: {exc}") from None


def fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[bold red]Fout:[/] {message}", highlight=False)
    return typer.Exit(code)


@contextlib.contextmanager
def progress(description: str, total: int | None = None) -> Iterator[callable]:
    """A progress bar on stderr; yields ``advance(n=1, description=None)``.

    Quiet (no bar) when stderr is not a terminal, so logs stay clean in CI.
    """
    from rich.progress import (  # only a running command draws a bar
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    bar = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=not sys.stderr.isatty(),
    )
    with bar:
        task = bar.add_task(description, total=total)

        def advance(
            n: int = 1, description: str | None = None, total: int | None = None
        ):
            kwargs = {}
            if description is not None:
                kwargs["description"] = description
            if total is not None:
                kwargs["total"] = total
            bar.update(task, advance=n, **kwargs)

        yield advance

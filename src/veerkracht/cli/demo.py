"""``veerkracht demo``: generate Voorbeeldstad, compute it, and serve it."""

from __future__ import annotations

import typer

from veerkracht.cli.common import console, progress, workspace_of
from veerkracht.cli.serve import run_server
from veerkracht.defaults import DEMO_DWELLINGS, DEMO_SEED


def _has_demo(ws, seed: int, n_dwellings: int) -> bool:
    """Whether the workspace already holds this demo city, computed."""
    source = f"Voorbeeldstad seed={seed}"
    ops = ws.operations()
    built = [
        o
        for o in ops
        if o.action == "demo"
        and o.source == source
        and o.summary.get("n_dwellings_target", n_dwellings) == n_dwellings
    ]
    if not built or not ws.has("results"):
        return False
    last_demo = built[-1].id
    later = {o.action for o in ops if o.id > last_demo}
    return {"places", "compute"} <= {a.split()[0] for a in later}


def register(app: typer.Typer) -> None:
    """Attach ``demo`` to the root app."""

    @app.command("demo")
    def demo(
        ctx: typer.Context,
        serve: bool = typer.Option(
            True,
            "--serve/--no-serve",
            help="Start daarna de webapplicatie (standaard) of stop na het rekenen.",
        ),
        seed: int = typer.Option(
            DEMO_SEED, "--seed", help="Zelfde zaad, zelfde stad."
        ),
        dwellings: int = typer.Option(
            DEMO_DWELLINGS,
            "--dwellings",
            min=500,
            help="Ongeveer zoveel woningen (100.000 voor een belastingproef).",
        ),
        fresh: bool = typer.Option(
            False,
            "--fresh",
            help="Maak de stad opnieuw, ook als deze werkmap haar al bevat.",
        ),
        port: int = typer.Option(8000, "--port", "-p", help="Poort van de webserver."),
        host: str = typer.Option("127.0.0.1", "--host", help="Adres van de webserver."),
    ) -> None:
        """Maak de voorbeeldstad Voorbeeldstad, bereken alles en open de webapplicatie.

        De stad is verzonnen (gegenereerd met een vast zaad): portiekflats met
        toevoegingen, galerijflats, rijtjeshuizen, buurten, voorzieningen,
        huishoudens met ondersteuningsbehoeften en drie jaar meldingen. Alles is
        als synthetisch gemarkeerd. Een tweede keer in dezelfde werkmap slaat het
        rekenwerk over (tenzij --fresh).

        Voorbeelden:

          veerkracht demo                     # maken, rekenen, http://127.0.0.1:8000

          veerkracht demo --no-serve          # alleen maken en rekenen

          veerkracht -w /tmp/groot demo --dwellings 100000 --no-serve
        """
        from veerkracht.jobs.demo import build_demo

        ws = workspace_of(ctx)
        try:
            if not fresh and _has_demo(ws, seed, dwellings):
                console.print(
                    f"Voorbeeldstad (zaad {seed}) staat al berekend in {ws.location}; "
                    "gebruik --fresh om haar opnieuw te maken.",
                    highlight=False,
                )
            else:
                with progress("Voorbeeldstad maken") as advance:
                    summary = build_demo(
                        ws, seed=seed, n_dwellings=dwellings, progress=advance
                    )
                rows = summary.get("rows", {})
                console.print(
                    f"Voorbeeldstad klaar in {ws.location}: "
                    f"{summary.get('n_dwellings', '?')} woningen, "
                    f"{rows.get('households', 0)} huishoudens, "
                    f"{rows.get('signals', 0)} meldingen (synthetisch).",
                    highlight=False,
                )
                for step, state in summary.get("steps", {}).items():
                    console.print(f"  {step}: {state}", highlight=False)
        finally:
            ws.close()
        if serve:
            run_server(ctx, host=host, port=port)

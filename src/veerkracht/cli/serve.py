"""``veerkracht serve``: migrate, create the demo accounts, serve the site.

The site is served by gunicorn (worker processes with threads, what a first
map or profile reads prepared before the first request) with WhiteNoise for the static
files, on 127.0.0.1 by default; the demo and production use the same server.
In production put an HTTPS proxy in front (docs/web.md).
"""

from __future__ import annotations

import contextlib
import os
import time

import typer

from veerkracht.cli.common import UserError, console
from veerkracht.defaults import ENV_VAR


def _setup_django(ctx: typer.Context, settings: str | None) -> None:
    from veerkracht.store.open import default_location

    root = ctx.find_root()
    location = (root.obj or {}).get("workspace") or default_location()
    os.environ[ENV_VAR] = str(location)
    if settings:
        os.environ["DJANGO_SETTINGS_MODULE"] = settings
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veerkracht.web.conf.dev")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise UserError(f"instellingen kloppen niet: {exc}") from exc


audit_app = typer.Typer(
    name="audit", help="Het auditspoor van de webapplicatie.", no_args_is_help=True
)


@audit_app.command("verify")
def audit_verify(
    ctx: typer.Context,
    settings: str = typer.Option(None, "--settings", help="Django-instellingen."),
) -> None:
    """Controleer de HMAC-keten tegen de checkpoints; meldt elke manipulatie.

    Voorbeeld:

      veerkracht audit verify
    """
    _setup_django(ctx, settings)
    from django.db.utils import OperationalError

    from veerkracht.web.audit.keys import AuditKeyError
    from veerkracht.web.audit.services import verify

    try:
        result = verify()
    except AuditKeyError as exc:
        raise UserError(str(exc)) from exc
    except OperationalError as exc:
        raise UserError(
            "de database van de webapplicatie is nog niet ingericht; start eerst "
            f"`veerkracht serve` ({exc})"
        ) from exc
    for warning in result.warnings:
        console.print(f"let op: {warning}", highlight=False)
    if not result.ok:
        for problem in result.problems:
            console.print(problem, highlight=False)
        raise UserError(
            f"auditspoor GEMANIPULEERD: {len(result.problems)} probleem/problemen in "
            f"{result.entries} regels"
        )
    console.print(
        f"Auditspoor in orde: {result.entries} regels, keten klopt "
        f"({result.checkpoints} checkpoint(s))."
    )


def management_command(ctx: typer.Context, settings: str | None, name: str,
                       *args) -> None:
    """Run a management command of the web application; errors as user errors."""
    _setup_django(ctx, settings)
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command(name, *args)
    except CommandError as exc:
        raise UserError(str(exc)) from exc


@audit_app.command("checkpoint")
def audit_checkpoint(
    ctx: typer.Context,
    settings: str = typer.Option(None, "--settings", help="Django-instellingen."),
) -> None:
    """Schrijf een getekend checkpoint van de keten buiten de database.

    Elke 15 minuten vanuit cron; `audit verify` ziet dan afkappen en herketenen.

    Voorbeeld:

      veerkracht audit checkpoint
    """
    management_command(ctx, settings, "audit_checkpoint")


@audit_app.command("rotate-key")
def audit_rotate_key(
    ctx: typer.Context,
    create: bool = typer.Option(
        False, "--create", help="Maak het sleutelbestand als het nog niet bestaat."
    ),
    settings: str = typer.Option(None, "--settings", help="Django-instellingen."),
) -> None:
    """Voeg een nieuwe auditsleutel toe; oude sleutels blijven controleerbaar.

    Voorbeeld:

      veerkracht audit rotate-key
    """
    management_command(ctx, settings, "audit_rotate_key",
                       *(["--create"] if create else []))


def _quietly(func) -> None:
    """Run ``func``; a failure only means the first request does the work."""
    try:
        func()
    except Exception:  # noqa: BLE001
        import logging

        logging.getLogger("veerkracht.web").exception("voorbereiden mislukt")


def _warm_reports() -> None:
    """What every worker would otherwise do at its first request, once in the
    master before the fork: import the views (the URL conf) and build the
    address lookup of the report form and API (shared by the workers' memory)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    from veerkracht.web.signals.locations import LocationError, address_index
    from veerkracht.web.workspace import workspace

    with contextlib.suppress(LocationError):  # no addresses yet: nothing to build
        address_index(workspace())


def register(app: typer.Typer) -> None:
    """Attach ``serve`` and ``audit`` to the root app."""
    app.add_typer(audit_app, name="audit")

    @app.command(
        "serve",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def serve(
        ctx: typer.Context,
        port: int = typer.Option(8000, "--port", "-p", help="Poort."),
        host: str = typer.Option(
            "127.0.0.1",
            "--host",
            help="Adres om op te luisteren (standaard alleen lokaal).",
        ),
        settings: str = typer.Option(
            None,
            "--settings",
            help="Django-instellingen, bijv. veerkracht.web.conf.production "
            "(standaard $DJANGO_SETTINGS_MODULE of veerkracht.web.conf.dev).",
        ),
        workers: int = typer.Option(
            None, "--workers", min=1,
            help="Serverprocessen (standaard het aantal kernen, minstens 2).",
        ),
        threads: int = typer.Option(
            4, "--threads", min=1, help="Draden per serverproces.",
        ),
        manage: bool = typer.Option(
            False,
            "--manage",
            help="Voer in plaats van de server een Django-beheeropdracht uit: "
            "veerkracht serve --manage migrate, ... --manage audit_verify.",
        ),
    ) -> None:
        """Start de webapplicatie (kaart, plaatsprofielen, meldingen).

        Voorbeelden:

          veerkracht serve                      # http://127.0.0.1:8000

          veerkracht serve --port 8080

          veerkracht serve --manage createsuperuser
        """
        if manage:
            _setup_django(ctx, settings)
            from django.core.management import execute_from_command_line

            execute_from_command_line(["veerkracht serve --manage", *ctx.args])
            return
        if ctx.args:
            raise UserError(f"onbekende opties: {' '.join(ctx.args)}")
        run_server(ctx, host=host, port=port, settings=settings, workers=workers,
                   threads=threads)


def run_server(ctx: typer.Context, *, host: str, port: int,
               settings: str | None = None, workers: int | None = None,
               threads: int = 4) -> None:
    """Migrate, ensure the demo accounts, and serve until interrupted.

    Shared by ``veerkracht serve`` and ``veerkracht demo``. Serves with
    gunicorn: ``workers`` processes (default: the cores, at least 2) of
    ``threads`` threads each; static files through WhiteNoise.
    """
    workers = workers or max(2, os.cpu_count() or 2)
    _setup_django(ctx, settings)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from veerkracht.web.accounts.demo import ensure_demo_accounts

    created = ensure_demo_accounts()
    if created:
        console.print(
            "Demo-accounts klaar (zie docs/web.md): " + ", ".join(created),
            highlight=False,
        )
    from django.db import connections

    from veerkracht.web.warmup import warm

    # what a first map or profile reads (layers, the grey base, the search
    # index, the published figures) is prepared before the first request, in
    # the master process, so every worker starts with it (fork shares memory)
    console.print("Kaart, ondergrond, zoekindex en plaatsprofielen voorbereiden…",
                  highlight=False)
    started = time.monotonic()
    _quietly(warm)
    _quietly(_warm_reports)
    seconds = f"{time.monotonic() - started:.1f}".replace(".", ",")
    console.print(f"Voorbereid in {seconds} s.", highlight=False)
    connections.close_all()  # no database connection may cross the fork
    import gc

    # what is prepared stays shared with the workers: the collector would
    # otherwise write to every object it tracks and copy its page per worker
    gc.collect()
    gc.freeze()
    console.print(f"Veerkracht draait op http://{host}:{port}/  (stoppen: Ctrl+C)")
    _gunicorn(host, port, workers=workers, threads=threads)


def _gunicorn(host: str, port: int, *, workers: int, threads: int) -> None:
    """Serve the WSGI application with gunicorn (threads per worker process)."""
    from gunicorn.app.base import BaseApplication

    from veerkracht.web.wsgi import application

    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": True,
        "timeout": 120,
        "graceful_timeout": 10,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "warning",
    }

    class _App(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return application

    _App().run()

"""Job: fill a workspace with Voorbeeldstad, the synthetic demo city."""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
from collections.abc import Callable
from datetime import date

from veerkracht.defaults import DEMO_DWELLINGS as DEFAULT_DWELLINGS
from veerkracht.defaults import DEMO_SEED as DEFAULT_SEED
from veerkracht.store import Workspace
from veerkracht.synth import generate_city


def build_demo(
    ws: Workspace,
    seed: int = DEFAULT_SEED,
    n_dwellings: int = DEFAULT_DWELLINGS,
    progress: Callable[..., None] | None = None,
    *,
    years: int = 3,
    end_date: date | None = None,
) -> dict:
    """Generate Voorbeeldstad and store it in ``ws``; then derive places and compute.

    1. :func:`veerkracht.synth.generate_city` builds the city (pure, seeded).
    2. Every table (``buurten``, ``streets``, ``buildings``, ``addresses``,
       ``stock``, ``amenities``, ``households``, ``signals``, ``initiatives``,
       ``professionals``, ``shared_spaces``) is written in ONE transaction
       ``ws.transaction("demo", source="Voorbeeldstad seed=N")``: the workspace
       holds the whole city or, after any failure, exactly what it held before.
    3. When those jobs are installed, ``veerkracht.jobs.places.run_places``,
       ``veerkracht.jobs.compute.run_compute`` and the early warning
       (``veerkracht.jobs.warn.run_demo_warn``) and the evaluation of the
       planted interventions (``veerkracht.jobs.evaluate.run_evaluate``) run
       on the result (each in its own transaction); a missing module is
       skipped and reported in the summary, an error inside one is raised.

    Parameters
    ----------
    ws : Workspace
        Where to write (a folder or PostgreSQL workspace).
    seed : int
        Same seed, same city.
    n_dwellings : int
        Target size; 12,000 by default, 100,000 for load tests.
    progress : callable, optional
        ``advance(n=1, description=None, total=None)`` as yielded by
        :func:`veerkracht.cli.common.progress`; called once per step.
    years, end_date
        History length and its exclusive end (see
        :class:`~veerkracht.synth.CityParams`).

    Returns
    -------
    dict
        ``seed``, ``n_dwellings`` (actual), ``rows`` per table, ``planted``
        (tipping buurten, cluster, quiet place), ``operation`` (the id of the
        demo transaction) and ``steps`` (``places``/``compute``/``warn``/``evaluate``:
        ``done`` or ``skipped``).

    Examples
    --------
    >>> import tempfile
    >>> from veerkracht.store.files import FileWorkspace
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     summary = build_demo(FileWorkspace(tmp), seed=2, n_dwellings=300, years=1)
    >>> summary["rows"]["buurten"]
    9
    """
    steps = 6

    def tick(description: str) -> None:
        if progress is not None:
            progress(1, description=description, total=steps)

    if progress is not None:
        progress(0, description="Voorbeeldstad genereren", total=steps)
    city = generate_city(
        seed=seed, n_dwellings=n_dwellings, years=years, end_date=end_date
    )
    tick("Voorbeeldstad opslaan")
    tables = city.tables()
    rows = {name: len(frame) for name, frame in tables.items()}
    planted = {
        k: (v.isoformat() if isinstance(v, date) else v)
        for k, v in dataclasses.asdict(city.planted).items()
    }
    summary: dict = {
        "seed": seed,
        "n_dwellings_target": n_dwellings,
        "n_dwellings": int(city.addresses["is_dwelling"].sum()),
        "rows": rows,
        "planted": planted,
        "synthetic": True,
    }
    with ws.transaction("demo", source=f"Voorbeeldstad seed={seed}") as tx:
        for name, frame in tables.items():
            tx.put(name, frame)
        tx.summary.update(summary)
    summary["operation"] = ws.operations()[-1].id
    tick("Plaatsen afleiden")
    steps_done: dict[str, str] = {}
    run_places = _optional("veerkracht.jobs.places", "run_places")
    if run_places is None:
        steps_done["places"] = "skipped"
    else:
        run_places(ws, progress)
        steps_done["places"] = "done"
    tick("Model berekenen")
    run_compute = _optional("veerkracht.jobs.compute", "run_compute")
    if run_compute is None or run_places is None:
        steps_done["compute"] = "skipped"
    else:
        # the published path (the default): the first compute protects the
        # demo's statistics, so its figures pass the door
        run_compute(ws, progress=progress)
        steps_done["compute"] = "done"
    tick("Vroegsignalering")
    run_warn = _optional("veerkracht.jobs.warn", "run_demo_warn")
    if run_warn is None or run_places is None:
        steps_done["warn"] = "skipped"
    else:
        run_warn(ws, progress=progress)
        steps_done["warn"] = "done"
    tick("Interventies evalueren")
    run_evaluate = _optional("veerkracht.jobs.evaluate", "run_evaluate")
    planted = ws.has("intervention_places") and len(ws.read("intervention_places"))
    if run_evaluate is None or steps_done["compute"] != "done" or not planted:
        steps_done["evaluate"] = "skipped"
    else:
        # the planted interventions, so that "Wat werkt" has something true
        run_evaluate(ws)
        steps_done["evaluate"] = "done"
    tick("Klaar")
    summary["steps"] = steps_done
    return summary


def _optional(module: str, name: str) -> Callable | None:
    """``module.name`` when that module is installed, else None.

    Only a missing module counts as absent; an import error inside an
    existing module is raised, so a broken job is never silently skipped.
    """
    if importlib.util.find_spec(module) is None:
        return None
    return getattr(importlib.import_module(module), name)

"""Steering inflow: headroom per place and an allocation advisor (docs/allocation.md).

Pure functions on the model's protected results of one period and the
public dwellings; no I/O, no web framework. It works on need categories and
counts and advises people: it never decides about a person and never
outputs one.

* :mod:`.categories` — the need categories a placement can have (defined
  once; the plan file, the CLI and the web read them here);
* :mod:`.placement` — what placements do to a place's pressure, balance and
  class (the model with its fitted priors held fixed), and the headroom of
  every place per category;
* :mod:`.plan` — a year's plan: vacancies and households to place, the
  optimiser (HiGHS through SciPy) with nested and crossing caps, and the
  naive first-come-first-served baseline;
* :mod:`.fairness` — dissimilarity, isolation, Lorenz curve and the share
  in places under pressure, before and after a plan;
* :mod:`.scenario` — seeded multi-year scenarios under several policies.
"""

"""Early warning (DESIGN.md §5.4, docs/warning.md): pure analytics.

* :mod:`.scan` — the prospective space-time permutation scan statistic
  (Kulldorff et al. 2005), for rising (``high``) and falling (``low``)
  reporting, with Monte Carlo p-values and recurrence intervals;
* :mod:`.quiet` — places going quiet: the reporting rate per place against
  what its history, the city's trend and its composition predict;
* :mod:`.hotspots` — Getis-Ord Gi* per period with false-discovery-rate
  control, and emerging hot-spot categories over periods;
* :mod:`.alerts` — what an alert is (one schema for the job, the workspace
  and the web application).
"""

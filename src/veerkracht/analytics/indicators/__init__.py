"""Local indicators: composition of a place and local hot spots.

One module per family (as in PySAL ``esda``):

* :mod:`.composition` — location quotient, local entropy and diversity of
  category counts per unit (the definitions of PySAL ``segregation``).
* :mod:`.hotspots` — k-nearest weights that accept coinciding points,
  Getis-Ord Gi* z-scores and local Moran's I (the analytic values of PySAL
  ``esda``; no permutations, so no random generator).

``tests/analytics/test_references.py`` checks each against the PySAL package
on the same data; ``docs/multiscale.md`` lists tolerances and results.
"""

from veerkracht.analytics.indicators.composition import (
    local_diversity,
    local_entropy,
    location_quotient,
)
from veerkracht.analytics.indicators.hotspots import (
    GiStar,
    LocalMoran,
    getis_ord_gi_star,
    knn_weights,
    local_moran,
)

__all__ = [
    "GiStar",
    "LocalMoran",
    "getis_ord_gi_star",
    "knn_weights",
    "local_diversity",
    "local_entropy",
    "local_moran",
    "location_quotient",
]

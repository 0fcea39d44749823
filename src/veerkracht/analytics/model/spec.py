"""The model specification: indicators, weights, thresholds — validated.

A model is read from a TOML file by :func:`veerkracht.io.model_file.load_model`;
this module turns the parsed mapping into a frozen :class:`ModelSpec` and
refuses anything doubtful with a Dutch message (:class:`ModelError`), listing
every problem at once.

Privacy is checked here, in the core: a field that names nationality,
ethnicity, country of birth or migration background is refused wherever it
appears, and every household field an indicator reads must be on the
model's allow-list (DESIGN.md section 6).

Examples
--------
>>> spec = parse_model({
...     "model": {"name": "mini", "version": "0.1"},
...     "inputs": {"household_fields": ["need_care"]},
...     "pressure": {"care": {"kind": "need_share", "field": "need_care",
...                           "weight": 1}},
...     "resilience": {"size": {"kind": "entrance_size", "weight": 1,
...                             "direction": "-", "transform": "log"}},
...     "classes": [{"name": "in balans", "min": 0}, {"name": "onder druk"}],
... })
>>> spec.version, [i.name for i in spec.indicators]
('0.1', ['care', 'size'])
>>> spec.classify_names([0.2, -0.3])
['in balans', 'onder druk']
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

import numpy as np

from veerkracht.defaults import LEVELS

#: Household fields the code knows how to read (the contract of ``households``).
KNOWN_HOUSEHOLD_FIELDS = (
    "household_type", "tenure_start", "tenure_end", "need_care", "need_income",
    "need_outflow", "need_frail_elderly", "urgency",
)
NEED_FIELDS = ("need_care", "need_income", "need_outflow", "need_frail_elderly",
               "urgency")
KNOWN_SIGNAL_FIELDS = ("reported_at", "category", "source")

#: Word stems that mark a forbidden input (English and Dutch).
_FORBIDDEN_STEMS = (
    "nationalit", "nationaliteit", "ethnic", "etnic", "etnisch", "etniciteit",
    "countryofbirth", "birthcountry", "geboorteland", "geboortelnd",
    "migration", "migratie", "migrant", "herkomst", "afkomst", "origin",
    "allochto", "autochto", "westers", "nietwesters", "race",
)

KINDS: dict[str, dict[str, Any]] = {
    # kind: required parameters (name -> type), optional ones with defaults
    # and whether a household field is named
    "need_share": {"params": {}, "needs_field": True},
    "turnover": {"params": {"window_months": float}},
    "signal_rate": {"params": {"half_life_days": float},
                    "optional": {"lookback_days": 730.0, "snap_distance_m": 75.0,
                                 "meaning": None}},
    "long_tenure": {"params": {"min_years": float}},
    "stacked_needs": {"params": {}, "optional": {"one_weight": 0.5,
                                                 "two_plus_weight": 1.0}},
    "reporting_index": {"params": {"half_life_days": float}},
    "reach": {"params": {"table": str, "amount": str, "distance_m": float}},
    "facilities": {"params": {"distance_m": float, "kinds": dict}},
    "shared_space_condition": {"params": {}},
    "entrance_size": {"params": {}},
    "block_size": {"params": {}},
    "household_mix": {"params": {"categories": list}, "needs_field": True},
}
#: The statistics are fixed (veerkracht.analytics.statistics): a model file can
#: only choose among them. Turnover is "moved in during the last 12 months";
#: long tenure starts at an edge of the tenure bins; signals are counted in
#: eight quarters back from the end of the period (730 days) and points snap
#: to the nearest entrance within 75 m.
TURNOVER_MONTHS = 12.0
TENURE_EDGES = (1.0, 2.0, 5.0, 10.0)
SIGNAL_LOOKBACK_DAYS = 730.0
SIGNAL_SNAP_M = 75.0
SIGNAL_MEANINGS = ("pressure", "attentiveness", "all")
TRANSFORMS = ("identity", "log", "log1p", "sqrt")
NORMALISATIONS = ("robust_minmax", "rank", "fixed")
REACH_TABLES = {"initiatives": ("count", "size"),
                "professionals": ("count", "hours_per_week")}


class ModelError(ValueError):
    """A model file that cannot be used; the message lists every problem."""

    def __init__(self, problems: Sequence[str], source: str | None = None):
        self.problems = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        if len(self.problems) == 1:
            text = f"{head}het model is ongeldig: {self.problems[0]}"
        else:
            n = len(self.problems)
            text = f"{head}het model is ongeldig ({n} problemen):\n" + (
                "\n".join(f"  - {p}" for p in self.problems))
        super().__init__(text)


def is_forbidden_field(name: str) -> bool:
    """True when a field name points at nationality, ethnicity, origin or migration.

    Examples
    --------
    >>> is_forbidden_field("Migratieachtergrond"), is_forbidden_field("need_care")
    (True, False)
    >>> is_forbidden_field("country_of_birth"), is_forbidden_field("geboorteland")
    (True, True)
    """
    key = re.sub(r"[^a-z]", "", str(name).lower())
    return any(stem in key for stem in _FORBIDDEN_STEMS)


def forbidden_message(name: str) -> str:
    """The Dutch refusal for a forbidden field."""
    return (f"het veld {name!r} is verboden: nationaliteit, etniciteit, geboorteland "
            "en migratieachtergrond zijn nooit een invoer van Veerkracht "
            "(zie docs/privacy.md)")


@dataclass(frozen=True)
class Indicator:
    """One indicator of the model.

    Attributes
    ----------
    name : str
        Key in the model file (``need_care``); results hold ``ind_<name>``.
    group : {'pressure', 'resilience'}
    kind : str
        How it is computed (see :data:`KINDS` and docs/method.md).
    weight : float
        Relative weight within its group (> 0).
    direction : {1, -1}
        +1 when a higher value means more pressure (resp. more resilience).
    transform : str
        Applied to the value before scaling: identity, log, log1p, sqrt.
    normalise : str
        robust_minmax (5th–95th percentile of the level), rank, or fixed bounds.
    """

    name: str
    group: str
    kind: str
    label: str
    weight: float
    direction: int
    transform: str
    normalise: str
    bounds: tuple[float, float] | None = None
    field: str | None = None
    params: Mapping[str, Any] = dc_field(default_factory=dict)

    def household_fields(self) -> tuple[str, ...]:
        """The household fields this indicator reads."""
        if self.kind in ("need_share", "household_mix"):
            return (self.field,)
        if self.kind in ("turnover", "long_tenure"):
            return ("tenure_start", "tenure_end")
        if self.kind == "stacked_needs":
            return ("need_care", "need_income", "need_outflow", "need_frail_elderly")
        return ()

    @property
    def meaning(self) -> str | None:
        """For signal rates: which signals count (``pressure``, ``attentiveness``
        or ``all``); by default the meaning of the group the indicator is in."""
        if self.kind != "signal_rate":
            return None
        m = self.params.get("meaning")
        if m:
            return str(m)
        return "pressure" if self.group == "pressure" else "attentiveness"

    def table(self) -> str | None:
        """The workspace table it needs besides households and places."""
        return {
            "signal_rate": "signals", "reach": self.params.get("table"),
            "facilities": "amenities", "shared_space_condition": "shared_spaces",
            "reporting_index": "signals",
        }.get(self.kind)


@dataclass(frozen=True)
class BalanceClass:
    """A named balance class: balance >= ``min`` (None: no lower bound).

    ``requires_inflow``: the class holds only where the net inflow of
    households with a support need is above zero beyond its interval
    (``inflow_net_lo > 0``); elsewhere the place keeps the class before it
    (model 2.0: "kraan open" needs a low balance *and* an open tap).
    """

    name: str
    min: float | None
    meaning: str = ""
    requires_inflow: bool = False


@dataclass(frozen=True)
class Reference:
    """The fixed yardstick of the scores (``[reference]`` of the model file).

    ``quantiles`` maps an indicator to its (q05, q95), in the indicator's own
    units, over the dwelling-weighted places of ``level`` in ``period``.
    """

    period: str
    level: str
    source: str
    quantiles: Mapping[str, tuple[float, float]]
    #: coefficients of the expected reporting rate (intercept first), fitted
    #: on the reference period, so the reporting index is comparable too
    reporting_beta: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Estimation:
    """Settings of the estimation recorded with every result row (model 2.0)."""

    kappa_bounds: tuple[float, float] = (0.5, 1e5)
    n_draws: int = 200
    seed: int = 20261201
    bootstrap: int = 0
    covariates: bool = True


@dataclass(frozen=True)
class ModelSpec:
    """A validated model: what to compute and how to weigh and classify it."""

    name: str
    version: str
    description: str
    hash: str
    household_fields: tuple[str, ...]
    signal_fields: tuple[str, ...]
    indicators: tuple[Indicator, ...]
    classes: tuple[BalanceClass, ...]
    interval: float = 0.90
    parents: Mapping[str, str] = dc_field(default_factory=dict)
    kappa_min: float = 2.0
    kappa_max: float = 500.0
    mix_prior_strength: float = 10.0
    reference_level: str = "block"
    reference: Reference | None = None
    estimation: Estimation = dc_field(default_factory=Estimation)

    def group(self, name: str) -> tuple[Indicator, ...]:
        """The indicators of 'pressure' or 'resilience'."""
        return tuple(i for i in self.indicators if i.group == name)

    @property
    def class_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.classes)

    def class_edges(self) -> np.ndarray:
        """Lower bounds of the classes, best first (the last one is -inf)."""
        return np.array([(-math.inf if c.min is None else c.min) for c in self.classes])

    def classify(self, balance: np.ndarray) -> np.ndarray:
        """Class index (0 = best) per balance value; -1 for NaN."""
        b = np.asarray(balance, dtype="float64")
        edges = self.class_edges()
        # edges descend; index = number of edges strictly above b's class
        idx = np.searchsorted(-edges, -b, side="left")
        idx = np.minimum(idx, len(edges) - 1)
        return np.where(np.isnan(b), -1, idx)

    def classify_with_inflow(self, balance: np.ndarray, inflow_lo: np.ndarray
                             ) -> np.ndarray:
        """Class index per place, with the inflow rule of ``requires_inflow``.

        A place whose balance falls in a class that requires inflow, while
        its ``inflow_net_lo`` is not above zero (or unknown), gets the class
        before it instead.

        """
        idx = self.classify(balance)
        lo = np.nan_to_num(np.asarray(inflow_lo, dtype="float64"), nan=-np.inf)
        for k, c in enumerate(self.classes):
            if c.requires_inflow and k > 0:
                idx = np.where((idx == k) & ~(lo > 0), k - 1, idx)
        return idx

    def classify_names(self, balance) -> list[str | None]:
        names = self.class_names
        return [names[i] if i >= 0 else None for i in self.classify(balance)]

    def with_weights(self, weights: Mapping[str, float]) -> ModelSpec:
        """A copy with other weights (for the sensitivity analysis)."""
        import dataclasses

        inds = tuple(dataclasses.replace(i, weight=float(weights.get(i.name, i.weight)))
                     for i in self.indicators)
        return dataclasses.replace(self, indicators=inds)

    def without(self, name: str) -> ModelSpec:
        """A copy without one indicator (for the sensitivity analysis)."""
        import dataclasses

        inds = tuple(i for i in self.indicators if i.name != name)
        return dataclasses.replace(self, indicators=inds)


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    v = float(value)
    return v if math.isfinite(v) else None


def parse_model(data: Mapping[str, Any], model_hash: str = "",
                source: str | None = None) -> ModelSpec:
    """Validate a parsed model file and return the :class:`ModelSpec`.

    Parameters
    ----------
    data : mapping
        The parsed TOML document.
    model_hash : str
        Hash of the file's bytes (recorded with every result).
    source : str, optional
        File name, for messages.

    Raises
    ------
    ModelError
        Listing every problem (unknown indicator kind, a weight that is no
        number, thresholds out of order, a forbidden or non-allowed field, ...).
    """
    problems: list[str] = []
    meta = data.get("model")
    if not isinstance(meta, Mapping):
        problems.append("de sectie [model] met name en version ontbreekt")
        meta = {}
    name = meta.get("name")
    version = meta.get("version")
    if not isinstance(name, str) or not name.strip():
        problems.append("model.name ontbreekt of is geen tekst")
    if not isinstance(version, str) or not version.strip():
        problems.append('model.version ontbreekt of is geen tekst (bijv. "1.0")')

    # [validation] holds the public proxies of `veerkracht validate` (jobs/validate.py).
    known_top = {"model", "inputs", "estimation", "pressure", "resilience", "classes",
                 "validation", "reference"}
    for key in data:
        if key not in known_top:
            problems.append(f"onbekende sectie [{key}] (toegestaan: "
                            f"{', '.join(sorted(known_top))})")

    inputs = data.get("inputs", {})
    hh_fields = tuple(inputs.get("household_fields", KNOWN_HOUSEHOLD_FIELDS))
    sig_fields = tuple(inputs.get("signal_fields", KNOWN_SIGNAL_FIELDS))
    for f in (*hh_fields, *sig_fields):
        if is_forbidden_field(f):
            problems.append(forbidden_message(f))
    for f in hh_fields:
        if f not in KNOWN_HOUSEHOLD_FIELDS and not is_forbidden_field(f):
            problems.append(f"inputs.household_fields: onbekend veld {f!r} (bekend: "
                            f"{', '.join(KNOWN_HOUSEHOLD_FIELDS)})")
    for f in sig_fields:
        if f not in KNOWN_SIGNAL_FIELDS and not is_forbidden_field(f):
            problems.append(f"inputs.signal_fields: onbekend veld {f!r}")

    est = data.get("estimation", {})
    interval = _num(est.get("interval", 0.90))
    if interval is None or not 0.5 <= interval < 1:
        problems.append("estimation.interval moet een getal tussen 0,5 en 1 zijn")
        interval = 0.90
    parents = dict(est.get("parents", {}))
    for lvl, par in parents.items():
        if lvl not in LEVELS or (par != "all" and par not in LEVELS):
            problems.append(f"estimation.parents: {lvl} = {par!r} is geen niveau "
                            f"({', '.join(LEVELS)} of 'all')")
        elif par != "all" and LEVELS.index(par) <= LEVELS.index(lvl) and not (
                lvl == "street" and par == "buurt"):
            problems.append(f"estimation.parents: {lvl} kan niet krimpen naar het "
                            f"kleinere of gelijke niveau {par}")
    kmin = _num(est.get("kappa_min", 2.0))
    kmax = _num(est.get("kappa_max", 500.0))
    if kmin is None or kmax is None or not 0 < kmin < kmax:
        problems.append("estimation.kappa_min en kappa_max moeten getallen zijn "
                        "met 0 < kappa_min < kappa_max")
        kmin, kmax = 2.0, 500.0
    mix_k = _num(est.get("mix_prior_strength", 10.0))
    if mix_k is None or mix_k <= 0:
        problems.append("estimation.mix_prior_strength moet een positief getal zijn")
        mix_k = 10.0

    ref_level = est.get("reference_level", "block")
    if ref_level not in LEVELS:
        problems.append(f"estimation.reference_level {ref_level!r} is geen niveau "
                        f"({', '.join(LEVELS)})")
        ref_level = "block"
    estimation = _parse_estimation(est, kmin, kmax, problems)

    indicators: list[Indicator] = []
    for group in ("pressure", "resilience"):
        section = data.get(group)
        if not isinstance(section, Mapping) or not section:
            problems.append(f"de sectie [{group}] heeft geen indicatoren")
            continue
        for key, raw in section.items():
            ind = _parse_indicator(group, key, raw, hh_fields, problems)
            if ind is not None:
                indicators.append(ind)
    names = [i.name for i in indicators]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"indicator {dup!r} staat zowel onder druk als veerkracht")

    classes = _parse_classes(data.get("classes"), problems)
    reference = _parse_reference(data.get("reference"), names, problems)
    if problems:
        raise ModelError(problems, source)
    return ModelSpec(
        name=str(name), version=str(version),
        description=str(meta.get("description", "")), hash=model_hash,
        household_fields=hh_fields, signal_fields=sig_fields,
        indicators=tuple(indicators), classes=tuple(classes),
        interval=float(interval), parents=parents, kappa_min=float(kmin),
        kappa_max=float(kmax), mix_prior_strength=float(mix_k),
        reference_level=str(ref_level), reference=reference, estimation=estimation,
    )


def _parse_estimation(est: Mapping[str, Any], kmin: float, kmax: float,
                      problems: list[str]) -> Estimation:
    """The model 2.0 estimation settings (defaults for a 1.0 file).

    The prior strength bounds of 2.0 are ``kappa_min`` .. ``kappa_max`` as
    given; a 1.0 file's narrow cap (200) is replaced by the wide bounds
    (0.5 .. 1e5), since the maximum-likelihood fit needs no cap that binds.
    """
    n_draws = est.get("draws", 200)
    if isinstance(n_draws, bool) or not isinstance(n_draws, int) or not (
            20 <= n_draws <= 5000):
        problems.append("estimation.draws moet een geheel getal tussen 20 en 5000 "
                        "zijn")
        n_draws = 200
    seed = est.get("seed", 20261201)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        problems.append("estimation.seed moet een geheel getal >= 0 zijn")
        seed = 20261201
    boot = est.get("bootstrap", 0)
    if isinstance(boot, bool) or not isinstance(boot, int) or not 0 <= boot <= 1000:
        problems.append("estimation.bootstrap moet een geheel getal tussen 0 en 1000 "
                        "zijn (0: geen parametrische bootstrap)")
        boot = 0
    cov = est.get("covariates", True)
    if not isinstance(cov, bool):
        problems.append("estimation.covariates moet true of false zijn")
        cov = True
    # kappa_min / kappa_max of a 1.0 file were a cap of the moment estimator
    # that bound almost everywhere; the ML fit uses these wide bounds instead.
    bounds = (0.5, 1e5)
    if "kappa_bounds" in est:
        kb = est["kappa_bounds"]
        if (not isinstance(kb, list) or len(kb) != 2 or _num(kb[0]) is None
                or _num(kb[1]) is None or not 0 < _num(kb[0]) < _num(kb[1])):
            problems.append("estimation.kappa_bounds vraagt [laag, hoog] met "
                            "0 < laag < hoog")
        else:
            bounds = (float(kb[0]), float(kb[1]))
    return Estimation(kappa_bounds=bounds, n_draws=int(n_draws), seed=int(seed),
                      bootstrap=int(boot), covariates=bool(cov))


def _parse_reference(raw: Any, names: Sequence[str], problems: list[str]
                     ) -> Reference | None:
    """``[reference]``: period, level, source and q05/q95 per indicator."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        problems.append("[reference] moet een tabel zijn")
        return None
    period = raw.get("period")
    level = raw.get("level", "block")
    if not isinstance(period, str | int) or isinstance(period, bool):
        problems.append('reference.period ontbreekt (bijv. "2025")')
    if level not in LEVELS:
        problems.append(f"reference.level {level!r} is geen niveau")
    quantiles: dict[str, tuple[float, float]] = {}
    table = raw.get("indicators", {})
    if not isinstance(table, Mapping):
        problems.append("[reference.indicators] moet een tabel zijn")
        table = {}
    for key, q in table.items():
        if key not in names:
            problems.append(f"reference.indicators.{key}: geen indicator van dit model")
            continue
        lo = _num(q.get("q05")) if isinstance(q, Mapping) else None
        hi = _num(q.get("q95")) if isinstance(q, Mapping) else None
        if lo is None or hi is None or lo > hi:
            problems.append(f"reference.indicators.{key}: geef q05 en q95 als "
                            "getallen met q05 <= q95")
            continue
        quantiles[key] = (lo, hi)
    beta = None
    rep = raw.get("reporting")
    if rep is not None:
        b = rep.get("beta") if isinstance(rep, Mapping) else None
        if (not isinstance(b, list) or len(b) != 6
                or any(_num(x) is None for x in b)):
            problems.append("reference.reporting.beta: geef zes getallen (constante "
                            "en vijf coëfficiënten van de verwachte meldingsgraad)")
        else:
            beta = tuple(float(x) for x in b)
    return Reference(str(period), str(level), str(raw.get("source", "")), quantiles,
                     beta)


def _parse_indicator(group: str, key: str, raw: Any, hh_fields: Sequence[str],
                     problems: list[str]) -> Indicator | None:
    where = f"{group}.{key}"
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: verwacht een tabel [{where}]")
        return None
    kind = raw.get("kind")
    if kind not in KINDS:
        problems.append(f"{where}: onbekende indicator-soort {kind!r} (bekend: "
                        f"{', '.join(KINDS)})")
        return None
    before = len(problems)
    weight = _num(raw.get("weight"))
    if weight is None:
        problems.append(f"{where}: weight is geen getal ({raw.get('weight')!r})")
    elif weight <= 0:
        problems.append(f"{where}: weight moet groter dan 0 zijn ({weight:g}); "
                        "verwijder de indicator om hem uit te zetten")
    direction = str(raw.get("direction", "+"))
    if direction not in ("+", "-"):
        problems.append(f"{where}: direction moet '+' of '-' zijn")
    transform = raw.get("transform", "identity")
    if transform not in TRANSFORMS:
        problems.append(f"{where}: onbekende transform {transform!r} "
                        f"({', '.join(TRANSFORMS)})")
    normalise = raw.get("normalise", "robust_minmax")
    if normalise not in NORMALISATIONS:
        problems.append(f"{where}: onbekende normalise {normalise!r} "
                        f"({', '.join(NORMALISATIONS)})")
    bounds = None
    if normalise == "fixed":
        b = raw.get("bounds")
        if (not isinstance(b, list) or len(b) != 2 or _num(b[0]) is None
                or _num(b[1]) is None or not _num(b[0]) < _num(b[1])):
            problems.append(f"{where}: normalise = 'fixed' vraagt "
                            "bounds = [laag, hoog] met laag < hoog")
        else:
            bounds = (float(b[0]), float(b[1]))
    spec = KINDS[kind]
    fld = raw.get("field")
    if spec.get("needs_field"):
        if not isinstance(fld, str):
            problems.append(f"{where}: field ontbreekt")
    elif fld is not None:
        problems.append(f"{where}: soort {kind} leest geen field")
    if isinstance(fld, str):
        if is_forbidden_field(fld):
            problems.append(f"{where}: {forbidden_message(fld)}")
        elif fld not in hh_fields:
            problems.append(f"{where}: het veld {fld!r} staat niet op de lijst van "
                            "toegestane velden (inputs.household_fields)")
        elif kind == "need_share" and fld not in NEED_FIELDS:
            problems.append(f"{where}: need_share werkt alleen op "
                            f"{', '.join(NEED_FIELDS)}")
    params: dict[str, Any] = {}
    for pname, ptype in spec["params"].items():
        value = raw.get(pname)
        if ptype is float:
            v = _num(value)
            if v is None or v <= 0:
                problems.append(f"{where}: {pname} moet een positief getal zijn "
                                f"({value!r})")
            params[pname] = v
        elif not isinstance(value, ptype):
            problems.append(f"{where}: {pname} ontbreekt of heeft het verkeerde type")
        else:
            params[pname] = value
    for pname, default in spec.get("optional", {}).items():
        value = raw.get(pname, default)
        if pname == "meaning":
            if value is not None and value not in SIGNAL_MEANINGS:
                problems.append(f"{where}: meaning moet een van "
                                f"{', '.join(SIGNAL_MEANINGS)} zijn ({value!r})")
            params[pname] = value
            continue
        v = _num(value)
        if v is None or v < 0:
            problems.append(f"{where}: {pname} moet een getal >= 0 zijn ({value!r})")
        params[pname] = v
    _check_fixed_statistics(where, kind, group, params, problems)
    if kind == "stacked_needs":
        for f in ("need_care", "need_income", "need_outflow", "need_frail_elderly"):
            if f not in hh_fields:
                problems.append(f"{where}: het veld {f!r} staat niet op de lijst van "
                                "toegestane velden (gestapelde behoeften tellen alle "
                                "vier de ondersteuningsbehoeften)")
    if kind in ("turnover", "long_tenure"):
        for f in ("tenure_start", "tenure_end"):
            if f not in hh_fields:
                problems.append(f"{where}: het veld {f!r} staat niet op de lijst van "
                                "toegestane velden")
    if kind == "reach" and isinstance(params.get("table"), str):
        table = params["table"]
        if table not in REACH_TABLES:
            problems.append(f"{where}: table moet {' of '.join(REACH_TABLES)} zijn")
        elif params.get("amount") not in REACH_TABLES[table]:
            problems.append(f"{where}: amount moet een van "
                            f"{', '.join(REACH_TABLES[table])} zijn")
    if kind == "facilities" and isinstance(params.get("kinds"), dict):
        for k, w in params["kinds"].items():
            if _num(w) is None or _num(w) < 0:
                problems.append(f"{where}: gewicht van voorziening {k!r} is geen getal")
    cats = params.get("categories")
    if kind == "household_mix" and isinstance(cats, list) and len(cats) < 2:
            problems.append(f"{where}: categories vraagt minstens twee typen")
    if len(problems) > before:
        return None
    return Indicator(
        name=key, group=group, kind=kind, label=str(raw.get("label", key)),
        weight=float(weight), direction=1 if direction == "+" else -1,
        transform=transform, normalise=normalise, bounds=bounds,
        field=fld, params=params,
    )


def _check_fixed_statistics(where: str, kind: str, group: str,
                            params: Mapping[str, Any], problems: list[str]) -> None:
    """Parameters must map onto the fixed statistics (ADR 0005)."""
    if kind == "turnover" and params.get("window_months") not in (None,
                                                                  TURNOVER_MONTHS):
        problems.append(f"{where}: window_months moet 12 zijn: de plaatsstatistieken "
                        "tellen verhuizingen over de laatste 12 maanden "
                        f"({params['window_months']:g} gevraagd)")
    if kind == "long_tenure" and params.get("min_years") is not None and (
            params["min_years"] not in TENURE_EDGES):
        problems.append(f"{where}: min_years moet een grens van de woonduurklassen "
                        f"zijn ({', '.join(f'{e:g}' for e in TENURE_EDGES)}); "
                        f"{params['min_years']:g} gevraagd")
    if kind == "signal_rate":
        lb = params.get("lookback_days")
        if lb is not None and not 0 < lb <= SIGNAL_LOOKBACK_DAYS:
            problems.append(f"{where}: lookback_days mag hoogstens 730 zijn (acht "
                            "kwartalen in de plaatsstatistieken)")
        snap = params.get("snap_distance_m")
        if snap is not None and snap != SIGNAL_SNAP_M:
            problems.append(f"{where}: snap_distance_m moet 75 zijn (vast in de "
                            "plaatsstatistieken)")
        meaning = params.get("meaning") or (
            "pressure" if group == "pressure" else "attentiveness")
        if group == "pressure" and meaning != "pressure":
            problems.append(f"{where}: onder druk tellen alleen meldingen met "
                            "betekenis 'pressure'; zorgen om een buur "
                            "(attentiveness) zijn veerkracht, nooit druk")
        if group == "resilience" and meaning == "pressure":
            problems.append(f"{where}: meldingen van overlast, conflict en "
                            "onveiligheid zijn druk, geen veerkracht")
    if kind == "stacked_needs":
        w1, w2 = params.get("one_weight"), params.get("two_plus_weight")
        if w1 is not None and w2 is not None and not (0 <= w1 <= w2 and w2 > 0):
            problems.append(f"{where}: vraagt 0 <= one_weight <= two_plus_weight "
                            "en two_plus_weight > 0")


def _parse_classes(raw: Any, problems: list[str]) -> list[BalanceClass]:
    if not isinstance(raw, list) or len(raw) < 2:
        problems.append("[[classes]]: geef minstens twee balansklassen, van best "
                        "naar slechtst")
        return []
    classes = []
    for i, c in enumerate(raw):
        if not isinstance(c, Mapping) or not isinstance(c.get("name"), str):
            problems.append(f"klasse {i + 1}: name ontbreekt")
            continue
        last = i == len(raw) - 1
        lo = c.get("min")
        if last:
            if lo is not None:
                problems.append(f"klasse {c['name']!r}: de laatste klasse heeft "
                                "geen min (zij vangt alles daaronder)")
        elif _num(lo) is None:
            problems.append(f"klasse {c['name']!r}: min is geen getal ({lo!r})")
            lo = None
        req = c.get("requires_inflow", False)
        if not isinstance(req, bool):
            problems.append(f"klasse {c['name']!r}: requires_inflow moet true of "
                            "false zijn")
            req = False
        if req and i == 0:
            problems.append(f"klasse {c['name']!r}: de beste klasse kan geen "
                            "instroom vragen")
            req = False
        classes.append(BalanceClass(c["name"], None if last else _num(lo),
                                    str(c.get("meaning", "")), req))
    mins = [c.min for c in classes[:-1] if c.min is not None]
    if len(mins) == len(classes) - 1 and any(b >= a for a, b in zip(mins, mins[1:],
                                                                     strict=False)):
        problems.append("de drempels van de klassen staan niet in volgorde: elke "
                        "volgende klasse moet een lagere min hebben "
                        f"({', '.join(f'{m:g}' for m in mins)})")
    names = [c.name for c in classes]
    if len(set(names)) != len(names):
        problems.append("twee klassen hebben dezelfde naam")
    return classes

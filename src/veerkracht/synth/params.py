"""Every knob of Voorbeeldstad in one place: :class:`CityParams`.

The defaults produce the demo city described in ``docs/demo.md``. Each field
documents what it drives; the generator modules read nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

#: Block kinds and the buildings they hold (see ``buildings.py``).
BLOCK_KINDS = ("portiek", "galerij", "rows", "semi", "mixed")


@dataclass(frozen=True)
class BuurtSpec:
    """One buurt of Voorbeeldstad: its character and what is planted in it.

    Parameters
    ----------
    name : str
        Buurtnaam.
    wijk : int
        Index into :attr:`CityParams.wijken`.
    weight : float
        Relative share of the city's dwellings.
    blocks : dict
        Probability of each block kind (``portiek``, ``galerij``, ``rows``,
        ``semi``, ``mixed``); normalised.
    social : float
        Scales the chance that flats and rows belong to a corporation.
    resilience : float
        Baseline resilience of the buurt on a standardised scale (about -1 weak
        to +1 strong): drives amenities, initiatives and signal rates.
    bouwjaar : tuple of int
        Range of construction years.
    tipping : bool
        Planted: urgency inflow into cheap social stairwells rises over the
        years, initiatives end, long-time residents leave.
    quiet : bool
        Planted: residents report less and less in the last
        :attr:`CityParams.quiet_months` although pressure does not fall.
    cluster : bool
        Planted: an emerging cluster of nuisance signals in the last
        :attr:`CityParams.cluster_months`.
    """

    name: str
    wijk: int
    weight: float
    blocks: dict[str, float]
    social: float
    resilience: float
    bouwjaar: tuple[int, int]
    tipping: bool = False
    quiet: bool = False
    cluster: bool = False


def _default_buurten() -> tuple[BuurtSpec, ...]:
    return (
        # Wijk 0: Oude Kern — the old centre and its post-war ring.
        BuurtSpec(
            "Marktkwartier",
            0,
            0.9,
            {"mixed": 0.45, "rows": 0.3, "portiek": 0.25},
            0.6,
            0.8,
            (1905, 1935),
        ),
        BuurtSpec(
            "Molenbuurt",
            0,
            1.3,
            {"portiek": 0.8, "rows": 0.15, "mixed": 0.05},
            1.0,
            -0.9,
            (1952, 1962),
            tipping=True,
        ),
        BuurtSpec(
            "Kerkeveld", 0, 1.1, {"portiek": 0.7, "rows": 0.3}, 0.9, 0.9, (1950, 1960)
        ),
        # Wijk 1: Vaartzicht — the 1970s extension with gallery flats.
        BuurtSpec(
            "Vaartzicht-Noord",
            1,
            1.4,
            {"galerij": 0.6, "portiek": 0.25, "rows": 0.15},
            1.0,
            -0.8,
            (1968, 1976),
            tipping=True,
        ),
        BuurtSpec(
            "Vaartzicht-Zuid",
            1,
            1.2,
            {"galerij": 0.45, "portiek": 0.3, "rows": 0.25},
            0.9,
            -0.1,
            (1970, 1978),
            quiet=True,
        ),
        BuurtSpec(
            "Sluishoek",
            1,
            1.0,
            {"rows": 0.75, "portiek": 0.2, "mixed": 0.05},
            0.8,
            0.2,
            (1978, 1985),
            cluster=True,
        ),
        # Wijk 2: Polderrand — single-family housing of the 1980s to 2000s.
        BuurtSpec(
            "Akkerwei",
            2,
            1.1,
            {"rows": 0.85, "semi": 0.1, "portiek": 0.05},
            0.35,
            0.4,
            (1985, 1995),
        ),
        BuurtSpec(
            "Weidebeek", 2, 0.8, {"semi": 0.65, "rows": 0.35}, 0.05, 0.7, (1995, 2008)
        ),
        BuurtSpec(
            "Hoeve Zuid",
            2,
            0.9,
            {"rows": 0.6, "semi": 0.25, "galerij": 0.15},
            0.45,
            0.1,
            (2000, 2015),
        ),
    )


@dataclass(frozen=True)
class CityParams:
    """Parameters of the synthetic city; every default is documented in docs/demo.md.

    Parameters
    ----------
    seed : int
        Everything random derives from this seed.
    n_dwellings : int
        Target number of dwellings; the city holds this many give or take the
        last block of each buurt (typically within 2 %).
    years : int
        Length of the simulated history (households, signals) in years.
    end_date : datetime.date
        Exclusive end of the history; it starts ``years`` earlier.
    interventions : bool
        Plant the interventions of :mod:`veerkracht.synth.interventions`
        (default). Off, the tables ``interventions`` and
        ``intervention_places`` are empty and no signal is thinned: the
        signals of a city generated before they were planted.
    gemeentecode, gemeentenaam, woonplaats : str
        The fictional municipality (``GM9999`` is not a CBS code).
    origin_rd : tuple of float
        RD New coordinates of the city's south-west corner (open farmland in
        Flevoland, so it overlaps no real town).
    rotation_deg : float
        The street grid is rotated by this angle (counter-clockwise).
    cell_w, cell_h : float
        Size in metres of one city block including half of its streets.
    street_width : float
        Width of the public space between two blocks.
    buurten : tuple of BuurtSpec
        The buurten (6 to 10 is sensible) and their character.
    wijken : tuple of str
        Wijknamen; buurten refer to them by index.
    postcode_start : int
        First numeric part of the fictional postcodes.
    cheap_rent : float
        Social rent at or below this (euro/month) counts as "cheap".
    move_rate : dict
        Yearly chance of moving out per tenure segment.
    urgency_share : float
        Share of social vacancies let through an urgency route (baseline).
    tipping_urgency : tuple of float
        Urgency share in cheap social stairwells of tipping buurten at the
        start and at the end of the history (rises linearly).
    pressure_exodus : float
        How strongly entrance pressure drives long-time residents out.
    signal_base : dict
        Signals per occupied dwelling per year, by category, at average
        pressure and resilience.
    beta_pressure, beta_turnover, beta_resilience : float
        Log-linear effects of entrance pressure, recent turnover and
        resilience on the signal rate.
    cluster_months, cluster_radius, cluster_factor : int, float, float
        The planted emerging cluster: how long before ``end_date`` it starts,
        its radius in metres and its peak multiplier on nuisance signals.
    quiet_months, quiet_floor : int, float
        The planted quiet place: reporting by residents falls over the last
        ``quiet_months`` to ``quiet_floor`` of its level.
    street_signal_share : dict
        Share of signals of each category located on a street point instead of
        an address.
    """

    seed: int = 20261124
    n_dwellings: int = 12_000
    years: int = 3
    end_date: date = date(2026, 11, 1)
    interventions: bool = True
    gemeentecode: str = "GM9999"
    gemeentenaam: str = "Voorbeeldstad"
    woonplaats: str = "Voorbeeldstad"
    origin_rd: tuple[float, float] = (164_500.0, 491_000.0)
    rotation_deg: float = 12.0
    cell_w: float = 130.0
    cell_h: float = 100.0
    street_width: float = 14.0
    buurten: tuple[BuurtSpec, ...] = field(default_factory=_default_buurten)
    wijken: tuple[str, ...] = ("Oude Kern", "Vaartzicht", "Polderrand")
    postcode_start: int = 9990
    cheap_rent: float = 640.0
    move_rate: dict[str, float] = field(
        default_factory=lambda: {
            "owner": 0.045,
            "private_rent": 0.14,
            "mid_rent": 0.11,
            "social_rent": 0.07,
            "cheap_social": 0.09,
        }
    )
    urgency_share: float = 0.18
    tipping_urgency: tuple[float, float] = (0.35, 0.75)
    pressure_exodus: float = 5.0
    signal_base: dict[str, float] = field(
        default_factory=lambda: {
            "noise": 0.045,
            "neighbour_conflict": 0.022,
            "unsafety": 0.016,
            "neglect": 0.022,
            "care_worry": 0.014,
            "indifference": 0.007,
        }
    )
    beta_pressure: float = 3.0
    beta_turnover: float = 2.0
    beta_resilience: float = 0.55
    cluster_months: int = 4
    cluster_radius: float = 160.0
    cluster_factor: float = 7.0
    quiet_months: int = 12
    quiet_floor: float = 0.2
    street_signal_share: dict[str, float] = field(
        default_factory=lambda: {
            "noise": 0.1,
            "neighbour_conflict": 0.05,
            "unsafety": 0.6,
            "neglect": 0.55,
            "care_worry": 0.0,
            "indifference": 0.3,
        }
    )

    def __post_init__(self) -> None:
        if self.n_dwellings < 200:
            raise ValueError("n_dwellings moet minstens 200 zijn")
        if self.years < 1:
            raise ValueError("years moet minstens 1 zijn")
        if not 1 <= len(self.buurten) <= 10:
            raise ValueError(
                "Voorbeeldstad heeft 1 tot 10 buurten (postcodes en codes)"
            )
        if not 1 <= len(self.wijken) <= 9:
            raise ValueError("Voorbeeldstad heeft 1 tot 9 wijken")
        used = {b.wijk for b in self.buurten}
        if used != set(range(len(self.wijken))):
            raise ValueError(
                "elke wijk heeft minstens een buurt nodig, en elke buurt een wijk"
            )
        for b in self.buurten:
            unknown = set(b.blocks) - set(BLOCK_KINDS)
            if unknown:
                raise ValueError(f"buurt {b.name}: onbekend bloktype {sorted(unknown)}")

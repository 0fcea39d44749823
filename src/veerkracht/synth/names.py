"""Fictional Dutch-sounding names: streets per wijk theme, amenities.

Dutch towns name the streets of one neighbourhood after one theme (trees,
birds, flowers, the landscape, old trades). Each wijk gets a theme; names are
prefix + suffix, with modifiers ("Korte", "Lange", ...) when a theme runs out.
Every name is unique within the woonplaats.
"""

from __future__ import annotations

import numpy as np

THEMES: tuple[tuple[str, ...], ...] = (
    (
        "Lijster",
        "Merel",
        "Spreeuw",
        "Vinken",
        "Mezen",
        "Kievit",
        "Grutto",
        "Reiger",
        "Zwaluw",
        "Roodborst",
        "Leeuwerik",
        "Wielewaal",
        "Specht",
        "Buizerd",
        "Valken",
        "Ekster",
        "Kwartel",
        "Putter",
        "Sijs",
        "Gaai",
        "Tureluur",
        "Fazant",
    ),
    (
        "Akker",
        "Weide",
        "Dijk",
        "Polder",
        "Kreek",
        "Vaart",
        "Terp",
        "Wierde",
        "Geest",
        "Heide",
        "Veen",
        "Beemd",
        "Kamp",
        "Brink",
        "Horst",
        "Hoeve",
        "Molen",
        "Sluis",
        "Schans",
        "Gors",
        "Kwelder",
        "Wetering",
    ),
    (
        "Berken",
        "Eiken",
        "Essen",
        "Linden",
        "Populieren",
        "Wilgen",
        "Beuken",
        "Kastanje",
        "Esdoorn",
        "Elzen",
        "Iepen",
        "Lariks",
        "Hazelaar",
        "Vlier",
        "Meidoorn",
        "Kersen",
        "Walnoot",
        "Taxus",
        "Hulst",
        "Plataan",
        "Lijsterbes",
        "Acacia",
    ),
    (
        "Lelie",
        "Tulpen",
        "Rozen",
        "Anjer",
        "Narcis",
        "Krokus",
        "Hyacint",
        "Dahlia",
        "Iris",
        "Klaproos",
        "Korenbloem",
        "Madelief",
        "Zonnebloem",
        "Sering",
        "Jasmijn",
        "Lavendel",
        "Goudsbloem",
        "Boterbloem",
        "Akelei",
        "Primula",
        "Ereprijs",
        "Salie",
    ),
    (
        "Smeden",
        "Bakkers",
        "Kuipers",
        "Wevers",
        "Touwslagers",
        "Schippers",
        "Molenaars",
        "Timmerlieden",
        "Zadelmakers",
        "Pottenbakkers",
        "Lakenkopers",
        "Vissers",
        "Hoefsmid",
        "Klompenmakers",
        "Zeilmakers",
        "Mandenmakers",
        "Leerlooiers",
        "Brouwers",
        "Ververs",
        "Ketellappers",
        "Tichelaars",
        "Kaarsenmakers",
    ),
)

STREET_SUFFIXES = (
    "straat",
    "laan",
    "weg",
    "hof",
    "pad",
    "kade",
    "singel",
    "dreef",
    "plein",
    "erf",
)
LONG_SUFFIXES = ("laan", "weg", "dreef", "singel")
MODIFIERS = (
    "",
    "Korte ",
    "Lange ",
    "Nieuwe ",
    "Oude ",
    "Achter ",
    "Binnen ",
    "Buiten ",
)


def street_names(
    rng: np.random.Generator, theme: int, n: int, long: bool, taken: set[str]
) -> list[str]:
    """``n`` unused street names from one theme; ``taken`` is updated.

    ``long`` asks for names of through roads (laan, weg, dreef, singel).

    Examples
    --------
    >>> names = street_names(np.random.default_rng(1), 0, 3, False, set())
    >>> len(set(names))
    3
    """
    prefixes = list(THEMES[theme % len(THEMES)])
    suffixes = LONG_SUFFIXES if long else STREET_SUFFIXES
    out: list[str] = []
    for modifier in MODIFIERS:
        pool = [f"{modifier}{p}{s}" for p in prefixes for s in suffixes]
        for i in rng.permutation(len(pool)):
            name = pool[i]
            if name not in taken:
                taken.add(name)
                out.append(name)
                if len(out) == n:
                    return out
    raise ValueError("te weinig straatnamen voor deze stad; verklein n_dwellings")


PLAYGROUND_NAMES = (
    "Speeltuin De Klimtoren",
    "Speelplek Het Veldje",
    "Speeltuin De Zandbak",
    "Trapveldje",
    "Speelplek De Schommel",
    "Speeltuin Het Hol",
)
CENTRE_NAMES = (
    "Buurthuis De Schakel",
    "Wijkcentrum Het Kruispunt",
    "Buurthuis De Ontmoeting",
    "Wijkcentrum De Brug",
)
SHOP_KINDS = (
    "Bakkerij",
    "Supermarkt",
    "Slagerij",
    "Kapsalon",
    "Drogisterij",
    "Groenteboer",
    "Snackbar",
    "Bloemist",
    "Fietsenmaker",
    "Tabakszaak",
)
MEETING_NAMES = (
    "Bibliotheekpunt",
    "Buurtkamer",
    "Repair Café",
    "Taalcafé",
    "Moestuinkeet",
)

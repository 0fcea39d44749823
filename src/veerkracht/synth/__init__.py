"""Voorbeeldstad: the generated demo city (pure: returns frames, no I/O).

>>> from veerkracht.synth import generate_city
>>> city = generate_city(seed=3, n_dwellings=400, years=1)
>>> sorted(city.tables())[:3]
['addresses', 'amenities', 'buildings']

See ``docs/demo.md`` for what the city contains and what is planted in it.
"""

from veerkracht.synth.city import TABLES, City, generate_city
from veerkracht.synth.params import BuurtSpec, CityParams
from veerkracht.synth.signals import Planted

__all__ = ["TABLES", "BuurtSpec", "City", "CityParams", "Planted", "generate_city"]

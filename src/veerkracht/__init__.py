"""Veerkracht: pressure and resilience of living together.

Measured per stairwell, block and street; place-based, never person-based.
"""

__version__ = "0.1.0"

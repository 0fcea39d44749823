"""Veerkracht: pressure and resilience of living together, measured per stairwell, block and street."""

__version__ = "0.1.0"

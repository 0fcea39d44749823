"""The pure analytic core: no I/O, no web framework."""

"""Evaluating interventions against comparable places (DESIGN.md §5.6)."""

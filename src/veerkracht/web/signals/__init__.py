"""Signals ("meldingen"): the central reporting point (DESIGN.md §5.3).

Residents (without an account) and professionals report a worry at an
address or a street; the signal is routed to a team, follows a status
workflow with an append-only history, and reaches the analytics side without
free text or contact details. See docs/signals.md and docs/open311.md.
"""

"""Append-only, hash-chained audit trail (DESIGN.md §6)."""

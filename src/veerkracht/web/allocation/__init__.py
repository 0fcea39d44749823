"""Headroom and what one placement does, for the roles that plan (docs/web.md)."""

"""Accounts: organisations, their area assignments, roles and scoping."""

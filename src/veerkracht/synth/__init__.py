"""Voorbeeldstad: the generated demo city."""

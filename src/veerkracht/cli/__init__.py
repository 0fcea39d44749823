"""The ``veerkracht`` command line: one entry point for every batch job."""

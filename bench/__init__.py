"""Benchmarks: ``make bench`` (or ``python -m bench [NAME ...]``).

Each ``bench/bench_*.py`` module defines ``run(quick: bool) -> list[dict]``:
rows with at least ``case``, ``data``, ``seconds`` and ``peak_mib``, and, where
there is a baseline measured in the same run, ``baseline_seconds`` and
``ratio``. The runner writes them, with the command and the machine, to
``docs/benchmarks.md`` (between markers, one section per module) and to
``bench/out/NAME.json``.
"""

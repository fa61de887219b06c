"""Benchmarks of the ingest pipeline (`make bench`, `python -m tests.bench.run`).

Not collected by pytest (pyproject `norecursedirs`); results go to `bench-results/`
and `docs/benchmarks.md`.
"""

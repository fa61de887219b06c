"""Benchmarks of the ingest pipeline (`make bench`, `python -m bench.run`).

A development tool, not part of the installed package; its unit tests are in
tests/bench_unit. Results go to `bench-results/` and `docs/benchmarks.md`.
"""

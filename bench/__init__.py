"""Berth's benchmarks (issue 6): ``make bench`` runs them all and writes bench/results/.

Every measurement runs in a fresh interpreter (``python -m bench.measure ...``) so that
imports, peak memory and Pulumi's process-wide runtime state never leak between them;
``python -m bench`` only orchestrates, aggregates and reports.
"""

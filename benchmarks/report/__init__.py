"""The benchmark report: every benchmark at a stated scale, then ``docs/PERFORMANCE.md``.

    souk benchmarks report --scale standard          # or: python -m benchmarks.report
    souk benchmarks report --only search_latency --scale quick
    souk benchmarks report --from-json .local/benchmarks/results   # re-render only

Modules: ``catalog`` (which benchmarks, with their arguments at each scale), ``runner`` (runs
each one as ``python -m benchmarks.<name> ... --json PATH`` and keeps the result with the
load average before and after), ``machine`` (CPU, memory, OS and versions), ``render``
(the Markdown, every verdict computed from the figures and the targets), ``plots`` (PNG).

Adding a benchmark is one entry in ``catalog.BENCHMARKS``::

    Benchmark(
        "load_marketplace", "Five-minute marketplace load",
        "benchmarks.load_marketplace:LoadResult",
        {"tiny": ("--seconds", "5"), "quick": ("--seconds", "60"),
         "standard": ("--seconds", "300"), "full": ("--seconds", "300")},
    ),

provided that the module ``benchmarks/load_marketplace.py`` (1) accepts ``--json PATH`` and
writes its result there, and (2) defines that result as a subclass of
``benchmarks.results.BenchmarkResult`` whose ``figures()`` returns its numbers (with a
``Target`` where the issues set one) and whose ``charts()`` describes its plots as data.
The arguments may use ``{work}`` (a scratch directory of this report run) and ``{port}`` (a
free loopback port, a new one at each occurrence). ``after=("other",)`` runs ``other`` first
when both are selected, and pulls it in when only this one is asked for.
"""

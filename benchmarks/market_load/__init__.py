"""The sustained-load benchmark's parts: the plan handed to locust, the locust users, the
platform it runs against, the samplers, the summary and the plot.

The command is ``python -m benchmarks.load_search_and_writes``.
"""

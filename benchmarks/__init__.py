"""Benchmarks for ESP Monitor: synthetic data at two sizes, page, upload and snapshot
timings (``python -m benchmarks.run``) and a real-browser load test
(``python -m benchmarks.loadtest``). Nothing here is imported by the app.
"""

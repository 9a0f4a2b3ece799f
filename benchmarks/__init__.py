"""Benchmarks against named peers on the same machine in the same run (``make bench``).

Not part of ``make test``: each module with a ``main()`` is run in its own subprocess by
``python -m benchmarks``, and the figures are recorded in ``docs/benchmarks.md``.
"""

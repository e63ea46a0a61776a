"""Benchmarks of vnfm: speed, cost and scale, each figure a ratio to a baseline measured
in the same run on the same machine.  Run ``python -m bench``; see bench/README.md."""

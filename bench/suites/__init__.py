"""The benchmark suites; each has ``run(ctx) -> list[Figure]``."""

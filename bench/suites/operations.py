"""placeholder"""

from bench.context import RunContext
from bench.figures import Figure


def run(ctx: RunContext) -> list[Figure]:
    return []

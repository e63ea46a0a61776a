"""Every benchmark suite, run once at its tiniest size, so that ``make test`` notices
when a benchmark stops running.

These tests time nothing and compare no figure with its target: they check that a
run finishes, writes its JSON, and that every figure is a positive number with a
positive baseline beside it.  The run is a child process (``python -m bench``), as a
user starts it; it pins itself and its servers to CPUs, which a test process must not.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("VNFM_TEST_DATABASE_URL", "")
EVERY_SUITE = {"api", "queries", "memory", "operations", "notifications"}


def run_bench(results: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--size", "tiny", "--load", "python"]
        + ["--results", str(results), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert list(results.glob("2*-tiny.json")), "no dated copy of the results"
    assert (results / "latest.md").read_text().startswith("| suite |")
    return json.loads((results / "latest.json").read_text())


def assert_well_formed(figure: dict[str, Any]) -> None:
    where = f"{figure['suite']}/{figure['backend']}: {figure['name']}"
    for key in ("value", "baseline", "ratio"):
        number = figure[key]
        assert isinstance(number, int | float), f"{where}: {key} is {number!r}"
        assert math.isfinite(number) and number > 0, f"{where}: {key} is {number!r}"
    assert figure["unit"] and figure["baseline_name"], where
    assert figure["met"] in (True, False, None), where


def test_every_suite_runs_once_on_sqlite(tmp_path: Path) -> None:
    document = run_bench(tmp_path, "--backend", "sqlite")
    assert document["errors"] == []
    assert document["size"] == "tiny"
    assert {f["suite"] for f in document["figures"]} == EVERY_SUITE
    for figure in document["figures"]:
        assert_well_formed(figure)


@pytest.mark.skipif(not PG_URL, reason="VNFM_TEST_DATABASE_URL names no PostgreSQL server")
def test_the_postgresql_only_paths_run_once(tmp_path: Path) -> None:
    """Two VNFM processes on one database exist only on PostgreSQL."""
    document = run_bench(tmp_path, "--backend", "postgresql", "--only", "operations")
    assert document["errors"] == []
    names = [f["name"] for f in document["figures"]]
    assert any("2 proc" in name for name in names), names
    for figure in document["figures"]:
        assert_well_formed(figure)

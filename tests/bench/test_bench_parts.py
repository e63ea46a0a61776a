"""The benchmark's own arithmetic: reading wrk, percentiles, targets, the table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.figures import (
    Figure,
    at_least,
    below,
    markdown_table,
    ratio_at_least,
    ratio_at_most,
    text_table,
    write_results,
)
from bench.load import parse_wrk
from bench.stats import percentile

WRK_OUTPUT = """\
Running 3s test @ http://127.0.0.1:40001/vnflcm/v2/vnf_instances/x
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.51ms    3.02ms  40.11ms   80.00%
    Req/Sec     1.28k   100.00     1.40k    70.00%
  Latency Distribution
     50%   11.90ms
     75%   13.00ms
     90%   15.50ms
     99%  850.00us
  3840 requests in 3.00s, 21.94MB read
  Non-2xx or 3xx responses: 4
Requests/sec:   1279.80
Transfer/sec:      7.31MB
"""


def test_wrk_output_is_read() -> None:
    result = parse_wrk(WRK_OUTPUT, 3)
    assert result.requests == 3840
    assert result.seconds == pytest.approx(3.0)
    assert result.rps == pytest.approx(1280.0)
    assert result.p50_ms == pytest.approx(11.9)
    assert result.p99_ms == pytest.approx(0.85)
    assert result.errors == 4


def test_wrk_output_without_percentiles_is_refused() -> None:
    with pytest.raises(RuntimeError):
        parse_wrk("Requests/sec: 10\n", 1)


def test_percentile_is_nearest_rank() -> None:
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 50) == 50.0
    assert percentile(samples, 99) == 99.0
    assert percentile([], 99) == 0.0


def figure(value: float, baseline: float, *target: object) -> Figure:
    return Figure(
        suite="s",
        name="n",
        value=value,
        unit="ms",
        baseline=baseline,
        baseline_name="b",
        target=target,  # type: ignore[arg-type]
    )


def test_targets_on_values_and_ratios() -> None:
    assert figure(4.0, 1.0, below(5.0)).met is True
    assert figure(5.0, 1.0, below(5.0)).met is False
    assert figure(8.0, 10.0, ratio_at_least(0.7), at_least(5.0)).met is True
    assert figure(6.0, 10.0, ratio_at_least(0.7)).met is False
    assert figure(3.0, 1.0, ratio_at_most(3.0)).met is True
    assert figure(3.0, 1.0).met is None


def test_tables_and_files(tmp_path: Path) -> None:
    figures = [figure(4.0, 2.0, below(5.0))]
    assert "2.00x" in text_table(figures)
    assert markdown_table(figures).startswith("| suite |")
    latest = write_results(tmp_path, "20260101T000000Z-tiny", {"figures": []}, "| x |")
    assert json.loads(latest.read_text()) == {"figures": []}
    assert (tmp_path / "20260101T000000Z-tiny.json").exists()

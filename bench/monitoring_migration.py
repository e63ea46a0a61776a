"""Throughput of monitoring-agent migrations in quick succession (seed 003's disaster
recovery case), end to end over HTTP against the embedded ESC simulator.

A node (API + executor + simulator) is started in this process on a fresh database;
``instances`` VNFs are instantiated (not measured); then:

* **vnfm**: one migration request per instance, sent back to back over HTTP, timed
  until the last op occ is COMPLETED;
* **baseline**: the same number of bare ESC round trips through the adapter (the
  service update with a new agent, then its ``SVC_SET_MONITOR_STATUS``), with as many
  at a time as the executor has workers.

It prints both rates and their ratio (the share of ESC's own rate the VNFM keeps):
a ratio, not an absolute time, so runs on different machines compare.

    python -m bench.monitoring_migration --instances 300
    python -m bench.monitoring_migration --database-url postgresql+psycopg2://...
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import requests

from vnfm.config import Settings
from vnfm.db.migrate import upgrade
from vnfm.db.models import VnfInstanceRow
from vnfm.lcm import deployment
from vnfm.lcm.monitoring_migration import with_agent
from vnfm.node import Node, start_node
from vnfm.southbound.types import EventType

CIRROS = "11111111-1111-4111-8111-111111111111"
KEY = "MONITORING_AGENT"
FINAL = {"COMPLETED", "FAILED", "FAILED_TEMP", "ROLLED_BACK"}


@dataclass(frozen=True)
class Result:
    migrations: int
    vnfm_seconds: float
    baseline_seconds: float

    @property
    def migrations_per_second(self) -> float:
        return self.migrations / self.vnfm_seconds

    @property
    def updates_per_second(self) -> float:
        return self.migrations / self.baseline_seconds

    @property
    def ratio(self) -> float:
        return self.migrations_per_second / self.updates_per_second


def _wait_all(http: requests.Session, locations: list[str], timeout: float) -> list[dict]:
    """The final op occs.  One is polled at a time, in the order they started (the
    order executors take them up), so that the polling loads the node little: the
    client shares this process with the node it measures."""
    deadline = time.monotonic() + timeout
    done = []
    for location in locations:
        while True:
            doc = http.get(location, timeout=10).json()
            if doc["operationState"] in FINAL:
                done.append(doc)
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{location} did not end within {timeout} s")
            time.sleep(0.02)
    return done


def _instantiate(http: requests.Session, base: str, count: int, timeout: float) -> list[str]:
    ids = []
    locations = []
    for _ in range(count):
        created = http.post(f"{base}/vnf_instances", json={"vnfdId": CIRROS}, timeout=10)
        created.raise_for_status()
        ids.append(created.json()["id"])
        started = http.post(
            f"{base}/vnf_instances/{ids[-1]}/instantiate", json={"flavourId": "simple"},
            timeout=10,
        )
        started.raise_for_status()
        locations.append(started.headers["Location"])
    states = {op["operationState"] for op in _wait_all(http, locations, timeout)}
    if states != {"COMPLETED"}:
        raise RuntimeError(f"instantiation ended in {states}")
    return ids


def _migrate_all(node: Node, http: requests.Session, ids: list[str], agent: str,
                 timeout: float) -> float:
    body = json.dumps({"monitoring_agent": agent, "key": KEY})
    started = time.perf_counter()
    locations = []
    for instance_id in ids:
        answer = http.request(
            "GET",
            f"{node.api_url}/vnflcm/v1/ext/vnf_instances/{instance_id}/monitoring/migrate",
            data=body,
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        if answer.status_code != 202:
            raise RuntimeError(f"migration refused: {answer.status_code} {answer.text}")
        locations.append(answer.headers["Location"])
    states = {op["operationState"] for op in _wait_all(http, locations, timeout)}
    elapsed = time.perf_counter() - started
    if states != {"COMPLETED"}:
        raise RuntimeError(f"migrations ended in {states}")
    return elapsed


def _bare_updates(node: Node, ids: list[str], agent: str, workers: int,
                  timeout: float) -> float:
    """The same ESC work without the VNFM: update, then wait for the monitors' event."""
    services = node.services
    adapter = services.extras["adapter"]
    assert node.executor is not None
    waiter = node.executor.waiter
    with services.reader() as session:
        plans = [session.get(VnfInstanceRow, i).internal["plan"] for i in ids]  # type: ignore[union-attr]
    vnfd = services.catalog.get(CIRROS)
    assert vnfd is not None
    specs = [deployment.deployment_spec(vnfd, with_agent(plan, KEY, agent)) for plan in plans]

    def round_trip(spec: Any) -> None:
        after = waiter.watermark()
        adapter.update_service(spec)
        event = waiter.wait(spec.name, (EventType.SVC_SET_MONITOR_STATUS,), after, timeout)
        if event is None or event.status != "SUCCESS":
            raise RuntimeError(f"bare update of {spec.name} did not end well: {event}")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(round_trip, specs))
    return time.perf_counter() - started


def run(instances: int = 300, settings: Settings | None = None,
        database_url: str = "", timeout: float = 600.0) -> Result:
    """Instantiate ``instances`` VNFs, then time the VNFM's migrations and the bare ones."""
    with tempfile.TemporaryDirectory() as scratch:
        if settings is None:
            url = database_url or f"sqlite:///{Path(scratch) / 'bench.sqlite'}"
            upgrade(url)
            settings = Settings(database_url=url, vnfd_dir=str(Path(scratch) / "vnfds"))
        settings = replace(settings, host="127.0.0.1", port=0, poll_interval=0.05,
                           esc_event_timeout=max(settings.esc_event_timeout, 30.0))
        node = start_node(settings)
        http = requests.Session()
        try:
            ids = _instantiate(http, f"{node.api_url}/vnflcm/v2", instances, timeout)
            vnfm_seconds = _migrate_all(node, http, ids, "dmona://mona2", timeout)
            baseline = _bare_updates(node, ids, "dmona://mona3", settings.workers, timeout)
        finally:
            http.close()
            node.stop()
    return Result(migrations=instances, vnfm_seconds=vnfm_seconds, baseline_seconds=baseline)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=300)
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    args = parser.parse_args()
    result = run(args.instances, database_url=args.database_url)
    print(f"instances                      {result.migrations}")
    print(f"vnfm migrations/s (HTTP, e2e)  {result.migrations_per_second:8.1f}")
    print(f"bare ESC updates/s (adapter)   {result.updates_per_second:8.1f}")
    print(f"ratio vnfm / bare ESC          {result.ratio:8.2f}")


if __name__ == "__main__":
    main()

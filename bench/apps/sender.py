"""The notification suite's baseline: the same POSTs sent by plain ``requests``.

    python -m bench.apps.sender --jobs FILE --workers N --out FILE

``FILE`` is a JSON list of ``[offset, url, document]``: each document becomes ready
``offset`` seconds after the sender starts (the offsets of the vnfm run's commits)
and is POSTed by one of ``N`` threads, each with its own persistent
``requests.Session``.  No database, no order per subscriber, no retries: the HTTP
work alone.  The output holds the start time (unix seconds) and the CPU seconds the
sender used.
"""

from __future__ import annotations

import argparse
import json
import queue
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import requests

HEADERS = {"Version": "2.0.0", "Accept": "application/json"}


def send(jobs: list[tuple[float, str, Any]], workers: int) -> dict[str, float]:
    todo: queue.Queue[tuple[str, Any] | None] = queue.Queue()

    def worker() -> None:
        with requests.Session() as http:
            http.trust_env = False
            while (job := todo.get()) is not None:
                url, document = job
                http.post(url, json=document, headers=HEADERS, timeout=(3, 10)).close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    cpu = time.process_time()
    started = time.time()
    for offset, url, document in sorted(jobs, key=lambda job: job[0]):
        wait = started + offset - time.time()
        if wait > 0:
            time.sleep(wait)
        todo.put((url, document))
    for _ in threads:
        todo.put(None)
    for thread in threads:
        thread.join()
    return {"started": started, "cpu_seconds": time.process_time() - cpu}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    jobs = [tuple(job) for job in json.loads(args.jobs.read_text())]
    args.out.write_text(json.dumps(send(jobs, args.workers)))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()

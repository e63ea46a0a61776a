"""Sending the simulator's events to the callback URLs a request named.

ESC takes two headers: ``Callback`` and ``Callback-ESC-Events``.  We send each event
as the NETCONF-style ``escEvent`` XML to the first and as the REST callback JSON to
the second, and only once (as JSON) when both name the same URL.  Delivery is one
attempt, like ESC's: a receiver that is down loses the event, which is exactly what
the VNFM's reconciliation must cope with.  Every event is also kept in a journal that
``GET /sim/events`` shows, with where it went or why it did not.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import requests

from vnfm.escsim.faults import Effect, FaultRegistry, Step
from vnfm.southbound.esc.events import event_to_json, event_to_xml
from vnfm.southbound.types import EscEvent

log = logging.getLogger(__name__)

MAX_JOURNAL = 5000


@dataclass(frozen=True)
class CallbackTargets:
    callback: str | None = None
    esc_events: str | None = None

    @property
    def empty(self) -> bool:
        return not self.callback and not self.esc_events


class Notifier:
    def __init__(self, faults: FaultRegistry, timeout: float = 5.0) -> None:
        self._faults = faults
        self._timeout = timeout
        self._lock = threading.Lock()
        self._journal: list[dict[str, Any]] = []

    def send(self, event: EscEvent, targets: CallbackTargets) -> None:
        entry: dict[str, Any] = {
            "event_type": event.event_type.value,
            "status": event.status.value,
            "status_code": event.status_code,
            "status_message": event.status_message,
            "deployment": event.deployment_name,
            "vm_name": event.vm_name,
            "event_id": event.event_id,
            "delivered_to": [],
            "errors": [],
            "dropped": False,
        }
        fault_targets = (event.deployment_name, event.vm_name)
        if self._faults.take(Step.CALLBACK, Effect.DROP, fault_targets, event.event_type):
            entry["dropped"] = True
        else:
            deliveries: list[tuple[str, bytes, str]] = []
            if targets.esc_events:
                deliveries.append((targets.esc_events, event_to_json(event), "application/json"))
            if targets.callback and targets.callback != targets.esc_events:
                deliveries.append((targets.callback, event_to_xml(event), "application/xml"))
            for url, body, content_type in deliveries:
                try:
                    answer = requests.post(
                        url, data=body, headers={"Content-Type": content_type},
                        timeout=self._timeout,
                    )
                    entry["delivered_to"].append({"url": url, "status": answer.status_code})
                except requests.RequestException as exc:
                    log.warning("callback to %s failed: %s", url, exc)
                    entry["errors"].append({"url": url, "error": str(exc)[:200]})
        with self._lock:
            self._journal.append(entry)
            del self._journal[:-MAX_JOURNAL]

    def journal(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._journal)

    def clear(self) -> None:
        with self._lock:
            self._journal.clear()

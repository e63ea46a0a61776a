"""The in-process wake-up of waiters for ESC events (vnfm.engine.events.EventHub)."""

from __future__ import annotations

import threading
import time

from vnfm.engine.events import EventHub


def test_an_event_that_came_before_the_sleep_is_not_slept_through() -> None:
    hub = EventHub()
    with hub.watch("dep-a") as watch:
        hub.notify("dep-a")  # between the waiter's query and its sleep
        started = time.monotonic()
        watch.sleep(5.0)
        assert time.monotonic() - started < 1.0
        started = time.monotonic()
        watch.sleep(0.2)  # that event was seen: this sleep lasts
        assert time.monotonic() - started >= 0.15


def test_events_of_other_deployments_do_not_wake_a_watcher() -> None:
    hub = EventHub()
    with hub.watch("dep-a") as watch:
        timer = threading.Timer(0.05, hub.notify, args=("dep-b",))
        timer.start()
        started = time.monotonic()
        watch.sleep(0.3)
        assert time.monotonic() - started >= 0.25
        timer.join()


def test_an_event_of_the_watched_deployment_wakes_the_watcher_at_once() -> None:
    hub = EventHub()
    with hub.watch("dep-a") as watch:
        timer = threading.Timer(0.05, hub.notify, args=("dep-a",))
        timer.start()
        started = time.monotonic()
        watch.sleep(5.0)
        assert time.monotonic() - started < 1.0
        timer.join()


def test_notify_without_a_deployment_wakes_every_watcher() -> None:
    hub = EventHub()
    with hub.watch("dep-a") as a, hub.watch("dep-b") as b:
        hub.notify()
        started = time.monotonic()
        a.sleep(5.0)
        b.sleep(5.0)
        assert time.monotonic() - started < 1.0


def test_a_deployment_is_forgotten_when_its_last_watcher_leaves() -> None:
    hub = EventHub()
    with hub.watch("dep-a"), hub.watch("dep-a"):
        pass
    hub.notify("dep-a")
    assert hub._watched == {}


def test_events_of_other_types_do_not_wake_a_watcher_of_some_types() -> None:
    hub = EventHub()
    with hub.watch("dep-a", ("SERVICE_ALIVE",)) as watch:
        hub.notify("dep-a", "VM_ALIVE")
        started = time.monotonic()
        watch.sleep(0.2)
        assert time.monotonic() - started >= 0.15
        hub.notify("dep-a", "SERVICE_ALIVE")
        started = time.monotonic()
        watch.sleep(5.0)
        assert time.monotonic() - started < 1.0
        hub.notify("dep-a")  # a type not given: may be any, so it wakes
        started = time.monotonic()
        watch.sleep(5.0)
        assert time.monotonic() - started < 1.0

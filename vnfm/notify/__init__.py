"""Subscriptions and durable notification delivery (the SOL003 subscription resources).

Modules, in the order a notification meets them:

* :mod:`~vnfm.notify.subscriptions`: create / read / delete subscriptions;
* :mod:`~vnfm.notify.filters` and :mod:`~vnfm.notify.matching`: which subscriptions a
  change concerns, selected in SQL through match keys;
* :mod:`~vnfm.notify.documents`: the notification documents;
* :mod:`~vnfm.notify.outbox`: rows written in the transaction of the change;
* :mod:`~vnfm.notify.delivery`: workers that claim, send, retry and keep dead letters,
  using :mod:`~vnfm.notify.http` and :mod:`~vnfm.notify.auth` toward the subscriber;
* :mod:`~vnfm.notify.config`: the settings they read, and the base URL of ``_links``;
* :mod:`~vnfm.notify.models`: the tables.
"""

"""Descriptor documents to mutate in tests: the bundled samples as plain dicts."""

from __future__ import annotations

from typing import Any

import yaml

from vnfm.vnfd.catalog import SAMPLES_DIR

CIRROS = "cirros_1_0.yaml"
LB_WORKER = "lb_worker_1_0.yaml"


def sample_doc(name: str) -> dict[str, Any]:
    """A fresh, mutable copy of a bundled sample."""
    return yaml.safe_load((SAMPLES_DIR / name).read_text(encoding="utf-8"))


def to_text(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, sort_keys=False)


def nodes(doc: dict[str, Any]) -> dict[str, Any]:
    """node_templates of a single-flavour document."""
    return doc["topology_template"]["node_templates"]


def policy(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """The body of the policy called ``name`` in a single-flavour document."""
    for entry in doc["topology_template"]["policies"]:
        if name in entry:
            return entry[name]
    raise KeyError(name)

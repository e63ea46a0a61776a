"""The one exception of the descriptor package."""

from __future__ import annotations


class VnfdError(ValueError):
    """A descriptor that cannot be used, and where it is wrong.

    The message reads ``<source>: <path>: <reason>`` (``<path>`` is left out when
    the whole document is at fault), e.g.
    ``cirros.yaml: topology_template.node_templates.VDU1.properties: missing name``,
    so that an operator can find the offending element without a debugger.
    """

    def __init__(self, source: str, path: str, reason: str) -> None:
        self.source = source
        self.path = path
        self.reason = reason
        where = f"{source}: {path}" if path else source
        super().__init__(f"{where}: {reason}")

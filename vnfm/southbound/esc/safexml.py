"""Parsing XML that came over the network, and small helpers to read and write it.

Every XML document the southbound reads (ESC answers, ESC callbacks, and on the
simulator side the requests it receives) goes through :func:`parse`, which refuses
DTDs, entities and external references (defusedxml), documents above a size limit,
and elements nested deeper than any ESC document needs.  A hostile or broken
document therefore becomes one :class:`XmlError`, never a crash, a hang or a
billion laughs.

ESC's documents use namespaces inconsistently (the seeds show three spellings of the
NETCONF base namespace), so readers match on local names only.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET  # building only; parsing goes through defusedxml
from collections.abc import Iterator
from xml.etree.ElementTree import Element

import defusedxml
import defusedxml.ElementTree as SafeET

from vnfm.southbound.adapter import ProtocolError

MAX_XML_BYTES = 1024 * 1024
MAX_DEPTH = 32

ESC_NS = "http://www.cisco.com/esc/esc"
NETCONF_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"
NOTIFICATION_NS = "urn:ietf:params:xml:ns:netconf:notification:1.0"


class XmlError(ProtocolError):
    """The document is not well-formed, not safe, or not what was expected."""


def parse(data: bytes | str, max_bytes: int = MAX_XML_BYTES) -> Element:
    """Parse ``data`` safely and return its root element."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise XmlError(f"XML document too large ({len(raw)} bytes, limit {max_bytes})")
    if not raw.strip():
        raise XmlError("empty XML document")
    depth = 0
    root: Element | None = None
    try:
        for event, elem in SafeET.iterparse(io.BytesIO(raw), events=("start", "end"),
                                            forbid_dtd=True):
            if event == "start":
                depth += 1
                if root is None:
                    root = elem
                if depth > MAX_DEPTH:
                    raise XmlError(f"XML nested deeper than {MAX_DEPTH} levels")
            else:
                depth -= 1
    except XmlError:
        raise
    except (ET.ParseError, defusedxml.DefusedXmlException, ValueError) as exc:
        raise XmlError(f"malformed XML: {exc}") from None
    if root is None:  # pragma: no cover - iterparse raises before this on empty input
        raise XmlError("empty XML document")
    return root


def local(tag: str) -> str:
    """``{ns}name`` → ``name``."""
    return tag.rsplit("}", 1)[-1]


def children(parent: Element, name: str) -> Iterator[Element]:
    return (c for c in parent if local(c.tag) == name)


def child(parent: Element, name: str) -> Element | None:
    return next(children(parent, name), None)


def text(parent: Element, name: str) -> str | None:
    """Stripped text of the first child called ``name``; None when absent or empty."""
    node = child(parent, name)
    if node is None or node.text is None:
        return None
    value = node.text.strip()
    return value or None


def required_text(parent: Element, name: str, where: str) -> str:
    value = text(parent, name)
    if value is None:
        raise XmlError(f"<{name}> missing in <{where}>")
    return value


def to_int(value: str | None, name: str, default: int | None = None) -> int:
    if value is None:
        if default is None:
            raise XmlError(f"<{name}> missing")
        return default
    try:
        return int(value)
    except ValueError:
        raise XmlError(f"<{name}> is not an integer: {value[:40]!r}") from None


def to_bool(value: str | None, name: str, default: bool) -> bool:
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise XmlError(f"<{name}> is not a boolean: {value[:40]!r}")


def add(parent: Element, name: str, value: object | None = None, ns: str = ESC_NS) -> Element:
    """Append ``<name>value</name>``; booleans are written the way YANG spells them."""
    node = ET.SubElement(parent, f"{{{ns}}}{name}")
    if value is not None:
        node.text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return node


def add_opt(parent: Element, name: str, value: object | None, ns: str = ESC_NS) -> None:
    if value is not None:
        add(parent, name, value, ns)


def element(name: str, ns: str | None = ESC_NS) -> Element:
    return ET.Element(f"{{{ns}}}{name}" if ns else name)


def serialize(root: Element, default_ns: str | None = ESC_NS) -> bytes:
    body = ET.tostring(root, encoding="unicode", default_namespace=default_ns)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")

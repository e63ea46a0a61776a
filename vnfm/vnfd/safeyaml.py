"""Loading untrusted YAML without letting it exhaust memory or time.

``yaml.safe_load`` already refuses arbitrary Python objects, but it happily builds
a "billion laughs" document (aliases of aliases) whose expanded size is
exponential, follows recursive aliases, and keeps the last of two duplicate keys
silently.  Descriptors come from operators and NFVOs, so we compose the node graph
first, measure it as if every alias were expanded, reject duplicates, and only
then construct Python objects.
"""

from __future__ import annotations

import yaml

from vnfm.vnfd.errors import VnfdError

# PyYAML's pure-Python parser needs some 40 microseconds per node, so these limits
# are what bounds the time an unfriendly document can cost (about a second).  A
# large real VNFD is a few tens of kB and a few thousand nodes.
MAX_CHARS = 256_000
MAX_NODES = 20_000  # YAML nodes as written
MAX_EXPANDED_NODES = 100_000  # YAML nodes once every alias is expanded
MAX_DEPTH = 64  # nesting; also what stops recursive aliases

_MERGE_KEY = "<<"


class _TooDeep(Exception):
    pass


class _TooBig(Exception):
    pass


class _DepthLimitedLoader(yaml.SafeLoader):
    """SafeLoader that gives up on deep or large documents as soon as it sees them.

    PyYAML's scanner does work proportional to the flow nesting level for every
    token (quadratic overall: 3,000 "[" take seconds), and its composer recurses
    once per level; both are cut off at ``MAX_DEPTH``, and composing stops after
    ``MAX_NODES`` nodes.  (libyaml's CSafeLoader would be faster, but it crashes
    the interpreter on deep nesting.)
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._compose_depth = 0
        self._composed = 0

    def fetch_flow_collection_start(self, TokenClass: type) -> None:
        if self.flow_level >= MAX_DEPTH:
            raise _TooDeep
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        self._compose_depth += 1
        self._composed += 1
        try:
            if self._compose_depth > MAX_DEPTH:
                raise _TooDeep
            if self._composed > MAX_NODES:
                raise _TooBig
            return super().compose_node(parent, index)
        finally:
            self._compose_depth -= 1


def load_yaml(text: str, source: str) -> object:
    """Parse one YAML document from ``text``; ``VnfdError`` if it is not safe and valid."""
    if len(text) > MAX_CHARS:
        raise VnfdError(source, "", f"larger than {MAX_CHARS} characters")
    loader = _DepthLimitedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise VnfdError(source, "", "empty document")
        _measure(node, "", 0, {}, source)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        line = f" (line {exc.problem_mark.line + 1})" if exc.problem_mark else ""
        raise VnfdError(source, "", f"not valid YAML: {exc.problem}{line}") from None
    except yaml.YAMLError as exc:
        raise VnfdError(source, "", f"not valid YAML: {exc}") from None
    except (_TooDeep, RecursionError):
        raise VnfdError(source, "", f"nested deeper than {MAX_DEPTH} levels") from None
    except _TooBig:
        raise VnfdError(source, "", f"more than {MAX_NODES} YAML nodes") from None
    finally:
        loader.dispose()


def _measure(node: yaml.Node, path: str, depth: int, sizes: dict[int, int], source: str) -> int:
    """Return the expanded size of ``node``; raise on depth, size or duplicate keys.

    ``sizes`` memoises by node identity, so a node shared through aliases is
    measured once: the walk is linear in the document, not in its expansion.
    A recursive alias never finishes measuring, so the depth limit catches it.
    """
    if depth > MAX_DEPTH:
        raise VnfdError(source, path, f"nested deeper than {MAX_DEPTH} levels (or recursive)")
    known = sizes.get(id(node))
    if known is not None:
        return known
    size = 1
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            size += _measure(item, f"{path}[{index}]", depth + 1, sizes, source)
    elif isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            if isinstance(key_node, yaml.ScalarNode) and key != _MERGE_KEY:
                if key in seen:
                    line = key_node.start_mark.line + 1
                    raise VnfdError(source, path, f"duplicate key {key!r} (line {line})")
                seen.add(key)
            child = f"{path}.{key}" if path else key
            size += _measure(key_node, child, depth + 1, sizes, source)
            size += _measure(value_node, child, depth + 1, sizes, source)
    if size > MAX_EXPANDED_NODES:
        raise VnfdError(
            source, path, f"more than {MAX_EXPANDED_NODES} YAML nodes once aliases expand"
        )
    sizes[id(node)] = size
    return size

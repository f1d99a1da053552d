"""YAML as a scenario reads it: bounded, unambiguous, and no silent overwrites.

PyYAML's safe loader still takes ``0x10`` and ``1:30`` for integers, turns ``2023-02-30`` into an
exception with no key named, lets a later duplicate key replace an earlier one, and expands a
"billion laughs" alias bomb or a 5,000-deep nesting until memory or the stack runs out. This
loader:

* resolves integers in decimal only (``1_000`` allowed); other spellings stay strings and the
  schema rejects them with the key named;
* leaves dates as strings, so the schema parses them and names the key of a bad one;
* rejects a duplicate key, naming it and both lines;
* refuses nesting deeper than :data:`MAX_DEPTH` and documents whose aliases would expand to more
  than :data:`MAX_NODES` nodes, before anything is constructed or copied.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, SequenceNode

#: Deepest nesting of mappings and lists a scenario may have.
MAX_DEPTH = 64
#: Most nodes a document may expand to once every alias is replaced by what it names.
MAX_NODES = 200_000

_DROPPED = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:timestamp"}
_DECIMAL_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")


class StrictLoader(yaml.SafeLoader):
    """The safe loader with the restrictions of this module."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ComposerError(
                    None,
                    None,
                    f"nesting deeper than {MAX_DEPTH} levels",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark.line)
            except TypeError:
                continue  # unhashable: the base constructor reports it
            if first != key_node.start_mark.line:
                raise ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first on line {first + 1})",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


# a copy of the safe loader's resolvers without its integer and timestamp rules, then decimal ints
StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:int", _DECIMAL_INT, list("-+0123456789"))


def _expanded_size(node: Node, sizes: dict[int, int], open_nodes: set[int]) -> int:
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        raise ComposerError(
            None, None, "an alias refers to a node that contains it", node.start_mark
        )
    open_nodes.add(key)
    size = 1
    if isinstance(node, SequenceNode):
        size += sum(_expanded_size(child, sizes, open_nodes) for child in node.value)
    elif isinstance(node, MappingNode):
        for k, v in node.value:
            size += _expanded_size(k, sizes, open_nodes) + _expanded_size(v, sizes, open_nodes)
    open_nodes.discard(key)
    sizes[key] = size
    return size


def load(text: str) -> Any:
    """Parse one YAML document under this module's rules.

    Raises:
        yaml.YAMLError: not YAML, or outside the bounds (with a mark where there is one).
    """
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node, {}, set())
        if size > MAX_NODES:
            raise ComposerError(
                None,
                None,
                f"aliases would expand the document to {size:,} nodes (limit {MAX_NODES:,})",
                node.start_mark,
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()

"""A YAML reader for policy and scenario files that a hostile file cannot break.

PyYAML's ``safe_load`` builds no arbitrary objects, but it still lets a file
- nest 2,000 levels deep (the composer recurses: a RecursionError traceback),
- repeat a key (the last one silently wins: a reviewer reads one value, the engine uses another),
- expand aliases (``&a`` / ``*a``: the "billion laughs" blow-up), and
- be as large as memory.
This loader refuses each before building any object, with a message naming the line and the key.
A policy needs four levels of nesting and about a hundred nodes, so the limits are generous.

It also reads ``1e6`` and ``1.5e6`` as numbers (YAML 1.2 and JSON do; PyYAML's YAML 1.1 rules read
them as text), so a JSON policy with an exponent means what it says.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from .formatting import count, excerpt

MAX_CHARS = 1_000_000  # a policy file is a few kilobytes
MAX_DEPTH = 20
MAX_NODES = 10_000
MAX_NUMBER_CHARS = 100


class YamlRefused(ValueError):
    """A file this loader will not read; the message says why (line and key where known)."""


class _Loader(yaml.SafeLoader):
    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise YamlRefused(f"line {line}: anchors and aliases (*{event.anchor}) are not allowed in a policy file")
        if getattr(event, "anchor", None):
            raise YamlRefused(f"line {line}: anchors and aliases (&{event.anchor}) are not allowed in a policy file")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise YamlRefused(f"line {line}: more than {count(MAX_NODES)} values; a policy file is far smaller")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlRefused(f"line {line}: nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlRefused(f"line {line}: merge keys (<<) are not allowed in a policy file")
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:
                raise YamlRefused(f"line {line}: a key must be a plain name") from None
            if first is not None:
                raise YamlRefused(
                    f"line {line}: key {_short(key)} appears twice in one mapping (first on line {first})"
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        # Python refuses to read an int of more than 4,300 digits (a ValueError, not a YAML error).
        if len(node.value) > MAX_NUMBER_CHARS:
            raise YamlRefused(f"line {node.start_mark.line + 1}: a number of {count(len(node.value))} characters")
        return super().construct_yaml_int(node)


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


# YAML 1.2 / JSON floats: an exponent without a dot, or without a sign (PyYAML 1.1 reads "1e6" as text).
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def load(text: str) -> Any:
    """The one document in ``text`` as plain Python data. Raises `YamlRefused` for a file this module
    refuses and ``yaml.YAMLError`` for one that is not YAML."""
    if len(text) > MAX_CHARS:
        raise YamlRefused(f"{count(len(text))} characters; a policy file may have at most {count(MAX_CHARS)}")
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except (ValueError, TypeError, OverflowError) as exc:
        if isinstance(exc, YamlRefused):
            raise
        raise YamlRefused(f"a value could not be read ({str(exc)[:200]})") from None
    finally:
        loader.dispose()


def _short(value: Any) -> str:
    return excerpt(repr(value), 60)

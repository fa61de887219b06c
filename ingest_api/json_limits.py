"""Shape limits on parsed JSON: nesting depth and string length. Pure.

The body size limit bounds the bytes; these bound what a small body can still cost
later: deep nesting (recursion in validation, mapping and serialization) and huge
strings (index keys and properties Neo4j would store). The walk is iterative and
stops descending at the limit, so a hostile document cannot exhaust the stack here.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import orjson

# Long keys in an error path are cut: the path is echoed back to the client.
_LOC_PART_MAX = 64

# A node of the walk: its value, depth, and a link to the parent for the error path.
_Path: TypeAlias = tuple["_Path", str | int] | None
_Node: TypeAlias = tuple[Any, int, _Path]


def json_limit_violation(
    value: Any, max_depth: int, max_string_length: int
) -> dict[str, Any] | None:
    """The first place `value` breaks a limit, as a `{"loc", "msg"}` detail, else None.

    Depth counts containers: `{}` is depth 1, `{"event": {}}` depth 2.
    """
    if _surely_fits(value, max_depth, max_string_length) or _fits(
        value, max_depth, max_string_length
    ):
        return None
    return _first_violation(value, max_depth, max_string_length)


def _surely_fits(value: Any, max_depth: int, max_string_length: int) -> bool:
    """A bound from the JSON text, in C: no string or key is longer than the whole text
    (a character is at least one byte), and no container sits deeper than the number
    of containers. True means the limits hold; False only means "walk it and see"."""
    try:
        text = orjson.dumps(value)
    except orjson.JSONEncodeError:  # not JSON-ready data (an integer past 64 bits, say)
        return False
    return len(text) <= max_string_length and text.count(b"{") + text.count(b"[") <= max_depth


def _fits(value: Any, max_depth: int, max_string_length: int) -> bool:
    """The common case, checked without building a path per node (it runs on every event)."""
    if not isinstance(value, dict | list):
        return not (isinstance(value, str) and len(value) > max_string_length)
    stack: list[tuple[dict[str, Any] | list[Any], int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            return False
        if isinstance(node, dict):
            for key in node:
                if len(key) > max_string_length:
                    return False
            children: Any = node.values()
        else:
            children = node
        for child in children:
            if isinstance(child, str):
                if len(child) > max_string_length:
                    return False
            elif isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return True


def _first_violation(value: Any, max_depth: int, max_string_length: int) -> dict[str, Any] | None:
    stack: list[_Node] = [(value, 0, None)]
    while stack:
        node, depth, path = stack.pop()
        if isinstance(node, str):
            if len(node) > max_string_length:
                return _detail(path, f"string longer than {max_string_length} characters")
            continue
        if not isinstance(node, dict | list):
            continue
        if depth + 1 > max_depth:
            return _detail(path, f"nesting deeper than {max_depth} levels")
        if isinstance(node, dict):
            for key, child in node.items():
                if len(key) > max_string_length:
                    return _detail(path, f"object key longer than {max_string_length} characters")
                stack.append((child, depth + 1, (path, key)))
        else:
            stack.extend((child, depth + 1, (path, i)) for i, child in enumerate(node))
    return None


def _detail(path: _Path, msg: str) -> dict[str, Any]:
    loc: list[str | int] = []
    while path is not None:
        path, part = path
        loc.append(part if isinstance(part, int) else _shorten(part))
    loc.reverse()
    return {"loc": loc, "msg": msg}


def _shorten(key: str) -> str:
    return key if len(key) <= _LOC_PART_MAX else key[:_LOC_PART_MAX] + "…"

"""Metric label values taken from client data, held to a bounded number of series. Pure."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final, Generic, TypeVar

T = TypeVar("T")

OTHER: Final = "other"
_TOP_FIELD: Final = re.compile(r"[.\[]")


def top_field(path: str) -> str:
    """`src_endpoint.ip` and `observables[2].value` -> `src_endpoint`, `observables`."""
    return _TOP_FIELD.split(path, maxsplit=1)[0]


class BoundedLabels(Generic[T]):
    """One child per label value (`make` binds it, once); past `limit` distinct values
    every new one shares the child of `other`, so a client cannot create series at will."""

    def __init__(self, make: Callable[[str], T], limit: int) -> None:
        self._make = make
        self._limit = limit
        self._children: dict[str, T] = {}

    def child(self, value: str) -> T:
        found = self._children.get(value)
        if found is None:
            if len(self._children) >= self._limit:
                value = OTHER
            found = self._children.setdefault(value, self._make(value))
        return found

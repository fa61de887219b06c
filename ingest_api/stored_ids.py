"""Which event ids are stored already: the lookups of concurrent requests as one query.

Each single-event POST with a named id asks Neo4j whether that id is stored, so that the
answer can say `"duplicate": true`. Asked one by one, a lookup costs a session and a round
trip through the driver per request, more CPU than the rest of the request. Here a lookup
that arrives while another is in flight waits for it and then goes, with every other
lookup that arrived meanwhile, in the next query. A lone request is looked up at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from shared.core.errors import StoreUnavailable

# `GraphRepository.existing_event_ids`: which of the ids are stored, within the timeout.
Lookup = Callable[[Sequence[str], float], Awaitable[frozenset[str]]]


@dataclass(eq=False, slots=True)
class _Ask:
    ids: frozenset[str]
    # Set once by the round that looked the ids up: the stored ones, or why it could not.
    answer: frozenset[str] | str | None = None


class StoredIdLookup:
    """One lookup query in flight at a time; the asks that wait for it share the next.

    A caller waits at most `timeout_s` in all (queueing included) and then gets
    StoreUnavailable: the answer is a courtesy, and the request must not wait on it.
    """

    def __init__(self, lookup: Lookup, timeout_s: float) -> None:
        self._lookup = lookup
        self._timeout_s = timeout_s
        self._waiting: list[_Ask] = []
        self._round_over = asyncio.Event()
        self._round_over.set()

    async def stored(self, ids: Sequence[str]) -> frozenset[str]:
        """Which of `ids` are stored. Raises StoreUnavailable when that cannot be told in time."""
        ask = _Ask(frozenset(ids))
        self._waiting.append(ask)
        try:
            async with asyncio.timeout(self._timeout_s):
                while ask.answer is None:
                    if self._round_over.is_set():
                        await self._round()
                    else:
                        await self._round_over.wait()
        except TimeoutError:
            raise StoreUnavailable("Neo4j read failed: TimeoutError") from None
        finally:
            if ask.answer is None and ask in self._waiting:
                self._waiting.remove(ask)
        if isinstance(ask.answer, str):
            raise StoreUnavailable(ask.answer)
        return ask.answer

    async def _round(self) -> None:
        """Look up every waiting ask in one query, and answer each with its own ids."""
        asks, self._waiting = self._waiting, []
        self._round_over.clear()
        try:
            wanted = list(frozenset[str]().union(*(a.ids for a in asks)))
            try:
                found = await self._lookup(wanted, self._timeout_s)
            except StoreUnavailable as exc:
                for ask in asks:
                    ask.answer = str(exc)
            else:
                for ask in asks:
                    ask.answer = found & ask.ids
        finally:
            # Cancelled mid-query (the leading request timed out or went away): the
            # others' asks go back to the front of the queue, for the next round.
            self._waiting[:0] = [a for a in asks if a.answer is None]
            self._round_over.set()

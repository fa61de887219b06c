"""The in-flight window: concurrent writes, taken out strictly in fetch order (no server)."""

from __future__ import annotations

import asyncio

from graph_writer.window import InFlightWindow


async def finish_after(seconds: float, value: str) -> str:
    await asyncio.sleep(seconds)
    return value


async def test_the_oldest_comes_out_first_even_when_a_later_one_finished_first() -> None:
    window: InFlightWindow[str, str] = InFlightWindow(3)
    window.start("slow", finish_after(0.05, "slow done"))
    window.start("fast", finish_after(0, "fast done"))
    await asyncio.sleep(0.01)
    first = window.oldest()
    assert first.batch == "slow"
    assert not first.task.done()
    assert await first.task == "slow done"
    second = window.oldest()
    assert (second.batch, await second.task) == ("fast", "fast done")
    assert len(window) == 0


async def test_room_is_bounded_by_the_capacity() -> None:
    window: InFlightWindow[int, str] = InFlightWindow(2)
    assert window.has_room()
    assert not window
    window.start(1, finish_after(0, "a"))
    assert window.has_room()
    window.start(2, finish_after(0, "b"))
    assert not window.has_room()
    await window.oldest().task
    assert window.has_room()
    await window.cancel()


async def test_cancel_stops_every_write_left_and_empties_the_window() -> None:
    cancelled: list[int] = []

    async def write(n: int) -> str:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.append(n)
            raise
        return "never"

    window: InFlightWindow[int, str] = InFlightWindow(2)
    window.start(1, write(1))
    window.start(2, write(2))
    await asyncio.sleep(0)
    await window.cancel()
    assert sorted(cancelled) == [1, 2]
    assert len(window) == 0
    await window.cancel()  # twice is harmless

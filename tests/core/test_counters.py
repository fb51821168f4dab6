"""Per-workspace counters (ticket numbers): no duplicates under concurrency, no gaps from rollbacks."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import Cast
from wowdesk.core.counters import current_value, next_value
from wowdesk.core.runtime import Runtime


async def _take(runtime: Runtime, workspace_id: int, name: str) -> int:
    async with runtime.uow() as s:
        value = await next_value(s, workspace_id, name)
        await asyncio.sleep(0)  # hold the transaction open across a switch: the others must wait
        return value


async def test_concurrent_units_of_work_get_distinct_consecutive_numbers(
    runtime: Runtime, cast: Cast
) -> None:
    values = await asyncio.wait_for(
        asyncio.gather(*(_take(runtime, cast.workspace_id, "race") for _ in range(50))), 60
    )
    assert sorted(values) == list(range(1, 51))
    async with runtime.uow(write=False) as s:
        assert await current_value(s, cast.workspace_id, "race") == 50


async def test_a_rolled_back_transaction_gives_its_number_back(runtime: Runtime, cast: Cast) -> None:
    ws = cast.workspace_id
    assert await _take(runtime, ws, "gapless") == 1

    async def rolled_back() -> int:
        async with runtime.uow() as s:
            assert await next_value(s, ws, "gapless") == 2
            raise LookupError

    with pytest.raises(LookupError):
        await rolled_back()
    assert await _take(runtime, ws, "gapless") == 2
    assert await _take(runtime, ws, "other") == 1  # counters are independent by name
    async with runtime.uow(write=False) as s:
        assert await current_value(s, ws, "gapless") == 2
        assert await current_value(s, ws, "never-used") == 0

"""The unit of work: events leave only after commit (in order), vanish with a rollback, and so do
jobs; durable listeners get their job row in the event's own transaction."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import secrets
import weakref

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Cast
from tests.core.conftest import Pinged, eventually
from wowdesk.core.events import Event, record_event
from wowdesk.core.jobs.models import QUEUED, Job
from wowdesk.core.jobs.registry import enqueue
from wowdesk.core.runtime import Runtime
from wowdesk.core.uow import now, on_commit
from wowdesk.customers import actions as customer_actions
from wowdesk.customers import queries as customer_queries
from wowdesk.customers.models import Customer
from wowdesk.customers.schemas import CustomerCreate, CustomerUpdate


class Boom(Exception):
    pass


def _mine(events: list[Event], workspace_id: int) -> list[Event]:
    # With Redis the bus also carries other processes' (the live server's) events: keep ours.
    return [e for e in events if e.workspace_id == workspace_id]


async def _settle(runtime: Runtime, events: list[Event], workspace_id: int) -> None:
    """Start from an empty list: over Redis, the events of building the cast may still be on their
    way. A marker sent now arrives after all of them (one connection delivers in publish order)."""
    async with runtime.uow() as s:
        record_event(s, Pinged(workspace_id=workspace_id, occurred_at=now(s), n=-1))
    await eventually(lambda: any(getattr(e, "n", None) == -1 for e in _mine(events, workspace_id)))
    events.clear()


async def test_events_are_published_after_commit_in_order(
    runtime: Runtime, cast: Cast, captured_events: list[Event]
) -> None:
    ws = cast.workspace_id
    actor = cast.actor("alice")
    await _settle(runtime, captured_events, ws)
    async with runtime.uow() as s:
        for n in range(3):
            record_event(s, Pinged(workspace_id=ws, occurred_at=now(s), n=n))
        customer = await customer_actions.do_create_customer(
            s, actor, CustomerCreate(name="Chen Jing", emails=["chen.jing@example.tw"])
        )
        await customer_actions.do_update_customer(s, actor, customer, CustomerUpdate(name="陳靜"))
        await s.flush()
        await asyncio.sleep(0.1)  # a bus that published early would have delivered by now
        assert _mine(captured_events, ws) == [], "events left before the commit"
    await eventually(lambda: len(_mine(captured_events, ws)) >= 5, what="the five events")
    seen = _mine(captured_events, ws)
    assert [e.name for e in seen] == [*["test.pinged"] * 3, "customer.created", "customer.updated"]
    assert [e.n for e in seen if isinstance(e, Pinged)] == [0, 1, 2]


async def test_events_of_a_failed_block_are_dropped(
    runtime: Runtime, cast: Cast, captured_events: list[Event]
) -> None:
    ws = cast.workspace_id
    await _settle(runtime, captured_events, ws)

    async def failing() -> None:
        async with runtime.uow() as s:
            record_event(s, Pinged(workspace_id=ws, occurred_at=now(s), n=1))
            await customer_actions.do_create_customer(
                s, cast.actor("alice"), CustomerCreate(name="Ghost", emails=["ghost@example.com"])
            )
            raise Boom

    with pytest.raises(Boom):
        await failing()
    async with runtime.uow() as s:  # a marker: whatever the failed block sent would arrive before it
        record_event(s, Pinged(workspace_id=ws, occurred_at=now(s), n=2))
    await eventually(lambda: _mine(captured_events, ws), what="the marker event")
    assert [(e.name, getattr(e, "n", None)) for e in _mine(captured_events, ws)] == [("test.pinged", 2)]
    async with runtime.uow(write=False) as s:
        ghosts = await s.execute(
            select(Customer).where(Customer.workspace_id == ws, Customer.name == "Ghost")
        )
    assert ghosts.scalars().all() == [], "the failed block's customer was committed"


async def _jobs_with_key(runtime: Runtime, key: str) -> list[Job]:
    async with runtime.uow(write=False) as s:
        return list((await s.execute(select(Job).where(Job.dedupe_key == key))).scalars())


async def test_jobs_enqueued_in_a_failed_block_do_not_exist(runtime: Runtime, cast: Cast) -> None:
    key = f"uow-test-{secrets.token_hex(6)}"
    later = dt.timedelta(days=365)  # far in the future: no runner of the session takes these

    async def failing() -> None:
        async with runtime.uow() as s:
            await enqueue(
                s,
                "test.never",
                {"k": 1},
                workspace_id=cast.workspace_id,
                run_at=now(s) + later,
                dedupe_key=key,
            )
            assert len((await s.execute(select(Job).where(Job.dedupe_key == key))).scalars().all()) == 1
            raise Boom

    with pytest.raises(Boom):
        await failing()
    assert await _jobs_with_key(runtime, key) == []
    async with runtime.uow() as s:
        await enqueue(
            s, "test.never", {"k": 2}, workspace_id=cast.workspace_id, run_at=now(s) + later, dedupe_key=key
        )
    [job] = await _jobs_with_key(runtime, key)
    assert (job.status, job.payload) == (QUEUED, {"k": 2})
    async with runtime.uow() as s:  # leave nothing behind in the shared database
        await s.delete(await s.get(Job, job.id))


async def _merge_jobs(s: AsyncSession, workspace_id: int) -> list[Job]:
    q = select(Job).where(Job.workspace_id == workspace_id, Job.name == "tickets.on_customer_merged")
    return list((await s.execute(q)).scalars())


async def test_durable_listener_job_is_written_in_the_same_transaction(runtime: Runtime, cast: Cast) -> None:
    ws = cast.workspace_id
    lisa, wang = cast.customers["lisa"], cast.customers["wang"]

    async def failing() -> None:
        async with runtime.uow() as s:
            target = await customer_queries.get_customer(s, cast.actor("sam"), lisa.id)
            source = await customer_queries.get_customer(s, cast.actor("sam"), wang.id)
            await customer_actions.do_merge_customers(s, cast.actor("sam"), target, source)
            [job] = await _merge_jobs(s, ws)  # written before the commit, in this transaction
            assert job.payload["name"] == "customer.merged"
            assert job.payload["data"]["source_id"] == wang.id
            raise Boom

    with pytest.raises(Boom):
        await failing()
    async with runtime.uow(write=False) as s:
        assert await _merge_jobs(s, ws) == [], "the rolled-back merge left its listener job"
    async with runtime.uow() as s:
        target = await customer_queries.get_customer(s, cast.actor("sam"), lisa.id)
        source = await customer_queries.get_customer(s, cast.actor("sam"), wang.id)
        await customer_actions.do_merge_customers(s, cast.actor("sam"), target, source)
    async with runtime.uow(write=False) as s:
        [job] = await _merge_jobs(s, ws)
    assert job.payload["data"]["customer_id"] == lisa.id and job.payload["data"]["source_id"] == wang.id


async def test_on_commit_runs_after_the_commit_and_before_the_events(
    runtime: Runtime, cast: Cast, captured_events: list[Event]
) -> None:
    """What a caller promises on commit (the chat's acknowledgement) goes out before the fan-out of
    the change's events; a block that fails promises nothing."""
    ws = cast.workspace_id
    await _settle(runtime, captured_events, ws)
    order: list[str] = []

    async def note(event: Event) -> None:
        if event.workspace_id == ws and isinstance(event, Pinged):
            order.append(f"event {event.n}")

    runtime.bus.subscribe(note)
    try:
        async with runtime.uow() as s:
            record_event(s, Pinged(workspace_id=ws, occurred_at=now(s), n=1))
            customer = await customer_actions.do_create_customer(
                s, cast.actor("alice"), CustomerCreate(name="Lin Mei", emails=["lin.mei@example.tw"])
            )
            on_commit(s, lambda: order.append("committed"))
            assert order == [], "called before the commit"
        async with runtime.uow(write=False) as s:
            found = await customer_queries.find_customer(s, ws, customer.id)
        assert found is not None, "the callback ran but the change is not there"

        async def failing() -> None:
            async with runtime.uow() as s:
                on_commit(s, lambda: order.append("rolled back, yet called"))
                record_event(s, Pinged(workspace_id=ws, occurred_at=now(s), n=2))
                raise Boom

        with pytest.raises(Boom):
            await failing()
        async with runtime.uow() as s:  # a marker after the failed block
            record_event(s, Pinged(workspace_id=ws, occurred_at=now(s), n=3))
        await eventually(lambda: "event 3" in order, what="the marker event")
    finally:
        runtime.bus.unsubscribe(note)
    assert order == ["committed", "event 1", "event 3"]


async def test_on_commit_callback_that_fails_does_not_stop_the_events(
    runtime: Runtime, cast: Cast, captured_events: list[Event]
) -> None:
    ws = cast.workspace_id
    await _settle(runtime, captured_events, ws)

    def broken() -> None:
        raise RuntimeError("the socket went away")

    async with runtime.uow() as s:
        on_commit(s, broken)
        record_event(s, Pinged(workspace_id=ws, occurred_at=now(s), n=7))
    await eventually(lambda: _mine(captured_events, ws), what="the event after a failed callback")
    assert [getattr(e, "n", None) for e in _mine(captured_events, ws)] == [7]


async def test_a_finished_unit_of_work_is_freed_without_the_collector(runtime: Runtime, cast: Cast) -> None:
    """Its session and driver connection referred to each other: every unit of work was garbage
    only the cyclic collector could free (~11 objects per chat message, a young collection every
    ~100 messages). Now the last reference frees it."""
    gc.collect()
    gc.disable()
    try:
        async with runtime.uow() as s:
            await customer_actions.do_create_customer(
                s, cast.actor("alice"), CustomerCreate(name="Wang Fang", emails=["wang.fang@example.cn"])
            )
            ref = weakref.ref(s)
        async with runtime.uow(write=False) as s:
            await customer_queries.find_customer(s, cast.workspace_id, 1)
            read_ref = weakref.ref(s)
        del s
        assert ref() is None, "the write unit of work's session outlived it"
        assert read_ref() is None, "the read unit of work's session outlived it"
    finally:
        gc.enable()

"""Delivery of ledger entries to the store, against a real HTTP receiver on 127.0.0.1 and a clock of
our own: each effective entry is POSTed, signed per Standard Webhooks (checked with its SDK);
a 5xx is retried with backoff under one webhook-id until taken (the store's reference is kept); a
4xx fails at once; a store that never takes it leaves the entry failed after the last attempt; a
failure is recorded with its reason as ``compensation.delivery_failed``."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from standardwebhooks.webhooks import Webhook

from tests.conftest import Cast, Databases, build_cast, make_settings
from tests.policies.ledger_support import connect_store, key, make_order, refund
from wowdesk.core.clock import FrozenClock
from wowdesk.core.events import Event
from wowdesk.core.jobs.runner import JobRunner
from wowdesk.core.runtime import Runtime
from wowdesk.main import build_runtime
from wowdesk.policies.ledger import actions, queries
from wowdesk.policies.ledger.schemas import GrantRequest


@dataclass
class Frozen:
    rt: Runtime
    clock: FrozenClock
    runner: JobRunner
    events: list[Event]


@pytest.fixture(scope="module")
def delivery_db(databases: Databases) -> str:
    return databases.new()


@pytest.fixture(scope="module")
async def frozen(delivery_db: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Frozen]:
    # Now, to the second: the SDK checks a signature's timestamp against the real clock.
    clock = FrozenClock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    rt = build_runtime(make_settings(delivery_db, tmp_path_factory.mktemp("ledger")), clock=clock)
    await rt.start(run_jobs=False)
    seen: list[Event] = []

    async def collect(event: Event) -> None:
        seen.append(event)

    rt.bus.subscribe(collect)
    yield Frozen(rt, clock, JobRunner(rt.uow, rt.jobs, name="test-ledger"), seen)
    await rt.stop()


@dataclass
class Receiver:
    url: str
    answers: list[tuple[int, Any]]
    got: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    box = Receiver(url="", answers=[])

    async def take(request: web.Request) -> web.Response:
        box.got.append((dict(request.headers), await request.read()))
        status, body = box.answers.pop(0) if box.answers else (200, None)
        return web.json_response(body, status=status) if body is not None else web.Response(status=status)

    app = web.Application()
    app.router.add_post("/refunds", take)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    box.url = f"http://127.0.0.1:{port}/refunds"
    yield box
    await runner.cleanup()


async def _refund(f: Frozen, cast: Cast, amount: int) -> tuple[int, dict[str, Any]]:
    order = await make_order(f.rt, cast)
    async with f.rt.uow() as s:
        data = GrantRequest.model_validate(refund(order, amount, cast=cast) | {"idempotency_key": key()})
        out = await actions.do_grant_compensation(s, cast.actor("ada"), data)
    assert out.entry.status == "pending_delivery"
    return out.entry.id, order


async def _entry(f: Frozen, cast: Cast, entry_id: int) -> Any:
    async with f.rt.uow(write=False) as s:
        return await queries.get_entry(s, cast.actor("ada"), entry_id)


async def _run(f: Frozen, times: int, step: dt.timedelta) -> None:
    for _ in range(times):
        while await f.runner.run_once():
            pass
        f.clock.advance(step)


async def test_a_refund_is_signed_retried_on_500_and_delivered_with_the_stores_reference(
    frozen: Frozen, receiver: Receiver
) -> None:
    cast = await build_cast(frozen.rt)
    secret = await connect_store(frozen.rt, cast, receiver.url)
    receiver.answers = [(500, {"error": "busy"}), (503, None), (201, {"reference": "RF-778"})]
    entry_id, order = await _refund(frozen, cast, 2500)
    await frozen.runner.run_once()
    assert len(receiver.got) == 1
    headers, body = receiver.got[0]
    payload = Webhook(secret).verify(body, headers)  # the store's own check, with the SDK
    assert payload["type"] == "compensation.refund"
    assert payload["data"]["id"] == entry_id and payload["data"]["amount_minor"] == 2500
    assert payload["data"]["order"]["external_id"] == order["external_id"]
    assert "idempotency_key" not in payload["data"]
    await frozen.runner.run_once()
    assert len(receiver.got) == 1  # not before its backoff
    await _run(frozen, 4, dt.timedelta(minutes=1))
    assert len(receiver.got) == 3
    assert {h["webhook-id"] for h, _ in receiver.got} == {f"compensation_{entry_id}"}
    for headers, body in receiver.got:  # every attempt signed afresh, at its own time
        stamp = dt.datetime.fromtimestamp(int(headers["webhook-timestamp"]), dt.UTC)
        assert headers["webhook-signature"] == Webhook(secret).sign(
            headers["webhook-id"], stamp, body.decode()
        )
        assert headers["webhook-signature"] != Webhook("whsec_" + "A" * 44).sign(
            headers["webhook-id"], stamp, body.decode()
        )
    detail = await _entry(frozen, cast, entry_id)
    assert detail.entry.status == "delivered" and detail.entry.external_reference == "RF-778"
    assert [(a.action, a.to_status) for a in detail.audit] == [
        ("granted", "pending_delivery"),
        ("delivered", "delivered"),
    ]
    assert any(
        e.name == "compensation.delivered" and getattr(e, "entry_id", None) == entry_id for e in frozen.events
    )
    await _run(frozen, 2, dt.timedelta(hours=2))
    assert len(receiver.got) == 3  # delivered: never again


async def test_a_4xx_fails_at_once_with_the_reason_for_the_agent(frozen: Frozen, receiver: Receiver) -> None:
    cast = await build_cast(frozen.rt)
    await connect_store(frozen.rt, cast, receiver.url)
    receiver.answers = [(422, {"error": "order already refunded"})]
    entry_id, order = await _refund(frozen, cast, 1000)
    await _run(frozen, 3, dt.timedelta(hours=1))
    assert len(receiver.got) == 1
    detail = await _entry(frozen, cast, entry_id)
    assert detail.entry.status == "failed" and "HTTP 422" in (detail.entry.failure_reason or "")
    assert "already refunded" in (detail.entry.failure_reason or "")
    assert detail.audit[-1].action == "delivery_failed"
    failed = [
        e
        for e in frozen.events
        if e.name == "compensation.delivery_failed" and getattr(e, "entry_id", 0) == entry_id
    ]
    assert len(failed) == 1 and "HTTP 422" in failed[0].reason  # type: ignore[attr-defined]
    # Nothing was paid: the failed refund no longer counts against the order.
    async with frozen.rt.uow(write=False) as s:
        assert await queries.returned_on_order(s, cast.workspace_id, order["id"]) == 0


async def test_408_and_429_are_retried(frozen: Frozen, receiver: Receiver) -> None:
    cast = await build_cast(frozen.rt)
    await connect_store(frozen.rt, cast, receiver.url)
    receiver.answers = [(408, None), (429, None), (200, None)]
    entry_id, _order = await _refund(frozen, cast, 700)
    await _run(frozen, 5, dt.timedelta(minutes=2))
    assert len(receiver.got) == 3
    detail = await _entry(frozen, cast, entry_id)
    assert detail.entry.status == "delivered" and detail.entry.external_reference is None


async def test_a_store_that_never_takes_it_leaves_the_entry_failed_after_the_last_attempt(
    frozen: Frozen, receiver: Receiver
) -> None:
    cast = await build_cast(frozen.rt)
    await connect_store(frozen.rt, cast, receiver.url)
    receiver.answers = [(500, None)] * 20
    entry_id, _order = await _refund(frozen, cast, 900)
    await _run(frozen, 12, dt.timedelta(hours=2))
    assert len(receiver.got) == actions.DELIVERY_ATTEMPTS
    detail = await _entry(frozen, cast, entry_id)
    assert detail.entry.status == "failed"
    assert f"after {actions.DELIVERY_ATTEMPTS} attempts" in (detail.entry.failure_reason or "")
    assert [a.action for a in detail.audit] == ["granted", "delivery_failed"]


async def test_an_unreachable_store_is_retried_then_failed(frozen: Frozen) -> None:
    cast = await build_cast(frozen.rt)
    await connect_store(frozen.rt, cast, "http://127.0.0.1:9/refunds")
    entry_id, _order = await _refund(frozen, cast, 300)
    await _run(frozen, 12, dt.timedelta(hours=2))
    detail = await _entry(frozen, cast, entry_id)
    assert detail.entry.status == "failed" and "127.0.0.1:9" in (detail.entry.failure_reason or "")

"""Proactive lost-parcel detection, run in-process against a frozen clock on a database of its own:
the sweep marks the parcels a policy presumes lost, and the listener of ``shipment.stalled`` opens
a ticket, compensates through the ledger (automatic) or leaves a suggestion (suggest), and tells
the customer in their language — in their chat and on the ticket. No parcel is compensated twice:
not when the sweep runs again, not when the event is processed twice or by two runners at once."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cast, Databases, build_cast, make_settings
from wowdesk.commerce import actions as commerce
from wowdesk.commerce import queries as commerce_queries
from wowdesk.commerce import tracking
from wowdesk.commerce.schemas import OrderIn, SellerIn, ShipmentIn
from wowdesk.conversations import actions as chat
from wowdesk.conversations import queries as chat_queries
from wowdesk.conversations.schemas import ChannelCreate, VisitorMessageIn, WebchatSettings
from wowdesk.core.clock import FrozenClock
from wowdesk.core.i18n import translate
from wowdesk.core.jobs.runner import JobRunner
from wowdesk.core.money import format_money
from wowdesk.core.runtime import Runtime
from wowdesk.main import build_runtime
from wowdesk.policies.claims import queries as claims
from wowdesk.policies.ledger import queries as ledger
from wowdesk.policies.resolutions import actions as policies
from wowdesk.policies.resolutions import jobs as sweep
from wowdesk.policies.resolutions import queries as policy_queries
from wowdesk.policies.resolutions.schemas import AcceptIn, PolicyIn
from wowdesk.tickets import queries
from wowdesk.tickets.proactive import actions as proactive
from wowdesk.tickets.proactive import messages

START = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
SHIPPED = START - dt.timedelta(days=12)
TOTAL, ITEMS, SHIPPING, CREDIT, OFFER = 209_000, 203_000, 6_000, 10_000, 20_000


def policy_in(mode: str = "automatic") -> PolicyIn:
    return PolicyIn.model_validate(
        {
            "name": "Lost parcel",
            "mode": mode,
            "document": {
                "trigger": {"kind": "shipment_stalled", "days_without_progress": 7, "days_past_promised": 3},
                "then": [
                    {"refund": {"scope": "order"}},
                    {"goodwill_credit": {"amount": CREDIT}},
                    {"offer_shipping_reimbursement": {"up_to": OFFER}},
                    {"no_return_required": True},
                    {"open_claim": {"reason": "lost_in_transit"}},
                ],
                "currency": "TWD",
            },
        }
    )


@dataclass
class Frozen:
    rt: Runtime
    clock: FrozenClock
    runner: JobRunner

    async def run_jobs(self) -> int:
        total = 0
        for _ in range(20):  # sweep → batches → stalled events → contacts → ledger → timelines, claims
            ran = await self.runner.run_once()
            total += ran
            if not ran:
                break
        return total


@pytest.fixture(scope="module")
def frozen_db(databases: Databases) -> str:
    return databases.new()


@pytest.fixture(scope="module")
async def frozen(frozen_db: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Frozen]:
    clock = FrozenClock(START)
    settings = make_settings(frozen_db, Path(tmp_path_factory.mktemp("lost")), None)
    rt = build_runtime(settings, clock=clock)
    await rt.start(run_jobs=False)
    yield Frozen(rt=rt, clock=clock, runner=JobRunner(rt.uow, rt.jobs, name="test-lost"))
    await rt.stop()


@dataclass
class Store:
    cast: Cast
    shipments: dict[str, int]  # who → their parcel
    orders: dict[str, int]
    conversation_id: int  # Lisa's open web chat


async def _parcel(
    s: Any, cast: Cast, who: str, *, fulfilment: str, last_scan: dt.datetime
) -> tuple[int, int]:
    admin = cast.actor("ada")
    seller = "S-shop" if fulfilment == "seller" else "S-first"
    order, _r = await commerce.do_upsert_order(
        s,
        admin,
        f"O-{who}",
        OrderIn.model_validate(
            {
                "number": f"TW-{who.upper()}",
                "customer": {"id": cast.customers[who].id},
                "seller_external_id": seller,
                "fulfilment": fulfilment,
                "status": "shipped",
                "currency": "TWD",
                "items": [{"sku": "KETTLE", "name": "電熱水壺", "quantity": 1, "unit_price_minor": ITEMS}],
                "shipping_minor": SHIPPING,
                "placed_at": (SHIPPED - dt.timedelta(days=1)).isoformat(),
            }
        ),
    )
    shipment, _r2, _n = await tracking.do_upsert_shipment(
        s,
        admin,
        f"P-{who}",
        ShipmentIn.model_validate(
            {
                "order_external_id": f"O-{who}",
                "carrier": "黑貓宅急便",
                "tracking_number": f"TRK-{who}",
                "promised_at": (START + dt.timedelta(days=10)).isoformat(),
                "shipped_at": SHIPPED.isoformat(),
                "events": [
                    {"occurred_at": last_scan.isoformat(), "status": "in_transit", "description": "Taoyuan"}
                ],
            }
        ),
    )
    return order.id, shipment.id


@pytest.fixture
async def store(frozen: Frozen) -> Store:
    """Lisa's (zh-Hant) and Wang's (zh-Hans, seller-fulfilled) parcels are stuck for 10 days; John's
    (en) was scanned yesterday. Lisa has an open web chat."""
    frozen.clock.set(START)
    cast = await build_cast(frozen.rt)
    await frozen.run_jobs()
    admin = cast.actor("ada")
    async with frozen.rt.uow() as s:
        await commerce.do_upsert_seller(
            s, admin, "S-first", SellerIn(name="WowShop 自營", kind="first_party")
        )
        await commerce.do_upsert_seller(s, admin, "S-shop", SellerIn(name="好物選品", kind="marketplace"))
        orders, shipments = {}, {}
        for who, fulfilment, days in (
            ("lisa", "platform", 10),
            ("wang", "seller", 10),
            ("john", "platform", 1),
        ):
            orders[who], shipments[who] = await _parcel(
                s, cast, who, fulfilment=fulfilment, last_scan=START - dt.timedelta(days=days)
            )
        channel = await chat.do_create_channel(
            s, admin, ChannelCreate(name="Web", settings=WebchatSettings())
        )
        conversation, _m, _c = await chat.do_receive_message(
            s,
            channel,
            cast.customers["lisa"].id,
            VisitorMessageIn(client_id="c1", body="你好"),
            language="zh-Hant",
        )
    return Store(cast=cast, shipments=shipments, orders=orders, conversation_id=conversation.id)


async def save_policy(f: Frozen, cast: Cast, mode: str = "automatic") -> int:
    async with f.rt.uow() as s:
        return (await policies.do_create_policy(s, cast.actor("ada"), policy_in(mode))).id


async def run_sweep(f: Frozen, cast: Cast) -> None:
    async with f.rt.uow() as s:
        await sweep.start_workspace_sweep(s, cast.workspace_id)
    await f.run_jobs()


async def entries(f: Frozen, cast: Cast, order_id: int) -> list[tuple[str, int, str]]:
    async with f.rt.uow(write=False) as s:
        page = await ledger.list_entries(s, cast.actor("ada"), order_id=order_id, limit=100)
    return sorted((e.kind, e.amount_minor, e.idempotency_key) for e in page.items)


async def contact(f: Frozen, cast: Cast, shipment_id: int) -> Any:
    from wowdesk.tickets.proactive.repository import ProactiveRepository  # the test reads the record

    async with f.rt.uow(write=False) as s:
        return await ProactiveRepository(s, cast.workspace_id).of_shipment(shipment_id)


async def public_replies(f: Frozen, cast: Cast, ticket_id: int) -> list[str]:
    async with f.rt.uow(write=False) as s:
        actor = cast.actor("ada")
        ticket = await queries.get_ticket(s, actor, ticket_id)
        return [c.body for c in await queries.list_comments(s, actor, ticket) if c.public]


async def chat_lines(f: Frozen, cast: Cast, conversation_id: int) -> list[str]:
    async with f.rt.uow(write=False) as s:
        c = await chat_queries.find_conversation(s, cast.workspace_id, conversation_id)
        assert c is not None
        msgs = await chat_queries.messages(s, cast.workspace_id, c, public_only=True)
        return [m.body for m in msgs if m.direction == "outgoing"]


async def test_automatic_policy_compensates_each_lost_parcel_once_and_tells_the_customer(
    frozen: Frozen, store: Store
) -> None:
    cast = store.cast
    await save_policy(frozen, cast)
    await run_sweep(frozen, cast)

    lisa = store.shipments["lisa"]
    keys = [
        ("goodwill_credit", CREDIT, f"lost-parcel:{lisa}:goodwill_credit"),
        ("refund", TOTAL, f"lost-parcel:{lisa}:refund"),  # the whole order, shipping included
    ]
    assert await entries(frozen, cast, store.orders["lisa"]) == keys
    row = await contact(frozen, cast, lisa)
    assert row.ticket_id is not None and row.mode == "automatic" and row.told_via == "chat"
    assert row.language == "zh-Hant"
    # John's parcel moved yesterday: nobody was told anything, nothing was paid.
    assert await contact(frozen, cast, store.shipments["john"]) is None
    assert await entries(frozen, cast, store.orders["john"]) == []

    # Told in their chat and on the ticket, with amounts as a zh-Hant reader writes them.
    [reply] = await public_replies(frozen, cast, row.ticket_id)
    said = await chat_lines(frozen, cast, store.conversation_id)
    assert reply in said
    assert format_money(TOTAL, "TWD", "zh-Hant") in reply and "NT$" not in reply
    assert format_money(CREDIT, "TWD", "zh-Hant") in reply and format_money(OFFER, "TWD", "zh-Hant") in reply
    expected_intro = translate(
        messages.NO_PROGRESS, "zh-Hant", number="TW-LISA", carrier="黑貓宅急便", tracking="TRK-lisa", days=10
    )
    assert reply.startswith(expected_intro)
    if translate(messages.SUBJECT, "zh-Hant") != messages.SUBJECT:  # once the catalogues carry the words
        assert "包裹" in reply and "已遺失" in reply and "退款" in reply
    async with frozen.rt.uow(write=False) as s:
        ticket = await queries.get_ticket(s, cast.actor("ada"), row.ticket_id)
    assert ticket.subject == messages.subject("zh-Hant", "TW-LISA")
    assert ticket.requester_id == cast.customers["lisa"].id

    # The offer waits on the ticket for the customer to take it up.
    async with frozen.rt.uow(write=False) as s:
        [offer] = await policy_queries.list_suggestions(s, cast.actor("alice"), row.ticket_id)
    assert (offer.kind, offer.status, offer.proposal["grants"][0]["amount_minor"]) == ("offer", "open", OFFER)

    # Wang (zh-Hans) too; told on the ticket (no chat), in English amounts of his locale.
    wang = await contact(frozen, cast, store.shipments["wang"])
    assert wang.told_via == "ticket" and wang.language == "zh-Hans"
    [wang_reply] = await public_replies(frozen, cast, wang.ticket_id)
    assert format_money(TOTAL, "TWD", "zh-Hans") in wang_reply

    # Again: the sweep finds nothing, the events processed again pay nothing.
    frozen.clock.advance(dt.timedelta(hours=1))
    await run_sweep(frozen, cast)
    for who in ("lisa", "wang"):
        async with frozen.rt.uow() as s:
            again = await proactive.do_contact_about_stalled(
                s,
                {
                    "workspace_id": cast.workspace_id,
                    "shipment_id": store.shipments[who],
                    "order_id": store.orders[who],
                    "customer_id": cast.customers[who].id,
                },
            )
        assert again is None
    assert await entries(frozen, cast, store.orders["lisa"]) == keys
    assert len(await public_replies(frozen, cast, row.ticket_id)) == 1
    assert len(await chat_lines(frozen, cast, store.conversation_id)) == 1


async def test_two_runners_on_the_same_event_compensate_once(frozen: Frozen, store: Store) -> None:
    cast = store.cast
    await save_policy(frozen, cast)
    lisa = store.shipments["lisa"]
    data = {
        "workspace_id": cast.workspace_id,
        "shipment_id": lisa,
        "order_id": store.orders["lisa"],
        "customer_id": cast.customers["lisa"].id,
    }

    async def one() -> Any:
        async with frozen.rt.uow() as s:
            return await proactive.do_contact_about_stalled(s, data)

    results = await asyncio.gather(one(), one(), return_exceptions=True)
    made = [r for r in results if r is not None and not isinstance(r, BaseException)]
    assert len(made) == 1, results
    await frozen.run_jobs()
    assert [k for k, _a, _key in await entries(frozen, cast, store.orders["lisa"])] == [
        "goodwill_credit",
        "refund",
    ]


async def test_suggest_mode_leaves_a_one_click_suggestion_granted_within_the_agents_authority(
    frozen: Frozen, store: Store
) -> None:
    cast = store.cast
    await save_policy(frozen, cast, mode="suggest")
    await run_sweep(frozen, cast)
    lisa = store.shipments["lisa"]
    row = await contact(frozen, cast, lisa)
    assert row.mode == "suggest"
    assert await entries(frozen, cast, store.orders["lisa"]) == []  # nothing paid yet
    [reply] = await public_replies(frozen, cast, row.ticket_id)
    assert translate(messages.AGENT_WILL, "zh-Hant") in reply

    alice = cast.actor("alice")
    async with frozen.rt.uow(write=False) as s:
        found = await policy_queries.list_suggestions(s, alice, row.ticket_id)
    resolution = next(x for x in found if x.kind == "resolution")
    assert [g["kind"] for g in resolution.proposal["grants"]] == ["refund", "goodwill_credit"]
    async with frozen.rt.uow() as s:
        accepted = await policies.do_accept_suggestion(s, alice, row.ticket_id, resolution.id, AcceptIn())
        outcome = accepted.outcome
    assert accepted.status == "accepted" and outcome is not None
    assert {g["kind"] for g in outcome["grants"]} == {"refund", "goodwill_credit"}
    async with frozen.rt.uow() as s:  # a double click changes nothing
        again = await policies.do_accept_suggestion(s, alice, row.ticket_id, resolution.id, AcceptIn())
    assert again.outcome == outcome
    await frozen.run_jobs()
    paid = await entries(frozen, cast, store.orders["lisa"])
    assert [(k, key) for k, _a, key in paid] == [
        ("goodwill_credit", f"lost-parcel:{lisa}:goodwill_credit"),
        ("refund", f"lost-parcel:{lisa}:refund"),
    ]
    # The grants (or the approval requests above Alice's limit) are lines on the ticket's timeline.
    async with frozen.rt.uow(write=False) as s:
        ticket = await queries.get_ticket(s, cast.actor("ada"), row.ticket_id)
        lines = await queries.timeline(s, cast.actor("ada"), ticket)
    compensation = [(e.field, (e.new or {}).get("kind")) for e in lines if e.kind == "compensation"]
    assert compensation, [e.kind for e in lines]
    assert {k for _f, k in compensation} == {"refund", "goodwill_credit"}
    # The sweep again: nothing new is suggested.
    await run_sweep(frozen, cast)
    async with frozen.rt.uow(write=False) as s:
        after = await policy_queries.list_suggestions(s, alice, row.ticket_id)
    assert len(after) == len(found)


async def test_claims_are_opened_for_seller_fulfilled_refunds_only(frozen: Frozen, store: Store) -> None:
    cast = store.cast
    await save_policy(frozen, cast)
    await run_sweep(frozen, cast)
    sam = cast.actor("sam")
    async with frozen.rt.uow(write=False) as s:
        page = await claims.list_claims(s, sam, claims.ClaimFilter())
        seller = await commerce_queries.get_order(s, sam, store.orders["wang"])
    [claim] = page.items
    assert (claim.order_id, claim.seller_id, claim.amount_minor, claim.currency, claim.status) == (
        store.orders["wang"],
        seller.seller_id,
        TOTAL,
        "TWD",
        "open",
    )
    assert claim.shipment_id == store.shipments["wang"] and claim.reason == "lost_parcel"
    assert "TRK-wang" in claim.evidence and "Taoyuan" in claim.evidence
    assert f"/api/v1/commerce/shipments/{store.shipments['wang']}" in claim.evidence_links
    # Lisa's order was fulfilled by the platform: no claim against anyone.
    assert all(c.order_id != store.orders["lisa"] for c in page.items)

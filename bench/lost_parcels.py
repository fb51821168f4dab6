r"""Lost-parcel benchmark: one full detection sweep over a million parcels, then the proactive
contacts it causes run to the end, and proof that nobody is compensated twice.

In one process (the embedded deployment: database, in-process bus and job runner on one event
loop), on a fresh database (SQLite file in a temporary folder, or a PostgreSQL database created and
dropped by the run):

1. **Setup**, through the project's own actions: one workspace (currency TWD), a first-party and a
   marketplace seller, ``--customers`` customers (default 2,000; languages en / zh-Hant / zh-Hans
   in turn), a web chat for one customer in ten (the chat the proactive message reaches), and the
   lost-parcel policy of the issue in automatic mode (7 days without tracking progress, or 3 days
   past the promised date → refund the order with shipping, a goodwill credit of NT$100, offer
   the fastest shipping of a replacement up to NT$200, no return, claim seller-fulfilled refunds).
2. **Seeded, in bulk** (not measured): ``--shipments`` parcels (default 1,000,000), each with its
   order (one item) and its last tracking event, written straight into the tables (Core
   executemany, explicit ids, 20,000 parcels per transaction). 1 % are stalled (last scan 10
   days ago, promised 5 days ago); of the rest, 90 % delivered (closed) and the others in transit
   (scanned within the day, promised in the future). One stalled order in four is seller-fulfilled.
   Then the planner's statistics (ANALYZE / VACUUM ANALYZE) and the id sequences.
3. **Detection sweep, measured**: what the sweep job does — keyset pages of
   ``commerce.queries.stalled_candidates`` over the workspace, each page marked stalled with
   ``commerce.actions.do_mark_shipment_stalled`` (recording ``shipment.stalled`` and its durable
   job) in one unit of work of 500 — until no candidate is left. Prints its time and parcels/s.
4. **Proactive contacts, measured**: a job runner runs everything the sweep queued to the end:
   per parcel a ticket opened, the policy evaluated and granted through the ledger as the system
   (refund + credit, idempotency keys of the parcel), the offer left as a suggestion, the customer
   told (public reply, and their chat), then the ledger's own jobs, the compensation lines on the
   tickets' timelines and the claims against sellers. Prints the time and compensations/s.
5. **Checks**: each stalled parcel has exactly one contact, one ticket, one refund (of the order's
   total) and one credit; seller-fulfilled ones one claim; a second sweep marks nothing.

Target (issue 6): a full sweep < 60 s on SQLite and PostgreSQL, without duplicates. Exit status 1
if the target is missed or a check fails, 2 if the run could not be set up.

    .venv/bin/python bench/lost_parcels.py --quick          # 50,000 parcels
    .venv/bin/python bench/lost_parcels.py                  # 1,000,000 parcels
    .venv/bin/python bench/lost_parcels.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import shlex
import shutil
import sys
import time
from typing import Any, cast

from sqlalchemy import Table, func, select, text

from _common import (
    BulkRows,
    machine_lines,
    move_sequences,
    next_ids,
    pg_execute,
    started_runtime,
    throwaway_database,
)
from wowdesk.accounts import actions as account_actions
from wowdesk.accounts.schemas import WorkspaceCreate
from wowdesk.commerce import actions as commerce_actions
from wowdesk.commerce.models import Order, OrderItem, Shipment, TrackingEvent
from wowdesk.commerce.schemas import SellerIn
from wowdesk.conversations import actions as chat
from wowdesk.conversations.schemas import ChannelCreate, VisitorMessageIn, WebchatSettings
from wowdesk.core.actor import Actor
from wowdesk.core.db import refresh_statistics
from wowdesk.core.jobs.models import Job
from wowdesk.core.jobs.runner import JobRunner
from wowdesk.core.migrate import upgrade
from wowdesk.customers import actions as customer_actions
from wowdesk.customers.schemas import CustomerCreate
from wowdesk.policies.claims.models import Claim
from wowdesk.policies.ledger.models import CompensationEntry as LedgerEntry
from wowdesk.policies.resolutions import actions as policy_actions
from wowdesk.policies.resolutions import jobs as sweep
from wowdesk.policies.resolutions.schemas import PolicyIn
from wowdesk.tickets.models import Ticket
from wowdesk.tickets.proactive.models import ProactiveContact

SEED_CHUNK = 20_000  # parcels per seeding transaction
TARGET_S = 60.0
LANGUAGES = ("en", "zh-Hant", "zh-Hans")
ITEM_PRICE, SHIPPING = 89_000, 6_000
TABLES = ["orders", "order_items", "shipments", "tracking_events"]
POLICY = {
    "name": "Lost parcel",
    "mode": "automatic",
    "document": {
        "trigger": {"kind": "shipment_stalled", "days_without_progress": 7, "days_past_promised": 3},
        "then": [
            {"refund": {"scope": "order"}},
            {"goodwill_credit": {"amount": 10_000}},
            {"offer_shipping_reimbursement": {"up_to": 20_000}},
            {"no_return_required": True},
            {"open_claim": {"reason": "lost_in_transit"}},
        ],
    },
}


async def setup(rt: Any, customers: int) -> dict[str, Any]:
    async with rt.uow() as s:
        ws, _admin = await account_actions.do_create_workspace(
            s,
            WorkspaceCreate(
                slug="bench",
                name="Bench",
                admin_email="admin@bench.test",
                admin_password="Bench-pass-9!x",
                currency="TWD",
            ),
        )
        system = Actor.system(ws.id)
        first, _r = await commerce_actions.do_upsert_seller(
            s, system, "S-first", SellerIn(name="WowShop 自營", kind="first_party")
        )
        market, _r = await commerce_actions.do_upsert_seller(
            s, system, "S-market", SellerIn(name="好物選品 Goodies", kind="marketplace")
        )
        channel = await chat.do_create_channel(
            s, system, ChannelCreate(name="Web", settings=WebchatSettings())
        )
        await policy_actions.do_create_policy(s, system, PolicyIn.model_validate(POLICY))
    ids = []
    for start in range(0, customers, 500):
        async with rt.uow() as s:
            for n in range(start, min(customers, start + 500)):
                c = await customer_actions.do_create_customer(
                    s,
                    system,
                    CustomerCreate(
                        name=f"Customer {n}", emails=[f"c{n}@bench.test"], language=LANGUAGES[n % 3]
                    ),
                )
                ids.append(c.id)
                if n % 10 == 0:  # one in ten has the web chat open
                    await chat.do_receive_message(
                        s,
                        channel,
                        c.id,
                        VisitorMessageIn(client_id=f"hi-{n}", body="hi"),
                        language=LANGUAGES[n % 3],
                    )
    return {"workspace_id": ws.id, "sellers": (first.id, market.id), "customers": ids}


def _kind(i: int) -> str:
    if i % 100 == 0:
        return "stalled"
    return "delivered" if i % 10 else "in_transit"


async def seed(rt: Any, env: dict[str, Any], count: int, now: dt.datetime, url: str) -> str:
    ws, (first, market), customers = env["workspace_id"], env["sellers"], env["customers"]
    out = BulkRows(
        rt.db.dialect,
        [cast(Table, m.__table__) for m in (Order, OrderItem, Shipment, TrackingEvent)],
        batch=2_000,
    )
    async with rt.uow(write=False) as s:
        ids = await next_ids(s, TABLES)
    for start in range(0, count, SEED_CHUNK):
        async with rt.uow() as s:
            for i in range(start, min(count, start + SEED_CHUNK)):
                kind = _kind(i)
                oid, sid = ids["orders"] + i, ids["shipments"] + i
                seller_side = kind == "stalled" and (i // 100) % 4 == 1
                placed = now - dt.timedelta(days=14 if kind == "stalled" else 3, minutes=i % 600)
                shipped = placed + dt.timedelta(hours=12)
                last = (
                    now - dt.timedelta(days=10) if kind == "stalled" else now - dt.timedelta(hours=6 + i % 12)
                )
                promised = now - dt.timedelta(days=5) if kind == "stalled" else now + dt.timedelta(days=2)
                delivered = last if kind == "delivered" else None
                base = {"workspace_id": ws, "created_at": placed}
                out.add(
                    "orders",
                    base
                    | {
                        "id": oid,
                        "external_id": f"O-{i}",
                        "number": f"TW-{i:07d}",
                        "customer_id": customers[i % len(customers)],
                        "seller_id": market if seller_side else first,
                        "fulfilment": "seller" if seller_side else "platform",
                        "status": "delivered" if delivered else "shipped",
                        "cancel_reason": None,
                        "currency": "TWD",
                        "items_total_minor": ITEM_PRICE,
                        "shipping_minor": SHIPPING,
                        "total_minor": ITEM_PRICE + SHIPPING,
                        "placed_at": placed,
                        "ship_by": None,
                        "shipped_at": shipped,
                        "cancelled_at": None,
                        "chargeback_at": None,
                        "updated_at": placed,
                    },
                )
                out.add(
                    "order_items",
                    {
                        "id": ids["order_items"] + i,
                        "workspace_id": ws,
                        "order_id": oid,
                        "position": 0,
                        "sku": "KETTLE-1",
                        "name": "電熱水壺 Electric kettle",
                        "names": None,
                        "quantity": 1,
                        "unit_price_minor": ITEM_PRICE,
                        "condition": None,
                    },
                )
                out.add(
                    "shipments",
                    base
                    | {
                        "id": sid,
                        "external_id": f"P-{i}",
                        "order_id": oid,
                        "carrier": "黑貓宅急便",
                        "service_level": "standard",
                        "tracking_number": f"TRK{i:09d}",
                        "status": "delivered" if delivered else "in_transit",
                        "promised_at": promised,
                        "shipped_at": shipped,
                        "last_event_at": last,
                        "delivered_at": delivered,
                        "closed_at": delivered,
                        "stalled_at": None,
                        "stall_reason": None,
                        "updated_at": last,
                    },
                )
                out.add(
                    "tracking_events",
                    {
                        "id": ids["tracking_events"] + i,
                        "workspace_id": ws,
                        "shipment_id": sid,
                        "dedupe_key": f"bench-{i}",
                        "external_id": None,
                        "occurred_at": last,
                        "status": "delivered" if delivered else "in_transit",
                        "code": None,
                        "description": "Delivered" if delivered else "Departed Taoyuan hub",
                        "location": "Taoyuan",
                        "created_at": last,
                    },
                )
            await out.flush(s)
    async with rt.uow() as s:
        await move_sequences(s, TABLES)
    t0 = time.perf_counter()
    if rt.db.dialect == "postgresql":
        await asyncio.to_thread(pg_execute, url, "VACUUM ANALYZE")
    else:
        async with rt.uow() as s:
            await refresh_statistics(s)
    written = ", ".join(f"{n:,} {t}" for t, n in out.written.items() if n)
    return f"{written}; statistics {time.perf_counter() - t0:.1f} s"


async def detection_sweep(rt: Any, ws: int) -> tuple[int, int]:
    """One full sweep, one unit of work per batch (as the sweep's jobs run it); (marked, batches)."""
    async with rt.uow() as s:
        at = rt.clock.now()
        no_progress, promised = await sweep.thresholds(s, ws, at)
    payload: dict[str, Any] = {
        "after_id": 0,
        "no_progress_before": no_progress.isoformat() if no_progress else None,
        "promised_before": promised.isoformat() if promised else None,
    }
    marked = batches = 0
    while True:
        async with rt.uow() as s:
            n, after = await sweep.sweep_batch(s, ws, payload)
        marked, batches = marked + n, batches + 1
        if after is None:
            return marked, batches
        payload["after_id"] = after


async def drain(rt: Any) -> int:
    runner = JobRunner(rt.uow, rt.jobs, name="bench-lost", batch_size=100)
    total = 0
    while True:
        ran = await runner.run_once()
        total += ran
        if not ran:
            return total


async def _scalar(rt: Any, q: Any) -> int:
    async with rt.uow(write=False) as s:
        return int((await s.execute(q)).scalar() or 0)


async def checks(rt: Any, ws: int, stalled: int, seller_side: int) -> list[str]:
    """What must hold: every stalled parcel contacted and compensated exactly once."""
    bad = []
    contacts = await _scalar(
        rt, select(func.count()).select_from(ProactiveContact).where(ProactiveContact.workspace_id == ws)
    )
    tickets = await _scalar(rt, select(func.count()).select_from(Ticket).where(Ticket.workspace_id == ws))
    for kind in ("refund", "goodwill_credit"):
        rows = await _scalar(
            rt,
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.workspace_id == ws, LedgerEntry.kind == kind),
        )
        parcels = await _scalar(
            rt,
            select(func.count(func.distinct(LedgerEntry.shipment_id))).where(
                LedgerEntry.workspace_id == ws, LedgerEntry.kind == kind
            ),
        )
        if rows != stalled or parcels != stalled:
            bad.append(f"{kind}: {rows} entries for {parcels} parcels, want {stalled}")
    claims = await _scalar(rt, select(func.count()).select_from(Claim).where(Claim.workspace_id == ws))
    failed = await _scalar(rt, select(func.count()).select_from(Job).where(Job.status == "failed"))
    told = await _scalar(
        rt,
        text(
            "SELECT count(*) FROM proactive_contacts WHERE workspace_id = :ws AND told_via IS NOT NULL"
        ).bindparams(ws=ws),
    )
    if contacts != stalled or tickets != stalled or told != stalled:
        bad.append(f"{contacts} contacts, {tickets} tickets, {told} told, want {stalled} each")
    if claims != seller_side:
        bad.append(f"{claims} claims, want {seller_side}")
    if failed:
        bad.append(f"{failed} jobs failed")
    return bad


async def run(args: argparse.Namespace, url: str, label: str) -> bool:
    rt, data = await started_runtime(url, "wowdesk-bench-lost-")
    ok = True
    try:
        t0 = time.perf_counter()
        env = await setup(rt, args.customers)
        ws = env["workspace_id"]
        print(
            f"[{label}] setup: {args.customers:,} customers, 2 sellers, 1 policy "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        t0 = time.perf_counter()
        written = await seed(rt, env, args.shipments, rt.clock.now(), url)
        print(
            f"[{label}] seeded in bulk: {args.shipments:,} parcels "
            f"in {time.perf_counter() - t0:.1f} s ({written})",
            flush=True,
        )
        await drain(rt)  # the setup's own jobs (none are parcels'), not timed
        stalled = sum(1 for i in range(args.shipments) if _kind(i) == "stalled")
        seller_side = sum(1 for i in range(0, args.shipments, 100) if (i // 100) % 4 == 1)

        t0 = time.perf_counter()
        marked, batches = await detection_sweep(rt, ws)
        took = time.perf_counter() - t0
        print(
            f"[{label}] detection sweep: {marked:,} of {args.shipments:,} parcels presumed lost "
            f"in {took:.1f} s ({batches} batches of {sweep.BATCH}; {marked / took:,.0f} parcels marked/s; "
            f"target < {TARGET_S:.0f} s)",
            flush=True,
        )
        ok &= took < TARGET_S and marked == stalled
        t0 = time.perf_counter()
        jobs = await drain(rt)
        took_c = time.perf_counter() - t0
        print(
            f"[{label}] proactive contacts: {stalled:,} customers told and compensated in {took_c:.1f} s "
            f"({stalled / took_c:,.0f} compensations/s; {jobs:,} jobs: contacts, ledger, timelines, claims)",
            flush=True,
        )
        t0 = time.perf_counter()
        again, _b = await detection_sweep(rt, ws)
        print(f"[{label}] second sweep: {again} parcels marked in {time.perf_counter() - t0:.1f} s")
        await drain(rt)
        bad = await checks(rt, ws, stalled, seller_side)
        if again:
            bad.append(f"the second sweep marked {again}")
        print(
            f"[{label}] checks: "
            + ("each stalled parcel compensated exactly once" if not bad else "; ".join(bad))
        )
        ok &= not bad
    finally:
        await rt.stop()
        shutil.rmtree(data, ignore_errors=True)  # the runtime's data folder (secret key, files)
    return ok


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shipments", type=int, default=1_000_000, help="parcels seeded in bulk (1 %% stalled)")
    p.add_argument("--customers", type=int, default=2_000)
    p.add_argument("--quick", action="store_true", help="50,000 parcels")
    p.add_argument(
        "--postgres",
        help="a PostgreSQL server URL (postgresql+asyncpg://…); a database is created and dropped",
    )
    args = p.parse_args()
    if args.quick:
        args.shipments = 50_000
    print("command: " + shlex.join([".venv/bin/python", "bench/lost_parcels.py", *sys.argv[1:]]))
    # The SQLite file of a million parcels goes with the run.
    with throwaway_database(args.postgres, "wowdesk-bench-lost-db-") as (url, label, pg_versions):
        try:
            upgrade(url)
        except Exception as exc:
            print(f"could not set up the database: {exc!r}")
            return 2
        ok = asyncio.run(run(args, url, label))
    for line in machine_lines(pg_versions):
        print(line)
    print("result: " + ("target met" if ok else "TARGET MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

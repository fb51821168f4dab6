"""Sellers' response times on a frozen clock (what seller metrics read), and the screening of
messages for attempts to leave the platform, on the texts buyers and sellers really write."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.commerce.support import order_doc, seller_doc
from tests.conftest import Cast, Databases, build_cast, make_settings
from wowdesk.commerce import actions as commerce
from wowdesk.commerce.schemas import OrderIn, SellerIn
from wowdesk.conversations.sellers import actions, queries
from wowdesk.conversations.sellers.schemas import BuyerMessageIn, SellerMessageIn
from wowdesk.conversations.sellers.screening import mask, scan, screened_for_seller
from wowdesk.core.actor import Actor
from wowdesk.core.clock import FrozenClock
from wowdesk.core.runtime import Runtime
from wowdesk.main import build_runtime

T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def metrics_db(databases: Databases) -> str:
    return databases.new()  # synchronous: migrating runs an event loop of its own


@pytest.fixture(scope="module")
async def frozen(
    metrics_db: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Runtime, FrozenClock]]:
    clock = FrozenClock(T0)
    data: Path = tmp_path_factory.mktemp("seller-metrics")
    rt = build_runtime(make_settings(metrics_db, data, None), clock=clock)
    await rt.start(run_jobs=False)
    yield rt, clock
    await rt.stop()


async def _shop(cast: Cast) -> dict[str, Actor]:
    ada = cast.actor("ada")
    sellers: dict[str, Actor] = {}
    async with cast.rt.uow() as s:
        for name in ("S-1", "S-2"):
            row, _ = await commerce.do_upsert_seller(
                s, ada, name, SellerIn.model_validate(seller_doc(name=name))
            )
            sellers[name] = Actor(kind="seller", workspace_id=cast.workspace_id, id=row.id, name=name)
        for order, seller in (("O-1", "S-1"), ("O-2", "S-1"), ("O-3", "S-2")):
            doc = order_doc(seller, number=order, customer={"email": "lisa@example.com"})
            await commerce.do_upsert_order(s, ada, order, OrderIn.model_validate(doc))
    return sellers


async def test_the_time_from_a_buyer_message_to_the_sellers_next_reply_is_recorded(
    frozen: tuple[Runtime, FrozenClock],
) -> None:
    rt, clock = frozen
    clock.set(T0)
    cast = await build_cast(rt)
    sellers = await _shop(cast)
    lisa = cast.customers["lisa"].id
    ws = cast.workspace_id
    n = 0

    async def buyer(order: str, minutes: float) -> None:
        nonlocal n
        n += 1
        clock.set(T0 + dt.timedelta(minutes=minutes))
        async with rt.uow() as s:
            await actions.do_buyer_message(
                s, ws, lisa, order, BuyerMessageIn(body="在嗎?", client_id=f"b{n}")
            )

    async def seller(name: str, order: str, minutes: float, body: str = "您好") -> None:
        clock.set(T0 + dt.timedelta(minutes=minutes))
        async with rt.uow() as s:
            await actions.do_seller_message_on_order(s, sellers[name], order, SellerMessageIn(body=body))

    await buyer("O-1", 0)
    await buyer("O-1", 5)  # a second message of the same wait: still measured from the first
    await seller("S-1", "O-1", 30)
    await seller("S-1", "O-1", 31)  # nothing waited: no measure
    await buyer("O-1", 60)
    await seller("S-1", "O-1", 70, body="請打 0912345678")  # held, but it is an answer
    await buyer("O-2", 100)
    await seller("S-1", "O-2", 220)
    await buyer("O-3", 0)  # S-2's buyer waits still: not in S-2's figures yet
    await buyer("O-1", 300)  # unanswered: not counted

    async with rt.uow(write=False) as s:
        times = await queries.seller_first_response_times(s, ws, sellers["S-1"].id or 0, since=T0)
        later = await queries.seller_first_response_times(
            s, ws, sellers["S-1"].id or 0, since=T0 + dt.timedelta(minutes=50)
        )
        other = await queries.seller_first_response_times(s, ws, sellers["S-2"].id or 0, since=T0)
    assert times == [1800.0, 600.0, 7200.0]
    assert later == [600.0, 7200.0]
    assert other == []
    assert queries.median_seconds(times) == 1800.0
    assert queries.median_seconds([600.0, 7200.0]) == 3900.0
    assert queries.median_seconds([]) is None


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("我的電話是0912345678喔", ["phone"]),
        ("打給我 ０９１２－３４５－６７８", ["phone"]),
        ("微信 13812345678", ["messaging_app", "phone"]),
        ("WhatsApp +852 9123 4567", ["messaging_app", "phone"]),
        ("call me at (415) 555-2671", ["phone"]),
        ("寄到 lisa＠example．com", ["email"]),
        ("mail bob (at) gmail (dot) com", ["email"]),
        ("加我line：shop123", ["messaging_app"]),
        ("看這裡 https://cheap.example.net/x 或 www.deal.tw", ["link", "link"]),
        ("shop at goodies.com.tw today", ["link"]),
        ("物流單號 9012-3456-7890，訂單 TW-10001，NT$1,590", []),
        ("說明在 https://help.shop.example.tw/returns", []),
        ("謝謝您的耐心，今天會出貨。", []),
    ],
)
def test_what_counts_as_leaving_the_platform(text: str, kinds: list[str]) -> None:
    assert [f.kind for f in scan(text, allowed_domains=["shop.example.tw"])] == kinds


def test_masking_hides_contact_details_and_the_customers_own_however_written() -> None:
    known = ["lisa@example.com", "+886912345678"]
    text = "email LISA@example.com 或 lisa＠example．com，手機 ０９１２３４５６７８ / 0912-345-678"
    masked = screened_for_seller(text, known=known)
    assert masked == "email [email hidden] 或 [email hidden]，手機 [phone hidden] / [phone hidden]"
    assert mask("no contact here", scan("no contact here"), known=known) == "no contact here"

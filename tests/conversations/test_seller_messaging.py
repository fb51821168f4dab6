"""Buyer-seller messaging over real HTTP: a marketplace seller answers the buyers of their orders
through the seller API, never learning who the customer is; messages that try to take the buyer
off the platform are held for an agent; agents see every thread like any conversation."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from tests.commerce.support import order_doc, seller_doc
from tests.conftest import Api, Cast, assert_problem
from wowdesk.api.visitors import visitor_signer
from wowdesk.conversations import actions as chat
from wowdesk.core import eventlog
from wowdesk.core.pagination import encode_cursor
from wowdesk.models import metadata

# Lisa's real contact details (tests/conftest.py): none of these may reach a seller.
LISA_SECRETS = ("lisa@example.com", "+886912345678", "0912345678", "0912-345-678", "張雅婷")


class SellerWorld:
    """The cast's workspace with two marketplace sellers and orders of Lisa's and John's."""

    def __init__(self, cast: Cast, channel_id: int) -> None:
        self.cast = cast
        self.channel_id = channel_id  # the workspace's web chat (where the customer's visitor token is from)
        self.admin = cast.api("ada")
        for seller in ("S-1", "S-2"):
            r = self.admin.put(f"/api/v1/commerce/sellers/{seller}", json=seller_doc(name=f"Shop {seller}"))
            assert r.status_code == 201, r.text
        self.orders: dict[str, dict[str, Any]] = {}
        for order, seller, email in (
            ("O-1", "S-1", "lisa@example.com"),
            ("O-2", "S-2", "john@example.com"),
            ("O-3", "S-1", "lisa@example.com"),
            ("O-4", "S-2", "lisa@example.com"),
        ):
            doc = order_doc(seller, number=f"TW-{order}", customer={"email": email})
            r = self.admin.put(f"/api/v1/commerce/orders/{order}", json=doc)
            assert r.status_code == 201, r.text
            self.orders[order] = r.json()
        self.keys = {s: self.new_key(s) for s in ("S-1", "S-2")}
        self.seen_by_sellers: list[str] = []  # every answer a seller got, as text

    def new_key(self, seller: str) -> str:
        r = self.admin.post(f"/api/v1/commerce/sellers/{seller}/api-keys", json={"name": "portal"})
        assert r.status_code == 201, r.text
        key: str = r.json()["key"]
        assert key.startswith("wds_")
        return key

    def seller(self, name: str) -> Api:
        return self.cast.as_key(self.keys[name])

    def as_seller(self, name: str, method: str, path: str, **kw: Any) -> httpx.Response:
        r = self.seller(name).request(method, path, **kw)
        self.seen_by_sellers.append(r.text + json.dumps(dict(r.headers)))
        return r

    def visitor(self, customer: str) -> httpx.Client:
        cast = self.cast
        token = visitor_signer(cast.rt).sign(cast.workspace_id, self.channel_id, cast.customers[customer].id)
        assert cast.base_url
        return httpx.Client(base_url=cast.base_url, headers={"Authorization": f"Visitor {token}"})

    def buyer_says(self, customer: str, order: str, body: str, client_id: str) -> httpx.Response:
        with self.visitor(customer) as v:
            return v.post(
                f"/api/v1/widget/orders/{order}/seller-messages", json={"client_id": client_id, "body": body}
            )

    def buyer_reads(self, customer: str, order: str) -> list[dict[str, Any]]:
        with self.visitor(customer) as v:
            r = v.get(f"/api/v1/widget/orders/{order}/seller-messages")
            assert r.status_code == 200, r.text
            items: list[dict[str, Any]] = r.json()["items"]
            return items


@pytest.fixture
async def world(live_cast: Cast) -> SellerWorld:
    async with live_cast.rt.uow() as s:
        channel = (await chat.do_create_default_channel(s, live_cast.workspace_id)).id
    return SellerWorld(live_cast, channel)


async def count_rows(cast: Cast, *tables: str) -> dict[str, int]:
    from sqlalchemy import func, select

    out = {}
    async with cast.rt.uow(write=False) as s:
        for name in tables:
            t = metadata.tables[name]
            q = select(func.count()).select_from(t).where(t.c.workspace_id == cast.workspace_id)
            out[name] = int((await s.execute(q)).scalar_one())
    return out


TABLES = ("conversations", "messages", "seller_threads", "message_flags", "seller_responses")


def _thread_of(world: SellerWorld, seller: str, order: str) -> dict[str, Any]:
    r = world.as_seller(seller, "GET", "/api/v1/seller/threads")
    assert r.status_code == 200, r.text
    [thread] = [t for t in r.json()["items"] if t["order"]["external_id"] == order]
    return thread


async def test_buyer_and_seller_talk_and_the_seller_never_learns_who_the_buyer_is(world: SellerWorld) -> None:
    r = world.buyer_says(
        "lisa",
        "O-1",
        "請問出貨了嗎？我的電話 0912345678，email lisa@example.com，備用 ０９１２－３４５－６７８",
        "c-1",
    )
    assert r.status_code == 201, r.text
    assert world.buyer_says("lisa", "O-1", "請問出貨了嗎？", "c-1").status_code in (200, 201)

    thread = _thread_of(world, "S-1", "O-1")
    assert thread["order"] == {"external_id": "O-1", "number": "TW-O-1"}
    assert re.fullmatch(r"Buyer [A-Z2-7]{4}", thread["buyer"]["alias"])
    relay = thread["buyer"]["relay_address"]
    assert re.fullmatch(rf"buyer-[a-z2-7]{{6}}@relay\.{world.cast.slug}\.invalid", relay)
    assert thread["buyer"]["alias"][6:].lower() == relay[6:10]
    assert thread["awaiting_reply"] is True and thread["opened_by"] == "customer"

    r = world.as_seller("S-1", "GET", f"/api/v1/seller/threads/{thread['id']}/messages")
    assert r.status_code == 200
    [m] = r.json()["items"]
    assert m["author"] == {"kind": "buyer", "name": thread["buyer"]["alias"]}
    assert "[phone hidden]" in m["body"] and "[email hidden]" in m["body"] and "請問出貨了嗎" in m["body"]

    r = world.as_seller(
        "S-1", "POST", f"/api/v1/seller/threads/{thread['id']}/messages", json={"body": "今天出貨，謝謝您！"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["held"] is False and r.json()["thread"]["awaiting_reply"] is False

    # The buyer sees the seller's answer as the seller's; agents see the whole thread.
    seen = world.buyer_reads("lisa", "O-1")
    assert [x["author"]["kind"] for x in seen] == ["customer", "seller"]
    assert seen[1]["author"]["name"] == "Shop S-1" and seen[1]["body"] == "今天出貨，謝謝您！"
    agent = world.cast.api("ada")
    r = agent.get(f"/api/v1/conversations/{thread['id']}/messages")
    assert [(x["author"]["kind"], x["author"]["name"]) for x in r.json()["items"]][1] == (
        "seller",
        "Shop S-1",
    )
    assert "lisa@example.com" in r.json()["items"][0]["body"]  # the platform sees what the buyer wrote
    info = agent.get(f"/api/v1/conversations/{thread['id']}/seller-thread").json()
    assert info["order_external_id"] == "O-1" and info["customer_id"] == world.cast.customers["lisa"].id
    assert [f["findings"][0]["kind"] for f in info["flags"]] == ["phone"]  # noted, not held
    assert info["flags"][0]["status"] == "delivered"
    listed = agent.get("/api/v1/conversations", params={"customer": world.cast.customers["lisa"].id}).json()
    assert thread["id"] in [c["id"] for c in listed["items"]]

    # The same buyer is the same alias to this seller on another order, and another to S-2.
    r = world.as_seller(
        "S-1", "POST", "/api/v1/seller/orders/O-3/messages", json={"body": "您的第二筆訂單已備貨"}
    )
    assert r.status_code == 201 and r.json()["thread"]["opened_by"] == "seller"
    assert r.json()["thread"]["buyer"] == thread["buyer"]
    r = world.as_seller("S-2", "POST", "/api/v1/seller/orders/O-4/messages", json={"body": "Hello from S-2"})
    assert r.status_code == 201
    assert r.json()["thread"]["buyer"]["relay_address"] != relay

    # Everything a seller received: no address, number, name or customer id of Lisa's.
    world.as_seller("S-1", "GET", "/api/v1/seller/threads/999999999/messages")  # an error too
    everything = "\n".join(world.seen_by_sellers)
    for secret in LISA_SECRETS:
        assert secret not in everything
    assert f'"customer_id":{world.cast.customers["lisa"].id}' not in everything.replace(" ", "")


async def test_a_seller_message_that_leaves_the_platform_is_held_until_an_agent_decides(
    world: SellerWorld,
) -> None:
    agent = world.cast.api("alice")
    r = world.as_seller(
        "S-1",
        "POST",
        "/api/v1/seller/orders/O-1/messages",
        json={"body": "加我 LINE，或打 ０９１２－３４５－６７８，或寄信 shop＠goodies．tw"},
    )
    assert r.status_code == 201, r.text
    out = r.json()
    held_id, conversation = out["message"]["id"], out["thread"]["id"]
    assert out["held"] is True and out["message"]["review"]["status"] == "held"
    assert {f["kind"] for f in out["message"]["review"]["findings"]} == {"messaging_app", "phone", "email"}
    assert world.buyer_reads("lisa", "O-1") == []  # the buyer does not see it

    queue = agent.get("/api/v1/seller-messaging/review").json()
    assert [(f["message_id"], f["status"]) for f in queue] == [(held_id, "held")]
    assert "shop＠goodies．tw" in queue[0]["body"]
    async with world.cast.rt.uow(write=False) as s:
        names = [e.name for e in await eventlog.events_after(s, world.cast.workspace_id, 0)]
    assert "seller_message.held" in names and "seller_thread.opened" in names

    r = agent.post(
        f"/api/v1/conversations/{conversation}/messages/{held_id}/release", json={"note": "OK: 客服電話"}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["author"]["kind"], r.json()["author"]["name"]) == ("seller", "Shop S-1")
    assert [m["body"] for m in world.buyer_reads("lisa", "O-1")] == [out["message"]["body"]]
    assert_problem(agent.post(f"/api/v1/conversations/{conversation}/messages/{held_id}/release"), 409)

    # A link outside the workspace's domains is held; one to its own domain is not.
    assert (
        world.admin.put(
            "/api/v1/seller-messaging/settings",
            json={"mail_domain": "shop.example.tw", "allowed_domains": ["example.org"]},
        ).status_code
        == 200
    )
    path = f"/api/v1/seller/threads/{conversation}/messages"
    r = world.as_seller("S-1", "POST", path, json={"body": "說明在 https://help.shop.example.tw/returns"})
    assert r.json()["held"] is False
    r = world.as_seller("S-1", "POST", path, json={"body": "更便宜: https://my-own-shop.example.net/deal"})
    assert r.json()["held"] is True and r.json()["message"]["review"]["findings"][0]["kind"] == "link"
    rejected = r.json()["message"]["id"]
    r = agent.post(
        f"/api/v1/conversations/{conversation}/messages/{rejected}/reject", json={"note": "站外交易"}
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    bodies = [m["body"] for m in world.buyer_reads("lisa", "O-1")]
    assert "更便宜: https://my-own-shop.example.net/deal" not in bodies and len(bodies) == 2
    mine = world.as_seller("S-1", "GET", path).json()["items"]
    assert [m["review"]["status"] if m["review"] else None for m in mine][-1] == "rejected"
    # Releasing needs conversations.write and a held message of this conversation.
    assert_problem(agent.post(f"/api/v1/conversations/{conversation}/messages/{rejected}/release"), 409)
    assert_problem(agent.post(f"/api/v1/conversations/{conversation}/messages/999999/release"), 404)
    assert (
        world.seller("S-1")
        .post(f"/api/v1/conversations/{conversation}/messages/{held_id}/reject")
        .status_code
        == 401
    )


async def test_sellers_see_only_their_own_threads_and_keys_work_only_on_the_seller_api(
    world: SellerWorld, other_cast_factory: Any
) -> None:
    assert world.buyer_says("lisa", "O-1", "有貨嗎", "c-1").status_code == 201
    thread = _thread_of(world, "S-1", "O-1")["id"]
    before = await count_rows(world.cast, *TABLES)

    s2 = world.seller("S-2")
    assert s2.get("/api/v1/seller/threads").json()["items"] == []
    assert_problem(s2.get(f"/api/v1/seller/threads/{thread}"), 404)
    assert_problem(s2.get(f"/api/v1/seller/threads/{thread}/messages"), 404)
    assert_problem(s2.post(f"/api/v1/seller/threads/{thread}/messages", json={"body": "hi"}), 404)
    assert_problem(s2.post("/api/v1/seller/orders/O-1/messages", json={"body": "hi"}), 404)  # S-1's order
    # An agent's token is no seller key; a seller key opens nothing else.
    assert_problem(world.cast.api("ada").get("/api/v1/seller/threads"), 401)
    assert_problem(world.seller("S-1").get("/api/v1/conversations"), 401)
    assert_problem(world.seller("S-1").get(f"/api/v1/conversations/{thread}/messages"), 401)
    assert_problem(world.cast.as_key("wds_forged").get("/api/v1/seller/threads"), 401)
    # A seller of another workspace does not see this one's threads.
    other = await other_cast_factory()
    other.base_url = world.cast.base_url
    elsewhere = SellerWorld(other, 0)
    foreign = elsewhere.seller("S-1")
    assert_problem(foreign.get(f"/api/v1/seller/threads/{thread}/messages"), 404)
    assert foreign.get("/api/v1/seller/threads").json()["items"] == []
    assert_problem(foreign.post(f"/api/v1/seller/threads/{thread}/messages", json={"body": "hi"}), 404)
    # A customer writes only about their own orders.
    assert_problem(world.buyer_says("john", "O-1", "not mine", "c-9"), 404)
    assert await count_rows(world.cast, *TABLES) == before
    for client in elsewhere.cast._clients:
        client.close()

    # A revoked key stops at once; only admins make and revoke keys, and the key is shown once.
    listed = world.admin.get("/api/v1/commerce/sellers/S-1/api-keys").json()
    assert len(listed) == 1 and "key" not in listed[0] and listed[0]["last_used_at"] is not None
    assert_problem(
        world.cast.api("alice").post("/api/v1/commerce/sellers/S-1/api-keys", json={"name": "x"}), 403
    )
    r = world.admin.delete(f"/api/v1/commerce/sellers/S-1/api-keys/{listed[0]['id']}")
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert_problem(world.seller("S-1").get("/api/v1/seller/threads"), 401)
    assert_problem(world.admin.delete(f"/api/v1/commerce/sellers/S-2/api-keys/{listed[0]['id']}"), 404)


@pytest.mark.parametrize(
    ("what", "method", "path", "body", "status"),
    [
        ("an empty body", "POST", "/api/v1/seller/orders/O-1/messages", {"body": ""}, 422),
        (
            "a body past 5,000 characters",
            "POST",
            "/api/v1/seller/orders/O-1/messages",
            {"body": "x" * 5001},
            422,
        ),
        ("no body at all", "POST", "/api/v1/seller/orders/O-1/messages", {}, 422),
        ("an unknown field", "POST", "/api/v1/seller/orders/O-1/messages", {"body": "hi", "to": "x"}, 422),
        (
            "a bad client_id",
            "POST",
            "/api/v1/seller/orders/O-1/messages",
            {"body": "hi", "client_id": "a b"},
            422,
        ),
        ("an unknown order", "POST", "/api/v1/seller/orders/NOPE/messages", {"body": "hi"}, 404),
        ("another seller's order", "POST", "/api/v1/seller/orders/O-2/messages", {"body": "hi"}, 404),
        ("a malformed order id", "POST", "/api/v1/seller/orders/%20x/messages", {"body": "hi"}, 422),
        ("an unknown thread", "POST", "/api/v1/seller/threads/424242/messages", {"body": "hi"}, 404),
        ("a thread id out of range", "GET", "/api/v1/seller/threads/0/messages", None, 422),
        ("a bad cursor", "GET", "/api/v1/seller/threads?cursor=zzz", None, 422),
        (
            "a cursor past the largest database id",
            "GET",
            "/api/v1/seller/threads?cursor="
            + encode_cursor({"at": "2026-12-01T00:00:00+00:00", "id": 2**70}),
            None,
            422,
        ),
    ],
)
async def test_bad_seller_input_is_a_problem_and_writes_nothing(
    world: SellerWorld, what: str, method: str, path: str, body: dict[str, Any] | None, status: int
) -> None:
    before = await count_rows(world.cast, *TABLES)
    r = (
        world.as_seller("S-1", method, path, json=body)
        if body is not None
        else world.as_seller("S-1", method, path)
    )
    assert_problem(r, status)
    assert await count_rows(world.cast, *TABLES) == before, what


async def test_bad_buyer_and_admin_input_is_refused(world: SellerWorld) -> None:
    before = await count_rows(world.cast, *TABLES)
    assert_problem(world.buyer_says("lisa", "O-1", "", "c-1"), 422)
    assert_problem(world.buyer_says("lisa", "O-1", "字" * 5001, "c-1"), 422)
    assert_problem(world.buyer_says("lisa", "NOPE", "hi", "c-1"), 404)
    with httpx.Client(base_url=world.cast.base_url or "") as anonymous:
        assert_problem(
            anonymous.post("/api/v1/widget/orders/O-1/seller-messages", json={"client_id": "a", "body": "x"}),
            401,
        )
    assert await count_rows(world.cast, *TABLES) == before
    for bad in (
        {"mail_domain": "not a domain"},
        {"mail_domain": "ok.example", "allowed_domains": ["http://x"]},
    ):
        assert_problem(world.admin.put("/api/v1/seller-messaging/settings", json=bad), 422)
    assert_problem(
        world.cast.api("alice").put("/api/v1/seller-messaging/settings", json={"mail_domain": "a.example"}),
        403,
    )
    assert_problem(world.admin.post("/api/v1/commerce/sellers/NOPE/api-keys", json={"name": "x"}), 404)
    assert_problem(world.admin.post("/api/v1/commerce/sellers/S-1/api-keys", json={"name": ""}), 422)

"""Signed inbound webhooks (Standard Webhooks), signed here with the specification's own SDK: a good
signature applies the change; a tampered body, a wrong or rotated secret, an old or future
timestamp or missing headers are 401 problems that change nothing; a replayed webhook-id is
accepted and not applied again; a signed body that cannot be read is a 422 problem."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from standardwebhooks.webhooks import Webhook

from tests.commerce.support import T0, commerce_counts, event, order_doc, seller_doc, shipment_doc
from tests.conftest import Api, Cast, assert_problem


def connect(api: Api) -> str:
    """Save the store connection; its inbound secret (shown this once)."""
    r = api.put("/api/v1/commerce/connection", json={"outbound_url": "https://store.example/wowdesk"})
    assert r.status_code == 200, r.text
    secret: str = r.json()["inbound_secret"]
    assert secret.startswith("whsec_")
    return secret


def signed(
    secret: str,
    payload: Any,
    *,
    msg_id: str = "msg_1",
    at: dt.datetime | None = None,
    raw: bytes | None = None,
) -> tuple[bytes, dict[str, str]]:
    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    at = at or dt.datetime.now(dt.UTC)
    signature = Webhook(secret).sign(msg_id, at, body.decode("utf-8", "replace"))
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }
    return body, headers


def post(api: Api, slug: str, body: bytes, headers: dict[str, str]) -> Any:
    return api.post(f"/api/v1/commerce/webhooks/{slug}", content=body, headers=headers)


def order_message(**over: Any) -> dict[str, Any]:
    return {
        "type": "order.created",
        "timestamp": T0.isoformat(),
        "data": dict(order_doc(), external_id="O-1") | over,
    }


def test_the_connection_shows_its_secrets_once_and_rotates_them(live_cast: Cast) -> None:
    c = live_cast
    ada = c.api("ada")
    assert ada.get("/api/v1/commerce/connection").json()["configured"] is False
    secret = connect(ada)
    shown = ada.get("/api/v1/commerce/connection").json()
    assert (
        shown["configured"] is True and shown["inbound_secret"] is None and shown["outbound_secret"] is None
    )
    assert shown["inbound_secret_hint"] == secret[:10] + "…"
    assert shown["webhook_path"] == f"/api/v1/commerce/webhooks/{c.slug}"
    assert shown["outbound_url"] == "https://store.example/wowdesk"
    ada.put("/api/v1/commerce/sellers/S-1", json=seller_doc())
    rotated = ada.put("/api/v1/commerce/connection", json={"rotate_inbound_secret": True}).json()
    assert rotated["inbound_secret"] not in (None, secret) and rotated["outbound_secret"] is None
    assert rotated["outbound_url"] is None  # the whole settings each time
    anon = c.api(None)
    assert_problem(post(anon, c.slug, *signed(secret, order_message())), 401)  # the old secret is void
    ok = post(anon, c.slug, *signed(rotated["inbound_secret"], order_message()))
    assert ok.status_code == 200, ok.text


def test_a_signed_order_and_tracking_are_applied(live_cast: Cast) -> None:
    c = live_cast
    ada, anon = c.api("ada"), c.api(None)
    secret = connect(ada)
    seller = {"type": "seller.created", "data": dict(seller_doc(), external_id="S-1")}
    assert post(anon, c.slug, *signed(secret, seller, msg_id="m-seller")).status_code == 200
    r = post(anon, c.slug, *signed(secret, order_message(), msg_id="m-order"))
    assert r.status_code == 200, r.text
    assert r.json()["results"][0] | {"id": 0} == {
        "kind": "order",
        "external_id": "O-1",
        "id": 0,
        "result": "created",
        "added_events": 0,
    }
    assert "webhook-replayed" not in r.headers
    ship = {"type": "shipment.created", "data": dict(shipment_doc(), external_id="P-1")}
    assert post(anon, c.slug, *signed(secret, ship, msg_id="m-ship")).status_code == 200
    tracking = {
        "type": "shipment.tracking",
        "data": {
            "shipment_external_id": "P-1",
            "events": [event(T0, "in_transit", "已到達轉運中心", location="台中轉運站", external_id="e1")],
        },
    }
    r = post(anon, c.slug, *signed(secret, tracking, msg_id="m-track"))
    assert r.json()["results"][0]["added_events"] == 1, r.text
    shipment = ada.get("/api/v1/commerce/shipments/P-1").json()
    assert shipment["status"] == "in_transit" and shipment["events"][0]["location"] == "台中轉運站"


async def test_bad_signatures_are_refused_and_change_nothing(live_cast: Cast) -> None:
    c = live_cast
    ada, anon = c.api("ada"), c.api(None)
    secret = connect(ada)
    ada.put("/api/v1/commerce/sellers/S-1", json=seller_doc())
    before = await commerce_counts(c.rt, c.workspace_id)
    body, headers = signed(secret, order_message())
    now = dt.datetime.now(dt.UTC)
    cases: dict[str, tuple[bytes, dict[str, str]]] = {
        "tampered body": (body.replace(b"TW-10001", b"TW-99999"), headers),
        "wrong secret": signed("whsec_" + "QUJD" * 8, order_message()),
        "expired timestamp": signed(secret, order_message(), at=now - dt.timedelta(minutes=10)),
        "timestamp from the future": signed(secret, order_message(), at=now + dt.timedelta(minutes=10)),
        "no signature": (body, {k: v for k, v in headers.items() if k != "webhook-signature"}),
        "no id": (body, {k: v for k, v in headers.items() if k != "webhook-id"}),
        "no timestamp": (body, {k: v for k, v in headers.items() if k != "webhook-timestamp"}),
        "a signature that is not one": (body, headers | {"webhook-signature": "nonsense"}),
        "a timestamp that is not one": (body, headers | {"webhook-timestamp": "soon"}),
        "a signature of another id": (body, headers | {"webhook-id": "msg_2"}),
        "a bearer token instead": (body, {"authorization": f"Bearer {c.token('ada')}"}),
    }
    for what, (b, h) in cases.items():
        body_ = assert_problem(post(anon, c.slug, b, h), 401)
        assert body_["detail"] == "The webhook signature is missing, wrong or expired.", what
    assert await commerce_counts(c.rt, c.workspace_id) == before


async def test_a_replayed_webhook_is_accepted_but_not_applied_again(live_cast: Cast) -> None:
    c = live_cast
    ada, anon = c.api("ada"), c.api(None)
    secret = connect(ada)
    ada.put("/api/v1/commerce/sellers/S-1", json=seller_doc())
    delivery = signed(secret, order_message(), msg_id="msg_replay")
    assert post(anon, c.slug, *delivery).json()["results"][0]["result"] == "created"
    # The store changes the order through the API; a replay of the old delivery must not undo it.
    assert ada.put("/api/v1/commerce/orders/O-1", json=order_doc(status="cancelled")).status_code == 200
    again = post(anon, c.slug, *delivery)
    assert again.status_code == 200 and again.headers["webhook-replayed"] == "true"
    assert again.json() == {"results": []}
    assert ada.get("/api/v1/commerce/orders/O-1").json()["status"] == "cancelled"
    # The same id with a fresh timestamp (a retry) is a replay too.
    retry = signed(secret, order_message(), msg_id="msg_replay", at=dt.datetime.now(dt.UTC))
    assert post(anon, c.slug, *retry).headers["webhook-replayed"] == "true"


async def test_unreadable_bodies_are_422_and_unknown_places_404(
    live_cast: Cast, other_cast_factory: Any
) -> None:
    c = live_cast
    ada, anon = c.api("ada"), c.api(None)
    secret = connect(ada)
    ada.put("/api/v1/commerce/sellers/S-1", json=seller_doc())
    before = await commerce_counts(c.rt, c.workspace_id)
    cases: dict[str, tuple[bytes, dict[str, str]]] = {
        "not JSON": signed(secret, None, raw=b"{not json", msg_id="u1"),
        "not an object": signed(secret, [1, 2], msg_id="u2"),
        "an unknown type": signed(secret, {"type": "order.exploded", "data": {}}, msg_id="u3"),
        "no data": signed(secret, {"type": "order.created"}, msg_id="u4"),
        "a bad amount": signed(secret, order_message(shipping_minor=-1), msg_id="u5"),
        "no external id": signed(secret, {"type": "order.created", "data": order_doc()}, msg_id="u6"),
        "an unknown seller": signed(secret, order_message(seller_external_id="S-404"), msg_id="u7"),
    }
    for what, (b, h) in cases.items():
        body = assert_problem(post(anon, c.slug, b, h), 422)
        assert body.get("errors") or body.get("detail"), what
    assert await commerce_counts(c.rt, c.workspace_id) == before
    # A refused delivery is not remembered: sent again once readable (same id), it is applied.
    fixed = signed(secret, order_message(), msg_id="u5")
    assert post(anon, c.slug, *fixed).json()["results"][0]["result"] == "created"
    assert_problem(post(anon, "no-such-shop", *signed(secret, order_message())), 404)
    other = await other_cast_factory()  # a workspace without a store connection
    assert_problem(post(anon, other.slug, *signed(secret, order_message())), 404)

"""Tenant isolation, as a matrix over the application's own routes.

Two workspaces. Every route that takes an id answers 404 — never 200, 403, 409 or 500 — when a
caller of the second workspace names an object of the first, for every method, and nothing in
either workspace changes. Ids of the first workspace inside bodies sent to the second are refused
the same way. List and search endpoints never show the first workspace's rows to the second.

Some paths name a record by a name the workspace gives its own — a store's external id, a contact
reason's code — not by an id: the outsider naming the owner's gets the same 404, and where its own
workspace has (or, by a PUT of a store's record, makes) a record of that name, its request reaches
that record and never the owner's. Routes that take other credentials than an agent's are tried
with the outsider's: its seller API key (the owner's threads and orders are 404 to it), its
visitor token, a webhook signed with its own store secret (401); an agent's token where a seller
key or a visitor token belongs is a 401.

The routes come from ``/openapi.json``: a new route with an id, or a new list, fails
``test_every_route_is_in_the_matrix`` until it has a case here.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from tests.api.support import row_counts, settled
from tests.conftest import PASSWORD, Api, Cast, LiveServer, assert_problem, build_cast
from tests.notifications.support import Device
from wowdesk.core.runtime import Runtime
from wowdesk.policies.reasons import actions as reason_actions

# -- two workspaces with something of everything -----------------------------------------------------------


@dataclass
class World:
    owner: Cast  # the first workspace: its objects are the targets
    outsider: Cast  # the second workspace: its callers try to reach them
    marker: str  # a word in every name of the first workspace, to look for in the second's lists
    # The first workspace's objects: ids, and the names a workspace gives its own (a store's external
    # ids, a contact reason's code, the workspace's slug) and the keys and secrets of its callers.
    ids: dict[str, Any] = field(default_factory=dict)
    theirs: dict[str, Any] = field(default_factory=dict)  # the second workspace's own objects
    api_key: str = ""  # an API key of the first workspace (Alice's)
    outsider_key: str = ""  # an API key of the second workspace's admin


def _ok(r: Any, status: int = 200) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    return body


def _seller_doc(name: str) -> dict[str, Any]:
    return {"name": name, "kind": "marketplace", "contact_email": "shop@example.com"}


def _order_doc(ids: dict[str, Any], label: str, customer: dict[str, Any], **over: Any) -> dict[str, Any]:
    """An order of the workspace's seller (`ids`), numbered and named after `label`."""
    doc = {
        "number": f"TW-{label}",
        "customer": customer,
        "seller_external_id": ids["seller_ext"],
        "fulfilment": "platform",
        "status": "paid",
        "currency": "USD",
        "items": [{"sku": "KETTLE-1", "name": f"Kettle {label}", "quantity": 1, "unit_price_minor": 2000}],
        "shipping_minor": 500,
        "placed_at": ids["t0"],
    }
    return doc | over


def _shipment_doc(ids: dict[str, Any], order_ext: str) -> dict[str, Any]:
    promised = dt.datetime.fromisoformat(ids["t0"]) + dt.timedelta(days=10)
    return {"order_external_id": order_ext, "carrier": "Black Cat", "promised_at": promised.isoformat()}


STALLED_POLICY = {
    "trigger": {"kind": "shipment_stalled", "days_without_progress": 30},
    "then": [{"goodwill_credit": {"amount": 100}}],
}


def _wait_for(get: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """What `get` lists, once it lists something (the live server's jobs write after the answer)."""
    for _ in range(200):
        if items := get():
            return items
        time.sleep(0.05)
    raise AssertionError("nothing came")


def _populate(c: Cast, marker: str) -> tuple[dict[str, Any], str]:
    """One of each kind of object, made through the API; returns their ids and an API key."""
    ada, alice = c.api("ada"), c.api("alice")
    ids: dict[str, Any] = {
        "agent": c.agents["bob"].id,
        "team": c.team_id,
        "customer": c.customers["lisa"].id,
        "customer2": c.customers["john"].id,
    }
    ids["new_agent"] = _ok(
        ada.post("/api/v1/agents", json={"email": f"{marker}@{c.slug}.test", "name": f"Agent {marker}"}), 201
    )["id"]
    ids["skill"] = _ok(ada.post("/api/v1/skills", json={"name": f"Skill {marker}"}), 201)["id"]
    _ok(
        ada.put(
            f"/api/v1/agents/{ids['agent']}/skills", json={"skills": [{"skill_id": ids["skill"], "level": 4}]}
        )
    )
    ids["marked_team"] = _ok(ada.post("/api/v1/teams", json={"name": f"Team {marker}"}), 201)["id"]
    ids["field"] = _ok(
        ada.post(
            "/api/v1/ticket-fields", json={"key": "order_no", "label": f"Order {marker}", "type": "text"}
        ),
        201,
    )["id"]
    ids["marked_customer"] = _ok(alice.post("/api/v1/customers", json={"name": f"Customer {marker}"}), 201)[
        "id"
    ]
    ticket = _ok(
        alice.post(
            "/api/v1/tickets",
            json={
                "subject": f"Parcel {marker}",
                "requester": {"id": ids["customer"]},
                "team_id": c.team_id,
                "assignee_id": c.agents["alice"].id,
            },
        ),
        201,
    )
    ids["ticket"] = ticket["id"]
    upload = alice.post("/api/v1/attachments", files={"file": (f"{marker}.txt", b"hello", "text/plain")})
    ids["attachment"] = _ok(upload, 201)["id"]
    orphan = alice.post("/api/v1/attachments", files={"file": ("orphan.txt", b"orphan", "text/plain")})
    ids["orphan"] = _ok(orphan, 201)["id"]
    ids["comment"] = _ok(
        alice.post(
            f"/api/v1/tickets/{ids['ticket']}/comments",
            json={"body": f"Note {marker}", "public": False, "attachment_ids": [ids["attachment"]]},
        ),
        201,
    )["id"]
    _ok(alice.patch(f"/api/v1/tickets/{ids['ticket']}", json={"status": "solved"}))  # queues a job
    jobs = ada.get("/api/v1/jobs").json()
    ids["job"] = next(j["id"] for j in jobs if j["payload"].get("ticket_id") == ids["ticket"])
    key = _ok(alice.post("/api/v1/api-keys", json={"name": f"Key {marker}"}), 201)  # audited, with its name
    ids["api_key"] = key["id"]
    # Its chats stay chats with nobody online (messages left for e-mail: tests/tickets/email).
    chat_doc = {"name": f"Chat {marker}", "settings": {"offline_messages": False}}
    ids["channel"] = _ok(ada.post("/api/v1/channels", json=chat_doc), 201)["id"]
    visitor = c.api(None)
    welcome = _ok(
        visitor.post(
            "/api/v1/widget/session",
            json={"workspace": c.slug, "channel": ids["channel"], "profile": {"name": f"Visitor {marker}"}},
        )
    )
    auth = {"Authorization": f"Visitor {welcome['visitor']}"}
    up = visitor.post(
        "/api/v1/widget/attachments", files={"file": (f"{marker}.txt", b"hi", "text/plain")}, headers=auth
    )
    ids["chat_file"] = _ok(up, 201)["id"]
    _ok(
        visitor.post(
            "/api/v1/widget/messages",
            json={"client_id": "c1", "body": f"Hi {marker}", "attachment_ids": [ids["chat_file"]]},
            headers=auth,
        ),
        201,
    )
    convs = ada.get("/api/v1/conversations", params={"channel": ids["channel"]}).json()["items"]
    ids["conversation"] = convs[0]["id"]
    device = Device.on_url(f"https://push.example.test/{marker}/{secrets.token_urlsafe(8)}")
    ids["push_subscription"] = _ok(
        ada.post("/api/v1/push/subscriptions", json=device.subscription(label=f"Phone {marker}")), 201
    )["id"]
    ids["view"] = _ok(
        ada.post(
            "/api/v1/views",
            json={"name": f"View {marker}", "shared": True, "filters": {"team_ids": [c.team_id]}},
        ),
        201,
    )["id"]
    ids["canned"] = _ok(
        ada.post(
            "/api/v1/canned-responses",
            json={"shortcut": f"c{marker}", "title": f"Canned {marker}", "body": f"Hello {marker}"},
        ),
        201,
    )["id"]
    hours = {"time_zone": "Asia/Taipei", "weekly": {"mon": ["09:00-18:00"]}}
    ids["calendar"] = _ok(ada.post("/api/v1/calendars", json={"name": f"Calendar {marker}", **hours}), 201)[
        "id"
    ]
    policy = {"calendar_id": ids["calendar"], "targets": {"urgent": {"first_reply": 30}}}
    ids["sla_policy"] = _ok(ada.post("/api/v1/sla-policies", json={"name": f"SLA {marker}", **policy}), 201)[
        "id"
    ]
    # Deleted by the owner's control request of their DELETE case, so kept apart from the ones above.
    ids["doomed_calendar"] = _ok(ada.post("/api/v1/calendars", json={"name": f"Old {marker}", **hours}), 201)[
        "id"
    ]
    ids["doomed_policy"] = _ok(
        ada.post("/api/v1/sla-policies", json={"name": f"Old {marker}", **policy}), 201
    )["id"]
    ids["doomed_view"] = _ok(ada.post("/api/v1/views", json={"name": f"Old view {marker}"}), 201)["id"]
    macro = {
        "actions": [{"add_tags": ["macro"]}],
        "reply": {"texts": {"en": f"Hello {marker}"}, "public": False},
    }
    ids["macro"] = _ok(ada.post("/api/v1/macros", json={"name": f"Macro {marker}", **macro}), 201)["id"]
    ids["doomed_macro"] = _ok(ada.post("/api/v1/macros", json={"name": f"Old {marker}", **macro}), 201)["id"]
    rule = {
        "events": ["ticket.created"],
        "conditions": {"all": [{"field": "ticket.subject", "op": "contains", "value": [f"never {marker}"]}]},
        "actions": [{"type": "add_tags", "tags": ["never"]}],
    }
    ids["automation"] = _ok(ada.post("/api/v1/automations", json={"name": f"Rule {marker}", **rule}), 201)[
        "id"
    ]
    ids["doomed_automation"] = _ok(
        ada.post("/api/v1/automations", json={"name": f"Old {marker}", **rule}), 201
    )["id"]
    # An incident of a problem (the first ticket is solved: links go on open tickets).
    requester = {"requester": {"id": ids["customer"]}}
    ids["problem"] = _ok(
        alice.post("/api/v1/tickets", json={"subject": f"Outage {marker}", "type": "problem", **requester}),
        201,
    )["id"]
    ids["incident"] = _ok(
        alice.post("/api/v1/tickets", json={"subject": f"Down {marker}", **requester}), 201
    )["id"]
    ids["link"] = _ok(
        alice.post(
            f"/api/v1/tickets/{ids['incident']}/links",
            json={"kind": "incident_of", "ticket_id": ids["problem"]},
        ),
        201,
    )["id"]
    ids["incident_comment"] = _ok(
        alice.post(f"/api/v1/tickets/{ids['incident']}/comments", json={"body": f"Still down {marker}"}), 201
    )["id"]
    ids["doomed_canned"] = _ok(
        ada.post("/api/v1/canned-responses", json={"shortcut": f"d{marker}", "title": "Old", "body": "Old"}),
        201,
    )["id"]

    # The ledger: a goodwill credit within Alice's limit, and two requests above it.
    def credit(amount: int, n: int) -> dict[str, Any]:
        body = {
            "kind": "goodwill_credit",
            "customer_id": ids["customer"],
            "amount_minor": amount,
            "currency": "USD",
            "reason_code": "other",
            "note": f"Credit {marker}",
        }
        return _ok(
            alice.post("/api/v1/compensations", json=body, headers={"Idempotency-Key": f"{marker}-{n}"}), 201
        )

    ids["compensation"] = credit(1000, 1)["entry"]["id"]
    ids["approval"] = credit(5000, 2)["approval"]["id"]
    ids["approval2"] = credit(5000, 3)["approval"]["id"]

    # Commerce. A store's ids name records within one workspace (each has its own namespace), so
    # they carry a token of their own, not the marker: the outsider's upserts below reuse the
    # owner's external ids in the outsider's workspace, where they must show no marker.
    store = secrets.token_hex(4)
    ids["t0"] = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).replace(microsecond=0).isoformat()
    ids["slug"] = c.slug
    ids["webhook_secret"] = _ok(ada.put("/api/v1/commerce/connection", json={}))["inbound_secret"]
    for name in ("seller", "put_seller"):  # put_seller: the target of the PUT case only
        ext = ids[f"{name}_ext"] = f"{name[:3]}-{store}"
        doc = _seller_doc(f"Seller {marker}")
        ids[name] = _ok(ada.put(f"/api/v1/commerce/sellers/{ext}", json=doc), 201)["id"]
    lisa = {"id": ids["customer"]}
    visitor_customer = {"id": convs[0]["customer"]["id"]}
    for name, label, customer, over in (
        ("order", marker, lisa, {"fulfilment": "seller"}),  # refunded: a claim against the seller
        ("deal_order", f"D {marker}", lisa, {}),  # the resolution suggestions' order
        ("visitor_order", f"V {marker}", visitor_customer, {}),  # the buyer-seller thread's order
        ("put_order", f"P {marker}", lisa, {}),  # the target of the PUT case only
    ):
        ext = ids[f"{name}_ext"] = f"{name}-{store}"
        doc = _order_doc(ids, label, customer, **over)
        ids[name] = _ok(ada.put(f"/api/v1/commerce/orders/{ext}", json=doc), 201)["id"]
    tracking = {"events": [{"occurred_at": ids["t0"], "status": "in_transit", "location": f"Hub {marker}"}]}
    for name, order in (("shipment", "order_ext"), ("put_shipment", "put_order_ext")):
        ext = ids[f"{name}_ext"] = f"{name}-{store}"
        doc = _shipment_doc(ids, ids[order]) | (tracking if name == "shipment" else {})
        ids[name] = _ok(ada.put(f"/api/v1/commerce/shipments/{ext}", json=doc), 201)["id"]
    keys = f"/api/v1/commerce/sellers/{ids['seller_ext']}/api-keys"
    portal = _ok(ada.post(keys, json={"name": f"Portal {marker}"}), 201)
    ids["seller_key"], ids["seller_key_id"] = portal["key"], portal["id"]
    ids["doomed_seller_key"] = _ok(ada.post(keys, json={"name": f"Old {marker}"}), 201)["id"]
    refund = {
        "kind": "refund",
        "customer_id": ids["customer"],
        "order_id": ids["order"],
        "amount_minor": 500,
        "currency": "USD",
        "reason_code": "lost_parcel",
        "note": f"Refund {marker}",
    }
    _ok(ada.post("/api/v1/compensations", json=refund, headers={"Idempotency-Key": f"{marker}-r"}), 201)
    claims = _wait_for(lambda: ada.get("/api/v1/claims", params={"order_id": ids["order"]}).json()["items"])
    ids["claim"] = claims[0]["id"]

    # Contact reasons: the default taxonomy (seeded by the fixture) and one of the workspace's own.
    ids["default_reason"] = "lost_parcel"
    ids["reason"] = f"r_{store}"
    reason = {"code": ids["reason"], "names": {"en": f"Reason {marker}"}}
    _ok(ada.post("/api/v1/contact-reasons", json=reason), 201)
    about = {"order_id": ids["order"], "contact_reason": ids["reason"]}
    ids["order_ticket"] = _ok(
        alice.post("/api/v1/tickets", json={"subject": f"Where {marker}", **requester, **about}), 201
    )["id"]

    # Resolution policies, and the suggestions of one on two tickets about an order.
    policies = "/api/v1/resolution-policies"
    for name, label in (("resolution_policy", "Policy"), ("doomed_resolution_policy", "Old")):
        policy = {"name": f"{label} {marker}", "enabled": False, "document": STALLED_POLICY}
        ids[name] = _ok(ada.post(policies, json=policy), 201)["id"]
    suggest = {
        "name": f"Suggest {marker}",
        "mode": "suggest",
        "document": {
            "trigger": {"kind": "contact_reason", "reason": "item_not_as_described"},
            "then": [{"refund": {"scope": "items"}}],
        },
    }
    ids["contact_policy"] = _ok(ada.post(policies, json=suggest), 201)["id"]
    for n in ("", "2"):
        t = _ok(alice.post("/api/v1/tickets", json={"subject": f"Broken {marker}", **requester}), 201)["id"]
        evaluate = {"order_id": ids["deal_order"], "reason": "item_not_as_described"}
        found = _ok(alice.post(f"/api/v1/tickets/{t}/resolution-suggestions:evaluate", json=evaluate))
        ids[f"suggested_ticket{n}"], ids[f"suggestion{n}"] = t, found["suggestion"]["id"]

    # A buyer-seller thread on the visitor's order: the buyer writes, the seller answers twice with
    # contact details (both held for review).
    ids["visitor_token"] = welcome["visitor"]
    buyer = {"client_id": "b1", "body": f"Hello seller {marker}"}
    orders = f"/api/v1/widget/orders/{ids['visitor_order_ext']}/seller-messages"
    _ok(visitor.post(orders, json=buyer, headers=auth), 201)
    seller = c.as_key(ids["seller_key"])
    held = _ok(
        seller.post(
            f"/api/v1/seller/orders/{ids['visitor_order_ext']}/messages",
            json={"body": f"Call me on 0912-345-678 {marker}"},
        ),
        201,
    )
    assert held["held"], held
    ids["seller_thread"], ids["held"] = held["thread"]["id"], held["message"]["id"]
    held = _ok(
        seller.post(
            f"/api/v1/seller/threads/{ids['seller_thread']}/messages",
            json={"body": f"Write to shop@goodies.example {marker}"},
        ),
        201,
    )
    assert held["held"], held
    ids["held2"] = held["message"]["id"]
    _ok(ada.post("/api/v1/seller-metrics/evaluate"))  # the sellers' scorecards
    return ids, key["key"]


@pytest.fixture(scope="module")
async def world(runtime: Runtime, live: LiveServer) -> AsyncIterator[World]:
    """One pair of workspaces for the module: the cases only read or are refused, and the owner's
    control requests are chosen so that they do not hide the marker from later cases."""
    owner, outsider = await build_cast(runtime), await build_cast(runtime)
    owner.base_url = outsider.base_url = live.url
    marker = "zq" + secrets.token_hex(5)
    w = World(owner=owner, outsider=outsider, marker=marker)
    for c in (owner, outsider):  # both have the default contact reasons
        async with runtime.uow() as s:
            await reason_actions.do_seed_default_reasons(s, c.workspace_id)
    w.ids, w.api_key = _populate(owner, marker)
    w.theirs, _ = _populate(outsider, "other" + secrets.token_hex(3))
    w.outsider_key = _ok(outsider.api("ada").post("/api/v1/api-keys", json={"name": "admin key"}), 201)["key"]
    for c in (owner, outsider):
        await settled(c.rt, c.workspace_id)
    yield w
    for c in (owner, outsider):
        for client in c._clients:
            client.close()


# -- lists and searches ------------------------------------------------------------------------------------


# Lists and searches: GET routes without an id. (path → query strings to try)
LISTS: dict[str, list[dict[str, Any]]] = {
    "/api/v1/me": [{}],
    "/api/v1/agents": [{}, {"after_id": 0, "limit": 500}],
    "/api/v1/teams": [{}],
    "/api/v1/skills": [{}],
    "/api/v1/api-keys": [{}],
    "/api/v1/audit/security-events": [{}, {"kind": "login.failed"}, {"kind": "apikey.created"}],
    "/api/v1/customers": [{}, {"q": "{marker}"}, {"q": "Customer"}, {"limit": 200}],
    "/api/v1/tickets": [
        {},
        {"q": "{marker}"},
        {"q": "Parcel"},
        {"status": "solved"},
        {"team": "{team}"},
        {"requester": "{customer}"},
        {"assignee": "{alice}"},
    ],
    "/api/v1/ticket-fields": [{}],
    "/api/v1/jobs": [{}, {"status": "queued"}],
    "/api/v1/channels": [{}],
    "/api/v1/conversations": [
        {},
        {"status": "open"},
        {"channel": "{channel}"},
        {"team": "{team}"},
        {"assignee": "none"},
    ],
    "/api/v1/push/subscriptions": [{}],
    "/api/v1/views": [{}],
    "/api/v1/canned-responses": [{}],
    "/api/v1/calendars": [{}],
    "/api/v1/sla-policies": [{}],
    "/api/v1/automations": [{}, {"kind": "trigger"}],
    "/api/v1/macros": [{}, {"active": "true"}],
    "/api/v1/compensations": [
        {},
        {"customer": "{customer}"},
        {"agent": "{alice}"},
        {"kind": "goodwill_credit"},
    ],
    "/api/v1/compensations/export.csv": [{}, {"customer": "{customer}"}],
    "/api/v1/approvals": [{}],
    "/api/v1/commerce/sellers": [{}, {"kind": "marketplace"}, {"status": "active"}],
    "/api/v1/commerce/orders": [
        {},
        {"customer_id": "{customer}"},
        {"seller_id": "{seller}"},
        {"status": "paid"},
        {"fulfilment": "seller"},
    ],
    "/api/v1/commerce/shipments": [{}, {"order_id": "{order}"}, {"stalled": "false"}],
    "/api/v1/claims": [
        {},
        {"status": "open"},
        {"seller_id": "{seller}"},
        {"order_id": "{order}"},
        {"customer_id": "{customer}"},
    ],
    "/api/v1/contact-reasons": [{}, {"include_inactive": "true"}],
    "/api/v1/reports/contacts-per-order": [
        {},
        {"by": "seller"},
        {"by": "product"},
        {"reason": "{reason}"},
    ],
    "/api/v1/resolution-policies": [{}],
    "/api/v1/seller-messaging/review": [{}, {"status": "delivered"}, {"status": "released"}],
    "/api/v1/seller-metrics": [{}],
    # The seller API's list: asked with the outsider's seller key (the owner's, for the control).
    "/api/v1/seller/threads": [{}, {"limit": 100}],
}

# Routes that take no id and list nothing.
NOT_LISTS = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/auth/session"),
    ("DELETE", "/api/v1/auth/session"),
    ("PATCH", "/api/v1/me"),
    # The signed-in agent's own push devices and settings (tests/notifications/test_api.py), and the
    # install's VAPID public key.
    ("GET", "/api/v1/push/key"),
    ("POST", "/api/v1/push/subscriptions"),
    ("GET", "/api/v1/me/notifications"),
    ("PUT", "/api/v1/me/notifications"),
    # Satisfaction: the workspace's own survey settings and figures, and its answered surveys; another
    # workspace's never show (tests/api/test_csat_api.py, with a rated survey in the owner's).
    ("GET", "/api/v1/csat/settings"),
    ("PUT", "/api/v1/csat/settings"),
    ("GET", "/api/v1/csat/responses"),
    ("GET", "/api/v1/reports/csat"),
    ("GET", "/api/v1/automations/vocabulary"),  # the same words for everyone
    ("GET", "/api/v1/me/out-of-office"),  # the signed-in agent's own (tests/api/test_routing_api.py)
    ("PUT", "/api/v1/me/out-of-office"),
    # How many each of the caller's own views holds: keys and numbers, no names (the lists behind them
    # are the views' items, in the matrix).
    ("GET", "/api/v1/views/counts"),
    # Authority limits: the workspace's own settings, and the caller's own (tests/policies/test_authority.py).
    ("GET", "/api/v1/authority-limits"),
    ("PUT", "/api/v1/authority-limits"),
    ("GET", "/api/v1/me/authority"),
    # The workspace's own store connection (secrets shown as hints), buyer-seller messaging settings
    # and seller-metric thresholds; another workspace's are its own (tests/commerce/test_isolation.py).
    ("GET", "/api/v1/commerce/connection"),
    ("PUT", "/api/v1/commerce/connection"),
    ("GET", "/api/v1/seller-messaging/settings"),
    ("PUT", "/api/v1/seller-messaging/settings"),
    ("GET", "/api/v1/seller-metrics/settings"),
    ("PUT", "/api/v1/seller-metrics/settings"),
    # Scores the caller's own workspace's sellers (no body) and answers their scorecards, which are
    # GET /seller-metrics (in LISTS).
    ("POST", "/api/v1/seller-metrics/evaluate"),
    ("GET", "/api/v1/seller/me"),  # the seller the seller key acts for
    # The customer side of chat: a visitor's own session, named by its signed token (a foreign or
    # forged one is refused: tests/conversations/test_chat_bad_input.py).
    ("POST", "/api/v1/widget/session"),
    ("GET", "/api/v1/widget/messages"),
    ("POST", "/api/v1/widget/messages"),
    ("POST", "/api/v1/widget/read"),
    ("POST", "/api/v1/widget/received"),
    ("POST", "/api/v1/widget/attachments"),
}


def _params(w: World, params: dict[str, Any], c: Cast, ids: dict[str, Any]) -> dict[str, Any]:
    values = {
        "marker": w.marker,
        "team": ids["team"],
        "customer": ids["customer"],
        "alice": c.agents["alice"].id,
        "channel": ids["channel"],
        "seller": ids["seller"],
        "order": ids["order"],
        "reason": ids["reason"],
    }
    return {k: str(v).format(**values) for k, v in params.items()}


def _list_callers(w: World, path: str) -> tuple[list[tuple[str, Api]], Api]:
    """Who asks for a list: the outsider's callers, and the owner's (for the control)."""
    if path.startswith("/api/v1/seller/"):  # the seller API takes seller keys only
        theirs = w.outsider.as_key(w.theirs["seller_key"])
        return [("seller key", theirs)], w.owner.as_key(w.ids["seller_key"])
    return _outsiders(w), w.owner.api("ada")


@pytest.mark.parametrize("path", sorted(LISTS))
def test_lists_and_searches_never_show_another_workspace(world: World, path: str) -> None:
    """Tried on every list: the outsider's admin (token and API key) asks with the owner's ids and search
    words, then with their own; the owner's marker never shows. The owner, asking the same, does see it."""
    w = world
    owner_sees = ""
    outsiders, owner_api = _list_callers(w, path)
    for params in LISTS[path]:
        for who, api in outsiders:
            # The outsider asks with the owner's ids and words...
            r = api.get(path, params=_params(w, params, w.owner, w.ids))
            assert r.status_code in (200, 422), (who, path, params, r.text[:300])
            assert w.marker not in r.text, (
                f"{who} sees the other workspace in {path} {params}: {r.text[:500]}"
            )
            if path == "/api/v1/jobs" and r.status_code == 200:
                assert w.ids["job"] not in [j["id"] for j in r.json()]
            # ...and with their own: their own rows, still none of the owner's.
            r = api.get(path, params=_params(w, params, w.outsider, w.theirs))
            assert r.status_code == 200, (who, path, params, r.text[:300])
            assert w.marker not in r.text
        owner = owner_api.get(path, params=_params(w, params, w.owner, w.ids))
        assert owner.status_code == 200, owner.text
        owner_sees += owner.text
    # The control: the owner does see the marked rows where the list has any.
    if path not in ("/api/v1/me", "/api/v1/jobs"):
        assert w.marker in owner_sees, (
            f"the owner's {path} shows nothing marked: the check above proves nothing"
        )
    if path == "/api/v1/me":
        me = w.outsider.api("ada").get(path).json()
        assert me["workspace"]["id"] == w.outsider.workspace_id != w.owner.workspace_id


# -- the id matrix -----------------------------------------------------------------------------------------


@dataclass
class Caller:
    """One try of a case's request: who sends it, with which client and headers, and what they get."""

    who: str
    api: Api
    status: int = 404
    headers: dict[str, str] = field(default_factory=dict)


def _admins(w: World) -> list[Caller]:
    """The outsider's admin, with a token and with an API key: a 404 for the owner's object."""
    return [Caller(who, api) for who, api in _outsiders(w)]


def _owner_admin(w: World) -> Caller:
    return Caller("the owner's admin", w.owner.api("ada"))


@dataclass
class Case:
    path: str  # with {id}
    target: str  # which of the first workspace's ids goes in the path
    # What the outsider sends (valid in shape): a dict goes as JSON, bytes as they are.
    body: Callable[[World], Any] | None = None
    view: str = ""  # an owner's GET whose answer must not change (defaults to the path)
    owner_status: int = 200  # what the owner gets for the same request (proves the request is sound)
    callers: Callable[[World], list[Caller]] = _admins  # the outsider's tries, and what each gets
    owner: Callable[[World], Caller] = _owner_admin  # who sends the owner's control request
    # A name the workspace gives its own records (a store's external id, a reason code) where the
    # outsider's workspace has, or by this request makes, a record of its own: the outsider's
    # request reaches that one — these many rows more in the outsider's workspace, its own view of
    # the name changed — and never the owner's.
    own: dict[str, int] | None = None
    owner_body: Callable[[World], Any] | None = None  # what the owner's control sends, if not `body`


def _hijack(w: World) -> dict[str, Any]:
    return {"name": f"hijacked {w.marker}"}


def _upserters(w: World) -> list[Caller]:
    """A PUT by the store's external id makes the outsider's own record: created (201) by the first,
    the same document again changes nothing (200)."""
    (token, api), (key, key_api) = _outsiders(w)
    return [Caller(token, api, 201), Caller(key, key_api, 200)]


def _same_name(w: World) -> list[Caller]:
    return [Caller(who, api, 200) for who, api in _outsiders(w)]


def _sellers(w: World) -> list[Caller]:
    """The seller API (docs/seller-messaging.md): the outsider's seller key finds no thread or order
    of the owner's (404, the same as none); the outsider's admin token and API key are not seller
    keys at all (401)."""
    return [
        Caller("the outsider's seller key", w.outsider.as_key(w.theirs["seller_key"])),
        *(Caller(who, api, 401) for who, api in _outsiders(w)),
    ]


def _owner_seller(w: World) -> Caller:
    return Caller("the owner's seller key", w.owner.as_key(w.ids["seller_key"]))


def _visitor(c: Cast, token: str) -> Api:
    api = c.api(None)
    api.headers["Authorization"] = f"Visitor {token}"
    return api


def _visitors(w: World) -> list[Caller]:
    """The customer's side of an order's thread (``Authorization: Visitor``): the outsider's visitor
    has no order of the owner's (404); the outsider's admin is no visitor (401)."""
    return [
        Caller("the outsider's visitor", _visitor(w.outsider, w.theirs["visitor_token"])),
        *(Caller(who, api, 401) for who, api in _outsiders(w)),
    ]


def _owner_visitor(w: World) -> Caller:
    return Caller("the owner's visitor", _visitor(w.owner, w.ids["visitor_token"]))


def _webhook(w: World) -> bytes:
    """A store's webhook for the owner's workspace: a new seller (a row, were it applied)."""
    seller = _seller_doc("hijacked") | {"external_id": f"hook-{w.marker}"}
    return json.dumps({"type": "seller.created", "data": seller}).encode()


def _signed(secret: str, body: bytes, msg_id: str) -> dict[str, str]:
    at = dt.datetime.now(dt.UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body.decode()),
        "content-type": "application/json",
    }


def _forgers(w: World) -> list[Caller]:
    """No bearer token: the signature with the owner's inbound secret is the credential (Standard
    Webhooks, tests/commerce/test_webhooks.py). Signed with the outsider's own secret, unsigned, or
    with the outsider's admin token or API key instead: 401, nothing written."""
    body, json_type = _webhook(w), {"content-type": "application/json"}
    return [
        Caller(
            "signed with the outsider's secret",
            w.outsider.api(None),
            401,
            _signed(w.theirs["webhook_secret"], body, f"msg-{w.marker}"),
        ),
        Caller("unsigned", w.outsider.api(None), 401, json_type),
        *(Caller(who, api, 401, json_type) for who, api in _outsiders(w)),
    ]


def _store(w: World) -> Caller:
    headers = _signed(w.ids["webhook_secret"], _webhook(w), f"msg-{w.marker}")
    return Caller("signed with the owner's secret", w.owner.api(None), headers=headers)


MATRIX: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/agents/{agent_id}"): Case("/api/v1/agents/{id}", "agent"),
    ("PATCH", "/api/v1/agents/{agent_id}"): Case(
        "/api/v1/agents/{id}", "agent", lambda w: {"name": "hijacked", "role": "admin"}
    ),
    ("GET", "/api/v1/agents/{agent_id}/skills"): Case("/api/v1/agents/{id}/skills", "agent"),
    ("PUT", "/api/v1/agents/{agent_id}/skills"): Case(
        "/api/v1/agents/{id}/skills",
        "agent",
        lambda w: {"skills": [{"skill_id": w.theirs["skill"], "level": 1}]},
        owner_status=422,  # the owner does not know the outsider's skill either
    ),
    ("GET", "/api/v1/teams/{team_id}"): Case("/api/v1/teams/{id}", "team"),
    ("PATCH", "/api/v1/teams/{team_id}"): Case(
        "/api/v1/teams/{id}", "team", lambda w: {"name": "hijacked", "member_ids": []}
    ),
    ("GET", "/api/v1/teams/{team_id}/routing"): Case("/api/v1/teams/{id}/routing", "team"),
    ("PUT", "/api/v1/teams/{team_id}/routing"): Case(
        "/api/v1/teams/{id}/routing", "team", lambda w: {"strategy": "manual", "ticket_capacity": 1}
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/route"): Case(
        "/api/v1/tickets/{id}/route", "ticket", view="/api/v1/tickets/{id}", owner_status=409
    ),  # the owner's team assigns by hand
    ("GET", "/api/v1/agents/{agent_id}/out-of-office"): Case("/api/v1/agents/{id}/out-of-office", "agent"),
    ("PUT", "/api/v1/agents/{agent_id}/out-of-office"): Case(
        "/api/v1/agents/{id}/out-of-office", "agent", lambda w: {"out_of_office": False}
    ),
    ("GET", "/api/v1/calendars/{calendar_id}"): Case("/api/v1/calendars/{id}", "calendar"),
    ("GET", "/api/v1/calendars/{calendar_id}/opening"): Case(
        "/api/v1/calendars/{id}/opening", "calendar", view="/api/v1/calendars/{id}"
    ),  # its answer says when it was asked
    ("PATCH", "/api/v1/calendars/{calendar_id}"): Case(
        "/api/v1/calendars/{id}", "calendar", lambda w: {"holidays": [{"date": "12-25", "name": "x"}]}
    ),
    ("DELETE", "/api/v1/calendars/{calendar_id}"): Case(
        "/api/v1/calendars/{id}", "doomed_calendar", owner_status=204
    ),
    ("POST", "/api/v1/calendars/{calendar_id}/holidays/import"): Case(
        "/api/v1/calendars/{id}/holidays/import", "calendar", view="/api/v1/calendars/{id}", owner_status=415
    ),  # an .ics file is not JSON: the owner's request reaches the calendar and is refused for its type
    ("GET", "/api/v1/sla-policies/{policy_id}"): Case("/api/v1/sla-policies/{id}", "sla_policy"),
    ("PATCH", "/api/v1/sla-policies/{policy_id}"): Case(
        "/api/v1/sla-policies/{id}", "sla_policy", lambda w: {"description": "hijacked"}
    ),
    ("DELETE", "/api/v1/sla-policies/{policy_id}"): Case(
        "/api/v1/sla-policies/{id}", "doomed_policy", owner_status=204
    ),
    ("GET", "/api/v1/tickets/{ticket_id}/sla"): Case("/api/v1/tickets/{id}/sla", "ticket"),
    ("DELETE", "/api/v1/api-keys/{key_id}"): Case(
        "/api/v1/api-keys/{id}", "api_key", view="/api/v1/api-keys", owner_status=204
    ),
    ("GET", "/api/v1/customers/{customer_id}"): Case("/api/v1/customers/{id}", "customer"),
    ("PATCH", "/api/v1/customers/{customer_id}"): Case("/api/v1/customers/{id}", "customer", _hijack),
    ("POST", "/api/v1/customers/{customer_id}/merge"): Case(
        "/api/v1/customers/{id}/merge",
        "customer",
        lambda w: {"source_id": w.theirs["customer2"]},
        view="/api/v1/customers",
        owner_status=404,  # the outsider's customer is not the owner's either
    ),
    ("GET", "/api/v1/tickets/{ticket_id}"): Case("/api/v1/tickets/{id}", "ticket"),
    ("PATCH", "/api/v1/tickets/{ticket_id}"): Case(
        "/api/v1/tickets/{id}",
        "ticket",
        lambda w: {"priority": "urgent", "status": "open", "tags": ["hijacked"]},
    ),
    ("GET", "/api/v1/tickets/{ticket_id}/comments"): Case("/api/v1/tickets/{id}/comments", "ticket"),
    ("POST", "/api/v1/tickets/{ticket_id}/comments"): Case(
        "/api/v1/tickets/{id}/comments",
        "ticket",
        lambda w: {"body": "hijacked", "public": True},
        view="/api/v1/tickets/{id}/comments",
        owner_status=201,
    ),
    ("GET", "/api/v1/tickets/{ticket_id}/events"): Case("/api/v1/tickets/{id}/events", "ticket"),
    ("PATCH", "/api/v1/ticket-fields/{field_id}"): Case(
        "/api/v1/ticket-fields/{id}",
        "field",
        lambda w: {"label": f"hijacked {w.marker}"},
        view="/api/v1/ticket-fields",
    ),
    ("GET", "/api/v1/attachments/{attachment_id}"): Case("/api/v1/attachments/{id}", "attachment"),
    ("GET", "/api/v1/attachments/{attachment_id}/content"): Case(
        "/api/v1/attachments/{id}/content", "attachment", view="/api/v1/attachments/{id}"
    ),
    ("POST", "/api/v1/jobs/{job_id}/retry"): Case(
        "/api/v1/jobs/{id}/retry",
        "job",
        view="/api/v1/jobs",
        owner_status=409,  # queued, not dead
    ),
    ("GET", "/api/v1/channels/{channel_id}"): Case("/api/v1/channels/{id}", "channel"),
    ("PATCH", "/api/v1/channels/{channel_id}"): Case(
        "/api/v1/channels/{id}", "channel", lambda w: {"settings": {"sound": False}}
    ),
    ("GET", "/api/v1/conversations/{conversation_id}"): Case("/api/v1/conversations/{id}", "conversation"),
    ("PATCH", "/api/v1/conversations/{conversation_id}"): Case(
        "/api/v1/conversations/{id}", "conversation", lambda w: {"priority": "urgent"}
    ),
    ("GET", "/api/v1/conversations/{conversation_id}/messages"): Case(
        "/api/v1/conversations/{id}/messages", "conversation"
    ),
    ("POST", "/api/v1/conversations/{conversation_id}/messages"): Case(
        "/api/v1/conversations/{id}/messages",
        "conversation",
        lambda w: {"body": "hijacked", "private": True},
        owner_status=201,
    ),
    # A chat file opens by its id *and* its unguessable key (the link its message carries): with a
    # wrong key it is 404 for everyone, the owner included.
    ("GET", "/api/v1/chat-files/{file_id}/{access_key}"): Case(
        "/api/v1/chat-files/{id}/not-its-key", "chat_file", view="/api/v1/channels", owner_status=404
    ),
    ("POST", "/api/v1/conversations/{conversation_id}/ticket"): Case(
        "/api/v1/conversations/{id}/ticket",
        "conversation",
        view="/api/v1/conversations/{id}",
        owner_status=201,
    ),
    # The owner's ticket has no survey yet (sent an hour after the solve): 404 for everyone. A survey
    # opens by its id *and* its link's token: with a wrong token it is 404 for everyone too.
    ("GET", "/api/v1/tickets/{ticket_id}/csat"): Case(
        "/api/v1/tickets/{id}/csat", "ticket", view="/api/v1/tickets/{id}", owner_status=404
    ),
    ("GET", "/api/v1/csat/{survey_id}/{token}"): Case(
        "/api/v1/csat/{id}/not-its-token", "ticket", view="/api/v1/tickets/{id}", owner_status=404
    ),
    ("POST", "/api/v1/csat/{survey_id}/{token}"): Case(
        "/api/v1/csat/{id}/not-its-token",
        "ticket",
        lambda w: {"rating": "good"},
        view="/api/v1/tickets/{id}",
        owner_status=404,
    ),
    ("GET", "/api/v1/views/{key}"): Case("/api/v1/views/{id}", "view"),
    ("GET", "/api/v1/views/{key}/items"): Case("/api/v1/views/{id}/items", "view"),
    ("PATCH", "/api/v1/views/{view_id}"): Case(
        "/api/v1/views/{id}", "view", lambda w: {"name": "hijacked", "filters": {"statuses": ["open"]}}
    ),
    ("DELETE", "/api/v1/views/{view_id}"): Case("/api/v1/views/{id}", "doomed_view", owner_status=204),
    ("GET", "/api/v1/canned-responses/{canned_id}"): Case("/api/v1/canned-responses/{id}", "canned"),
    ("PATCH", "/api/v1/canned-responses/{canned_id}"): Case(
        "/api/v1/canned-responses/{id}", "canned", lambda w: {"body": "hijacked"}
    ),
    ("DELETE", "/api/v1/canned-responses/{canned_id}"): Case(
        "/api/v1/canned-responses/{id}", "doomed_canned", owner_status=204
    ),
    ("GET", "/api/v1/automations/{automation_id}"): Case("/api/v1/automations/{id}", "automation"),
    ("PATCH", "/api/v1/automations/{automation_id}"): Case(
        "/api/v1/automations/{id}", "automation", lambda w: {"position": 9}
    ),
    ("DELETE", "/api/v1/automations/{automation_id}"): Case(
        "/api/v1/automations/{id}", "doomed_automation", owner_status=204
    ),
    ("POST", "/api/v1/automations/{automation_id}/signing-secret"): Case(
        "/api/v1/automations/{id}/signing-secret", "automation", view="/api/v1/automations/{id}"
    ),
    ("GET", "/api/v1/macros/{macro_id}"): Case("/api/v1/macros/{id}", "macro"),
    ("PATCH", "/api/v1/macros/{macro_id}"): Case("/api/v1/macros/{id}", "macro", lambda w: {"position": 4}),
    ("DELETE", "/api/v1/macros/{macro_id}"): Case("/api/v1/macros/{id}", "doomed_macro", owner_status=204),
    # Two ids: the owner's ticket and the owner's macro.
    ("POST", "/api/v1/tickets/{ticket_id}/macros/{macro_id}/preview"): Case(
        "/api/v1/tickets/{id}/macros/{macro}/preview", "incident", view="/api/v1/tickets/{id}"
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/macros/{macro_id}/apply"): Case(
        "/api/v1/tickets/{id}/macros/{macro}/apply", "incident", view="/api/v1/tickets/{id}"
    ),
    # The outsider offers one of their own tickets (or comments) to the owner's ticket; the owner, who
    # cannot see that ticket, is refused too — so nothing is merged, split or linked by the control.
    ("POST", "/api/v1/tickets/{ticket_id}/merge"): Case(
        "/api/v1/tickets/{id}/merge",
        "incident",
        lambda w: {"ids": [w.theirs["incident"]]},
        view="/api/v1/tickets/{id}",
        owner_status=422,
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/split"): Case(
        "/api/v1/tickets/{id}/split",
        "incident",
        lambda w: {"comment_id": w.theirs["incident_comment"]},
        view="/api/v1/tickets/{id}",
        owner_status=422,
    ),
    ("GET", "/api/v1/tickets/{ticket_id}/links"): Case("/api/v1/tickets/{id}/links", "incident"),
    ("POST", "/api/v1/tickets/{ticket_id}/links"): Case(
        "/api/v1/tickets/{id}/links",
        "incident",
        lambda w: {"kind": "incident_of", "ticket_id": w.theirs["problem"]},
        view="/api/v1/tickets/{id}/links",
        owner_status=422,
    ),
    ("DELETE", "/api/v1/tickets/{ticket_id}/links/{link_id}"): Case(
        "/api/v1/tickets/{id}/links/{link}", "incident", view="/api/v1/tickets/{id}/links", owner_status=204
    ),
    ("GET", "/api/v1/agents/{agent_id}/authority-limits"): Case(
        "/api/v1/agents/{id}/authority-limits", "agent"
    ),
    ("PUT", "/api/v1/agents/{agent_id}/authority-limits"): Case(
        "/api/v1/agents/{id}/authority-limits", "agent", lambda w: {"overrides": {}}
    ),
    ("GET", "/api/v1/compensations/{entry_id}"): Case("/api/v1/compensations/{id}", "compensation"),
    ("GET", "/api/v1/customers/{customer_id}/credits"): Case("/api/v1/customers/{id}/credits", "customer"),
    ("POST", "/api/v1/customers/{customer_id}/credits/spend"): Case(
        "/api/v1/customers/{id}/credits/spend",
        "customer",
        lambda w: {"amount_minor": 1, "currency": "USD", "idempotency_key": f"spend-{w.marker}"},
        view="/api/v1/customers/{id}",
        owner_status=201,
    ),
    ("POST", "/api/v1/approvals/{approval_id}/approve"): Case(
        "/api/v1/approvals/{id}/approve", "approval", lambda w: {"reason": "fine"}, view="/api/v1/approvals"
    ),
    ("POST", "/api/v1/approvals/{approval_id}/decline"): Case(
        "/api/v1/approvals/{id}/decline", "approval2", lambda w: {"reason": "no"}, view="/api/v1/approvals"
    ),
    ("DELETE", "/api/v1/push/subscriptions/{subscription_id}"): Case(
        "/api/v1/push/subscriptions/{id}",
        "push_subscription",
        view="/api/v1/push/subscriptions",
        owner_status=204,
    ),
    ("GET", "/api/v1/customers/{customer_id}/abuse-score"): Case(
        "/api/v1/customers/{id}/abuse-score", "customer"
    ),
    ("GET", "/api/v1/customers/{customer_id}/orders"): Case("/api/v1/customers/{id}/orders", "customer"),
    # Commerce records by the store's external ids: names within one workspace. A GET or a change of
    # the owner's is a 404; a PUT of the same external id makes the outsider's own record (the
    # owner's stays as it was), and the owner's control sends the owner's document again (200).
    ("GET", "/api/v1/commerce/sellers/{external_id}"): Case("/api/v1/commerce/sellers/{id}", "seller_ext"),
    ("PUT", "/api/v1/commerce/sellers/{external_id}"): Case(
        "/api/v1/commerce/sellers/{id}",
        "put_seller_ext",
        lambda w: _seller_doc("hijacked"),
        callers=_upserters,
        own={"sellers": 1, "events": 1},
        owner_body=lambda w: _seller_doc(f"Seller {w.marker}"),
    ),
    ("GET", "/api/v1/commerce/orders/{external_id}"): Case("/api/v1/commerce/orders/{id}", "order_ext"),
    ("PUT", "/api/v1/commerce/orders/{external_id}"): Case(
        "/api/v1/commerce/orders/{id}",
        "put_order_ext",
        lambda w: _order_doc(w.theirs, "hijacked", {"email": "lisa@example.com"}),
        callers=_upserters,
        own={"orders": 1, "order_items": 1, "events": 1},
        owner_body=lambda w: _order_doc(w.ids, f"P {w.marker}", {"id": w.ids["customer"]}),
    ),
    ("GET", "/api/v1/commerce/shipments/{external_id}"): Case(
        "/api/v1/commerce/shipments/{id}", "shipment_ext"
    ),
    ("PUT", "/api/v1/commerce/shipments/{external_id}"): Case(
        "/api/v1/commerce/shipments/{id}",
        "put_shipment_ext",
        lambda w: _shipment_doc(w.theirs, w.theirs["order_ext"]),
        callers=_upserters,
        own={"shipments": 1, "events": 1},
        owner_body=lambda w: _shipment_doc(w.ids, w.ids["put_order_ext"]),
    ),
    ("POST", "/api/v1/commerce/shipments/{external_id}/events"): Case(
        "/api/v1/commerce/shipments/{id}/events",
        "shipment_ext",
        lambda w: {
            "events": [{"occurred_at": w.ids["t0"], "status": "delivered", "description": "hijacked"}]
        },
        view="/api/v1/commerce/shipments/{id}",
    ),
    ("GET", "/api/v1/commerce/sellers/{external_id}/api-keys"): Case(
        "/api/v1/commerce/sellers/{id}/api-keys", "seller_ext"
    ),
    ("POST", "/api/v1/commerce/sellers/{external_id}/api-keys"): Case(
        "/api/v1/commerce/sellers/{id}/api-keys",
        "seller_ext",
        lambda w: {"name": "hijacked"},
        owner_status=201,
    ),
    ("DELETE", "/api/v1/commerce/sellers/{external_id}/api-keys/{key_id}"): Case(
        "/api/v1/commerce/sellers/{id}/api-keys/{doomed_seller_key}",
        "seller_ext",
        view="/api/v1/commerce/sellers/{id}/api-keys",
    ),
    ("POST", "/api/v1/commerce/webhooks/{slug}"): Case(
        "/api/v1/commerce/webhooks/{id}",
        "slug",
        _webhook,
        view="/api/v1/commerce/sellers",
        callers=_forgers,
        owner=_store,
    ),
    # Buyer-seller threads, from the agents' side...
    ("GET", "/api/v1/conversations/{conversation_id}/seller-thread"): Case(
        "/api/v1/conversations/{id}/seller-thread", "seller_thread"
    ),
    ("POST", "/api/v1/conversations/{conversation_id}/messages/{message_id}/release"): Case(
        "/api/v1/conversations/{id}/messages/{held}/release",
        "seller_thread",
        view="/api/v1/conversations/{id}/seller-thread",
    ),
    ("POST", "/api/v1/conversations/{conversation_id}/messages/{message_id}/reject"): Case(
        "/api/v1/conversations/{id}/messages/{held2}/reject",
        "seller_thread",
        view="/api/v1/conversations/{id}/seller-thread",
    ),
    # ...the seller's (a seller key)...
    ("GET", "/api/v1/seller/threads/{thread_id}"): Case(
        "/api/v1/seller/threads/{id}",
        "seller_thread",
        view="/api/v1/conversations/{id}/seller-thread",
        callers=_sellers,
        owner=_owner_seller,
    ),
    ("GET", "/api/v1/seller/threads/{thread_id}/messages"): Case(
        "/api/v1/seller/threads/{id}/messages",
        "seller_thread",
        view="/api/v1/conversations/{id}/messages",
        callers=_sellers,
        owner=_owner_seller,
    ),
    ("POST", "/api/v1/seller/threads/{thread_id}/messages"): Case(
        "/api/v1/seller/threads/{id}/messages",
        "seller_thread",
        lambda w: {"body": "hijacked"},
        view="/api/v1/conversations/{id}/messages",
        owner_status=201,
        callers=_sellers,
        owner=_owner_seller,
    ),
    ("POST", "/api/v1/seller/orders/{order_external_id}/messages"): Case(
        "/api/v1/seller/orders/{id}/messages",
        "visitor_order_ext",
        lambda w: {"body": "hijacked"},
        view="/api/v1/conversations/{seller_thread}/messages",
        owner_status=201,
        callers=_sellers,
        owner=_owner_seller,
    ),
    # ...and the customer's (a visitor token).
    ("GET", "/api/v1/widget/orders/{order_external_id}/seller-messages"): Case(
        "/api/v1/widget/orders/{id}/seller-messages",
        "visitor_order_ext",
        view="/api/v1/conversations/{seller_thread}/messages",
        callers=_visitors,
        owner=_owner_visitor,
    ),
    ("POST", "/api/v1/widget/orders/{order_external_id}/seller-messages"): Case(
        "/api/v1/widget/orders/{id}/seller-messages",
        "visitor_order_ext",
        lambda w: {"client_id": "hijack", "body": "hijacked"},
        view="/api/v1/conversations/{seller_thread}/messages",
        owner_status=201,
        callers=_visitors,
        owner=_owner_visitor,
    ),
    ("GET", "/api/v1/seller-metrics/{seller_id}"): Case(
        "/api/v1/seller-metrics/{id}", "seller", view="/api/v1/commerce/sellers/{seller_ext}"
    ),
    ("POST", "/api/v1/seller-metrics/{seller_id}/reinstate"): Case(
        "/api/v1/seller-metrics/{id}/reinstate",
        "seller",
        lambda w: {"reason": "hijacked"},
        view="/api/v1/commerce/sellers/{seller_ext}",
        owner_status=409,  # the owner's seller is not suspended
    ),
    ("GET", "/api/v1/claims/{claim_id}"): Case("/api/v1/claims/{id}", "claim"),
    ("POST", "/api/v1/claims/{claim_id}/transitions"): Case(
        "/api/v1/claims/{id}/transitions",
        "claim",
        lambda w: {"to": "disputed", "note": "hijacked"},
        view="/api/v1/claims/{id}",
    ),
    ("GET", "/api/v1/resolution-policies/{policy_id}"): Case(
        "/api/v1/resolution-policies/{id}", "resolution_policy"
    ),
    ("GET", "/api/v1/resolution-policies/{policy_id}/versions"): Case(
        "/api/v1/resolution-policies/{id}/versions", "resolution_policy"
    ),
    ("PATCH", "/api/v1/resolution-policies/{policy_id}"): Case(
        "/api/v1/resolution-policies/{id}", "resolution_policy", _hijack
    ),
    ("PUT", "/api/v1/resolution-policies/{policy_id}"): Case(
        "/api/v1/resolution-policies/{id}",
        "resolution_policy",
        lambda w: _hijack(w) | {"enabled": False, "document": STALLED_POLICY},
    ),
    ("DELETE", "/api/v1/resolution-policies/{policy_id}"): Case(
        "/api/v1/resolution-policies/{id}", "doomed_resolution_policy", owner_status=204
    ),
    ("GET", "/api/v1/tickets/{ticket_id}/resolution-suggestions"): Case(
        "/api/v1/tickets/{id}/resolution-suggestions", "suggested_ticket"
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/resolution-suggestions:evaluate"): Case(
        "/api/v1/tickets/{id}/resolution-suggestions:evaluate",
        "suggested_ticket",
        lambda w: {"order_id": w.ids["deal_order"], "reason": "item_not_as_described"},
        view="/api/v1/tickets/{id}/resolution-suggestions",
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/resolution-suggestions/{suggestion_id}/accept"): Case(
        "/api/v1/tickets/{id}/resolution-suggestions/{suggestion}/accept",
        "suggested_ticket",
        view="/api/v1/tickets/{id}/resolution-suggestions",
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/resolution-suggestions/{suggestion_id}/dismiss"): Case(
        "/api/v1/tickets/{id}/resolution-suggestions/{suggestion2}/dismiss",
        "suggested_ticket2",
        view="/api/v1/tickets/{id}/resolution-suggestions",
    ),
    # Reason codes are the workspace's own: the owner's own code is none of the outsider's (404); a
    # code both have is in SAME_NAME below.
    ("PATCH", "/api/v1/contact-reasons/{code}"): Case(
        "/api/v1/contact-reasons/{id}",
        "reason",
        lambda w: {"names": {"en": f"hijacked {w.marker}"}},
        view="/api/v1/contact-reasons",
    ),
}

# Routes keyed by a name, tried again with a name both workspaces have: the outsider's request
# reaches the outsider's own record, never the owner's.
SAME_NAME: dict[tuple[str, str], Case] = {
    # Both have the default taxonomy's lost_parcel.
    ("PATCH", "/api/v1/contact-reasons/{code}"): Case(
        "/api/v1/contact-reasons/{id}",
        "default_reason",
        lambda w: {"names": {"en": "hijacked"}},
        view="/api/v1/contact-reasons",
        callers=_same_name,
        own={},
    ),
}


def test_every_route_is_in_the_matrix(live_cast: Cast) -> None:
    """The routes of /openapi.json against the cases of this module: a route with an id, a list, or a
    create without a case fails here."""
    paths = live_cast.api(None).get("/openapi.json").json()["paths"]
    routes = {(m.upper(), p) for p, ops in paths.items() for m in ops}
    with_ids = {r for r in routes if "{" in r[1]}
    assert with_ids == set(MATRIX), (
        f"routes with an id but no isolation case: {sorted(with_ids - set(MATRIX))}; "
        f"cases for routes that are gone: {sorted(set(MATRIX) - with_ids)}"
    )
    assert set(SAME_NAME) <= set(MATRIX)
    lists = {p for m, p in routes if m == "GET" and "{" not in p} - {p for m, p in NOT_LISTS if m == "GET"}
    assert lists == set(LISTS), (
        f"unchecked lists: {sorted(lists - set(LISTS))}; gone: {sorted(set(LISTS) - lists)}"
    )
    creates = {r for r in routes if "{" not in r[1] and r[0] != "GET"} - NOT_LISTS
    assert creates == {(m, p) for m, p, *_ in BODY_IDS_ROUTES}, sorted(creates)


def _outsiders(w: World) -> list[tuple[str, Api]]:
    return [("admin token", w.outsider.api("ada")), ("admin API key", w.outsider.as_key(w.outsider_key))]


def _send(caller: Caller, method: str, url: str, body: Any) -> Any:
    if isinstance(body, bytes):
        return caller.api.request(method, url, content=body, headers=caller.headers)
    return caller.api.request(method, url, json=body, headers=caller.headers)


CASES = [(m, p, MATRIX[m, p]) for m, p in sorted(MATRIX)] + [
    (m, p, SAME_NAME[m, p]) for m, p in sorted(SAME_NAME)
]


@pytest.mark.parametrize(
    ("method", "route", "case"),
    CASES,
    ids=[f"{m} {p}" for m, p in sorted(MATRIX)]
    + [f"{m} {p} (a name both have)" for m, p in sorted(SAME_NAME)],
)
async def test_another_workspace_gets_404_for_every_id(
    world: World, method: str, route: str, case: Case
) -> None:
    """Tried: the request with the owner's id, by the outsider's admin with a token and with an API key
    (or, where the route takes other credentials, the outsider's seller key or visitor token, a
    webhook signed with the outsider's secret): 404 problem (401 for credentials of the wrong kind),
    no rows added in either workspace, the owner's view of the object unchanged. For a name both
    workspaces have, or one an upsert makes: the outsider's own record changes, the owner's does not.
    Then the owner sends the same request: it reaches the object."""
    w = world
    url = case.path.format(id=w.ids[case.target], **w.ids)  # a second id in the path is the owner's too
    body = case.body(w) if case.body else None
    owner = w.owner.api("ada")
    view_url = (case.view or case.path).format(id=w.ids[case.target], **w.ids)
    for c in (w.owner, w.outsider):  # what earlier cases set off has been done
        await settled(c.rt, c.workspace_id)
    view_before = owner.get(view_url)
    assert view_before.status_code == 200, view_before.text
    their_view = w.outsider.api("ada").get(view_url)
    mine = await row_counts(w.owner.rt, w.owner.workspace_id)
    theirs = await row_counts(w.outsider.rt, w.outsider.workspace_id)
    for caller in case.callers(w):
        r = _send(caller, method, url, body)
        assert r.status_code == caller.status, (
            f"{caller.who}: {method} {url} answered {r.status_code}: {r.text[:300]}"
        )
        if caller.status >= 400:
            assert_problem(r, caller.status)
        assert w.marker not in r.text, r.text
    for c in (w.owner, w.outsider):
        await settled(c.rt, c.workspace_id)
    assert await row_counts(w.owner.rt, w.owner.workspace_id) == mine
    gained = case.own or {}
    assert await row_counts(w.outsider.rt, w.outsider.workspace_id) == {
        table: n + gained.get(table, 0) for table, n in theirs.items()
    }
    assert owner.get(view_url).json() == view_before.json(), "the owner's object changed"
    if case.own is not None:  # the outsider's request went to the outsider's own record
        their_view_after = w.outsider.api("ada").get(view_url)
        assert their_view_after.status_code == 200, their_view_after.text
        assert their_view_after.json() != their_view.json() and w.marker not in their_view_after.text
    # The same request from the owner reaches the object: the 404 above was about the workspace.
    control = case.owner_body(w) if case.owner_body else body
    r = _send(case.owner(w), method, url, control)
    assert r.status_code == case.owner_status, r.text


def test_an_object_of_the_other_workspace_is_not_even_guessable(world: World) -> None:
    """404 for an id of the other workspace reads exactly like 404 for an id that does not exist."""
    for (method, _), case in MATRIX.items():
        if method != "GET":
            continue
        caller = next(c for c in case.callers(world) if c.status == 404)
        theirs = _send(caller, "GET", case.path.format(id=world.ids[case.target], **world.ids), None).json()
        nobody = _send(caller, "GET", case.path.format(**{**world.ids, "id": 2**62}), None).json()
        assert theirs["detail"] == nobody["detail"] and theirs["title"] == nobody["title"], case.path
        assert theirs["type"] == nobody["type"]


# -- ids of the first workspace in the second's bodies -----------------------------------------------------


BODY_IDS_ROUTES: list[tuple[str, str, Callable[[World], list[tuple[str, str, dict[str, Any]]]]]] = [
    (
        "POST",
        "/api/v1/tickets",
        lambda w: [
            ("/api/v1/tickets", "requester.id", {"subject": "s", "requester": {"id": w.ids["customer"]}}),
            (
                "/api/v1/tickets",
                "assignee_id",
                {
                    "subject": "s",
                    "requester": {"email": "o@example.com"},
                    "assignee_id": w.owner.agents["alice"].id,
                },
            ),
            (
                "/api/v1/tickets",
                "team_id",
                {"subject": "s", "requester": {"email": "o@example.com"}, "team_id": w.ids["team"]},
            ),
            (
                "/api/v1/tickets",
                "order_id",
                {"subject": "s", "requester": {"email": "o@example.com"}, "order_id": w.ids["order"]},
            ),
            (
                "/api/v1/tickets",
                "contact_reason (the owner's own code)",
                {"subject": "s", "requester": {"email": "o@example.com"}, "contact_reason": w.ids["reason"]},
            ),
            (
                "/api/v1/tickets",
                "attachment_ids (orphan)",
                {
                    "subject": "s",
                    "requester": {"email": "o@example.com"},
                    "description": "d",
                    "attachment_ids": [w.ids["orphan"]],
                },
            ),
        ],
    ),
    ("POST", "/api/v1/customers", lambda w: []),  # no ids in a customer
    ("POST", "/api/v1/agents", lambda w: []),  # no ids in an agent
    (
        "POST",
        "/api/v1/teams",
        lambda w: [("/api/v1/teams", "member_ids", {"name": "t", "member_ids": [w.ids["agent"]]})],
    ),
    ("POST", "/api/v1/skills", lambda w: []),  # no ids in a skill
    (
        "POST",
        "/api/v1/api-keys",
        lambda w: [("/api/v1/api-keys", "agent_id", {"name": "k", "agent_id": w.ids["agent"]})],
    ),
    ("POST", "/api/v1/ticket-fields", lambda w: []),  # no ids in a field definition
    ("POST", "/api/v1/attachments", lambda w: []),  # a file upload
    (
        "POST",
        "/api/v1/channels",
        lambda w: [("/api/v1/channels", "team_id", {"name": "c", "team_id": w.ids["team"]})],
    ),
    (
        "POST",
        "/api/v1/views",
        lambda w: [
            ("/api/v1/views", "filters.team_ids", {"name": "v", "filters": {"team_ids": [w.ids["team"]]}}),
            ("/api/v1/views", "filters.assignee", {"name": "v", "filters": {"assignee": w.ids["agent"]}}),
        ],
    ),
    ("POST", "/api/v1/canned-responses", lambda w: []),  # no ids in a canned response
    ("POST", "/api/v1/calendars", lambda w: []),  # no ids in a calendar
    (
        "POST",
        "/api/v1/sla-policies",
        lambda w: [
            (
                "/api/v1/sla-policies",
                "calendar_id",
                {"name": "p", "calendar_id": w.ids["calendar"], "targets": {"low": {"resolution": 60}}},
            )
        ],
    ),
    (
        "POST",
        "/api/v1/automations",
        lambda w: (
            [
                (
                    "/api/v1/automations",
                    what,
                    {"name": "r", "events": ["ticket.created"], "actions": [action]},
                )
                for what, action in (
                    ("set team_id", {"type": "set", "field": "team_id", "value": w.ids["team"]}),
                    ("set assignee_id", {"type": "set", "field": "assignee_id", "value": w.ids["agent"]}),
                    (
                        "notify agent_id",
                        {"type": "notify", "to": "agent", "agent_id": w.ids["agent"], "message": {"en": "x"}},
                    ),
                    ("apply_macro", {"type": "apply_macro", "macro_id": w.ids["macro"]}),
                )
            ]
            + [
                (
                    "/api/v1/automations",
                    "calendar_id",
                    {
                        "name": "r",
                        "kind": "schedule",
                        "conditions": {
                            "all": [
                                {
                                    "field": "hours_since.updated",
                                    "op": "gt",
                                    "value": 1,
                                    "calendar_id": w.ids["calendar"],
                                }
                            ]
                        },
                        "actions": [{"type": "add_tags", "tags": ["x"]}],
                    },
                )
            ]
        ),
    ),
    (
        "POST",
        "/api/v1/compensations",
        lambda w: [
            (
                "/api/v1/compensations",
                what,
                {
                    "kind": "goodwill_credit",
                    "customer_id": w.theirs["customer"],
                    "amount_minor": 100,
                    "currency": "USD",
                    "reason_code": "goodwill",
                    "idempotency_key": f"foreign-{what}-{w.marker}",
                }
                | ids,
            )
            for what, ids in (
                ("customer_id", {"customer_id": w.ids["customer"]}),
                ("order_id", {"kind": "refund", "order_id": w.ids["deal_order"]}),
                ("ticket_id", {"ticket_id": w.ids["ticket"]}),
                ("shipment_id", {"order_id": w.theirs["order"], "shipment_id": w.ids["shipment"]}),
                ("policy_id", {"policy_id": w.ids["contact_policy"]}),
            )
        ],
    ),
    (
        "POST",
        "/api/v1/commerce/orders:batch",
        lambda w: [
            (
                "/api/v1/commerce/orders:batch",
                what,
                {
                    "orders": [
                        _order_doc(w.theirs, "foreign", customer, **over) | {"external_id": f"x-{w.marker}"}
                    ]
                },
            )
            for what, customer, over in (
                (
                    "seller_external_id",
                    {"email": "o@example.com"},
                    {"seller_external_id": w.ids["seller_ext"]},
                ),
                ("customer.id", {"id": w.ids["customer"]}, {}),
            )
        ],
    ),
    (
        "POST",
        "/api/v1/commerce/shipments:batch",
        lambda w: [
            (
                "/api/v1/commerce/shipments:batch",
                "order_external_id",
                {
                    "shipments": [
                        _shipment_doc(w.theirs, w.ids["order_ext"]) | {"external_id": f"x-{w.marker}"}
                    ]
                },
            )
        ],
    ),
    (
        "POST",
        "/api/v1/contact-reasons",
        lambda w: [
            (
                "/api/v1/contact-reasons",
                "parent_code (the owner's own code)",
                {"code": "x_foreign", "parent_code": w.ids["reason"], "names": {"en": "x"}},
            )
        ],
    ),
    # A policy document names kinds, amounts and reason codes, no records of the workspace.
    ("POST", "/api/v1/resolution-policies", lambda w: []),
    ("POST", "/api/v1/resolution-policies:validate", lambda w: []),  # and writes nothing
    (
        "POST",
        "/api/v1/macros",
        lambda w: [
            (
                "/api/v1/macros",
                what,
                {"name": "m", "shared": True, "actions": [action]},
            )
            for what, action in (
                ("team_id", {"set": "team_id", "value": w.ids["team"]}),
                ("assignee_id", {"set": "assignee_id", "value": w.ids["agent"]}),
            )
        ],
    ),
]


def _own_routes_with_foreign_ids(w: World) -> list[tuple[str, str, str, dict[str, Any]]]:
    """Requests on the outsider's own objects that name the owner's ids."""
    t, team, bob = w.theirs["ticket"], w.theirs["team"], w.outsider.agents["bob"].id
    return [
        ("PATCH", f"/api/v1/tickets/{t}", "requester_id", {"requester_id": w.ids["customer"]}),
        (
            "PATCH",
            f"/api/v1/tickets/{t}",
            "assignee_id",
            {"assignee_id": w.owner.agents["alice"].id, "team_id": None},
        ),
        ("PATCH", f"/api/v1/tickets/{t}", "team_id", {"team_id": w.ids["team"], "assignee_id": None}),
        (
            "POST",
            f"/api/v1/tickets/{t}/comments",
            "attachment_ids",
            {"body": "b", "attachment_ids": [w.ids["orphan"]]},
        ),
        ("PATCH", f"/api/v1/teams/{team}", "member_ids", {"member_ids": [w.ids["agent"]]}),
        ("PUT", f"/api/v1/agents/{bob}/skills", "skill_id", {"skills": [{"skill_id": w.ids["skill"]}]}),
        (
            "POST",
            f"/api/v1/customers/{w.theirs['customer']}/merge",
            "source_id",
            {"source_id": w.ids["customer2"]},
        ),
        (
            "PATCH",
            f"/api/v1/conversations/{w.theirs['conversation']}",
            "assignee_id",
            {"assignee_id": w.ids["agent"]},
        ),
        ("PATCH", f"/api/v1/conversations/{w.theirs['conversation']}", "team_id", {"team_id": w.ids["team"]}),
        ("PATCH", f"/api/v1/channels/{w.theirs['channel']}", "team_id", {"team_id": w.ids["team"]}),
        (
            "PATCH",
            f"/api/v1/sla-policies/{w.theirs['sla_policy']}",
            "calendar_id",
            {"calendar_id": w.ids["calendar"]},
        ),
        (
            "PATCH",
            f"/api/v1/views/{w.theirs['view']}",
            "filters.team_ids",
            {"filters": {"team_ids": [w.ids["team"]]}},
        ),
        ("POST", f"/api/v1/tickets/{w.theirs['incident']}/merge", "ids", {"ids": [w.ids["incident"]]}),
        (
            "POST",
            f"/api/v1/tickets/{w.theirs['incident']}/links",
            "ticket_id",
            {"kind": "incident_of", "ticket_id": w.ids["problem"]},
        ),
        (
            "POST",
            f"/api/v1/tickets/{w.theirs['incident']}/split",
            "comment_id",
            {"comment_id": w.ids["incident_comment"]},
        ),
        ("POST", f"/api/v1/tickets/{w.theirs['incident']}/macros/{w.ids['macro']}/apply", "macro_id", {}),
        ("PATCH", f"/api/v1/tickets/{t}", "order_id", {"order_id": w.ids["order"]}),
        ("PATCH", f"/api/v1/tickets/{t}", "contact_reason", {"contact_reason": w.ids["reason"]}),
        (
            "PATCH",
            f"/api/v1/conversations/{w.theirs['conversation']}",
            "order_id",
            {"order_id": w.ids["order"]},
        ),
        (
            "PATCH",
            f"/api/v1/conversations/{w.theirs['conversation']}",
            "contact_reason",
            {"contact_reason": w.ids["reason"]},
        ),
        (
            "PATCH",
            f"/api/v1/contact-reasons/{w.theirs['reason']}",
            "parent_code",
            {"parent_code": w.ids["reason"]},
        ),
        (
            "PUT",
            f"/api/v1/commerce/orders/{w.theirs['order_ext']}",
            "seller_external_id",
            _order_doc(
                w.theirs, "foreign", {"email": "o@example.com"}, seller_external_id=w.ids["seller_ext"]
            ),
        ),
        (
            "PUT",
            f"/api/v1/commerce/orders/{w.theirs['order_ext']}",
            "customer.id",
            _order_doc(w.theirs, "foreign", {"id": w.ids["customer"]}),
        ),
        (
            "PUT",
            f"/api/v1/commerce/shipments/{w.theirs['shipment_ext']}",
            "order_external_id",
            _shipment_doc(w.theirs, w.ids["order_ext"]),
        ),
        (
            "DELETE",
            f"/api/v1/commerce/sellers/{w.theirs['seller_ext']}/api-keys/{w.ids['seller_key_id']}",
            "key_id",
            {},
        ),
        (
            "POST",
            f"/api/v1/conversations/{w.theirs['seller_thread']}/messages/{w.ids['held']}/release",
            "message_id",
            {},
        ),
        (
            "POST",
            f"/api/v1/conversations/{w.theirs['seller_thread']}/messages/{w.ids['held2']}/reject",
            "message_id",
            {},
        ),
        (
            "POST",
            f"/api/v1/tickets/{w.theirs['order_ticket']}/resolution-suggestions:evaluate",
            "order_id",
            {"order_id": w.ids["deal_order"], "reason": "item_not_as_described"},
        ),
        (
            "POST",
            f"/api/v1/tickets/{w.theirs['suggested_ticket']}/resolution-suggestions/{w.ids['suggestion']}/accept",
            "suggestion_id",
            {},
        ),
        (
            "POST",
            f"/api/v1/tickets/{w.theirs['suggested_ticket2']}/resolution-suggestions/{w.ids['suggestion2']}/dismiss",
            "suggestion_id",
            {},
        ),
        (
            "POST",
            f"/api/v1/tickets/{w.theirs['suggested_ticket']}/resolution-suggestions/{w.theirs['suggestion']}/accept",
            "order_id",
            {"order_id": w.ids["deal_order"]},
        ),
    ]


async def test_ids_of_another_workspace_in_bodies_are_refused(world: World) -> None:
    """Tried: the owner's customer, agent, team, attachment, skill ids in the outsider's own creates and
    changes (requester, assignee, team, attachment_ids, member_ids, skill_id, agent_id of a key, merge
    source), and the owner's orders, shipments, tickets, policies, reason codes, seller keys, held
    messages and suggestions (a ticket's order and reason, a grant's order, ticket, shipment and
    policy, a store document's seller, customer and order). Each is a 404 or 422 problem and nothing
    is written anywhere."""
    w = world
    api = w.outsider.api("ada")
    mine = await row_counts(w.owner.rt, w.owner.workspace_id)
    theirs = await row_counts(w.outsider.rt, w.outsider.workspace_id)
    attempts = [("POST", url, what, body) for _, _, make in BODY_IDS_ROUTES for url, what, body in make(w)]
    attempts += _own_routes_with_foreign_ids(w)
    failures = []
    for method, url, what, body in attempts:
        r = api.request(method, url, json=body)
        if r.status_code not in (404, 422) or w.marker in r.text:
            failures.append(f"{method} {url} with the owner's {what}: {r.status_code} {r.text[:200]}")
        else:
            assert_problem(r, r.status_code)
    assert not failures, "\n".join(failures)
    assert await row_counts(w.owner.rt, w.owner.workspace_id) == mine
    assert await row_counts(w.outsider.rt, w.outsider.workspace_id) == theirs


def test_a_requester_found_by_email_is_the_workspaces_own(world: World) -> None:
    """Both workspaces know lisa@example.com: each ticket gets its own workspace's Lisa."""
    t = _ok(
        world.outsider.api("alice").post(
            "/api/v1/tickets", json={"subject": "s", "requester": {"email": "lisa@example.com"}}
        ),
        201,
    )
    assert t["requester"]["id"] == world.theirs["customer"] != world.ids["customer"]


async def test_a_session_cookie_does_not_cross_workspaces(world: World) -> None:
    """A console session of the second workspace reaches its own objects only."""
    import httpx

    with httpx.Client(base_url=world.owner.base_url or "", timeout=30) as browser:
        c = world.outsider
        r = browser.post(
            "/api/v1/auth/session",
            json={"workspace": c.slug, "email": f"ada@{c.slug}.test", "password": PASSWORD},
        )
        assert r.status_code == 200, r.text
        csrf = r.json()["csrf_token"]
        assert browser.get(f"/api/v1/tickets/{world.theirs['ticket']}").status_code == 200
        assert_problem(browser.get(f"/api/v1/tickets/{world.ids['ticket']}"), 404)
        r = browser.patch(
            f"/api/v1/tickets/{world.ids['ticket']}",
            json={"subject": "hijacked"},
            headers={"X-CSRF-Token": csrf},
        )
        assert_problem(r, 404)
        assert world.marker not in browser.get("/api/v1/tickets", params={"q": world.marker}).text

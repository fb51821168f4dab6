"""Tenant isolation, as a matrix over the application's own routes.

Two workspaces. Every route that takes an id answers 404 — never 200, 403, 409 or 500 — when a
caller of the second workspace names an object of the first, for every method, and nothing in
either workspace changes. Ids of the first workspace inside bodies sent to the second are refused
the same way. List and search endpoints never show the first workspace's rows to the second.

The routes come from ``/openapi.json``: a new route with an id, or a new list, fails
``test_every_route_is_in_the_matrix`` until it has a case here.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.api.support import row_counts
from tests.conftest import PASSWORD, Api, Cast, LiveServer, assert_problem, build_cast
from tests.notifications.support import Device
from wowdesk.core.runtime import Runtime

# -- two workspaces with something of everything -----------------------------------------------------------


@dataclass
class World:
    owner: Cast  # the first workspace: its objects are the targets
    outsider: Cast  # the second workspace: its callers try to reach them
    marker: str  # a word in every name of the first workspace, to look for in the second's lists
    ids: dict[str, int] = field(default_factory=dict)  # the first workspace's objects
    theirs: dict[str, int] = field(default_factory=dict)  # the second workspace's own objects
    api_key: str = ""  # an API key of the first workspace (Alice's)
    outsider_key: str = ""  # an API key of the second workspace's admin


def _ok(r: Any, status: int = 200) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    return body


def _populate(c: Cast, marker: str) -> tuple[dict[str, int], str]:
    """One of each kind of object, made through the API; returns their ids and an API key."""
    ada, alice = c.api("ada"), c.api("alice")
    ids: dict[str, int] = {
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
    ids["channel"] = _ok(ada.post("/api/v1/channels", json={"name": f"Chat {marker}"}), 201)["id"]
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
    return ids, key["key"]


@pytest.fixture(scope="module")
async def world(runtime: Runtime, live: LiveServer) -> AsyncIterator[World]:
    """One pair of workspaces for the module: the cases only read or are refused, and the owner's
    control requests are chosen so that they do not hide the marker from later cases."""
    owner, outsider = await build_cast(runtime), await build_cast(runtime)
    owner.base_url = outsider.base_url = live.url
    marker = "zq" + secrets.token_hex(5)
    w = World(owner=owner, outsider=outsider, marker=marker)
    w.ids, w.api_key = _populate(owner, marker)
    w.theirs, _ = _populate(outsider, "other" + secrets.token_hex(3))
    w.outsider_key = _ok(outsider.api("ada").post("/api/v1/api-keys", json={"name": "admin key"}), 201)["key"]
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
    # The customer side of chat: a visitor's own session, named by its signed token (a foreign or
    # forged one is refused: tests/conversations/test_chat_bad_input.py).
    ("POST", "/api/v1/widget/session"),
    ("GET", "/api/v1/widget/messages"),
    ("POST", "/api/v1/widget/messages"),
    ("POST", "/api/v1/widget/read"),
    ("POST", "/api/v1/widget/received"),
    ("POST", "/api/v1/widget/attachments"),
}


def _params(w: World, params: dict[str, Any], c: Cast, ids: dict[str, int]) -> dict[str, Any]:
    values = {
        "marker": w.marker,
        "team": ids["team"],
        "customer": ids["customer"],
        "alice": c.agents["alice"].id,
        "channel": ids["channel"],
    }
    return {k: str(v).format(**values) for k, v in params.items()}


@pytest.mark.parametrize("path", sorted(LISTS))
def test_lists_and_searches_never_show_another_workspace(world: World, path: str) -> None:
    """Tried on every list: the outsider's admin (token and API key) asks with the owner's ids and search
    words, then with their own; the owner's marker never shows. The owner, asking the same, does see it."""
    w = world
    owner_sees = ""
    for params in LISTS[path]:
        for who, api in _outsiders(w):
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
        owner = w.owner.api("ada").get(path, params=_params(w, params, w.owner, w.ids))
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
class Case:
    path: str  # with {id}
    target: str  # which of the first workspace's ids goes in the path
    body: Callable[[World], dict[str, Any]] | None = None  # what the outsider sends (valid in shape)
    view: str = ""  # an owner's GET whose answer must not change (defaults to the path)
    owner_status: int = 200  # what the owner gets for the same request (proves the request is sound)


def _hijack(w: World) -> dict[str, Any]:
    return {"name": f"hijacked {w.marker}"}


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
    ("DELETE", "/api/v1/push/subscriptions/{subscription_id}"): Case(
        "/api/v1/push/subscriptions/{id}",
        "push_subscription",
        view="/api/v1/push/subscriptions",
        owner_status=204,
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
    lists = {p for m, p in routes if m == "GET" and "{" not in p} - {p for m, p in NOT_LISTS if m == "GET"}
    assert lists == set(LISTS), (
        f"unchecked lists: {sorted(lists - set(LISTS))}; gone: {sorted(set(LISTS) - lists)}"
    )
    creates = {r for r in routes if "{" not in r[1] and r[0] != "GET"} - NOT_LISTS
    assert creates == {(m, p) for m, p, *_ in BODY_IDS_ROUTES}, sorted(creates)


def _outsiders(w: World) -> list[tuple[str, Api]]:
    return [("admin token", w.outsider.api("ada")), ("admin API key", w.outsider.as_key(w.outsider_key))]


@pytest.mark.parametrize(("method", "route"), sorted(MATRIX), ids=[f"{m} {p}" for m, p in sorted(MATRIX)])
async def test_another_workspace_gets_404_for_every_id(world: World, method: str, route: str) -> None:
    """Tried: the request with the owner's id, by the outsider's admin with a token and with an API key:
    404 problem, no rows added in either workspace, the owner's view of the object unchanged. Then the
    owner sends the same request: it reaches the object."""
    case = MATRIX[(method, route)]
    w = world
    url = case.path.format(id=w.ids[case.target], **w.ids)  # a second id in the path is the owner's too
    body = case.body(w) if case.body else None
    owner = w.owner.api("ada")
    view_url = (case.view or case.path).format(id=w.ids[case.target], **w.ids)
    view_before = owner.get(view_url)
    assert view_before.status_code == 200, view_before.text
    mine = await row_counts(w.owner.rt, w.owner.workspace_id)
    theirs = await row_counts(w.outsider.rt, w.outsider.workspace_id)
    for who, api in _outsiders(w):
        r = api.request(method, url, json=body)
        assert r.status_code == 404, f"{who}: {method} {url} answered {r.status_code}: {r.text[:300]}"
        problem = assert_problem(r, 404)
        assert w.marker not in r.text, problem
    assert await row_counts(w.owner.rt, w.owner.workspace_id) == mine
    assert await row_counts(w.outsider.rt, w.outsider.workspace_id) == theirs
    assert owner.get(view_url).json() == view_before.json(), "the owner's object changed"
    # The same request from the owner reaches the object: the 404 above was about the workspace.
    r = owner.request(method, url, json=body)
    assert r.status_code == case.owner_status, r.text


def test_an_object_of_the_other_workspace_is_not_even_guessable(world: World) -> None:
    """404 for an id of the other workspace reads exactly like 404 for an id that does not exist."""
    api = world.outsider.api("ada")
    for (method, _), case in MATRIX.items():
        if method != "GET":
            continue
        theirs = api.get(case.path.format(id=world.ids[case.target], **world.ids)).json()
        nobody = api.get(case.path.format(**{**world.ids, "id": 2**62})).json()
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
    ]


async def test_ids_of_another_workspace_in_bodies_are_refused(world: World) -> None:
    """Tried: the owner's customer, agent, team, attachment, skill ids in the outsider's own creates and
    changes (requester, assignee, team, attachment_ids, member_ids, skill_id, agent_id of a key, merge
    source). Each is a 404 or 422 problem and nothing is written anywhere."""
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

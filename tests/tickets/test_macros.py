"""Macros: saved bundles of ticket changes and a reply with placeholders, per language; shared
ones for supervisors, personal ones for their owner; applied in one step (one new version, a
timeline line naming the macro), or previewed without writing anything."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, Cast, assert_problem
from tests.tickets.conftest import comments, create_ticket, get_ticket, timeline
from wowdesk.core.actor import Actor
from wowdesk.tickets import queries as ticket_queries
from wowdesk.tickets.macros import actions as macro_actions
from wowdesk.tickets.macros import queries as macro_queries

TEXTS = {
    "en": "Hi {{ customer.first_name }}, ticket #{{ ticket.number }} is {{ ticket.status }}."
    " — {{ agent.name }}",
    "zh-Hant": "{{ customer.name }} 您好，工單 #{{ ticket.number }} 目前為{{ ticket.status }}。",
}


def make_macro(api: Api, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Refund sent",
        "actions": [
            {"set": "status", "value": "pending"},
            {"set": "priority", "value": "high"},
            {"add_tags": ["refund"]},
        ],
        "reply": {"texts": TEXTS, "public": True},
    }
    body.update(fields)
    r = api.post("/api/v1/macros", json=body)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def test_apply_makes_one_version_with_the_changes_the_reply_and_a_line_naming_the_macro(
    live_cast: Cast,
) -> None:
    """Alice applies her macro to Lisa's ticket: status, priority and tag change, the reply is
    written in Lisa's language (zh-Hant) with the placeholders filled, the version goes up by one
    and the timeline says which macro did it."""
    alice = live_cast.api("alice")
    macro = make_macro(alice)
    t = create_ticket(alice, requester={"id": live_cast.customers["lisa"].id}, tags=["vip"])
    r = alice.post(f"/api/v1/tickets/{t['id']}/macros/{macro['id']}/apply")
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["ticket"]["version"] == t["version"] + 1
    assert r.headers["etag"] == f'W/"{t["version"] + 1}"'
    assert (out["ticket"]["status"], out["ticket"]["priority"]) == ("pending", "high")
    assert sorted(out["ticket"]["tags"]) == ["refund", "vip"]
    assert out["comment"]["public"] is True
    # Lisa reads Traditional Chinese; the status label is in the reply's language too.
    assert out["comment"]["body"] == f"張雅婷 Lisa 您好，工單 #{t['number']} 目前為等待中。"
    assert "{{" not in out["comment"]["body"]
    kinds = [e["kind"] for e in timeline(alice, t["id"])]
    assert kinds[0] == "created" and "macro" in kinds and kinds[-1] == "comment"
    line = next(e for e in timeline(alice, t["id"]) if e["kind"] == "macro")
    assert line["new"] == {"macro_id": macro["id"], "name": "Refund sent"}
    assert get_ticket(alice, t["id"]) == out["ticket"]


def test_the_reply_falls_back_to_english_and_a_note_speaks_the_agents_language(live_cast: Cast) -> None:
    """Wang reads Simplified Chinese, which the macro lacks: the reply is the English text. As an
    internal note it is in the agent's language (English here); `language` picks one outright."""
    alice = live_cast.api("alice")
    macro = make_macro(alice, actions=[])
    t = create_ticket(alice, requester={"id": live_cast.customers["wang"].id})
    url = f"/api/v1/tickets/{t['id']}/macros/{macro['id']}/preview"
    preview = alice.post(url).json()
    assert preview["reply"]["language"] == "en"
    assert preview["reply"]["body"] == f"Hi 王伟, ticket #{t['number']} is New. — Alice"
    chosen = alice.post(url, json={"language": "zh-Hant"}).json()
    assert chosen["reply"]["language"] == "zh-Hant" and chosen["reply"]["body"].startswith("王伟 您好")
    lisa_ticket = create_ticket(alice, requester={"id": live_cast.customers["lisa"].id})
    note = make_macro(alice, name="Note", actions=[], reply={"texts": TEXTS, "public": False})
    r = alice.post(f"/api/v1/tickets/{lisa_ticket['id']}/macros/{note['id']}/preview")
    assert r.json()["reply"] == {
        "body": f"Hi 張雅婷, ticket #{lisa_ticket['number']} is New. — Alice",
        "public": False,
        "language": "en",
    }


def test_preview_says_what_would_change_and_writes_nothing(live_cast: Cast) -> None:
    alice = live_cast.api("alice")
    macro = make_macro(alice)
    t = create_ticket(alice, priority="high", requester={"id": live_cast.customers["john"].id})
    r = alice.post(f"/api/v1/tickets/{t['id']}/macros/{macro['id']}/preview")
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["changes"] == {
        "status": ["new", "pending"],
        "tags": [[], ["refund"]],
    }  # priority is high already
    assert p["version"] == t["version"]
    assert "is Pending" in p["reply"]["body"]  # the status the macro leaves, not the one before
    assert get_ticket(alice, t["id"]) == t
    assert [e["kind"] for e in timeline(alice, t["id"])] == ["created"]


def test_a_missing_value_renders_as_nothing(live_cast: Cast) -> None:
    """A customer without an e-mail address: {{ customer.email }} is empty, not an error."""
    alice = live_cast.api("alice")
    no_mail = alice.post("/api/v1/customers", json={"name": "Nomail Chen"}).json()
    macro = make_macro(alice, actions=[], reply={"texts": {"en": "[{{ customer.email }}]{{workspace.name}}"}})
    t = create_ticket(alice, requester={"id": no_mail["id"]})
    body = alice.post(f"/api/v1/tickets/{t['id']}/macros/{macro['id']}/preview").json()["reply"]["body"]
    assert body == f"[]Acme {live_cast.slug}"


@pytest.mark.parametrize(
    "text",
    ["Hello {{ customer.password }}", "{{ ticket.number }} {{ ticket.number | upper }}", "{{ __class__ }}"],
)
def test_an_unknown_placeholder_is_refused_naming_it(live_cast: Cast, text: str) -> None:
    """Tried: an attribute not on the list, a filter, an attribute lookup: 422 naming the
    placeholder, and no macro is saved."""
    alice = live_cast.api("alice")
    body = assert_problem(
        alice.post("/api/v1/macros", json={"name": "Bad", "reply": {"texts": {"zh-Hans": text}}}), 422
    )
    assert "{{" in body["detail"] and body["errors"][0]["field"] == "reply.texts.zh-Hans"
    assert alice.get("/api/v1/macros").json() == []


@pytest.mark.parametrize(
    ("action", "word"),
    [
        ({"set": "colour", "value": "red"}, "colour"),
        ({"set": "status", "value": "closed"}, "closed"),
        ({"set": "status", "value": "done"}, "done"),
        ({"set": "priority", "value": "asap"}, "asap"),
        ({"set": "type", "value": "bug"}, "bug"),
        ({"set": "assignee_id", "value": 999_999_999}, "999999999"),
        ({"set": "team_id", "value": 999_999_999}, "999999999"),
        ({"set": "custom_fields.nope", "value": "x"}, "custom"),
        ({"set": "custom_fields.carrier", "value": "UPS"}, "custom"),
        ({"set": "custom_fields.refund_amount", "value": "ten"}, "custom"),
        ({"set": "subject", "value": "x"}, "subject"),
    ],
    ids=lambda v: str(v)[:40],
)
def test_actions_are_checked_when_the_macro_is_saved(
    live_cast: Cast, custom_fields: dict[str, Any], action: dict[str, Any], word: str
) -> None:
    """An unknown field, a status a macro may not set, an unknown priority/type, an agent or team
    that does not exist, an unknown custom field or dropdown option, a number field given text:
    422 naming what is wrong, nothing saved (on create, and on PATCH of a good macro)."""
    alice = live_cast.api("alice")
    body = assert_problem(alice.post("/api/v1/macros", json={"name": "Bad", "actions": [action]}), 422)
    assert word in (body["detail"] + str(body.get("errors", ""))).lower()
    good = make_macro(alice)
    assert_problem(alice.patch(f"/api/v1/macros/{good['id']}", json={"actions": [action]}), 422)
    assert [m["id"] for m in alice.get("/api/v1/macros").json()] == [good["id"]]
    assert alice.get(f"/api/v1/macros/{good['id']}").json() == good


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Nothing"},
        {"name": "Two kinds", "actions": [{"set": "priority", "value": "low", "add_tags": ["x"]}]},
        {
            "name": "Twice",
            "actions": [{"set": "priority", "value": "low"}, {"set": "priority", "value": "high"}],
        },
        {"name": "Empty reply", "reply": {"texts": {"en": "  "}}},
        {"name": "Klingon", "reply": {"texts": {"tlh": "nuqneH"}}},
        {"name": "", "reply": {"texts": {"en": "Hi"}}},
    ],
    ids=["no-action-no-reply", "two-kinds", "set-twice", "blank-reply", "unknown-language", "no-name"],
)
def test_malformed_macros_are_422(live_cast: Cast, body: dict[str, Any]) -> None:
    alice = live_cast.api("alice")
    assert_problem(alice.post("/api/v1/macros", json=body), 422)
    assert alice.get("/api/v1/macros").json() == []


def test_custom_fields_assignee_and_team_are_applied(live_cast: Cast, custom_fields: dict[str, Any]) -> None:
    sam = live_cast.api("sam")
    actions = [
        {"set": "custom_fields.carrier", "value": "順豐"},
        {"set": "team_id", "value": live_cast.team_id},
        {"set": "assignee_id", "value": live_cast.agents["alice"].id},
        {"remove_tags": ["new-customer"]},
    ]
    macro = make_macro(sam, actions=actions, reply=None)
    t = create_ticket(sam, tags=["new-customer", "vip"])
    out = sam.post(f"/api/v1/tickets/{t['id']}/macros/{macro['id']}/apply").json()
    assert out["comment"] is None
    tk = out["ticket"]
    assert (tk["custom_fields"], tk["team_id"], tk["assignee_id"]) == (
        {"carrier": "順豐"},
        live_cast.team_id,
        live_cast.agents["alice"].id,
    )
    assert tk["tags"] == ["vip"] and tk["version"] == t["version"] + 1


def test_a_personal_macro_is_invisible_and_unusable_to_others(live_cast: Cast) -> None:
    """Bob's own macro: Alice does not see it in the list, and reading, changing, deleting,
    previewing or applying it by id is 404 for her. Bob uses it."""
    alice, bob = live_cast.api("alice"), live_cast.api("bob")
    mine = make_macro(bob)
    assert mine["shared"] is False and mine["owner_id"] == live_cast.agents["bob"].id
    t = create_ticket(alice)
    assert alice.get("/api/v1/macros").json() == []
    assert_problem(alice.get(f"/api/v1/macros/{mine['id']}"), 404)
    assert_problem(alice.patch(f"/api/v1/macros/{mine['id']}", json={"name": "Mine now"}), 404)
    assert_problem(alice.delete(f"/api/v1/macros/{mine['id']}"), 404)
    assert_problem(alice.post(f"/api/v1/tickets/{t['id']}/macros/{mine['id']}/preview"), 404)
    assert_problem(alice.post(f"/api/v1/tickets/{t['id']}/macros/{mine['id']}/apply"), 404)
    assert get_ticket(alice, t["id"]) == t
    assert bob.get(f"/api/v1/macros/{mine['id']}").json() == mine
    assert bob.post(f"/api/v1/tickets/{t['id']}/macros/{mine['id']}/apply").status_code == 200


def test_shared_macros_need_macros_manage(live_cast: Cast) -> None:
    """An agent may not create, change or delete a shared macro (403); a supervisor may, and
    every agent sees and applies it."""
    alice, sam = live_cast.api("alice"), live_cast.api("sam")
    assert_problem(
        alice.post(
            "/api/v1/macros", json={"name": "For all", "shared": True, "reply": {"texts": {"en": "Hi"}}}
        ),
        403,
    )
    shared = make_macro(sam, shared=True)
    assert shared["shared"] is True and shared["owner_id"] is None
    assert_problem(alice.patch(f"/api/v1/macros/{shared['id']}", json={"name": "Mine"}), 403)
    assert_problem(alice.delete(f"/api/v1/macros/{shared['id']}"), 403)
    assert [m["id"] for m in alice.get("/api/v1/macros").json()] == [shared["id"]]
    t = create_ticket(alice)
    assert alice.post(f"/api/v1/tickets/{t['id']}/macros/{shared['id']}/apply").status_code == 200
    r = sam.patch(f"/api/v1/macros/{shared['id']}", json={"active": False, "names": {"zh-Hant": "已退款"}})
    assert r.status_code == 200 and r.json()["active"] is False
    assert alice.get("/api/v1/macros", params={"active": "true"}).json() == []
    assert_problem(alice.post(f"/api/v1/tickets/{t['id']}/macros/{shared['id']}/apply"), 409)
    assert sam.delete(f"/api/v1/macros/{shared['id']}").status_code == 204
    assert_problem(sam.get(f"/api/v1/macros/{shared['id']}"), 404)


def test_a_stale_if_match_is_409_with_the_current_ticket_and_applies_nothing(live_cast: Cast) -> None:
    """Alice previews, Bob changes the ticket, Alice applies with her ETag: 409 whose `current` is
    the ticket as GET shows it now; nothing of the macro is written."""
    alice, bob = live_cast.api("alice"), live_cast.api("bob")
    macro = make_macro(alice)
    t = create_ticket(alice)
    etag = alice.get(f"/api/v1/tickets/{t['id']}").headers["etag"]
    assert bob.patch(f"/api/v1/tickets/{t['id']}", json={"priority": "urgent"}).status_code == 200
    now = get_ticket(alice, t["id"])
    lines = timeline(alice, t["id"])
    r = alice.post(f"/api/v1/tickets/{t['id']}/macros/{macro['id']}/apply", headers={"If-Match": etag})
    body = assert_problem(r, 409)
    assert body["current"] == now and body["current_version"] == now["version"]
    assert get_ticket(alice, t["id"]) == now and timeline(alice, t["id"]) == lines
    assert comments(alice, t["id"]) == []
    fresh = alice.get(f"/api/v1/tickets/{t['id']}").headers["etag"]
    r = alice.post(f"/api/v1/tickets/{t['id']}/macros/{macro['id']}/apply", headers={"If-Match": fresh})
    assert r.status_code == 200 and r.json()["ticket"]["priority"] == "high"


def test_a_stale_patch_is_409_with_the_current_ticket(live_cast: Cast) -> None:
    alice, bob = live_cast.api("alice"), live_cast.api("bob")
    t = create_ticket(alice)
    etag = alice.get(f"/api/v1/tickets/{t['id']}").headers["etag"]
    assert bob.patch(f"/api/v1/tickets/{t['id']}", json={"status": "open", "tags": ["x"]}).status_code == 200
    body = assert_problem(
        alice.patch(f"/api/v1/tickets/{t['id']}", json={"priority": "low"}, headers={"If-Match": etag}), 409
    )
    assert body["current"] == get_ticket(alice, t["id"])
    assert body["current"]["status"] == "open" and body["current"]["tags"] == ["x"]


def test_a_refused_change_leaves_nothing_of_the_macro(live_cast: Cast) -> None:
    """A macro that solves, on a ticket whose state table forbids it (closed), or that assigns an
    agent deactivated since it was saved: refused, and neither its line nor its reply stays."""
    ada, alice = live_cast.api("ada"), live_cast.api("alice")
    macro = make_macro(
        ada, shared=True, actions=[{"set": "assignee_id", "value": live_cast.agents["bob"].id}]
    )
    t = create_ticket(alice)
    assert (
        ada.patch(f"/api/v1/agents/{live_cast.agents['bob'].id}", json={"active": False}).status_code == 200
    )
    assert_problem(alice.post(f"/api/v1/tickets/{t['id']}/macros/{macro['id']}/apply"), 422)
    assert get_ticket(alice, t["id"]) == t and comments(alice, t["id"]) == []
    assert [e["kind"] for e in timeline(alice, t["id"])] == ["created"]


async def test_the_system_applies_a_macro_for_an_automation(live_cast: Cast) -> None:
    """What automations call: the system actor applies any macro (even a personal one) in the
    caller's unit of work; the reply is the system's, in the requester's language, signed with
    the workspace's name."""
    bob = live_cast.api("bob")
    macro = make_macro(bob)
    t = create_ticket(bob, requester={"id": live_cast.customers["john"].id})
    async with live_cast.rt.uow() as s:
        system = Actor.system(live_cast.workspace_id)
        ticket = await ticket_queries.get_ticket(s, system, t["id"], for_update=True)
        row = await macro_queries.get_macro(s, system, macro["id"])
        comment = await macro_actions.do_apply_macro(s, system, ticket, row)
        assert comment is not None
    after = get_ticket(bob, t["id"])
    assert (after["status"], after["version"]) == ("pending", t["version"] + 1)
    [c] = comments(bob, t["id"])
    signed = f"Acme {live_cast.slug}"
    assert c["author"] == "system" and c["body"] == f"Hi John, ticket #{t['number']} is Pending. — {signed}"


def test_a_macro_s_public_reply_meets_the_first_reply_target(live_cast: Cast) -> None:
    """A reply written by a macro is an agent's reply like any other: the SLA's first-reply timer
    is met (a note would not meet it)."""
    admin, alice = live_cast.api("ada"), live_cast.api("alice")
    r = admin.post(
        "/api/v1/sla-policies",
        json={"name": "Fast", "targets": {"normal": {"first_reply": 60, "resolution": 600}}},
    )
    assert r.status_code == 201, r.text
    note = make_macro(
        alice, name="Note only", actions=[], reply={"texts": {"en": "Checking"}, "public": False}
    )
    reply = make_macro(
        alice, name="Answer", actions=[], reply={"texts": {"en": "Here you are"}, "public": True}
    )

    def first_reply(ticket_id: int) -> str:
        timers = alice.get(f"/api/v1/tickets/{ticket_id}/sla").json()["timers"]
        return next(t["state"] for t in timers if t["metric"] == "first_reply")

    t = create_ticket(alice)
    assert first_reply(t["id"]) == "running"
    assert alice.post(f"/api/v1/tickets/{t['id']}/macros/{note['id']}/apply").status_code == 200
    assert first_reply(t["id"]) == "running"
    assert alice.post(f"/api/v1/tickets/{t['id']}/macros/{reply['id']}/apply").status_code == 200
    assert first_reply(t["id"]) == "fulfilled"

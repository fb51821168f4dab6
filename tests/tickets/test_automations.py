"""Triggers: rules that run on ticket events, in order, each at most once per change (the loop
guard), every firing on the timeline; a rule whose actions are refused changes nothing and says
why. Over the HTTP API, as an admin sets them up and an agent works."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, Cast, assert_problem
from tests.tickets.conftest import comments, create_ticket, get_ticket, timeline


def rule(api: Api, **body: Any) -> dict[str, Any]:
    body.setdefault("name", "Rule")
    r = api.post("/api/v1/automations", json=body)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def fired(api: Api, ticket_id: int) -> list[str]:
    return [e["new"]["name"] for e in timeline(api, ticket_id) if e["kind"] == "automation"]


def cond(field: str, op: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    out = {"field": field, "op": op, **extra}
    if value is not None:
        out["value"] = value
    return out


def test_a_trigger_on_creation_changes_the_ticket_the_api_answers(live_cast: Cast) -> None:
    """ "Subject mentions a refund → high priority, tag refund, a note for the team": the ticket the
    POST returns already carries the changes, as the timeline shows, by the rule."""
    admin, agent = live_cast.api("ada"), live_cast.api("alice")
    rule(
        admin,
        name="Refunds first",
        events=["ticket.created"],
        conditions={"all": [cond("ticket.subject", "contains", ["refund", "退款"])]},
        actions=[
            {"type": "set", "field": "priority", "value": "high"},
            {"type": "add_tags", "tags": ["refund"]},
            {"type": "reply", "public": False, "body": {"en": "Refund request #{{ ticket.number }}"}},
        ],
    )
    t = create_ticket(agent, subject="我要退款 please")
    assert t["priority"] == "high" and t["tags"] == ["refund"]
    assert get_ticket(agent, t["id"])["version"] == t["version"]
    assert fired(agent, t["id"]) == ["Refunds first"]
    notes = [c for c in comments(agent, t["id"]) if not c["public"]]
    assert [n["body"] for n in notes] == [f"Refund request #{t['number']}"]
    other = create_ticket(agent, subject="Where is my parcel?")
    assert other["priority"] == "normal" and fired(agent, other["id"]) == []


def test_rules_run_in_order_and_see_what_earlier_rules_did(live_cast: Cast) -> None:
    admin, agent = live_cast.api("ada"), live_cast.api("alice")
    rule(
        admin,
        name="second",
        position=2,
        events=["ticket.created"],
        conditions={"all": [cond("ticket.priority", "is", "urgent")]},
        actions=[{"type": "add_tags", "tags": ["escalated"]}],
    )
    rule(
        admin,
        name="first",
        position=1,
        events=["ticket.created"],
        conditions={"all": [cond("ticket.channel", "is", "phone")]},
        actions=[{"type": "set", "field": "priority", "value": "urgent"}],
    )
    t = create_ticket(agent, channel="phone")
    assert (t["priority"], t["tags"]) == ("urgent", ["escalated"])
    assert fired(agent, t["id"]) == ["first", "second"]


def test_two_rules_that_undo_each_other_fire_once_each(live_cast: Cast) -> None:
    """The loop guard: high → low → high … stops after one turn of each rule."""
    admin, agent = live_cast.api("ada"), live_cast.api("alice")
    rule(
        admin,
        name="down",
        events=["ticket.updated"],
        conditions={"all": [cond("ticket.priority", "is", "high")]},
        actions=[{"type": "set", "field": "priority", "value": "low"}],
    )
    rule(
        admin,
        name="up",
        events=["ticket.updated"],
        conditions={"all": [cond("ticket.priority", "changed_to", "low")]},
        actions=[{"type": "set", "field": "priority", "value": "high"}],
    )
    t = create_ticket(agent)
    r = agent.patch(f"/api/v1/tickets/{t['id']}", json={"priority": "high"})
    assert r.status_code == 200, r.text
    assert r.json()["priority"] == "high"  # down made it low, up made it high again, then both were spent
    assert fired(agent, t["id"]) == ["down", "up"]


def test_conditions_on_changes_comments_and_the_requester(live_cast: Cast) -> None:
    admin, agent = live_cast.api("ada"), live_cast.api("alice")
    rule(
        admin,
        name="chinese requester replied to",
        events=["ticket.comment_added"],
        conditions={
            "all": [cond("comment.public", "is", True), cond("comment.author", "is", "agent")],
            "any": [cond("customer.language", "is", "zh-Hant"), cond("customer.language", "is", "zh-Hans")],
        },
        actions=[{"type": "add_tags", "tags": ["answered-zh"]}],
    )
    rule(
        admin,
        name="solved",
        events=["ticket.updated"],
        conditions={"all": [cond("ticket.status", "changed_to", "solved")]},
        actions=[{"type": "add_tags", "tags": ["was-solved"]}],
    )
    lisa = create_ticket(agent, requester={"id": live_cast.customers["lisa"].id})
    john = create_ticket(agent, requester={"id": live_cast.customers["john"].id})
    for t in (lisa, john):
        r = agent.post(f"/api/v1/tickets/{t['id']}/comments", json={"body": "Done", "public": False})
        assert r.status_code == 201
        r = agent.post(f"/api/v1/tickets/{t['id']}/comments", json={"body": "On its way", "public": True})
        assert r.status_code == 201
    assert get_ticket(agent, lisa["id"])["tags"] == ["answered-zh"]
    assert get_ticket(agent, john["id"])["tags"] == []
    assert agent.patch(f"/api/v1/tickets/{john['id']}", json={"status": "solved"}).status_code == 200
    assert get_ticket(agent, john["id"])["tags"] == ["was-solved"]
    assert agent.patch(f"/api/v1/tickets/{john['id']}", json={"priority": "high"}).status_code == 200
    assert fired(agent, john["id"]) == ["solved"]  # status did not change the second time


def test_a_rule_whose_actions_are_refused_changes_nothing_and_says_why(live_cast: Cast) -> None:
    """ "Reply → close" cannot close an open ticket (the status table): the rule's tag is not added
    either, the agent's own change stands, and the timeline says which rule failed and why."""
    admin, agent = live_cast.api("ada"), live_cast.api("alice")
    rule(
        admin,
        name="close at once",
        events=["ticket.updated"],
        actions=[
            {"type": "add_tags", "tags": ["closing"]},
            {"type": "set", "field": "status", "value": "closed"},
        ],
    )
    t = create_ticket(agent, status="open")
    r = agent.patch(f"/api/v1/tickets/{t['id']}", json={"priority": "urgent"})
    assert r.status_code == 200, r.text
    now = get_ticket(agent, t["id"])
    assert (now["priority"], now["status"], now["tags"]) == ("urgent", "open", [])
    failed = [e for e in timeline(agent, t["id"]) if e["kind"] == "automation_failed"]
    assert len(failed) == 1 and failed[0]["new"]["name"] == "close at once"
    assert "closed" in failed[0]["new"]["error"]["params"].values()


# -- saving rules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"events": ["ticket.created"], "conditions": {"all": [cond("ticket.colour", "is", "red")]}},
        {"events": ["ticket.created"], "conditions": {"all": [cond("ticket.priority", "contains", ["x"])]}},
        {"events": ["ticket.created"], "conditions": {"all": [cond("ticket.priority", "is", "critical")]}},
        {"events": ["ticket.created"], "conditions": {"all": [cond("ticket.status", "in", [])]}},
        {"events": ["ticket.created"], "conditions": {"all": [cond("hours_since.created", "gt", 3)]}},
        {"events": ["ticket.created"], "conditions": {"all": [cond("time.business_hours", "is", True)]}},
        {"events": []},
        {"events": ["ticket.deleted"]},
        {"kind": "schedule", "conditions": {"all": [cond("ticket.status", "is", "pending")]}},
        {"kind": "schedule", "conditions": {"all": [cond("hours_since.updated", "gt", -1)]}},
        {"events": ["ticket.created"], "actions": []},
        {"events": ["ticket.created"], "actions": [{"type": "set", "field": "subject", "value": "x"}]},
        {"events": ["ticket.created"], "actions": [{"type": "set", "field": "status", "value": "new"}]},
        {"events": ["ticket.created"], "actions": [{"type": "explode"}]},
        {"events": ["ticket.created"], "actions": [{"type": "webhook", "url": "ftp://example.com/x"}]},
        {"events": ["ticket.created"], "actions": [{"type": "webhook", "url": "https://u:p@example.com/"}]},
        {"events": ["ticket.created"], "actions": [{"type": "reply", "body": {"zh-Hant": "只有中文"}}]},
        {"events": ["ticket.created"], "actions": [{"type": "reply", "body": {"en": "x", "fr": "y"}}]},
        {"events": ["ticket.created"], "actions": [{"type": "set", "field": "team_id", "value": 999999}]},
        {"events": ["ticket.created"], "actions": [{"type": "set", "field": "assignee_id", "value": 999999}]},
        {
            "events": ["ticket.created"],
            "actions": [{"type": "set", "field": "custom_fields.nope", "value": 1}],
        },
        {"events": ["ticket.created"], "actions": [{"type": "apply_macro", "macro_id": 999999}]},
        {"events": ["ticket.created"], "actions": [{"type": "notify", "to": "agent"}]},
    ],
)
def test_a_rule_that_cannot_run_is_refused_when_saved(live_cast: Cast, body: dict[str, Any]) -> None:
    """Unknown fields, operators that do not fit, values outside a field's values, a trigger
    without events, a time-based rule without an hours_since condition, impossible actions,
    ids that name nothing: 422 with a reason, and no rule is saved."""
    admin = live_cast.api("ada")
    body = {"name": "bad", "actions": [{"type": "add_tags", "tags": ["x"]}], **body}
    problem = assert_problem(admin.post("/api/v1/automations", json=body), 422)
    assert problem.get("detail") or problem.get("errors"), problem
    assert admin.get("/api/v1/automations").json() == []


def test_rules_are_admins_and_their_workspace_s(live_cast: Cast, other_cast_factory: Any) -> None:
    admin, agent = live_cast.api("ada"), live_cast.api("alice")
    made = rule(admin, events=["ticket.created"], actions=[{"type": "add_tags", "tags": ["x"]}])
    assert len(made["signing_secret"]) == 64
    assert_problem(agent.get("/api/v1/automations"), 403)
    assert_problem(agent.post("/api/v1/automations", json={"name": "x"}), 403)
    r = admin.patch(f"/api/v1/automations/{made['id']}", json={"active": False, "position": 5})
    assert r.status_code == 200 and (r.json()["active"], r.json()["position"]) == (False, 5)
    assert create_ticket(agent)["tags"] == []  # turned off
    renewed = admin.post(f"/api/v1/automations/{made['id']}/signing-secret").json()
    assert renewed["signing_secret"] != made["signing_secret"]
    assert_problem(admin.patch(f"/api/v1/automations/{made['id']}", json={"events": []}), 422)
    vocabulary = admin.get("/api/v1/automations/vocabulary").json()
    assert "ticket.sla_breached" in vocabulary["events"] and "ticket.priority" in vocabulary["fields"]
    assert admin.delete(f"/api/v1/automations/{made['id']}").status_code == 204
    assert_problem(admin.get(f"/api/v1/automations/{made['id']}"), 404)


async def test_another_workspace_s_rule_is_not_found(live_cast: Cast, other_cast_factory: Any) -> None:
    made = rule(
        live_cast.api("ada"), events=["ticket.created"], actions=[{"type": "add_tags", "tags": ["x"]}]
    )
    other = await other_cast_factory()
    other.base_url = live_cast.base_url
    stranger = other.api("ada")
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {"active": False}} if method == "patch" else {}
        assert_problem(getattr(stranger, method)(f"/api/v1/automations/{made['id']}", **kwargs), 404)
    assert create_ticket(other.api("alice"))["tags"] == []  # their tickets are not ours to touch

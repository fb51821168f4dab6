"""Automation rules in the console, as an admin sets them up and agents then work: a trigger made
through the form fires on tickets made over the API, and stops when turned off; bad input is
refused on the page with the reason and what was typed (nothing saved); a rule the form cannot
show opens read-only; the webhook secret is shown and renewed; agents and other workspaces are
kept out; the ticket page says which rule fired, or why it changed nothing."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.conftest import Api, Cast, assert_problem
from tests.web.support import Console, console_for, text_of

HTML = {"Accept": "text/html"}


def page(c: Console, url: str, **headers: str) -> httpx.Response:
    return c.get(url, headers={**HTML, **headers})


def form_post(c: Console, url: str, data: dict[str, Any]) -> httpx.Response:
    """A form sent by a browser without the page's script."""
    return c.post(url, data, fetch=False, headers=HTML)


def saved_id(resp: httpx.Response) -> int:
    assert resp.status_code == 200, resp.text[:800]
    answer = resp.json()
    assert answer["ok"], answer
    m = re.fullmatch(r"/admin/automations/(\d+)", answer["redirect"])
    assert m, answer
    return int(m.group(1))


def rules(api: Api) -> list[dict[str, Any]]:
    r = api.get("/api/v1/automations")
    assert r.status_code == 200, r.text
    out: list[dict[str, Any]] = r.json()
    return out


def new_ticket(api: Api, subject: str) -> dict[str, Any]:
    r = api.post("/api/v1/tickets", json={"subject": subject, "requester": {"email": "lisa@example.com"}})
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def refund_trigger(**over: Any) -> dict[str, Any]:
    """The form of "Refunds first": on creation, subject mentions a refund and the ticket is not
    urgent → high priority, tag refund, an internal note."""
    form: dict[str, Any] = {
        "kind": "trigger",
        "name": "Refunds first",
        "position": "1",
        "active": "1",
        "events": ["ticket.created"],
        "all-0-field": "ticket.subject",
        "all-0-op": "contains",
        "all-0-value": "refund, 退款",
        "all-1-field": "ticket.priority",
        "all-1-op": "is_not",
        "all-1-value": "urgent",
        "set-priority": "high",
        "add_tags": "refund",
        "reply": "note",
        "reply-en": "Refund request #{{ ticket.number }}",
    }
    form.update(over)
    return form


async def test_an_admin_makes_a_trigger_in_the_form_and_it_fires_until_turned_off(live_cast: Cast) -> None:
    ada, agent = await console_for(live_cast, "ada"), live_cast.api("alice")
    listed = page(ada, "/admin/automations")
    assert listed.status_code == 200
    seen = text_of(listed.text)
    assert "Triggers" in seen and "Time-based rules" in seen and "No triggers yet." in seen
    assert 'href="/admin/automations/new?kind=trigger"' in listed.text
    form = page(ada, "/admin/automations/new?kind=trigger")
    assert (
        form.status_code == 200
        and "Ticket created" in text_of(form.text)
        and 'name="csrf_token"' in form.text
    )

    rule_id = saved_id(ada.post("/admin/automations", refund_trigger()))
    row = text_of(page(ada, "/admin/automations").text)
    assert "Refunds first" in row and "Ticket created" in row and "Active" in row

    t = new_ticket(agent, "I want a refund 退款")
    assert (t["priority"], t["tags"]) == ("high", ["refund"])
    notes = agent.get(f"/api/v1/tickets/{t['id']}/comments").json()
    assert [n["body"] for n in notes if not n["public"]] == [f"Refund request #{t['number']}"]
    other = new_ticket(agent, "Where is my parcel?")
    assert (other["priority"], other["tags"]) == ("normal", [])

    # The rule opens in the form as it was made (not read-only), and is turned off there.
    shown = page(ada, f"/admin/automations/{rule_id}").text
    assert 'value="refund, 退款"' in shown and 'name="name"' in shown
    assert re.search(r'<option value="high" selected>', shown)
    assert ">Refund request #{{ ticket.number }}</textarea>" in shown
    # A bad edit changes nothing and shows what was typed.
    bad = form_post(ada, f"/admin/automations/{rule_id}", refund_trigger(name="Renamed", **{"all-0-op": ""}))
    assert bad.status_code == 422 and "All of these, row 1: choose how to compare." in text_of(bad.text)
    assert 'value="Renamed"' in bad.text
    assert rules(live_cast.api("ada"))[0]["name"] == "Refunds first"
    off = refund_trigger(name="Refunds first (paused)")
    del off["active"]
    assert saved_id(ada.post(f"/admin/automations/{rule_id}", off)) == rule_id
    later = new_ticket(agent, "Another refund please")
    assert (later["priority"], later["tags"]) == ("normal", [])
    assert "Off" in text_of(page(ada, "/admin/automations").text)
    [saved] = rules(live_cast.api("ada"))
    assert saved["name"] == "Refunds first (paused)" and saved["active"] is False


async def test_a_time_based_rule_without_an_hours_row_is_refused_with_what_was_typed(
    live_cast: Cast,
) -> None:
    ada = await console_for(live_cast, "ada")
    typed = {
        "kind": "schedule",
        "name": "Nudge pending tickets",
        "active": "1",
        "all-0-field": "ticket.status",
        "all-0-op": "is",
        "all-0-value": "pending",
        "reply": "public",
        "reply-en": "Any news from your side?",
        "reply-zh-Hant": "請問有任何消息嗎？",
    }
    resp = form_post(ada, "/admin/automations", typed)
    assert resp.status_code == 422, resp.text[:500]
    assert "A time-based rule needs an hours_since condition in all" in text_of(resp.text)
    assert 'value="Nudge pending tickets"' in resp.text and 'value="pending"' in resp.text
    assert (
        ">Any news from your side?</textarea>" in resp.text and ">請問有任何消息嗎？</textarea>" in resp.text
    )
    assert re.search(r'<option value="ticket.status" selected>', resp.text)
    assert rules(live_cast.api("ada")) == []
    # The page's script gets the same reason to show next to the form.
    fetched = ada.post("/admin/automations", typed)
    assert fetched.status_code == 422 and "hours_since" in fetched.json()["error"]
    # With the hours row it is saved: pending for 72 hours → the reply.
    fixed = {**typed, "all-1-field": "hours_since.status_changed", "all-1-op": "gte", "all-1-value": "72"}
    rule_id = saved_id(ada.post("/admin/automations", fixed))
    [rule] = rules(live_cast.api("ada"))
    assert rule["id"] == rule_id and rule["kind"] == "schedule"
    hours = {k: v for k, v in rule["conditions"]["all"][1].items() if v is not None}
    assert hours == {"field": "hours_since.status_changed", "op": "gte", "value": 72}
    assert "Nudge pending tickets" in text_of(page(ada, "/admin/automations").text)


async def test_a_bad_value_in_a_row_is_named_readably_and_nothing_is_saved(live_cast: Cast) -> None:
    """Tried: a priority that does not exist, hours that are not a number, a position that is not
    one, a webhook that is not http(s), a reply kind without its text, a row without its test."""
    ada = await console_for(live_cast, "ada")
    cases = [
        (
            refund_trigger(**{"all-1-value": "critical"}),
            "All of these, row 2: critical is not a value of ticket.priority"
            " (one of: low, normal, high, urgent).",
        ),
        (
            {
                "kind": "schedule",
                "name": "Solve after a week",
                "all-0-field": "hours_since.updated",
                "all-0-op": "gt",
                "all-0-value": "a week",
                "set-status": "solved",
            },
            "All of these, row 1: hours_since.updated is compared with a number from 0 to 100000.",
        ),
        (refund_trigger(position="first"), "Position: Must be a whole number."),
        (refund_trigger(webhook="ftp://example.com/x"), "Webhook: A webhook URL starts with https://"),
        (refund_trigger(**{"reply-en": ""}), "Write the text of the reply or note, at least in English."),
        (
            refund_trigger(**{"any-2-field": "ticket.type", "any-2-value": "task"}),
            "Any of these, row 3: choose",
        ),
        (refund_trigger(events=[]), "A trigger runs on at least one event."),
        (refund_trigger(**{"set-team_id": "999999"}), "The team 999999 does not exist."),
    ]
    for form, message in cases:
        resp = form_post(ada, "/admin/automations", form)
        assert resp.status_code == 422, (form, resp.text[:500])
        assert message in text_of(resp.text), (message, text_of(resp.text)[:2000])
        assert f'value="{form["name"]}"' in resp.text
    assert rules(live_cast.api("ada")) == []


async def test_agents_have_no_automations_section(live_cast: Cast) -> None:
    ada, alice = await console_for(live_cast, "ada"), await console_for(live_cast, "alice")
    assert 'href="/admin/automations"' in page(ada, "/admin/canned").text
    assert 'href="/admin/automations"' not in page(alice, "/admin/canned").text
    for url in ("/admin/automations", "/admin/automations/new?kind=schedule"):
        assert page(alice, url).status_code == 403, url
    assert alice.post("/admin/automations", refund_trigger()).status_code == 403
    made = live_cast.api("ada").post(
        "/api/v1/automations",
        json={"name": "x", "events": ["ticket.created"], "actions": [{"type": "add_tags", "tags": ["x"]}]},
    )
    rule_id = made.json()["id"]
    assert page(alice, f"/admin/automations/{rule_id}").status_code == 403
    for url in (f"/admin/automations/{rule_id}/delete", f"/admin/automations/{rule_id}/secret"):
        assert alice.post(url).status_code == 403, url
    assert [r["id"] for r in rules(live_cast.api("ada"))] == [rule_id]


async def test_another_workspace_s_rule_is_not_found(live_cast: Cast, other_cast_factory: Any) -> None:
    ada = await console_for(live_cast, "ada")
    rule_id = saved_id(ada.post("/admin/automations", refund_trigger()))
    other = await other_cast_factory()
    other.base_url = live_cast.base_url
    stranger = await console_for(other, "ada")
    assert page(stranger, f"/admin/automations/{rule_id}").status_code == 404
    for url, data in (
        (f"/admin/automations/{rule_id}", refund_trigger(name="Mine now")),
        (f"/admin/automations/{rule_id}/active", {"active": "0"}),
        (f"/admin/automations/{rule_id}/secret", {}),
        (f"/admin/automations/{rule_id}/delete", {}),
    ):
        assert stranger.post(url, data).status_code == 404, url
    [rule] = rules(live_cast.api("ada"))
    assert (rule["name"], rule["active"]) == ("Refunds first", True)
    assert "Refunds first" not in text_of(page(stranger, "/admin/automations").text)


async def test_a_form_without_its_csrf_token_is_refused(live_cast: Cast) -> None:
    ada = await console_for(live_cast, "ada")
    resp = ada.client.post("/admin/automations", data=refund_trigger(), headers=HTML)
    assert resp.status_code == 403 and "This form has expired" in text_of(resp.text)
    forged = ada.client.post(
        "/admin/automations", data={**refund_trigger(), "csrf_token": "forged"}, headers=HTML
    )
    assert forged.status_code == 403
    assert rules(live_cast.api("ada")) == []


async def test_a_rule_the_form_cannot_show_opens_read_only(live_cast: Cast) -> None:
    """Two webhooks (the form has one): the page shows the rule's JSON and says to change it
    through the API; a stale form sent anyway is refused, the rule stays whole; it can still be
    turned off. A rule made over the API that the form can hold opens in the form."""
    admin = live_cast.api("ada")
    hooks = [{"type": "webhook", "url": f"https://hooks.example.com/{n}"} for n in ("a", "b")]
    made = admin.post(
        "/api/v1/automations", json={"name": "Two hooks", "events": ["ticket.updated"], "actions": hooks}
    )
    assert made.status_code == 201, made.text
    rule_id = made.json()["id"]
    ada = await console_for(live_cast, "ada")
    shown = page(ada, f"/admin/automations/{rule_id}")
    assert shown.status_code == 200
    words = text_of(shown.text)
    assert "holds more than this form can show" in words and "PATCH /api/v1/automations/" in words
    assert "https://hooks.example.com/b" in words and 'name="name"' not in shown.text
    stale = form_post(
        ada,
        f"/admin/automations/{rule_id}",
        {"name": "Two hooks", "events": ["ticket.updated"], "webhook": "https://hooks.example.com/a"},
    )
    assert stale.status_code == 409 and "change it through the API" in text_of(stale.text)
    assert admin.get(f"/api/v1/automations/{rule_id}").json()["actions"] == hooks
    off = ada.post(f"/admin/automations/{rule_id}/active", {"active": "0"})
    assert off.status_code == 200 and off.json()["ok"]
    after = admin.get(f"/api/v1/automations/{rule_id}").json()
    assert after["active"] is False and after["actions"] == hooks

    fits = admin.post(
        "/api/v1/automations",
        json={
            "name": "Fits",
            "events": ["ticket.comment_added"],
            "conditions": {"any": [{"field": "customer.attributes.plan", "op": "is", "value": "gold"}]},
            "actions": [
                {"type": "add_tags", "tags": ["gold"]},
                {"type": "set", "field": "priority", "value": "high"},
            ],
        },
    ).json()
    editable = page(ada, f"/admin/automations/{fits['id']}").text
    assert 'name="name"' in editable and 'value="plan"' in editable and 'value="gold"' in editable


async def test_the_signing_secret_is_shown_on_request_renewed_and_the_rule_deleted(live_cast: Cast) -> None:
    ada, admin = await console_for(live_cast, "ada"), live_cast.api("ada")
    rule_id = saved_id(ada.post("/admin/automations", refund_trigger(webhook="https://hooks.example.com/in")))
    secret = admin.get(f"/api/v1/automations/{rule_id}").json()["signing_secret"]
    shown = page(ada, f"/admin/automations/{rule_id}").text
    assert (
        re.search(r"<details>\s*<summary>Show the secret</summary>", shown) and f'value="{secret}"' in shown
    )
    renewed = ada.post(f"/admin/automations/{rule_id}/secret")
    assert renewed.status_code == 200 and renewed.json()["ok"]
    fresh = admin.get(f"/api/v1/automations/{rule_id}").json()["signing_secret"]
    assert fresh != secret and f'value="{fresh}"' in page(ada, f"/admin/automations/{rule_id}").text
    assert 'data-confirm="Delete the rule Refunds first?"' in shown
    gone = ada.post(f"/admin/automations/{rule_id}/delete")
    assert gone.status_code == 200 and gone.json()["redirect"] == "/admin/automations"
    assert_problem(admin.get(f"/api/v1/automations/{rule_id}"), 404)
    assert page(ada, f"/admin/automations/{rule_id}").status_code == 404


async def test_the_ticket_page_says_which_rule_fired_and_why_one_changed_nothing(live_cast: Cast) -> None:
    admin, agent = live_cast.api("ada"), live_cast.api("alice")
    tagger = admin.post(
        "/api/v1/automations",
        json={
            "name": "Tag new tickets",
            "events": ["ticket.created"],
            "actions": [{"type": "add_tags", "tags": ["new"]}],
        },
    ).json()
    closer = admin.post(
        "/api/v1/automations",
        json={
            "name": "Close at once",
            "events": ["ticket.updated"],
            "actions": [{"type": "set", "field": "status", "value": "closed"}],
        },
    ).json()
    r = agent.post(
        "/api/v1/tickets",
        json={"subject": "Broken lamp", "status": "open", "requester": {"email": "lisa@example.com"}},
    )
    assert r.status_code == 201, r.text
    t = r.json()
    assert agent.patch(f"/api/v1/tickets/{t['id']}", json={"priority": "urgent"}).status_code == 200

    ada = await console_for(live_cast, "ada")
    shown = page(ada, f"/tickets/{t['id']}").text
    words = text_of(shown)
    assert "Automation Tag new tickets ran (Ticket created)" in words
    assert re.search(r"Automation Close at once changed nothing \(Ticket updated\): .*closed", words), words
    assert f'<a href="/admin/automations/{tagger["id"]}">Tag new tickets</a>' in shown
    assert f'href="/admin/automations/{closer["id"]}"' in shown
    # Alice reads the same lines, without links to pages she may not open; in her language too.
    alice = await console_for(live_cast, "alice")
    hers = page(alice, f"/tickets/{t['id']}").text
    assert "Automation Tag new tickets ran (Ticket created)" in text_of(hers)
    assert 'href="/admin/automations/' not in hers
    assert alice.post(
        "/settings/profile", {"name": "Alice", "language": "zh-Hant", "time_zone": "Asia/Taipei"}
    ).json()["ok"]
    chinese = text_of(page(alice, f"/tickets/{t['id']}").text)
    assert re.search(r"自動化規則「\s*Tag new tickets\s*」已執行（工單已建立）", chinese), chinese
    assert "未做任何變更（工單已更新）：工單不能從 open 變更為 closed" in chinese, chinese


async def test_the_pages_speak_english_and_both_chineses(live_cast: Cast) -> None:
    ada = await console_for(live_cast, "ada")
    assert ada.post("/settings/profile", {"name": "Ada", "language": "auto", "time_zone": "UTC"}).json()["ok"]
    rule_id = saved_id(ada.post("/admin/automations", refund_trigger()))
    expected = {
        "en": ("Automations", "Triggers", "Ticket created"),
        "zh-TW": ("自動化規則", "觸發器", "工單已建立"),
        "zh-CN": ("自动化规则", "触发器", "工单已创建"),
    }
    for language, (heading, triggers, created) in expected.items():
        listed = page(ada, "/admin/automations", **{"Accept-Language": language})
        assert listed.status_code == 200
        assert f"<h1>{heading}</h1>" in listed.text, (language, listed.text[:3000])
        assert triggers in text_of(listed.text) and created in text_of(listed.text), language
        one = page(ada, f"/admin/automations/{rule_id}", **{"Accept-Language": language})
        assert one.status_code == 200 and created in text_of(one.text), language

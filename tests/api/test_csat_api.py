"""Satisfaction over the API: the settings (admins change them), a mobile SDK rating with the link's
token and no login, the survey on its ticket, the answered surveys with their filters, and the report's
figures for a small known set — plus the bad inputs, other workspaces and missing permissions."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tests.api.support import row_counts
from tests.conftest import Cast, assert_problem
from wowdesk.tickets.csat import actions as csat
from wowdesk.tickets.csat.repository import CsatRepository
from wowdesk.tickets.csat.schemas import MAX_COMMENT, MAX_DELAY_MINUTES

LINK = re.compile(r"/csat/(\d+)/([A-Za-z0-9_-]{20,})\?rating=good")


async def surveyed(
    cast: Cast, who: str = "lisa", *, agent: str | None = "alice", team: bool = True
) -> dict[str, Any]:
    """A ticket solved by `agent` and its survey sent at once (the send job's action, delay 0): the
    ticket's id, the survey's id and its link's token (read from the reply the customer got)."""
    api = cast.api("alice")
    body: dict[str, Any] = {"subject": "Parcel", "requester": {"id": cast.customers[who].id}}
    if agent:
        body["assignee_id"] = cast.agents[agent].id
    if team:
        body["team_id"] = cast.team_id
    t = api.post("/api/v1/tickets", json=body).json()
    assert api.patch(f"/api/v1/tickets/{t['id']}", json={"status": "solved"}).status_code == 200
    async with cast.rt.uow() as s:
        assert await csat.do_send_survey(s, cast.workspace_id, t["id"], 0) is not None
    replies = [
        c["body"] for c in api.get(f"/api/v1/tickets/{t['id']}/comments").json() if c["author"] == "system"
    ]
    m = LINK.search(replies[-1])
    assert m, replies
    return {"ticket": t["id"], "survey": int(m.group(1)), "token": m.group(2)}


def rate(cast: Cast, s: dict[str, Any], rating: str, comment: str | None = None) -> Any:
    anon = cast.api(None)
    return anon.post(f"/api/v1/csat/{s['survey']}/{s['token']}", json={"rating": rating, "comment": comment})


# -- settings ------------------------------------------------------------------------------------------


def test_settings_default_to_on_after_an_hour_and_only_admins_change_them(live_cast: Cast) -> None:
    c = live_cast
    sam, ada = c.api("sam"), c.api("ada")
    assert sam.get("/api/v1/csat/settings").json() == {
        "enabled": True,
        "delay_minutes": 60,
        "link_base_url": None,
        "updated_at": None,
    }
    assert_problem(c.api("alice").get("/api/v1/csat/settings"), 403)  # no reports for agents
    assert_problem(sam.put("/api/v1/csat/settings", json={"enabled": False, "delay_minutes": 5}), 403)
    saved = ada.put("/api/v1/csat/settings", json={"enabled": False, "delay_minutes": 5})
    assert saved.status_code == 200, saved.text
    # No address given: the links start with the address the settings were saved from.
    assert saved.json()["link_base_url"] == c.base_url and saved.json()["enabled"] is False
    again = ada.put(
        "/api/v1/csat/settings",
        json={"enabled": True, "delay_minutes": 0, "link_base_url": "https://help.example.com/"},
    ).json()
    assert (again["enabled"], again["delay_minutes"], again["link_base_url"]) == (
        True,
        0,
        "https://help.example.com",
    )
    # Tried: a negative delay, more than 12 hours, not a number, a missing field, an unknown field, an
    # address that is not http(s) or carries a query: 422 each, the settings unchanged.
    for bad in (
        {"enabled": True, "delay_minutes": -1},
        {"enabled": True, "delay_minutes": MAX_DELAY_MINUTES + 1},
        {"enabled": True, "delay_minutes": "soon"},
        {"delay_minutes": 5},
        {"enabled": True, "delay_minutes": 5, "channel": "sms"},
        {"enabled": True, "delay_minutes": 5, "link_base_url": "ftp://help.example.com"},
        {"enabled": True, "delay_minutes": 5, "link_base_url": "https://help.example.com/?a=1"},
    ):
        assert_problem(ada.put("/api/v1/csat/settings", json=bad), 422)
    assert sam.get("/api/v1/csat/settings").json() == again


# -- the customer's side, as an SDK -------------------------------------------------------------------


async def test_an_sdk_rates_with_the_links_token_and_may_change_its_mind(live_cast: Cast) -> None:
    c = live_cast
    s = await surveyed(c)
    anon = c.api(None)
    url = f"/api/v1/csat/{s['survey']}/{s['token']}"
    shown = anon.get(url).json()
    assert shown["language"] == "zh-Hant" and shown["rating"] is None and shown["max_comment"] == MAX_COMMENT
    assert shown["question"] == "您對這次獲得的協助滿意嗎？"
    assert shown["footer"] == "您的意見能幫助我們提供更好的服務。"

    first = rate(c, s, "good", "謝謝，很快就解決了")
    assert first.status_code == 200, first.text
    assert first.json()["rating"] == "good" and first.json()["comment"] == "謝謝，很快就解決了"
    alice = c.api("alice")
    on_ticket = alice.get(f"/api/v1/tickets/{s['ticket']}/csat").json()
    assert (on_ticket["rating"], on_ticket["comment"], on_ticket["sent_via"]) == (
        "good",
        "謝謝，很快就解決了",
        "ticket",
    )
    assert on_ticket["assignee_id"] == c.agents["alice"].id and on_ticket["team_id"] == c.team_id

    changed = rate(c, s, "bad", "其實包裹還是沒到")
    assert changed.json()["rating"] == "bad"
    assert rate(c, s, "bad", "其實包裹還是沒到").status_code == 200  # the same again changes nothing
    lines = [
        (e["actor"], e["field"], e["old"], e["new"])
        for e in alice.get(f"/api/v1/tickets/{s['ticket']}/events").json()["items"]
        if e["kind"] == "satisfaction"
    ]
    requester = f"customer:{c.customers['lisa'].id}"
    assert lines == [(requester, "rating", None, "good"), (requester, "rating", "good", "bad")]

    # Tried: a wrong token, another survey's id, a rating that is neither, a comment one character too
    # long, an unknown field, no body: 404 or 422 problems, and the rating stays as it was.
    before = await row_counts(c.rt, c.workspace_id)
    assert_problem(anon.post(f"/api/v1/csat/{s['survey']}/{'x' * 43}", json={"rating": "good"}), 404)
    assert_problem(anon.get(f"/api/v1/csat/{s['survey'] + 1000}/{s['token']}"), 404)
    assert_problem(anon.post(url, json={"rating": "meh"}), 422)
    assert_problem(anon.post(url, json={"rating": "good", "comment": "x" * (MAX_COMMENT + 1)}), 422)
    assert_problem(anon.post(url, json={"rating": "good", "stars": 5}), 422)
    assert_problem(anon.post(url, json={}), 422)
    assert rate(c, s, "good", "x" * MAX_COMMENT).status_code == 200  # exactly the limit is fine
    assert rate(c, s, "bad", "其實包裹還是沒到").status_code == 200
    assert alice.get(f"/api/v1/tickets/{s['ticket']}/csat").json()["rating"] == "bad"
    after = await row_counts(c.rt, c.workspace_id)
    assert {k: v for k, v in after.items() if k not in ("ticket_events", "event_log")} == {
        k: v for k, v in before.items() if k not in ("ticket_events", "event_log")
    }

    # 28 days after it was sent a survey closes: a readable 404, for showing and for rating.
    async with c.rt.uow() as session:
        repo = CsatRepository(session, c.workspace_id)
        row = await repo.survey_of_ticket(s["ticket"])
        assert row is not None
        row.sent_at -= dt.timedelta(days=28, seconds=1)
        await repo.update_survey(row, {"sent_at"})
    assert "closed" in assert_problem(anon.get(url), 404)["detail"]
    assert_problem(rate(c, s, "good"), 404)


async def test_a_ticket_without_a_survey_and_another_workspaces_ticket_are_404(
    live_cast: Cast, other_cast_factory: Any
) -> None:
    c = live_cast
    s = await surveyed(c)
    alice = c.api("alice")
    plain = alice.post(
        "/api/v1/tickets", json={"subject": "x", "requester": {"id": c.customers["john"].id}}
    ).json()
    assert (
        "No satisfaction survey"
        in assert_problem(alice.get(f"/api/v1/tickets/{plain['id']}/csat"), 404)["detail"]
    )
    other = await other_cast_factory()
    other.base_url = c.base_url
    try:
        outsider = other.api("ada")
        assert_problem(outsider.get(f"/api/v1/tickets/{s['ticket']}/csat"), 404)
        assert outsider.get("/api/v1/csat/responses").json() == {"items": [], "next_cursor": None}
        rate(c, s, "good")
        assert outsider.get("/api/v1/csat/responses").json()["items"] == []
        assert outsider.get("/api/v1/reports/csat").json()["totals"]["sent"] == 0
        assert c.api("sam").get("/api/v1/reports/csat").json()["totals"]["sent"] == 1
    finally:
        for client in other._clients:
            client.close()


# -- responses and the report -------------------------------------------------------------------------


async def test_report_figures_and_responses_for_a_known_set(live_cast: Cast) -> None:
    """Five surveys: Alice's tickets (team Taipei) good, bad and unanswered; Bob's (no team) good
    and unanswered. Score = good / answered, response rate = answered / sent."""
    c = live_cast
    alice_surveys = [await surveyed(c, w) for w in ("lisa", "wang", "john")]
    bob_surveys = [await surveyed(c, w, agent="bob", team=False) for w in ("lisa", "john")]
    rate(c, alice_surveys[0], "good", "Fast")
    rate(c, alice_surveys[1], "bad", "Slow")
    rate(c, bob_surveys[0], "good")
    sam = c.api("sam")

    totals = sam.get("/api/v1/reports/csat").json()
    assert totals["group_by"] == "none" and totals["groups"] == []
    assert {
        k: totals["totals"][k] for k in ("sent", "answered", "good", "bad", "score", "response_rate")
    } == {
        "sent": 5,
        "answered": 3,
        "good": 2,
        "bad": 1,
        "score": 2 / 3,
        "response_rate": 3 / 5,
    }
    by_agent = {
        g["key"]: g for g in sam.get("/api/v1/reports/csat", params={"group_by": "agent"}).json()["groups"]
    }
    alice, bob = by_agent[c.agents["alice"].id], by_agent[c.agents["bob"].id]
    assert (alice["name"], alice["sent"], alice["answered"], alice["score"], alice["response_rate"]) == (
        "Alice",
        3,
        2,
        0.5,
        2 / 3,
    )
    assert (bob["name"], bob["sent"], bob["good"], bob["score"], bob["response_rate"]) == (
        "Bob",
        2,
        1,
        1.0,
        0.5,
    )
    by_team = {
        g["key"]: g for g in sam.get("/api/v1/reports/csat", params={"group_by": "team"}).json()["groups"]
    }
    assert by_team[c.team_id]["name"] == "Taipei" and by_team[c.team_id]["sent"] == 3
    assert by_team[None]["sent"] == 2 and by_team[None]["name"] is None
    today = dt.datetime.now(dt.UTC).date()
    by_day = sam.get("/api/v1/reports/csat", params={"group_by": "day", "from": today.isoformat()}).json()
    assert [(g["key"], g["sent"], g["answered"]) for g in by_day["groups"]] == [(today.isoformat(), 5, 3)]
    later = (today + dt.timedelta(days=1)).isoformat()
    assert sam.get("/api/v1/reports/csat", params={"from": later, "to": later}).json()["totals"]["sent"] == 0

    # Answered surveys, the latest answer first; filters; a page at a time.
    responses = sam.get("/api/v1/csat/responses").json()["items"]
    assert [r["id"] for r in responses] == [
        bob_surveys[0]["survey"],
        alice_surveys[1]["survey"],
        alice_surveys[0]["survey"],
    ]
    assert responses[2]["comment"] == "Fast" and responses[2]["ticket_id"] == alice_surveys[0]["ticket"]
    assert responses[2]["ticket_number"] > 0 and responses[2]["ticket_subject"] == "Parcel"
    ids = lambda **p: [r["id"] for r in sam.get("/api/v1/csat/responses", params=p).json()["items"]]  # noqa: E731
    assert ids(rating="good") == [bob_surveys[0]["survey"], alice_surveys[0]["survey"]]
    assert ids(agent=c.agents["bob"].id) == [bob_surveys[0]["survey"]]
    assert ids(team=c.team_id) == [alice_surveys[1]["survey"], alice_surveys[0]["survey"]]
    assert ids(**{"from": later}) == []
    paged, cursor = [], None
    for _ in range(5):
        page = sam.get(
            "/api/v1/csat/responses", params={"limit": 1, **({"cursor": cursor} if cursor else {})}
        ).json()
        paged += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == [r["id"] for r in responses]

    # Tried: dates that are not dates, an end before the start, an unknown grouping or rating, a day
    # report over more than a year, a forged cursor: 422 each.
    for params in (
        {"from": "yesterday"},
        {"from": "2026-03-10", "to": "2026-03-01"},
        {"group_by": "week"},
        {"group_by": "day", "from": "2024-01-01", "to": "2026-01-01"},
    ):
        assert_problem(sam.get("/api/v1/reports/csat", params=params), 422)
    for params in ({"rating": "meh"}, {"cursor": "not-a-cursor"}, {"agent": 0}, {"from": "13/01/2026"}):
        assert_problem(sam.get("/api/v1/csat/responses", params=params), 422)


async def test_agents_without_reports_get_403_but_see_the_rating_on_their_ticket(live_cast: Cast) -> None:
    c = live_cast
    s = await surveyed(c)
    alice = c.api("alice")
    for url in ("/api/v1/reports/csat", "/api/v1/csat/responses", "/api/v1/csat/settings"):
        assert_problem(alice.get(url), 403)
    assert_problem(alice.put("/api/v1/csat/settings", json={"enabled": False, "delay_minutes": 1}), 403)
    assert alice.get(f"/api/v1/tickets/{s['ticket']}/csat").json()["rating"] is None


async def test_a_bad_rating_reopens_the_ticket_through_a_trigger(live_cast: Cast) -> None:
    """ "Rated bad → open again, tag unhappy": the rule acts on the customer's rating in its unit
    of work; a good rating leaves the ticket solved."""
    r = live_cast.api("ada").post(
        "/api/v1/automations",
        json={
            "name": "unhappy",
            "events": ["ticket.satisfaction_rated"],
            "conditions": {"all": [{"field": "csat.rating", "op": "is", "value": "bad"}]},
            "actions": [
                {"type": "set", "field": "status", "value": "open"},
                {"type": "add_tags", "tags": ["unhappy"]},
            ],
        },
    )
    assert r.status_code == 201, r.text
    api = live_cast.api("alice")
    happy, sad = await surveyed(live_cast), await surveyed(live_cast, "john")
    assert rate(live_cast, happy, "good").status_code == 200
    assert rate(live_cast, sad, "bad", "Still broken").status_code == 200
    got = {k: api.get(f"/api/v1/tickets/{s['ticket']}").json() for k, s in (("happy", happy), ("sad", sad))}
    assert (got["happy"]["status"], got["happy"]["tags"]) == ("solved", [])
    assert (got["sad"]["status"], got["sad"]["tags"]) == ("open", ["unhappy"])

"""The console's routing pages: the team page's routing form (saved with its CSRF token, refused
without it or with bad input — the page then says why and keeps what was typed), the out-of-office
switch in an agent's settings, and the team board showing who is out of office."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from tests.conftest import Cast
from tests.web.support import console_for, text_of

HTML = {"Accept": "text/html"}


def rule_of(cast: Cast) -> dict[str, Any]:
    r = cast.api("sam").get(f"/api/v1/teams/{cast.team_id}/routing")
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def test_a_supervisor_sets_the_teams_routing_in_the_console(live_cast: Cast) -> None:
    skill = live_cast.api("ada").post("/api/v1/skills", json={"name": "Cantonese"}).json()
    sam = await console_for(live_cast, "sam")
    page = sam.get(f"/admin/teams/{live_cast.team_id}", headers=HTML)
    assert page.status_code == 200
    words = text_of(page.text)
    for expected in ("Ticket routing", "Round robin: each in turn", "Capacity per agent", "Cantonese"):
        assert expected in words, expected
    assert f'action="/admin/teams/{live_cast.team_id}/routing"' in page.text
    resp = sam.post(
        f"/admin/teams/{live_cast.team_id}/routing",
        {
            "strategy": "skills",
            "ticket_capacity": "6",
            "presence": "in_office",
            "fallback": "queue",
            "language_zh-Hant": str(skill["id"]),
            "language_en": "",
            "channel_email": str(skill["id"]),
            "reassign_on_offline": "1",
        },
    )
    assert resp.status_code == 200 and resp.json()["ok"], resp.text
    saved = rule_of(live_cast)
    assert {
        k: saved[k] for k in ("strategy", "ticket_capacity", "presence", "fallback", "reassign_on_offline")
    } == {
        "strategy": "skills",
        "ticket_capacity": 6,
        "presence": "in_office",
        "fallback": "queue",
        "reassign_on_offline": True,
    }
    assert saved["language_skills"] == {"zh-Hant": skill["id"]} and saved["channel_skills"] == {
        "email": skill["id"]
    }
    # The page shows what was saved.
    again = sam.get(f"/admin/teams/{live_cast.team_id}", headers=HTML).text
    assert f'<option value="{skill["id"]}" selected>Cantonese</option>' in again
    assert 'name="reassign_on_offline" type="checkbox" value="1" checked' in again


async def test_the_routing_form_refuses_bad_input_and_forged_posts(live_cast: Cast) -> None:
    """Tried: no CSRF token, a forged one, capacity 0 and absurd, an unknown strategy, a skill that
    does not exist — by a plain browser form (the page again, with why) and by the page's script."""
    sam = await console_for(live_cast, "sam")
    url = f"/admin/teams/{live_cast.team_id}/routing"
    good = {
        "strategy": "round_robin",
        "ticket_capacity": "5",
        "presence": "online",
        "fallback": "least_loaded",
    }
    assert sam.client.post(url, data=good, headers=HTML).status_code == 403
    assert sam.client.post(url, data={**good, "csrf_token": "forged"}, headers=HTML).status_code == 403
    for bad in (
        {"ticket_capacity": "0"},
        {"ticket_capacity": "100000"},
        {"strategy": "lottery"},
        {"channel_sms": "999999999"},
    ):
        resp = sam.post(url, {**good, **bad}, fetch=False, headers=HTML)
        assert resp.status_code == 422, (bad, resp.status_code)
        assert 'role="alert"' in resp.text
        assert f'value="{bad.get("ticket_capacity", "5")}"' in resp.text  # what was typed, kept
        assert sam.post(url, {**good, **bad}).status_code == 422
    assert rule_of(live_cast)["strategy"] == "manual"
    # An agent has no team page, so no routing form either.
    alice = await console_for(live_cast, "alice")
    assert alice.post(url, good).status_code == 403
    assert rule_of(live_cast)["updated_at"] is None


async def test_out_of_office_in_the_settings_and_on_the_team_board(live_cast: Cast) -> None:
    alice = await console_for(live_cast, "alice")
    page = alice.get("/settings", headers=HTML)
    assert "Out of office" in text_of(page.text) and 'action="/settings/out-of-office"' in page.text
    back_on = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    resp = alice.post(
        "/settings/out-of-office", {"out_of_office": "1", "until": back_on.strftime("%Y-%m-%dT%H:%M")}
    )
    assert resp.status_code == 200 and resp.json()["ok"], resp.text
    absence = live_cast.api("alice").get("/api/v1/me/out-of-office").json()
    assert absence["out_of_office"] is True
    assert dt.datetime.fromisoformat(absence["until"]) == back_on  # her time zone is UTC
    shown = text_of(alice.get("/settings", headers=HTML).text)
    assert (
        f"You are out of office until {back_on.astimezone(zoneinfo.ZoneInfo('UTC')):%Y-%m-%d %H:%M}" in shown
    )
    board = await console_for(live_cast, "sam")
    row = text_of(board.get("/team", headers=HTML).text)
    assert "Alice" in row and "Out of office" in row
    # Refused: an end that is not a moment, or in the past. Back again.
    assert alice.post("/settings/out-of-office", {"out_of_office": "1", "until": "soon"}).status_code == 422
    assert (
        alice.post("/settings/out-of-office", {"out_of_office": "1", "until": "2001-01-01T09:00"}).status_code
        == 422
    )
    assert (
        alice.client.post("/settings/out-of-office", data={"out_of_office": "1"}).status_code == 403
    )  # no CSRF
    assert (
        dt.datetime.fromisoformat(live_cast.api("alice").get("/api/v1/me/out-of-office").json()["until"])
        == back_on
    )
    assert alice.post("/settings/out-of-office", {}).json()["ok"]
    assert live_cast.api("alice").get("/api/v1/me/out-of-office").json()["out_of_office"] is False
    assert "Out of office" not in text_of(board.get("/team", headers=HTML).text)

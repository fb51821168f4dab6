"""Calendars and SLA policies in the console as an admin uses them (create, edit, import holidays
from an .ics upload, delete), what an agent may not open, bad input shown on the page with what
was typed, and the SLA box of the ticket page with its due times in the agent's time zone."""

from __future__ import annotations

import re

import httpx

from tests.conftest import Cast
from tests.web.support import Console, console_for, text_of

HTML = {"Accept": "text/html"}
DAYS = ("mon", "tue", "wed", "thu", "fri")
ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//Holidays//EN
BEGIN:VEVENT
UID:moon@test
DTSTART;VALUE=DATE:20260925
SUMMARY:Mid-Autumn Festival
END:VEVENT
END:VCALENDAR
"""


def page(c: Console, url: str) -> httpx.Response:
    return c.get(url, headers=HTML)


def form_post(c: Console, url: str, data: dict[str, object]) -> httpx.Response:
    """A form sent by a browser without the page's script."""
    return c.post(url, data, fetch=False, headers=HTML)


def _calendar_form(**over: object) -> dict[str, object]:
    form: dict[str, object] = {
        "name": "Taipei team",
        "time_zone": "Asia/Taipei",
        "holidays": "2026-10-09 National Day (observed)\n01-01 New Year",
        "is_default": "1",
    }
    for d in DAYS:
        form[f"open_{d}"] = "1"
        form[f"hours_{d}"] = "09:00-12:00, 13:00-18:00"
    form.update(over)
    return form


def _created(resp: httpx.Response, prefix: str) -> int:
    assert resp.status_code == 200, resp.text[:500]
    m = re.fullmatch(rf"{re.escape(prefix)}/(\d+)", resp.json()["redirect"])
    assert m, resp.json()
    return int(m.group(1))


async def test_an_admin_creates_edits_imports_and_deletes_a_calendar(live_cast: Cast) -> None:
    ada = await console_for(live_cast, "ada")
    listed = page(ada, "/admin/calendars")
    assert listed.status_code == 200 and "New calendar" in text_of(listed.text)
    assert 'href="/admin/calendars"' in listed.text and 'href="/admin/sla"' in listed.text  # in the nav
    cal_id = _created(ada.post("/admin/calendars", _calendar_form()), "/admin/calendars")
    shown = text_of(page(ada, f"/admin/calendars/{cal_id}").text)
    assert "Asia/Taipei" in shown and "40 hours a week" in shown
    assert "2026-10-09 National Day (observed)" in shown and "01-01 New Year" in shown

    saved = ada.post(f"/admin/calendars/{cal_id}", _calendar_form(open_fri="", hours_fri=""))
    assert saved.status_code == 200 and saved.json()["ok"], saved.text
    assert "32 hours a week" in text_of(page(ada, f"/admin/calendars/{cal_id}").text)

    imported = ada.post(
        f"/admin/calendars/{cal_id}/import", files={"file": ("moon.ics", ICS, "text/calendar")}
    )
    assert imported.status_code == 200 and imported.json()["ok"], imported.text
    assert "1 holidays added" in imported.json()["message"]
    assert "2026-09-25 Mid-Autumn Festival" in text_of(page(ada, f"/admin/calendars/{cal_id}").text)

    # A policy uses it: deleting is refused with the policy's name; once free it goes.
    policy = ada.post(
        "/admin/sla", {"name": "Gold", "calendar_id": str(cal_id), "t_urgent_first_reply": "30"}
    )
    policy_id = _created(policy, "/admin/sla")
    refused = form_post(ada, f"/admin/calendars/{cal_id}/delete", {})
    assert refused.status_code == 409 and "The SLA policy Gold uses this calendar" in text_of(refused.text)
    assert ada.post(f"/admin/sla/{policy_id}/delete").json()["redirect"] == "/admin/sla"
    gone = ada.post(f"/admin/calendars/{cal_id}/delete")
    assert gone.status_code == 200 and gone.json()["redirect"] == "/admin/calendars"
    assert "Taipei team" not in text_of(page(ada, "/admin/calendars").text)


async def test_bad_calendar_input_is_shown_with_what_was_typed(live_cast: Cast) -> None:
    """Tried: overlapping hours, a day ticked open without hours, an unknown time zone, a date that
    does not exist, a file that is not .ics, no file. Each is the page again with the reason (or
    the script's error), and nothing is saved."""
    ada = await console_for(live_cast, "ada")
    overlap = form_post(
        ada, "/admin/calendars", _calendar_form(name="Mine", hours_mon="09:00-13:00, 12:00-18:00")
    )
    assert overlap.status_code == 422
    assert "The opening hours 09:00-13:00 and 12:00-18:00 overlap." in text_of(overlap.text)
    assert 'value="Mine"' in overlap.text and 'value="09:00-13:00, 12:00-18:00"' in overlap.text
    empty_day = form_post(ada, "/admin/calendars", _calendar_form(hours_tue=""))
    assert empty_day.status_code == 422 and "Tuesday: give the opening hours" in text_of(empty_day.text)
    zone = ada.post("/admin/calendars", _calendar_form(time_zone="Mars/Olympus"))
    assert zone.status_code == 422 and "Unknown time zone" in zone.json()["error"]
    date = form_post(ada, "/admin/calendars", _calendar_form(holidays="2026-02-30 Nope"))
    assert date.status_code == 422 and "2026-02-30 is not a valid date." in text_of(date.text)
    assert "Taipei team" not in text_of(page(ada, "/admin/calendars").text)  # nothing was saved

    cal_id = _created(ada.post("/admin/calendars", _calendar_form()), "/admin/calendars")
    not_ics = form_post(ada, f"/admin/calendars/{cal_id}/import", {})
    assert not_ics.status_code == 422 and "Choose an iCalendar (.ics) file" in text_of(not_ics.text)
    junk = ada.post(f"/admin/calendars/{cal_id}/import", files={"file": ("x.ics", b"hello", "text/calendar")})
    assert junk.status_code == 422 and "not an iCalendar" in junk.json()["error"]


async def test_an_admin_sets_sla_targets_and_agents_cannot(live_cast: Cast) -> None:
    ada, alice = await console_for(live_cast, "ada"), await console_for(live_cast, "alice")
    assert "New SLA policy" in text_of(page(ada, "/admin/sla").text)
    form = {
        "name": "Standard",
        "calendar_id": "",
        "t_urgent_first_reply": "30",
        "t_urgent_resolution": "240",
        "t_normal_first_reply": "120",
        "near_breach_minutes": "15",
        "channels": ["email", "chat"],
        "ticket_tags": "refund, 退款",
        "active": "1",
    }
    policy_id = _created(ada.post("/admin/sla", form), "/admin/sla")
    listed = text_of(page(ada, "/admin/sla").text)
    assert "Standard" in listed and "Around the clock (24/7)" in listed
    shown = page(ada, f"/admin/sla/{policy_id}").text
    assert 'name="t_urgent_resolution" inputmode="numeric" maxlength="7" size="6" value="240"' in shown
    assert 'value="email" checked' in shown and 'value="refund, 退款"' in shown

    bad = form_post(ada, f"/admin/sla/{policy_id}", {**form, "t_urgent_first_reply": "-5"})
    assert bad.status_code == 422 and 'value="-5"' in bad.text
    none = ada.post(f"/admin/sla/{policy_id}", {"name": "Standard", "active": "1"})
    assert none.status_code == 422 and "at least one target" in none.json()["error"]
    renamed = ada.post(f"/admin/sla/{policy_id}", {**form, "name": "Standard hours"})
    assert renamed.status_code == 200 and renamed.json()["ok"]
    assert "Standard hours" in text_of(page(ada, "/admin/sla").text)

    for url in ("/admin/sla", f"/admin/sla/{policy_id}", "/admin/calendars"):
        assert page(alice, url).status_code == 403, url
    assert 'href="/admin/sla"' not in page(alice, "/admin/canned").text
    assert alice.post("/admin/sla", form).status_code == 403
    # Without its CSRF token the form is refused.
    assert ada.client.post("/admin/sla", data={"name": "Forged"}, headers=HTML).status_code == 403
    assert "Forged" not in text_of(page(ada, "/admin/sla").text)


async def test_the_ticket_page_shows_the_sla_in_the_agents_time_zone(live_cast: Cast) -> None:
    ada = await console_for(live_cast, "ada")
    _created(
        ada.post("/admin/sla", {"name": "Fast", "t_high_first_reply": "45", "active": "1"}), "/admin/sla"
    )
    api = live_cast.api("alice")
    ticket = api.post(
        "/api/v1/tickets",
        json={"subject": "Late parcel", "priority": "high", "requester": {"email": "x@example.com"}},
    ).json()
    due = api.get(f"/api/v1/tickets/{ticket['id']}/sla").json()["timers"][0]["due_at"]
    alice = await console_for(live_cast, "alice")
    shown = page(alice, f"/tickets/{ticket['id']}").text
    assert "data-ticket-sla" in shown and 'data-sla-metric="first_reply"' in shown
    words = text_of(shown)
    assert "SLA Fast" in words and "First reply" in words and "Running" in words and "min left" in words
    assert f'datetime="{due.replace("Z", "+00:00")}"' in shown or f'datetime="{due}"' in shown
    # The timeline refresh the page makes on ticket events brings the SLA box too.
    refreshed = alice.get(f"/tickets/{ticket['id']}/timeline?after=0").json()
    assert "First reply" in refreshed["html"]["[data-ticket-sla]"]
    # A reply fulfils it; the box says so.
    assert api.post(f"/api/v1/tickets/{ticket['id']}/comments", json={"body": "Hi"}).status_code == 201
    again = alice.get(f"/tickets/{ticket['id']}/timeline?after=0").json()["html"]["[data-ticket-sla]"]
    assert 'data-sla-state="fulfilled"' in again and "Met" in text_of(again)

"""Business-hour calendars over HTTP: an admin keeps a Taipei and a London calendar with their
holidays (typed, or imported from an .ics file); every agent may read them and ask whether one is
open; bad input is a 422 naming the problem and writes nothing; a calendar an SLA policy uses
cannot be deleted."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.support import row_counts
from tests.conftest import Cast, assert_problem

TAIPEI = {
    "name": "Taipei team",
    "time_zone": "Asia/Taipei",
    "weekly": {d: ["09:00-12:00", "13:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": [
        {"date": "10-10", "name": "National Day"},
        {"date": "2026-02-16", "name": "Lunar New Year's Eve"},
    ],
}
ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//Holidays//EN
BEGIN:VEVENT
UID:lny-2027@test
DTSTART;VALUE=DATE:20270205
DTEND;VALUE=DATE:20270207
SUMMARY:Lunar New Year
END:VEVENT
BEGIN:VEVENT
UID:national@test
DTSTART;VALUE=DATE:20261010
RRULE:FREQ=YEARLY
SUMMARY:National Day
END:VEVENT
END:VCALENDAR
"""
TIMED_ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//Holidays//EN
BEGIN:VEVENT
UID:meeting@test
DTSTART:20261010T090000Z
DTEND:20261010T100000Z
SUMMARY:Team meeting
END:VEVENT
END:VCALENDAR
"""


def _create(api: Any, **over: Any) -> dict[str, Any]:
    r = api.post("/api/v1/calendars", json={**TAIPEI, **over})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_an_admin_keeps_calendars_and_an_agent_reads_them(live_cast: Cast) -> None:
    ada, alice = live_cast.api("ada"), live_cast.api("alice")
    taipei = _create(ada)
    assert taipei["is_default"]  # the first calendar is the workspace's default
    assert taipei["hours_per_week"] == 40
    assert taipei["weekly"]["mon"] == ["09:00-12:00", "13:00-18:00"] and "sat" not in taipei["weekly"]
    assert [h["date"] for h in taipei["holidays"]] == ["2026-02-16", "10-10"]  # one-off dates first
    london = _create(
        ada,
        name="London team",
        time_zone="Europe/London",
        weekly={"mon": "09:00-13:00, 13:00-17:00"},
        holidays=[],
    )
    assert london["weekly"] == {"mon": ["09:00-17:00"]}  # touching hours joined
    assert not london["is_default"]

    listed = alice.get("/api/v1/calendars").json()
    assert [c["name"] for c in listed] == ["Taipei team", "London team"]
    assert alice.get(f"/api/v1/calendars/{london['id']}").json()["time_zone"] == "Europe/London"

    # The agent may read, not manage.
    for r in (
        alice.post("/api/v1/calendars", json={**TAIPEI, "name": "Mine"}),
        alice.patch(f"/api/v1/calendars/{london['id']}", json={"name": "Mine"}),
        alice.delete(f"/api/v1/calendars/{london['id']}"),
        alice.post(
            f"/api/v1/calendars/{london['id']}/holidays/import",
            content=ICS,
            headers={"Content-Type": "text/calendar"},
        ),
    ):
        assert_problem(r, 403)

    changed = ada.patch(
        f"/api/v1/calendars/{london['id']}", json={"is_default": True, "weekly": {"tue": ["10:00-12:00"]}}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["weekly"] == {"tue": ["10:00-12:00"]} and changed.json()["is_default"]
    assert not ada.get(f"/api/v1/calendars/{taipei['id']}").json()["is_default"]  # one default at a time

    assert ada.delete(f"/api/v1/calendars/{london['id']}").status_code == 204
    assert_problem(ada.get(f"/api/v1/calendars/{london['id']}"), 404)


async def test_opening_says_whether_open_and_when_it_opens(live_cast: Cast) -> None:
    ada, alice = live_cast.api("ada"), live_cast.api("alice")
    cal = _create(ada)
    base = f"/api/v1/calendars/{cal['id']}/opening"
    monday_10 = alice.get(base, params={"at": "2026-10-05T10:00:00+08:00"}).json()
    assert monday_10["open"] and monday_10["next_open"] is None
    lunch = alice.get(base, params={"at": "2026-10-05T04:30:00Z"}).json()  # 12:30 in Taipei
    assert not lunch["open"] and lunch["next_open"] == "2026-10-05T05:00:00Z"
    national_day = alice.get(base, params={"at": "2027-10-11T02:00:00Z"}).json()  # a Monday
    assert national_day["open"]
    holiday = alice.get(base, params={"at": "2030-10-10T02:00:00Z"}).json()  # a Thursday
    assert not holiday["open"] and holiday["holiday"] == "National Day"
    assert holiday["next_open"] == "2030-10-11T01:00:00Z"
    assert_problem(alice.get(base, params={"at": "2026-10-05T10:00:00"}), 422)  # no offset
    assert_problem(alice.get(base, params={"at": "tomorrow"}), 422)


async def test_holidays_import_from_an_ics_file(live_cast: Cast) -> None:
    ada = live_cast.api("ada")
    cal = _create(ada, holidays=[{"date": "10-10", "name": "National Day"}])
    url = f"/api/v1/calendars/{cal['id']}/holidays/import"
    r = ada.post(url, content=ICS, headers={"Content-Type": "text/calendar"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["added"] == 2 and body["already_there"] == 1  # 5 and 6 February; 10-10 was there
    dates = [h["date"] for h in body["calendar"]["holidays"]]
    assert dates == ["2027-02-05", "2027-02-06", "10-10"]
    # The same file again (as a form upload) adds nothing.
    again = ada.post(url, files={"file": ("holidays.ics", ICS, "text/calendar")})
    assert again.status_code == 200 and again.json()["added"] == 0 and again.json()["already_there"] == 3


async def test_bad_calendars_are_refused_and_nothing_is_written(live_cast: Cast) -> None:
    """Tried: an unknown time zone, hours that are not times, hours that overlap, hours crossing
    midnight, a day that does not exist, a date that does not exist, no hours at all, an unknown
    field, a duplicate name, a non-.ics file, an .ics with a timed event, a JSON body to the import,
    an id that does not exist. Each is a 4xx problem; the workspace's rows stay as they were."""
    ada = live_cast.api("ada")
    cal = _create(ada)
    before = await row_counts(live_cast.rt, live_cast.workspace_id)
    bad: list[tuple[dict[str, Any], str]] = [
        ({"time_zone": "Mars/Olympus"}, "time zone"),
        ({"weekly": {"mon": ["9am-5pm"]}}, "9am"),
        ({"weekly": {"mon": ["09:00-13:00", "12:00-18:00"]}}, "overlap"),
        ({"weekly": {"mon": ["22:00-02:00"]}}, "midnight"),
        ({"weekly": {"mon": ["09:00-25:00"]}}, "25:00"),
        ({"weekly": {"funday": ["09:00-17:00"]}}, ""),
        ({"holidays": [{"date": "2026-02-30", "name": "x"}]}, "2026-02-30"),
        ({"holidays": [{"date": "someday", "name": "x"}]}, "someday"),
        ({"weekly": {}}, "opening hours"),
        ({"colour": "red"}, ""),
    ]
    for over, words in bad:
        problem = assert_problem(ada.post("/api/v1/calendars", json={**TAIPEI, "name": "Bad", **over}), 422)
        assert words.lower() in str(problem).lower(), (over, problem)
        assert_problem(ada.patch(f"/api/v1/calendars/{cal['id']}", json=over), 422)
    assert "exists already" in assert_problem(ada.post("/api/v1/calendars", json=TAIPEI), 409)["detail"]
    url = f"/api/v1/calendars/{cal['id']}/holidays/import"
    not_ics = assert_problem(ada.post(url, content=b"hello", headers={"Content-Type": "text/calendar"}), 422)
    assert "iCalendar" in not_ics["detail"]
    timed = assert_problem(ada.post(url, content=TIMED_ICS, headers={"Content-Type": "text/calendar"}), 422)
    assert "Team meeting" in timed["detail"]
    assert_problem(ada.post(url, json={"ics": "BEGIN:VCALENDAR"}), 415)
    assert_problem(ada.post(url, files={"other": ("x.ics", ICS, "text/calendar")}), 422)
    assert_problem(ada.get("/api/v1/calendars/999999999"), 404)
    assert await row_counts(live_cast.rt, live_cast.workspace_id) == before
    assert ada.get(f"/api/v1/calendars/{cal['id']}").json() == cal


@pytest.mark.parametrize("field", ["name", "time_zone"])
async def test_empty_names_and_zones_are_refused(live_cast: Cast, field: str) -> None:
    assert_problem(live_cast.api("ada").post("/api/v1/calendars", json={**TAIPEI, field: ""}), 422)


async def test_a_calendar_an_sla_policy_uses_cannot_be_deleted(live_cast: Cast) -> None:
    ada = live_cast.api("ada")
    cal = _create(ada)
    policy = ada.post(
        "/api/v1/sla-policies",
        json={"name": "Gold", "calendar_id": cal["id"], "targets": {"urgent": {"first_reply": 30}}},
    )
    assert policy.status_code == 201, policy.text
    problem = assert_problem(ada.delete(f"/api/v1/calendars/{cal['id']}"), 409)
    assert "Gold" in problem["detail"]
    assert ada.get(f"/api/v1/calendars/{cal['id']}").status_code == 200
    # Around the clock instead: now it can go.
    moved = ada.patch(f"/api/v1/sla-policies/{policy.json()['id']}", json={"calendar_id": None})
    assert moved.status_code == 200 and moved.json()["calendar_id"] is None
    assert ada.delete(f"/api/v1/calendars/{cal['id']}").status_code == 204

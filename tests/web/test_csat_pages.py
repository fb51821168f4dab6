"""The customer's survey page over real HTTP (opening a link records nothing, the button does; bad
links, ratings, comments and cross-site posts are refused readably), and the console's pages: the
rating on the ticket, the satisfaction report and its settings, in three languages."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api.test_csat_api import rate, surveyed
from tests.conftest import Cast
from tests.web.support import console_for, text_of
from wowdesk.tickets.csat.repository import CsatRepository
from wowdesk.tickets.csat.schemas import MAX_COMMENT

BROWSER = {"Accept": "text/html"}


async def test_opening_a_link_shows_the_choice_and_only_the_button_records_it(live_cast: Cast) -> None:
    c = live_cast
    s = await surveyed(c, "lisa")
    browser = c.api(None)
    page_url = f"/csat/{s['survey']}/{s['token']}"
    shown = browser.get(page_url, params={"rating": "good"}, headers=BROWSER)
    assert shown.status_code == 200
    assert '<html lang="zh-Hant"' in shown.text and "您對這次獲得的協助滿意嗎？" in shown.text
    assert "您的意見能幫助我們提供更好的服務。" in text_of(shown.text)
    assert 'value="good" required checked' in shown.text and 'value="bad" required>' in shown.text
    assert (
        shown.headers["cache-control"] == "no-store"
        and "script-src 'self'" in shown.headers["content-security-policy"]
    )
    assert f'action="{page_url}"' in shown.text
    alice = c.api("alice")
    assert alice.get(f"/api/v1/tickets/{s['ticket']}/csat").json()["rating"] is None  # a GET records nothing

    sent = browser.post(page_url, data={"rating": "good", "comment": "很滿意"}, headers=BROWSER)
    assert sent.status_code == 200 and "謝謝！已收到您的評分。" in text_of(sent.text)
    assert alice.get(f"/api/v1/tickets/{s['ticket']}/csat").json()["rating"] == "good"
    # Opened again: the recorded answer is shown, and can be changed.
    again = browser.get(page_url, headers=BROWSER)
    assert (
        'value="good" required checked' in again.text
        and "很滿意" in again.text
        and "變更我的評分" in again.text
    )
    changed = browser.post(page_url, data={"rating": "bad", "comment": "還是沒收到"}, headers=BROWSER)
    assert changed.status_code == 200
    got = alice.get(f"/api/v1/tickets/{s['ticket']}/csat").json()
    assert (got["rating"], got["comment"]) == ("bad", "還是沒收到")


async def test_bad_links_ratings_comments_and_cross_site_posts_are_refused(live_cast: Cast) -> None:
    """Tried: an unknown token, an id that is not a number, a rating that is neither, no rating, a
    comment one character too long, a post from another site (Origin and Sec-Fetch-Site), and a
    survey past its 28 days: readable pages with 4xx, and the survey's answer unchanged."""
    c = live_cast
    s = await surveyed(c, "john")
    browser = c.api(None)
    page_url = f"/csat/{s['survey']}/{s['token']}"
    for url in (
        f"/csat/{s['survey']}/{'x' * 43}",
        f"/csat/abc/{s['token']}",
        f"/csat/{s['survey'] + 999}/{s['token']}",
    ):
        r = browser.get(url, headers=BROWSER)
        assert r.status_code == 404 and "Survey not found" in r.text and "not valid" in r.text, url
        assert browser.post(url, data={"rating": "good"}, headers=BROWSER).status_code == 404
    refused = [
        ({"rating": "meh"}, {}, 422, "Choose Good or Bad"),
        ({"comment": "no rating"}, {}, 422, "Choose Good or Bad"),
        ({"rating": "good", "comment": "x" * (MAX_COMMENT + 1)}, {}, 422, "too long"),
        ({"rating": "good"}, {"Origin": "https://evil.example"}, 403, "only be sent from this page"),
        ({"rating": "good"}, {"Sec-Fetch-Site": "cross-site"}, 403, "only be sent from this page"),
    ]
    for data, headers, status, words in refused:
        r = browser.post(page_url, data=data, headers={**BROWSER, **headers})
        assert r.status_code == status and words in r.text, (data, headers, r.status_code)
        assert "<textarea" in r.text  # the form again, with what was typed
    assert c.api("alice").get(f"/api/v1/tickets/{s['ticket']}/csat").json()["rating"] is None
    same_site = browser.post(
        page_url, data={"rating": "good"}, headers={**BROWSER, "Origin": c.base_url or ""}
    )
    assert same_site.status_code == 200  # the page's own form

    async with c.rt.uow() as session:
        repo = CsatRepository(session, c.workspace_id)
        row = await repo.survey_of_ticket(s["ticket"])
        assert row is not None
        row.sent_at -= dt.timedelta(days=29)
        await repo.update_survey(row, {"sent_at"})
    closed = browser.get(page_url, headers={**BROWSER, "Accept-Language": "zh-CN"})
    assert closed.status_code == 404 and "这份调查已截止" in closed.text  # in the browser's language


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ("Customer satisfaction", "Surveys sent", "Good")),
        ("zh-Hant", ("顧客滿意度", "已寄出的調查", "滿意")),
        ("zh-Hans", ("客户满意度", "已发送的调查", "满意")),
    ],
)
async def test_the_console_shows_ratings_on_the_ticket_and_the_report(
    live_cast: Cast, language: str, words: tuple[str, ...]
) -> None:
    c = live_cast
    s = await surveyed(c, "lisa")
    rate(c, s, "good", "Quick and kind")
    sam = await console_for(c, "sam")
    profile = {"name": "Sam", "language": language, "time_zone": "Asia/Taipei"}
    assert sam.post("/settings/profile", profile).json()["ok"]

    ticket = sam.get(f"/tickets/{s['ticket']}", headers=BROWSER)
    assert ticket.status_code == 200 and "data-ticket-csat" in ticket.text and "Quick and kind" in ticket.text
    report = sam.get("/reports/csat", params={"group_by": "agent"}, headers=BROWSER)
    assert report.status_code == 200 and f'<html lang="{language}"' in report.text
    visible = text_of(report.text)
    assert all(w in visible for w in words), visible[:2000]
    assert 'href="/reports/csat" aria-current="page"' in report.text  # the nav entry
    assert "Alice" in visible and "100.0%" in visible and "Quick and kind" in visible
    assert 'action="/reports/csat/settings"' not in report.text  # a supervisor reads, an admin changes
    # Reopened after the rating (a bad one, typically): the rating stays in view.
    assert c.api("alice").patch(f"/api/v1/tickets/{s['ticket']}", json={"status": "open"}).status_code == 200
    assert "Quick and kind" in sam.get(f"/tickets/{s['ticket']}", headers=BROWSER).text
    plain = c.api("alice").post(
        "/api/v1/tickets", json={"subject": "x", "requester": {"id": c.customers["john"].id}}
    )
    assert "data-ticket-csat" not in sam.get(f"/tickets/{plain.json()['id']}", headers=BROWSER).text


async def test_report_permissions_and_the_settings_form(live_cast: Cast) -> None:
    """Alice (an agent) has no reports: 403 and no nav entry. Ada (an admin) changes the settings in
    the form; a bad delay is refused readably and changes nothing."""
    c = live_cast
    alice, ada = await console_for(c, "alice"), await console_for(c, "ada")
    assert alice.get("/reports/csat", headers=BROWSER).status_code == 403
    assert 'href="/reports/csat"' not in alice.get("/inbox", headers=BROWSER).text
    assert alice.post("/reports/csat/settings", {"enabled": "1", "delay_minutes": "5"}).status_code == 403

    page = ada.get("/reports/csat", headers=BROWSER)
    assert page.status_code == 200 and 'action="/reports/csat/settings"' in page.text
    saved = ada.post("/reports/csat/settings", {"delay_minutes": "15", "link_base_url": ""})
    assert saved.status_code == 200 and saved.json()["ok"], saved.text
    settings = c.api("ada").get("/api/v1/csat/settings").json()
    assert (settings["enabled"], settings["delay_minutes"], settings["link_base_url"]) == (
        False,
        15,
        c.base_url,
    )
    for bad in ({"enabled": "1", "delay_minutes": "-3"}, {"enabled": "1", "delay_minutes": "soon"}):
        r = ada.post("/reports/csat/settings", bad, fetch=False, headers=BROWSER)
        assert r.status_code == 422 and 'role="alert" data-form-error' in r.text, r.text[:300]
    r = ada.post(
        "/reports/csat/settings", {"enabled": "1", "delay_minutes": "5", "link_base_url": "mailto:x"}
    )
    assert r.status_code == 422 and r.json()["ok"] is False
    assert c.api("ada").get("/api/v1/csat/settings").json() == settings
    bad_dates = ada.get("/reports/csat", params={"from": "2026-13-40"}, headers=BROWSER)
    assert bad_dates.status_code == 200 and "is not a date" in bad_dates.text  # and the default period shown

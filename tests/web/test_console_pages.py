"""The agent console over HTTP, as a browser without the page's script meets it (and as the script
does, with ``X-WowDesk-Fetch``): signing in and out, CSRF, session expiry, the inbox and its views,
the ticket and conversation pages, languages, the installable app, and bad input.

What a browser runs (live updates, keyboard, the phone screen) is in tests/e2e/."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.api.support import new_ticket
from tests.conftest import PASSWORD, Cast
from tests.conversations.support import cid, make_channel
from tests.web.support import FETCH, console_for, csrf_of, text_of
from wowdesk.accounts.models import AuthSession
from wowdesk.http.deps import SESSION_COOKIE

BROWSER = {"Accept": "text/html,application/xhtml+xml"}


def _sql_count(r: httpx.Response) -> int:
    m = re.search(r'sql;desc="(\d+)"', r.headers.get("server-timing", ""))
    assert m, r.headers
    return int(m.group(1))


def _chat(cast: Cast, channel: int, text: str, name: str = "Mei") -> int:
    """A visitor writes on the web chat; returns the conversation's id."""
    visitor = cast.api(None)
    welcome = visitor.post(
        "/api/v1/widget/session", json={"workspace": cast.slug, "channel": channel, "profile": {"name": name}}
    )
    assert welcome.status_code == 200, welcome.text
    auth = {"Authorization": f"Visitor {welcome.json()['visitor']}"}
    sent = visitor.post("/api/v1/widget/messages", json={"client_id": cid(), "body": text}, headers=auth)
    assert sent.status_code == 201, sent.text
    convs = cast.api("ada").get("/api/v1/conversations", params={"channel": channel}).json()["items"]
    return int(convs[0]["id"])


# -- signing in and out -------------------------------------------------------------------------------


def test_sign_in_through_the_form_remember_me_and_sign_out(live_cast: Cast) -> None:
    """Tried: no CSRF token, a wrong password (the typed workspace and e-mail stay), then the right one
    with and without "remember me"; signing out ends the session on the server too."""
    c = live_cast
    with httpx.Client(base_url=c.base_url or "", timeout=30) as browser:
        r = browser.get("/inbox", headers=BROWSER)
        assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Finbox"
        form = browser.get("/login")
        assert form.status_code == 200 and "text/html" in form.headers["content-type"]
        token = csrf_of(form.text)
        email = c.agents["ada"].email  # the one with a password
        fields = {"workspace": c.slug, "email": email, "password": PASSWORD, "next": "/inbox"}

        forged = browser.post("/login", data={**fields, "csrf_token": "forged"})
        assert forged.status_code == 403 and SESSION_COOKIE not in forged.cookies
        assert "This form has expired" in text_of(forged.text)

        wrong = browser.post("/login", data={**fields, "password": "wrong-password", "csrf_token": token})
        assert wrong.status_code == 401
        assert "The workspace, e-mail or password is not right." in text_of(wrong.text)
        assert f'value="{c.slug}"' in wrong.text and f'value="{email}"' in wrong.text  # kept
        assert SESSION_COOKIE not in wrong.cookies

        empty = browser.post("/login", data={**fields, "password": "", "csrf_token": token})
        assert empty.status_code == 422

        ok = browser.post("/login", data={**fields, "remember": "on", "csrf_token": token})
        assert ok.status_code == 303 and ok.headers["location"] == "/inbox"
        cookie = next(h for h in ok.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
        assert "Max-Age=" in cookie or "expires=" in cookie.lower()  # remembered: outlives the browser
        page = browser.get("/inbox")
        assert page.status_code == 200 and "Sign out" in text_of(page.text)

        signed_in = browser.get("/login")  # already signed in: straight to the inbox
        assert signed_in.status_code == 303

        out = browser.post("/logout", data={"csrf_token": csrf_of(page.text)})
        assert out.status_code == 303 and out.headers["location"] == "/login?signed_out=1"
        assert browser.get("/inbox").status_code == 303

    # Without "remember me" the cookie ends with the browser.
    with httpx.Client(base_url=c.base_url or "", timeout=30) as browser:
        token = csrf_of(browser.get("/login").text)
        ok = browser.post("/login", data={**fields, "csrf_token": token})
        assert ok.status_code == 303
        cookie = next(h for h in ok.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
        assert "Max-Age=" not in cookie and "expires=" not in cookie.lower()


def test_next_never_leaves_the_site(live_cast: Cast) -> None:
    """Tried: //evil.example, https://evil.example, /\\evil.example as the page to go to after
    signing in."""
    c = live_cast
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "/tickets/1"):
        with httpx.Client(base_url=c.base_url or "", timeout=30) as browser:
            token = csrf_of(browser.get("/login").text)
            r = browser.post(
                "/login",
                data={
                    "workspace": c.slug,
                    "email": c.agents["ada"].email,
                    "password": PASSWORD,
                    "next": target,
                    "csrf_token": token,
                },
            )
            assert r.status_code == 303
            assert r.headers["location"] == (target if target == "/tickets/1" else "/inbox")


async def test_a_session_without_remember_me_ends_when_idle_and_slides_while_used(live_cast: Cast) -> None:
    c = live_cast
    agent = await console_for(c, "alice", remember=False)
    rt = c.rt
    soon = rt.clock.now() + dt.timedelta(hours=1)
    async with rt.uow() as s:
        auth = (await s.execute(select(AuthSession).where(AuthSession.csrf_token == agent.csrf))).scalar_one()
        auth.expires_at = soon
    assert agent.get("/inbox").status_code == 200  # a use moves the end a whole idle period away
    async with rt.uow() as s:
        auth = (await s.execute(select(AuthSession).where(AuthSession.csrf_token == agent.csrf))).scalar_one()
        assert auth.expires_at - rt.clock.now() > dt.timedelta(hours=rt.settings.session_idle_hours - 1)
        auth.expires_at = rt.clock.now() - dt.timedelta(seconds=1)  # idle too long
    r = agent.get("/tickets/1", headers=BROWSER)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    fetched = agent.get("/inbox/counts", headers=FETCH)
    assert fetched.status_code == 401 and fetched.json()["ok"] is False


async def test_every_form_needs_the_csrf_token(live_cast: Cast) -> None:
    """Tried: a ticket change, a reply, a saved view, a profile change and signing out, each without
    a token and with another session's token: 403, nothing changed."""
    c = live_cast
    alice, bob = await console_for(c, "alice"), await console_for(c, "bob")
    t = new_ticket(c.api("alice"), "CSRF check")
    posts = [
        (f"/tickets/{t['id']}", {"priority": "urgent"}),
        (f"/tickets/{t['id']}/reply", {"body": "forged reply"}),
        ("/inbox/views", {"name": "forged", "status": "open"}),
        ("/settings/profile", {"name": "Forged", "language": "en", "time_zone": "UTC"}),
        ("/logout", {}),
    ]
    for url, data in posts:
        for token in ("", bob.csrf):
            r = alice.client.post(url, data={**data, "csrf_token": token}, headers=FETCH)
            assert r.status_code == 403, (url, token, r.text[:200])
            assert r.json()["error"] == "This form has expired. Reload the page and try again."
    after = c.api("alice").get(f"/api/v1/tickets/{t['id']}").json()
    assert after["priority"] == "normal" and after["version"] == t["version"]
    assert "forged" not in json.dumps(c.api("alice").get(f"/api/v1/tickets/{t['id']}/comments").json())
    assert alice.get("/inbox").status_code == 200  # still signed in


# -- the inbox ----------------------------------------------------------------------------------------


async def test_the_inbox_lists_tickets_and_chats_with_their_channels(live_cast: Cast) -> None:
    c = live_cast
    channel = await make_channel(c)
    conversation = _chat(c, channel, "我的包裹在哪裡？")
    t = new_ticket(c.api("alice"), "Refund for order TW-1001", assignee_id=c.agents["alice"].id)
    alice = await console_for(c, "alice")
    page = alice.get("/inbox?view=open")
    assert page.status_code == 200
    words = text_of(page.text)
    assert "Refund for order TW-1001" in words and "我的包裹在哪裡？" in words
    assert f'data-kind="ticket" data-id="{t["id"]}"' in page.text
    assert f'data-kind="conversation" data-id="{conversation}"' in page.text
    for name in ("Mine", "Unassigned", "My teams", "All open", "Pending", "Solved"):
        assert name in words
    mine = text_of(alice.get("/inbox?view=mine").text)
    assert "Refund for order TW-1001" in mine and "我的包裹在哪裡？" not in mine
    unassigned = text_of(alice.get("/inbox?view=unassigned").text)
    assert "我的包裹在哪裡？" in unassigned and "Refund for order TW-1001" not in unassigned
    counts = alice.get("/inbox/counts", headers=FETCH).json()
    assert counts["mine"]["count"] >= 1 and counts["open"]["count"] >= 2
    assert set(counts) >= {"mine", "unassigned", "team", "open", "pending", "solved"}
    found = text_of(alice.get("/inbox", params={"q": "TW-1001"}).text)
    assert "Refund for order TW-1001" in found and "我的包裹在哪裡？" not in found
    # The script asks for the list alone.
    part = alice.get("/inbox?view=mine", headers=FETCH).json()
    assert "Refund for order TW-1001" in part["html"]["[data-inbox-list]"]


async def test_the_inbox_pages_and_its_queries_do_not_grow_with_the_list(live_cast: Cast) -> None:
    """Five tickets, then sixty: the same number of SQL statements for the page (a bound, not a
    loop per row), and the list comes a page of 25 at a time to its end."""
    c = live_cast
    alice = await console_for(c, "alice")
    api = c.api("alice")
    for i in range(5):
        new_ticket(api, f"Batch ticket {i:02d}")
    small = alice.get("/inbox?view=open")
    short = new_ticket(api, "Short one")
    api.post(f"/api/v1/tickets/{short['id']}/comments", json={"body": "one comment"})
    small_ticket = alice.get(f"/tickets/{short['id']}")
    for i in range(5, 60):
        new_ticket(api, f"Batch ticket {i:02d}", tags=[f"t{i}"])
    big = alice.get("/inbox?view=open")
    long_ticket = new_ticket(api, "Long one")
    for i in range(40):
        api.post(f"/api/v1/tickets/{long_ticket['id']}/comments", json={"body": f"comment {i}"})
    big_ticket = alice.get(f"/tickets/{long_ticket['id']}")
    assert _sql_count(big) == _sql_count(small) <= 20, (_sql_count(small), _sql_count(big))
    # (25 before the resolution panel: the requester's orders, credit, compensations, the policies'
    # suggestions and the agent's authority add 6 with no orders — docs/console-resolution.md; the
    # properties' contact reasons and the requester's order numbers 2, the customer panel's abuse
    # score (their compensations and orders of the year) 2)
    assert _sql_count(big_ticket) == _sql_count(small_ticket) <= 35

    seen: list[str] = []
    url: str | None = "/inbox?view=open"
    pages = 0
    while url:
        r = alice.get(url)
        assert r.status_code == 200
        rows = re.findall(r'data-kind="ticket" data-id="(\d+)"', r.text)
        assert len(rows) <= 25
        seen += rows
        m = re.search(r'href="([^"]+)" rel="next"', r.text)
        url = m.group(1).replace("&amp;", "&") if m else None
        pages += 1
        assert pages < 10
    assert len(seen) == len(set(seen)) == 62 and pages == 3


async def test_saved_views_filter_and_bad_filters_are_readable(live_cast: Cast) -> None:
    c = live_cast
    alice = await console_for(c, "alice")
    api = c.api("alice")
    new_ticket(api, "Urgent parcel", priority="urgent", tags=["vip"])
    new_ticket(api, "Calm question", priority="low")
    r = alice.post("/inbox/views", {"name": "VIP urgent", "priority": "urgent", "tag": "vip"})
    assert r.status_code == 200 and r.json()["ok"], r.text
    view = r.json()["redirect"]
    shown = text_of(alice.get(view).text)
    assert "VIP urgent" in shown and "Urgent parcel" in shown and "Calm question" not in shown
    assert "VIP urgent" not in text_of((await console_for(c, "bob")).get("/inbox").text)  # personal

    # Bad filters: a readable message, nothing saved, never a 500.
    for bad in (
        {"name": "x", "status": "bogus"},
        {"name": "", "status": "open"},
        {"name": "y", "team": "abc"},
    ):
        r = alice.post("/inbox/views", bad)
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["ok"] is False and r.json()["error"]
    listed = text_of(alice.get("/inbox?status=bogus").text)
    assert "Nothing here" in listed or "not" in listed  # the list still shows, with the message
    views = [v["name"] for v in c.api("alice").get("/api/v1/views").json()]
    assert views.count("VIP urgent") == 1 and "x" not in views and "y" not in views

    # A shared view is for supervisors.
    r = alice.post("/inbox/views", {"name": "Everyone's", "status": "open", "shared": "1"})
    assert r.status_code == 403
    sam = await console_for(c, "sam")
    assert sam.post("/inbox/views", {"name": "Everyone's", "status": "open", "shared": "1"}).json()["ok"]
    assert "Everyone's" in text_of((await console_for(c, "bob")).get("/inbox").text)

    view_id = view.rsplit("=", 1)[1]
    assert alice.post(f"/inbox/views/{view_id}/delete").json()["ok"]
    gone = alice.get(view)
    assert gone.status_code == 200 and "That view does not exist" in text_of(gone.text)


# -- the ticket page ----------------------------------------------------------------------------------


async def test_the_ticket_page_replies_notes_and_edits_inline(live_cast: Cast) -> None:
    c = live_cast
    alice = await console_for(c, "alice")
    t = new_ticket(c.api("alice"), "Broken kettle", description="It leaks <b>everywhere</b>")
    page = alice.get(f"/tickets/{t['id']}")
    assert page.status_code == 200
    words = text_of(page.text)
    assert "Broken kettle" in words and "It leaks <b>everywhere</b>" in words  # shown as text
    assert "<b>everywhere</b>" not in page.text

    r = alice.post(f"/tickets/{t['id']}/reply", {"body": "We will send a new one.", "mode": "reply"})
    assert r.json() == {
        "ok": True,
        "redirect": f"/tickets/{t['id']}",
        "html": {},
        "message": "Reply sent.",
    }
    r = alice.post(f"/tickets/{t['id']}/reply", {"body": "Warehouse says: out of stock", "mode": "note"})
    assert r.json()["message"] == "Note added."
    comments = c.api("alice").get(f"/api/v1/tickets/{t['id']}/comments").json()
    assert [(x["body"], x["public"]) for x in comments[-2:]] == [
        ("We will send a new one.", True),
        ("Warehouse says: out of stock", False),
    ]
    # Inline edits: status, priority, assignee, team, tags — with the version the page showed.
    version = c.api("alice").get(f"/api/v1/tickets/{t['id']}").json()["version"]
    r = alice.post(
        f"/tickets/{t['id']}",
        {
            "status": "pending",
            "priority": "high",
            "assignee_id": str(c.agents["alice"].id),
            "team_id": str(c.team_id),
            "tags": "refund，kettle",
            "version": str(version),
        },
    )
    assert r.status_code == 200 and r.json()["ok"], r.text
    assert "Pending" in r.json()["html"]["[data-ticket-head]"]
    after = c.api("alice").get(f"/api/v1/tickets/{t['id']}").json()
    assert (after["status"], after["priority"], after["assignee_id"], after["team_id"]) == (
        "pending",
        "high",
        c.agents["alice"].id,
        c.team_id,
    )
    assert sorted(after["tags"]) == ["kettle", "refund"]
    timeline = text_of(alice.get(f"/tickets/{t['id']}").text)
    assert "Warehouse says: out of stock" in timeline and "Pending" in timeline

    # The same form again, with the version it was loaded with: someone changed it meanwhile.
    stale = alice.post(f"/tickets/{t['id']}", {"priority": "low", "version": str(version)})
    assert stale.status_code == 409 and stale.json()["ok"] is False
    assert c.api("alice").get(f"/api/v1/tickets/{t['id']}").json()["priority"] == "high"

    # Bad input: readable, nothing half-written.
    for bad in ({"status": "bogus"}, {"priority": "ultra"}, {"assignee_id": "abc"}, {"team_id": "99999999"}):
        r = alice.post(f"/tickets/{t['id']}", bad)
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["error"]
    empty = alice.post(f"/tickets/{t['id']}/reply", {"body": "   "})
    assert empty.status_code == 422
    assert c.api("alice").get(f"/api/v1/tickets/{t['id']}").json()["version"] == after["version"]


async def test_a_reply_carries_attachments(live_cast: Cast) -> None:
    c = live_cast
    alice = await console_for(c, "alice")
    t = new_ticket(c.api("alice"), "Photo please")
    r = alice.client.post(
        f"/tickets/{t['id']}/reply",
        data={"csrf_token": alice.csrf, "body": "Here is the label", "mode": "reply"},
        files={"files": ("label.txt", b"TW-1001", "text/plain")},
        headers=FETCH,
    )
    assert r.status_code == 200, r.text
    assert "label.txt" in alice.get(f"/tickets/{t['id']}").text
    comments = c.api("alice").get(f"/api/v1/tickets/{t['id']}/comments").json()
    assert [a["filename"] for a in comments[-1]["attachments"]] == ["label.txt"]


# -- the conversation page ----------------------------------------------------------------------------


async def test_the_conversation_page_answers_notes_and_converts(live_cast: Cast) -> None:
    c = live_cast
    channel = await make_channel(c)
    conversation = _chat(c, channel, "Is the shop open on Sunday?")
    alice = await console_for(c, "alice")
    page = alice.get(f"/conversations/{conversation}")
    assert page.status_code == 200 and "Is the shop open on Sunday?" in text_of(page.text)
    assert alice.post(f"/conversations/{conversation}/reply", {"body": "Yes, 10-18."}).json()["ok"]
    assert alice.post(f"/conversations/{conversation}/reply", {"body": "VIP", "mode": "note"}).json()["ok"]
    msgs = c.api("alice").get(f"/api/v1/conversations/{conversation}/messages").json()["items"]
    assert [(m["body"], m["private"]) for m in msgs[-2:]] == [("Yes, 10-18.", False), ("VIP", True)]
    r = alice.post(f"/conversations/{conversation}", {"assignee_id": str(c.agents["alice"].id)})
    assert r.json()["ok"] and "Alice" in r.json()["html"]["[data-conversation-props]"]
    r = alice.post(f"/conversations/{conversation}", {"status": "resolved"})
    assert r.json()["ok"]
    assert c.api("alice").get(f"/api/v1/conversations/{conversation}").json()["status"] == "resolved"
    bad = alice.post(f"/conversations/{conversation}", {"status": "vanished"})
    assert bad.status_code == 422 and bad.json()["error"]
    converted = alice.post(f"/conversations/{conversation}/ticket")
    assert converted.json()["redirect"].startswith("/tickets/")
    since = alice.get(f"/conversations/{conversation}/timeline?after=0", headers=FETCH)
    assert since.status_code == 200


async def test_a_chat_reply_carries_files_the_customer_can_open(live_cast: Cast) -> None:
    """Tried: a file in a reply (the customer gets its link), six files at once (refused, nothing
    sent), a file too large (refused)."""
    c = live_cast
    channel = await make_channel(c)
    conversation = _chat(c, channel, "Send me the invoice please")
    alice = await console_for(c, "alice")

    def send(files: list[tuple[str, tuple[str, bytes, str]]]) -> httpx.Response:
        return alice.client.post(
            f"/conversations/{conversation}/reply",
            data={"csrf_token": alice.csrf, "body": "Here it is", "mode": "reply"},
            files=files,
            headers=FETCH,
        )

    r = send([("files", ("invoice.pdf", b"%PDF-1.4 invoice", "application/pdf"))])
    assert r.status_code == 200 and r.json()["ok"], r.text
    msgs = c.api("alice").get(f"/api/v1/conversations/{conversation}/messages").json()["items"]
    last = msgs[-1]
    assert last["body"] == "Here it is" and [a["filename"] for a in last["attachments"]] == ["invoice.pdf"]
    opened = c.api(None).get(last["attachments"][0]["url"])  # the customer's browser: no credentials
    assert opened.status_code == 200 and opened.content == b"%PDF-1.4 invoice"
    assert "invoice.pdf" in alice.get(f"/conversations/{conversation}").text

    many_files = [("files", (f"f{i}.txt", b"x", "text/plain")) for i in range(6)]
    assert send(many_files).status_code == 422
    big = [("files", ("big.bin", b"0" * (10 * 1024 * 1024 + 1), "application/octet-stream"))]
    assert send(big).status_code in (413, 415)
    after = c.api("alice").get(f"/api/v1/conversations/{conversation}/messages").json()["items"]
    assert len(after) == len(msgs)


# -- the customer, the team board, settings ---------------------------------------------------------


async def test_customer_panel_team_board_and_settings_render(live_cast: Cast) -> None:
    c = live_cast
    t = new_ticket(c.api("alice"), "Panel check", requester={"id": c.customers["lisa"].id})
    alice = await console_for(c, "alice")
    panel = text_of(alice.get(f"/tickets/{t['id']}").text)
    assert c.customers["lisa"].name in panel
    customer = alice.get(f"/customers/{c.customers['lisa'].id}")
    assert customer.status_code == 200 and "Panel check" in text_of(customer.text)
    assert alice.get("/customers?q=Lisa").status_code == 200
    sam = await console_for(c, "sam")
    board = sam.get("/team")
    assert board.status_code == 200 and "Alice" in text_of(board.text)
    settings = alice.get("/settings")
    assert settings.status_code == 200
    assert "data-push" in settings.text and "Notify me of" in text_of(settings.text)


async def test_notification_choices_are_saved_from_the_settings_page(live_cast: Cast) -> None:
    c = live_cast
    alice = await console_for(c, "alice")
    r = alice.post("/settings/notifications", {"assignments": "on"})
    assert r.json()["ok"], r.text
    assert c.api("alice").get("/api/v1/me/notifications").json() == {
        "assignments": True,
        "customer_replies": False,
    }
    page = alice.get("/settings").text
    assert 'name="customer_replies">' in page and 'name="assignments" checked>' in page
    assert alice.post("/settings/devices/999999/forget").status_code == 404


# -- languages and time zones -------------------------------------------------------------------------


async def test_the_console_speaks_the_agents_language_or_the_browsers(live_cast: Cast) -> None:
    c = live_cast
    alice = await console_for(c, "alice")
    saved = alice.post(
        "/settings/profile", {"name": "Alice", "language": "zh-Hant", "time_zone": "Asia/Taipei"}
    ).json()
    assert saved["ok"] and saved["message"] == "已儲存。"  # said in the language just chosen
    page = alice.get("/inbox")
    assert '<html lang="zh-Hant"' in page.text and "登出" in text_of(page.text)
    t = new_ticket(c.api("alice"), "時區")
    ticket = alice.get(f"/tickets/{t['id']}").text
    assert "+08:00" in ticket or "GMT+8" in ticket or "台北" in ticket or "Asia/Taipei" in ticket
    assert alice.post("/settings/profile", {"name": "Alice", "language": "auto", "time_zone": "UTC"}).json()[
        "ok"
    ]
    hans = alice.get("/inbox", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert '<html lang="zh-Hans"' in hans
    en = alice.get("/inbox", headers={"Accept-Language": "en-GB"}).text
    assert '<html lang="en"' in en
    bad = alice.post("/settings/profile", {"name": "Alice", "language": "klingon", "time_zone": "Mars/Base"})
    assert bad.status_code == 422 and bad.json()["error"]
    # The sign-in page: the browser's language, or the one picked on it.
    with httpx.Client(base_url=c.base_url or "", timeout=30) as browser:
        assert '<html lang="zh-Hans"' in browser.get("/login", headers={"Accept-Language": "zh-CN"}).text
        r = browser.get("/login/language/zh-Hant")
        assert r.status_code == 303
        assert '<html lang="zh-Hant"' in browser.get("/login", headers={"Accept-Language": "en"}).text
        assert browser.get("/login/language/xx").status_code == 303  # ignored


# -- the installable app ------------------------------------------------------------------------------


def test_the_console_is_an_installable_app(live_cast: Cast) -> None:
    api = live_cast.api(None)
    manifest = api.get("/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.headers["content-type"].startswith(
        "application/manifest+json"
    )
    m = manifest.json()
    assert m["start_url"].startswith("/inbox") and m["display"] == "standalone"
    sizes = {i["sizes"] for i in m["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in m["icons"]:
        r = api.get(icon["src"])
        assert r.status_code == 200 and r.headers["content-type"] == icon["type"]
        if icon["type"] == "image/png":
            assert r.content.startswith(b"\x89PNG")
    sw = api.get("/sw.js")
    assert sw.status_code == 200 and "javascript" in sw.headers["content-type"]
    assert "/offline" in sw.text and "push" in sw.text
    offline = api.get("/offline")
    assert offline.status_code == 200 and "offline" in text_of(offline.text).lower()
    login = api.get("/login").text
    assert 'rel="manifest" href="/manifest.webmanifest"' in login


async def test_console_pages_carry_a_strict_content_security_policy(live_cast: Cast) -> None:
    alice = await console_for(live_cast, "alice")
    anonymous = live_cast.api(None)
    for url in ("/inbox", "/login", "/settings", "/tickets/999999", "/offline"):
        r = (anonymous if url in ("/login", "/offline") else alice).get(url, headers=BROWSER)
        policy = r.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, url
        assert "unsafe-inline" not in policy
        assert r.headers["x-frame-options"] == "DENY"
    shop = live_cast.api(None).get(f"/demo/shop?workspace={live_cast.slug}")
    assert "content-security-policy" not in shop.headers  # a customer's site: not ours to restrict


# -- bad input ----------------------------------------------------------------------------------------


BAD_IDS = ["0", "-1", "abc", "1e3", "9223372036854775808", "1" * 40, "%20"]


@pytest.mark.parametrize(
    "path",
    [
        "/tickets/{id}",
        "/tickets/{id}/timeline",
        "/conversations/{id}",
        "/conversations/{id}/timeline",
        "/customers/{id}",
        "/inbox/views/{id}/delete",
        "/tickets/{id}/reply",
    ],
)
async def test_bad_ids_are_readable_pages_never_500(module_cast: Cast, path: str) -> None:
    """Tried: each id of BAD_IDS in each page's address, by a browser and by the page's script."""
    alice = await console_for(module_cast, "alice")
    method = "POST" if path.endswith(("/delete", "/reply")) else "GET"
    for bad in BAD_IDS:
        url = path.format(id=bad)
        for headers in (BROWSER, FETCH):
            data: dict[str, Any] = {"csrf_token": alice.csrf, "body": "x"}
            r = alice.client.request(method, url, headers=headers, data=data if method == "POST" else None)
            assert r.status_code in (404, 422), (url, headers, r.status_code, r.text[:200])
            if headers is FETCH:
                assert r.json()["ok"] is False and r.json()["error"]
            else:
                assert "text/html" in r.headers["content-type"] and "<h1" in r.text

"""The administration pages as an admin, a supervisor and an agent use them: each page shows what
it is about, each section is closed to those without its permission, and every form does what it
says — or, given bad input, says why on the page and keeps what was typed (never a 500)."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import Cast
from tests.web.support import Console, console_for, text_of

HTML = {"Accept": "text/html"}

PAGES = {
    "/admin/agents": ["Agents", "Add an agent", "Ada", "Alice"],
    "/admin/roles": ["Roles", "Supervisor", "Manage channels and their business hours"],
    "/admin/teams": ["Teams", "Taipei", "New team"],
    "/admin/skills": ["Skills", "New skill"],
    "/admin/channels": ["Channels", "New web-chat channel"],
    "/admin/fields": ["Custom fields", "New field"],
    "/admin/canned": ["Canned responses", "New canned response"],
}
CLOSED_TO_AGENTS = [p for p in PAGES if p != "/admin/canned"]


def page(c: Console, url: str) -> httpx.Response:
    return c.get(url, headers=HTML)


def form_post(c: Console, url: str, data: dict[str, object]) -> httpx.Response:
    """A form sent by a browser without the page's script."""
    return c.post(url, data, fetch=False, headers=HTML)


def link_id(html: str, pattern: str) -> int:
    """The id in the first link of the page that matches (``(\\d+)`` marks it)."""
    m = re.search(pattern, html)
    assert m, pattern
    return int(m.group(1))


def created_id(resp: httpx.Response, prefix: str) -> int:
    assert resp.status_code == 200, resp.text[:500]
    answer = resp.json()
    assert answer["ok"], answer
    m = re.fullmatch(rf"{re.escape(prefix)}/(\d+)", answer["redirect"])
    assert m, answer["redirect"]
    return int(m.group(1))


async def test_every_admin_page_renders_for_an_admin(live_cast: Cast) -> None:
    ada = await console_for(live_cast, "ada")
    for url, words in PAGES.items():
        resp = page(ada, url)
        assert resp.status_code == 200, (url, resp.text[:500])
        seen = text_of(resp.text)
        for word in words:
            assert word in seen, (url, word)
        assert 'name="csrf_token"' in resp.text or url == "/admin/roles", url
    home = ada.get("/admin", headers=HTML)
    assert home.status_code == 303 and home.headers["location"] == "/admin/agents"


async def test_an_agent_may_not_use_the_admin_sections(live_cast: Cast) -> None:
    alice = await console_for(live_cast, "alice")
    for url in CLOSED_TO_AGENTS:
        assert page(alice, url).status_code == 403, url
    assert page(alice, f"/admin/agents/{live_cast.agents['bob'].id}").status_code == 403
    assert page(alice, f"/admin/teams/{live_cast.team_id}").status_code == 403
    refused = alice.post("/admin/agents", {"email": "eve@example.com", "name": "Eve", "role": "admin"})
    assert refused.status_code == 403
    # Her own canned responses are hers to manage; the nav offers only that section.
    resp = page(alice, "/admin/canned")
    assert resp.status_code == 200
    assert 'href="/admin/agents"' not in resp.text and "Shared with everyone" not in resp.text


async def test_a_supervisor_has_teams_skills_and_canned_but_not_agents_or_channels(live_cast: Cast) -> None:
    sam = await console_for(live_cast, "sam")
    for url in ("/admin/teams", "/admin/skills", "/admin/canned"):
        assert page(sam, url).status_code == 200, url
    for url in ("/admin/agents", "/admin/roles", "/admin/channels", "/admin/fields"):
        assert page(sam, url).status_code == 403, url
    assert sam.get("/admin", headers=HTML).headers["location"] == "/admin/teams"


async def test_a_form_without_its_csrf_token_is_refused(live_cast: Cast) -> None:
    ada = await console_for(live_cast, "ada")
    resp = ada.client.post("/admin/skills", data={"name": "Refunds"}, headers=HTML)
    assert resp.status_code == 403
    resp = ada.client.post("/admin/skills", data={"name": "Refunds", "csrf_token": "forged"}, headers=HTML)
    assert resp.status_code == 403
    assert "Refunds" not in text_of(page(ada, "/admin/skills").text)


async def test_create_a_webchat_channel_and_see_its_embed_snippet(live_cast: Cast) -> None:
    ada = await console_for(live_cast, "ada")
    resp = ada.post(
        "/admin/channels",
        {"name": "Shop chat", "team_id": str(live_cast.team_id), "greeting_en": "Hi! How can we help?"},
    )
    channel_id = created_id(resp, "/admin/channels")
    shown = page(ada, f"/admin/channels/{channel_id}")
    assert shown.status_code == 200
    assert f"/widget.js?workspace={live_cast.slug}&amp;channel={channel_id}" in shown.text
    snippet = re.search(r'<textarea id="embed-snippet"[^>]*readonly[^>]*>([^<]+)</textarea>', shown.text)
    assert snippet and "&lt;script src=" in snippet.group(1)
    assert 'data-copy="embed-snippet"' in shown.text
    assert "Hi! How can we help?" in shown.text
    listed = text_of(page(ada, "/admin/channels").text)
    assert "Shop chat" in listed and "Taipei" in listed

    # Rename it and switch it off; the team is taken away.
    resp = ada.post(f"/admin/channels/{channel_id}", {"name": "Store chat", "team_id": ""})
    assert resp.status_code == 200 and resp.json()["ok"], resp.text
    shown = text_of(page(ada, f"/admin/channels/{channel_id}").text)
    assert "Store chat" in shown and "switched off" in shown


async def test_a_channel_with_a_bad_team_is_refused_with_what_was_typed(live_cast: Cast) -> None:
    ada = await console_for(live_cast, "ada")
    resp = form_post(ada, "/admin/channels", {"name": "Typed name", "team_id": "999999999"})
    assert resp.status_code == 422, resp.text[:500]
    assert "does not exist" in text_of(resp.text)
    assert 'value="Typed name"' in resp.text
    resp = ada.post("/admin/channels", {"name": "", "team_id": ""})
    assert resp.status_code == 422 and resp.json()["error"]


async def test_edit_business_hours_and_see_them_saved(live_cast: Cast) -> None:
    ada = await console_for(live_cast, "ada")
    channel_id = created_id(ada.post("/admin/channels", {"name": "Hours chat"}), "/admin/channels")
    url = f"/admin/channels/{channel_id}/hours"
    form = page(ada, url)
    assert form.status_code == 200 and "Monday" in text_of(form.text)
    hours = {
        "enabled": "1",
        "time_zone": "Asia/Taipei",
        "open_mon": "1",
        "hours_mon": "09:00-12:00, 13:00-18:00",
        "open_sat": "1",
        "hours_sat": "10:00-14:00",
        "holidays": "2026-02-17\n12-25",
    }
    resp = form_post(ada, url, hours)
    assert resp.status_code == 303 and resp.headers["location"] == url
    saved = page(ada, url).text
    assert 'value="09:00-12:00, 13:00-18:00"' in saved and 'value="10:00-14:00"' in saved
    assert '<option value="Asia/Taipei" selected>' in saved
    assert "2026-02-17\n12-25" in saved
    assert re.search(r'name="open_mon" type="checkbox" value="1" checked', saved)
    assert not re.search(r'name="open_tue" type="checkbox" value="1" checked', saved)
    assert "Asia/Taipei" in text_of(page(ada, "/admin/channels").text)
    # With the script: the same, as JSON.
    again = ada.post(url, {**hours, "hours_sat": "11:00-15:00"})
    assert again.status_code == 200 and again.json()["ok"]
    assert 'value="11:00-15:00"' in page(ada, url).text

    # Always open again.
    assert form_post(ada, url, {"time_zone": "UTC"}).status_code == 303
    assert "Always open" in text_of(page(ada, "/admin/channels").text)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ({"hours_mon": "18:00-09:00"}, "Monday"),
        ({"hours_mon": "nine to five"}, "Monday"),
        ({"hours_mon": "09:00-25:00"}, "not a valid time"),
        ({"hours_mon": ""}, "give the opening hours"),
        ({"time_zone": "Mars/Olympus"}, "time zone"),
        ({"holidays": "the day after tomorrow"}, "the day after tomorrow"),
    ],
)
async def test_bad_business_hours_are_explained_and_kept(
    live_cast: Cast, typed: dict[str, str], words: str
) -> None:
    ada = await console_for(live_cast, "ada")
    channel_id = created_id(ada.post("/admin/channels", {"name": "Bad hours"}), "/admin/channels")
    url = f"/admin/channels/{channel_id}/hours"
    form = {"enabled": "1", "time_zone": "Europe/Berlin", "open_mon": "1", "hours_mon": "09:00-17:00"}
    form.update(typed)
    resp = form_post(ada, url, form)
    assert resp.status_code == 422, resp.text[:500]
    seen = text_of(resp.text)
    assert words in seen, seen[:2000]
    assert 'role="alert" data-form-error' in resp.text
    assert f'value="{form["hours_mon"]}"' in resp.text  # what was typed is still there
    fetched = ada.post(url, form)
    assert fetched.status_code == 422 and words in fetched.json()["error"]
    # Nothing was saved.
    assert "Always open" in text_of(page(ada, "/admin/channels").text)


async def test_create_edit_and_delete_a_custom_field(live_cast: Cast) -> None:
    ada = await console_for(live_cast, "ada")
    resp = ada.post(
        "/admin/fields",
        {"key": "order_number", "label": "Order number", "label_zh-Hant": "訂單編號", "type": "text"},
    )
    assert resp.status_code == 200 and resp.json()["ok"], resp.text
    listed = page(ada, "/admin/fields").text
    m = re.search(r'href="/admin/fields/(\d+)">Order number<', listed)
    assert m, listed
    field_id = int(m.group(1))
    assert "order_number" in listed

    resp = ada.post(
        f"/admin/fields/{field_id}",
        {
            "label": "Order no.",
            "label_zh-Hant": "訂單編號",
            "required_to_solve": "1",
            "active": "1",
            "position": "3",
        },
    )
    assert resp.status_code == 200 and resp.json()["ok"], resp.text
    shown = page(ada, f"/admin/fields/{field_id}").text
    assert 'value="Order no."' in shown and 'value="3"' in shown
    assert re.search(r'name="required_to_solve" type="checkbox" value="1" checked', shown)

    resp = ada.post(f"/admin/fields/{field_id}/delete")
    assert resp.status_code == 200 and resp.json()["redirect"] == "/admin/fields"
    assert "Order no." not in text_of(page(ada, "/admin/fields").text)
    assert page(ada, f"/admin/fields/{field_id}").status_code == 404


async def test_a_dropdown_field_and_bad_fields(live_cast: Cast) -> None:
    ada = await console_for(live_cast, "ada")
    ok = ada.post(
        "/admin/fields", {"key": "reason", "label": "Reason", "type": "dropdown", "options": "Late\nBroken"}
    )
    assert ok.status_code == 200 and ok.json()["ok"], ok.text
    assert "Late, Broken" in text_of(page(ada, "/admin/fields").text)

    bad_key = {"key": "Order Number!", "label": "Order", "type": "text", "options": ""}
    resp = form_post(ada, "/admin/fields", bad_key)
    assert resp.status_code == 422, resp.text[:500]
    assert "lower-case letters" in text_of(resp.text)
    assert 'value="Order Number!"' in resp.text and 'value="Order"' in resp.text
    resp = ada.post("/admin/fields", bad_key)
    assert resp.status_code == 422 and "lower-case letters" in resp.json()["error"]

    taken = form_post(ada, "/admin/fields", {"key": "reason", "label": "Again", "type": "text"})
    assert taken.status_code == 409 and "exists already" in text_of(taken.text)
    no_options = form_post(
        ada, "/admin/fields", {"key": "kind", "label": "Kind", "type": "dropdown", "options": ""}
    )
    assert no_options.status_code == 422 and "at least one option" in text_of(no_options.text)
    bad_position = ada.post("/admin/fields", {"key": "x1", "label": "X", "type": "text", "position": "first"})
    assert bad_position.status_code == 422 and bad_position.json()["error"]
    assert "Again" not in text_of(page(ada, "/admin/fields").text)


async def test_a_field_tickets_use_is_not_deleted(live_cast: Cast) -> None:
    ada = await console_for(live_cast, "ada")
    ada.post("/admin/fields", {"key": "sku", "label": "SKU", "type": "text"})
    field_id = link_id(page(ada, "/admin/fields").text, r'href="/admin/fields/(\d+)">SKU<')
    api = live_cast.api("ada")
    made = api.post(
        "/api/v1/tickets",
        json={
            "subject": "Wrong size",
            "requester": {"id": live_cast.customers["john"].id},
            "custom_fields": {"sku": "A-1"},
        },
    )
    assert made.status_code == 201, made.text
    resp = form_post(ada, f"/admin/fields/{field_id}/delete", {})
    assert resp.status_code == 409 and "deactivate it" in text_of(resp.text)
    assert page(ada, f"/admin/fields/{field_id}").status_code == 200


async def test_create_edit_and_delete_a_canned_response(live_cast: Cast) -> None:
    ada = await console_for(live_cast, "ada")
    resp = ada.post(
        "/admin/canned",
        {"shortcut": "/thanks", "title": "Thanks", "body": "Thank you, {{ customer.name }}!", "shared": "1"},
    )
    assert resp.status_code == 200 and resp.json()["ok"], resp.text
    listed = page(ada, "/admin/canned").text
    m = re.search(r'href="/admin/canned/(\d+)"><code>/thanks</code>', listed)
    assert m, listed
    canned_id = int(m.group(1))
    assert "Everyone" in text_of(listed)

    resp = ada.post(
        f"/admin/canned/{canned_id}",
        {"shortcut": "thx", "title": "Thanks a lot", "body": "Thanks!", "language": "en"},
    )
    assert resp.status_code == 200 and resp.json()["ok"], resp.text
    shown = page(ada, f"/admin/canned/{canned_id}").text
    assert 'value="thx"' in shown and 'value="Thanks a lot"' in shown and ">Thanks!</textarea>" in shown

    # Alice sees the shared one but may not change it.
    alice = await console_for(live_cast, "alice")
    assert "/thx" in text_of(page(alice, "/admin/canned").text)
    assert page(alice, f"/admin/canned/{canned_id}").status_code == 403

    resp = ada.post(f"/admin/canned/{canned_id}/delete")
    assert resp.status_code == 200 and resp.json()["redirect"] == "/admin/canned"
    assert "/thx" not in text_of(page(ada, "/admin/canned").text)


async def test_a_duplicate_shortcut_is_refused_readably(live_cast: Cast) -> None:
    alice = await console_for(live_cast, "alice")
    first = alice.post("/admin/canned", {"shortcut": "hello", "title": "Hello", "body": "Hello there"})
    assert first.status_code == 200 and first.json()["ok"], first.text
    again = {"shortcut": "hello", "title": "Hello again", "body": "What I typed"}
    resp = form_post(alice, "/admin/canned", again)
    assert resp.status_code == 409, resp.text[:500]
    assert "The shortcut /hello is taken." in text_of(resp.text)
    assert 'value="Hello again"' in resp.text and ">What I typed</textarea>" in resp.text
    fetched = alice.post("/admin/canned", again)
    assert fetched.status_code == 409 and "is taken" in fetched.json()["error"]
    bad = form_post(alice, "/admin/canned", {"shortcut": "two words", "title": "T", "body": "B"})
    assert bad.status_code == 422 and "no spaces" in text_of(bad.text)
    # Her own response, edited to a shortcut she has: refused too.
    other = alice.post("/admin/canned", {"shortcut": "bye", "title": "Bye", "body": "Bye"})
    assert other.json()["ok"]
    bye_id = link_id(page(alice, "/admin/canned").text, r'href="/admin/canned/(\d+)"><code>/bye<')
    clash = form_post(alice, f"/admin/canned/{bye_id}", {"shortcut": "hello", "title": "Bye", "body": "Bye"})
    assert clash.status_code == 409 and 'value="hello"' in clash.text


async def test_create_an_agent_and_change_their_role(live_cast: Cast) -> None:
    ada = await console_for(live_cast, "ada")
    resp = ada.post(
        "/admin/agents",
        {
            "email": "carol@example.com",
            "name": "Carol",
            "role": "agent",
            "language": "zh-Hant",
            "time_zone": "Asia/Taipei",
        },
    )
    agent_id = created_id(resp, "/admin/agents")
    shown = page(ada, f"/admin/agents/{agent_id}")
    assert shown.status_code == 200 and "carol@example.com" in shown.text

    resp = ada.post(f"/admin/agents/{agent_id}", {"role": "supervisor", "active": "1", "chat_capacity": "4"})
    assert resp.status_code == 200 and resp.json()["ok"], resp.text
    shown = page(ada, f"/admin/agents/{agent_id}").text
    assert re.search(r'<option value="supervisor" selected>', shown)
    assert 'value="4"' in shown
    supervisors = text_of(page(ada, "/admin/agents?role=supervisor").text)
    assert "Carol" in supervisors and "Alice" not in supervisors
    dup = ada.post("/admin/agents", {"email": "carol@example.com", "name": "Carol 2", "role": "agent"})
    assert 400 <= dup.status_code < 500 and dup.json()["error"]
    bad = ada.post(f"/admin/agents/{agent_id}", {"role": "emperor", "active": "1", "chat_capacity": "x"})
    assert bad.status_code == 422 and bad.json()["error"]


async def test_create_a_team_and_a_skill_and_give_an_agent_the_skill(live_cast: Cast) -> None:
    ada = await console_for(live_cast, "ada")
    bob = live_cast.agents["bob"]
    resp = ada.post(
        "/admin/teams", {"name": "Returns", "description": "Parcels coming back", "member_ids": [str(bob.id)]}
    )
    assert resp.status_code == 200 and resp.json()["ok"], resp.text
    teams = text_of(page(ada, "/admin/teams").text)
    assert "Returns" in teams and "Parcels coming back" in teams and "Bob" in teams

    resp = ada.post("/admin/skills", {"name": "Cantonese", "description": "Speaks Cantonese"})
    assert resp.status_code == 200 and resp.json()["ok"], resp.text
    skills = page(ada, "/admin/skills").text
    m = re.search(r'href="/admin/skills/(\d+)">Cantonese<', skills)
    assert m, skills
    skill_id = int(m.group(1))

    resp = ada.post(
        f"/admin/agents/{bob.id}",
        {"role": "agent", "active": "1", "chat_capacity": "3", "with_skills": "1", f"skill_{skill_id}": "4"},
    )
    assert resp.status_code == 200 and resp.json()["ok"], resp.text
    assert re.search(r'<option value="4" selected>', page(ada, f"/admin/agents/{bob.id}").text)

    bad = form_post(ada, "/admin/teams", {"name": "", "member_ids": ["abc"]})
    assert bad.status_code == 422 and "did not offer" in text_of(bad.text)

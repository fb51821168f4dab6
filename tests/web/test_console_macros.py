"""The console's macros, merges and links, over real HTTP: the admin section for macros, the macro
menu on a ticket (preview into an editable reply, then apply — refused with the current values
when the ticket changed meanwhile, the reply kept), the merge and link forms, splitting a message,
and the property form's conflict message."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Cast
from tests.tickets.conftest import comments, create_ticket, get_ticket
from tests.web.support import Console, console_for, text_of

HTML = {"Accept": "text/html"}


def form_post(c: Console, url: str, data: dict[str, Any]) -> Any:
    """A form sent by a browser without the page's script."""
    return c.post(url, data, fetch=False, headers=HTML)


async def test_agents_keep_their_own_macros_and_supervisors_share_them(live_cast: Cast) -> None:
    alice, sam = await console_for(live_cast, "alice"), await console_for(live_cast, "sam")
    r = alice.post(
        "/admin/macros",
        {
            "name": "Ask for photo",
            "set.status": "pending",
            "add_tags": "photo, 待確認",
            "reply.en": "Hi {{ customer.first_name }}, could you send a photo?",
            "reply.zh-Hant": "{{ customer.name }} 您好，可以提供照片嗎？",
            "reply.mode": "reply",
            "active": "1",
            "shared": "1",  # not hers to give: ignored, the macro is her own
        },
    )
    assert r.status_code == 200 and r.json()["ok"], r.text
    mine = live_cast.api("alice").get("/api/v1/macros").json()
    assert [(m["name"], m["shared"]) for m in mine] == [("Ask for photo", False)]
    assert mine[0]["actions"] == [{"set": "status", "value": "pending"}, {"add_tags": ["photo", "待確認"]}]
    page = alice.get("/admin/macros", headers=HTML)
    assert page.status_code == 200 and "Ask for photo" in text_of(page.text)
    assert f'href="/admin/macros/{mine[0]["id"]}"' in page.text
    # Sam does not see Alice's; his shared one is everyone's, and only managers may edit it.
    assert "Ask for photo" not in text_of(sam.get("/admin/macros", headers=HTML).text)
    r = sam.post(
        "/admin/macros", {"name": "Closing note", "reply.en": "Thanks!", "shared": "1", "active": "1"}
    )
    assert r.json()["ok"], r.text
    shared = next(m for m in live_cast.api("alice").get("/api/v1/macros").json() if m["shared"])
    assert alice.get(f"/admin/macros/{shared['id']}", headers=HTML).status_code == 403
    assert sam.get(f"/admin/macros/{mine[0]['id']}", headers=HTML).status_code == 404


async def test_a_refused_macro_form_comes_back_with_what_was_typed(live_cast: Cast) -> None:
    """Without the page's script: an unknown placeholder is refused on the page, naming it,
    with the typed text kept; with the script, the error comes as JSON. Nothing is saved."""
    alice = await console_for(live_cast, "alice")
    typed = {"name": "Oops", "reply.en": "Dear {{ customer.nickname }}", "active": "1"}
    r = form_post(alice, "/admin/macros", typed)
    assert r.status_code == 422
    assert "customer.nickname" in text_of(r.text) and "Dear {{ customer.nickname }}" in r.text.replace(
        "&#34;", '"'
    )
    r = alice.post("/admin/macros", {"name": "", "reply.en": "Hi", "active": "1"})
    assert r.status_code == 422 and r.json()["ok"] is False
    assert live_cast.api("alice").get("/api/v1/macros").json() == []


def _macro(cast: Cast, **fields: Any) -> dict[str, Any]:
    body = {
        "name": "Refund sent",
        "names": {"zh-Hant": "已退款"},
        "actions": [{"set": "priority", "value": "high"}, {"add_tags": ["refund"]}],
        "reply": {
            "texts": {"en": "Dear {{ customer.name }}, refunded.", "zh-Hant": "{{ customer.name }}，已退款。"}
        },
        **fields,
    }
    r = cast.api("sam").post("/api/v1/macros", json={"shared": True, **body})
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


async def test_the_macro_menu_previews_into_an_editable_reply_and_applies_it(live_cast: Cast) -> None:
    macro = _macro(live_cast)
    t = create_ticket(live_cast.api("alice"), requester={"id": live_cast.customers["lisa"].id})
    alice = await console_for(live_cast, "alice")
    page = alice.get(f"/tickets/{t['id']}", headers=HTML)
    assert f'<option value="{macro["id"]}">Refund sent</option>' in page.text
    preview = alice.get(f"/tickets/{t['id']}?macro={macro['id']}", headers=HTML)
    assert preview.status_code == 200
    words = text_of(preview.text)
    assert "Priority: Normal → High" in words or "priority: Normal → High" in words
    assert "張雅婷 Lisa，已退款。" in preview.text  # in Lisa's language, ready to edit
    version = re.search(
        r'data-macro-apply>\s*<input[^>]*>\s*<input type="hidden" name="version" value="(\d+)"', preview.text
    )
    assert version and int(version.group(1)) == t["version"]
    r = form_post(
        alice,
        f"/tickets/{t['id']}/macros/{macro['id']}/apply",
        {"version": version.group(1), "body": "張雅婷 Lisa，已退款，請查收。", "mode": "reply"},
    )
    assert r.status_code == 303 and r.headers["location"] == f"/tickets/{t['id']}"
    after = get_ticket(live_cast.api("alice"), t["id"])
    assert (after["priority"], after["tags"], after["version"]) == ("high", ["refund"], t["version"] + 1)
    assert [c["body"] for c in comments(live_cast.api("alice"), t["id"])][
        -1
    ] == "張雅婷 Lisa，已退款，請查收。"
    shown = text_of(alice.get(f"/tickets/{t['id']}", headers=HTML).text)
    assert "applied the macro Refund sent" in shown


async def test_a_stale_macro_apply_shows_the_current_values_and_keeps_the_reply(live_cast: Cast) -> None:
    macro = _macro(live_cast)
    t = create_ticket(live_cast.api("alice"))
    alice = await console_for(live_cast, "alice")
    assert (
        live_cast.api("bob")
        .patch(f"/api/v1/tickets/{t['id']}", json={"priority": "urgent", "status": "open"})
        .status_code
        == 200
    )
    typed = "My own words for Lisa"
    r = form_post(
        alice,
        f"/tickets/{t['id']}/macros/{macro['id']}/apply",
        {"version": str(t["version"]), "body": typed, "mode": "reply"},
    )
    assert r.status_code == 409
    words = text_of(r.text)
    assert "Someone changed this ticket meanwhile" in words and "Urgent" in words and "Open" in words
    assert typed in r.text
    fresh = re.search(r'name="version" value="(\d+)"', r.text.split("data-macro-apply", 1)[1])
    assert fresh and int(fresh.group(1)) == t["version"] + 1
    assert comments(live_cast.api("alice"), t["id"]) == [
        c for c in comments(live_cast.api("alice"), t["id"]) if c["body"] != typed
    ]
    assert get_ticket(live_cast.api("alice"), t["id"])["priority"] == "urgent"
    # With the page's script the same conflict is a JSON error naming the current values.
    r = alice.post(
        f"/tickets/{t['id']}/macros/{macro['id']}/apply", {"version": str(t["version"]), "body": typed}
    )
    assert r.status_code == 409 and r.json()["ok"] is False


async def test_the_property_form_conflict_names_the_current_values(live_cast: Cast) -> None:
    t = create_ticket(live_cast.api("alice"))
    alice = await console_for(live_cast, "alice")
    assert (
        live_cast.api("bob")
        .patch(f"/api/v1/tickets/{t['id']}", json={"priority": "low", "tags": ["b"]})
        .status_code
        == 200
    )
    r = alice.post(
        f"/tickets/{t['id']}", {"version": str(t["version"]), "priority": "high", "status": "open"}
    )
    assert r.status_code == 409
    error = r.json()["error"]
    assert "Someone changed this ticket meanwhile" in error and "Low" in error and "b" in error
    assert get_ticket(live_cast.api("alice"), t["id"])["priority"] == "low"


async def test_merge_link_and_split_from_the_ticket_page(live_cast: Cast) -> None:
    api = live_cast.api("sam")
    winner, dup = (
        create_ticket(api, subject="Late parcel", description="first"),
        create_ticket(api, subject="Late!"),
    )
    problem = create_ticket(api, subject="Carrier strike", type="problem")
    sam = await console_for(live_cast, "sam")
    page = sam.get(f"/tickets/{winner['id']}", headers=HTML).text
    assert f'action="/tickets/{winner["id"]}/merge"' in page and "Split into a new ticket" in page
    r = sam.post(f"/tickets/{winner['id']}/merge", {"numbers": f"#{dup['number']}", "comment": "dup"})
    assert r.status_code == 200 and r.json()["ok"], r.text
    assert get_ticket(api, dup["id"])["status"] == "closed"
    shown = text_of(sam.get(f"/tickets/{winner['id']}", headers=HTML).text)
    assert f"merged #{dup['number']} into this ticket" in shown
    r = sam.post(f"/tickets/{winner['id']}/links", {"problem": str(problem["number"])})
    assert r.json()["ok"], r.text
    assert f"#{problem['number']} Carrier strike" in text_of(
        sam.get(f"/tickets/{winner['id']}", headers=HTML).text
    )
    bad = sam.post(f"/tickets/{winner['id']}/merge", {"numbers": "999999"})
    assert bad.status_code == 404 and "999999" in bad.json()["error"]
    bad = sam.post(f"/tickets/{winner['id']}/merge", {"numbers": "twelve"})
    assert bad.status_code == 422
    first = comments(api, winner["id"])[0]
    r = sam.post(f"/tickets/{winner['id']}/split", {"comment_id": str(first["id"])})
    assert r.json()["ok"], r.text
    new_id = int(r.json()["redirect"].rsplit("/", 1)[1])
    assert get_ticket(api, new_id)["subject"] == "first"
    # Alice may not merge: no form, and the post is refused.
    alice = await console_for(live_cast, "alice")
    assert "/merge" not in alice.get(f"/tickets/{winner['id']}", headers=HTML).text
    other = create_ticket(api)
    assert alice.post(f"/tickets/{winner['id']}/merge", {"numbers": str(other["number"])}).status_code == 403

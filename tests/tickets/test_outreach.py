"""Telling a ticket's requester (``tickets.outreach.tell_requester``): a public reply on the ticket,
and the same words in the chat the ticket was made from — which the customer's widget shows, live
over its socket or over the SDK's REST API, even once the chat is resolved."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Cast
from tests.conversations.support import cid, make_channel, visitor
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict
from wowdesk.tickets import queries
from wowdesk.tickets.outreach import tell_requester


def _chat_ticket(cast: Cast, channel: int, body: str = "我的包裹在哪裡？") -> tuple[dict[str, str], int, int]:
    """A visitor writes on the web chat, Alice makes a ticket of the conversation: the visitor's
    credentials, the conversation's and the ticket's ids."""
    anon = cast.api(None)
    welcome = anon.post(
        "/api/v1/widget/session",
        json={"workspace": cast.slug, "channel": channel, "profile": {"name": "Lin"}},
    ).json()
    auth = {"Authorization": f"Visitor {welcome['visitor']}"}
    assert (
        anon.post(
            "/api/v1/widget/messages", json={"client_id": cid(), "body": body}, headers=auth
        ).status_code
        == 201
    )
    alice = cast.api("alice")
    conversation = alice.get("/api/v1/conversations", params={"channel": channel}).json()["items"][0]["id"]
    ticket = alice.post(f"/api/v1/conversations/{conversation}/ticket").json()
    return auth, conversation, ticket["id"]


async def _tell(cast: Cast, ticket_id: int, body: str, **kw: Any) -> Any:
    async with cast.rt.uow() as s:
        system = Actor.system(cast.workspace_id)
        ticket = await queries.get_ticket(s, system, ticket_id, for_update=True)
        return await tell_requester(s, system, ticket, body, **kw)


def _widget_bodies(cast: Cast, auth: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = cast.api(None).get("/api/v1/widget/messages", headers=auth).json()["items"]
    return items


async def test_a_ticket_not_from_a_chat_gets_a_public_reply_only(live_cast: Cast) -> None:
    c = live_cast
    t = (
        c.api("alice")
        .post("/api/v1/tickets", json={"subject": "x", "requester": {"id": c.customers["john"].id}})
        .json()
    )
    told = await _tell(c, t["id"], "Your problem is fixed.")
    assert told.via == "ticket" and told.conversation_id is None and told.message_id is None
    replies = [
        (x["author"], x["body"], x["public"])
        for x in c.api("alice").get(f"/api/v1/tickets/{t['id']}/comments").json()
    ]
    assert replies == [("system", "Your problem is fixed.", True)]


async def test_a_chat_ticket_reaches_the_widget_even_after_the_chat_is_resolved(live_cast: Cast) -> None:
    c = live_cast
    channel = await make_channel(c)
    auth, conversation, ticket = _chat_ticket(c, channel)
    alice = c.api("alice")
    assert (
        alice.patch(f"/api/v1/conversations/{conversation}", json={"status": "resolved"}).status_code == 200
    )

    told = await _tell(c, ticket, "問題已解決，謝謝您的耐心。", client_id="fixed-1")
    assert told.via == "chat" and told.conversation_id == conversation
    last = _widget_bodies(c, auth)[-1]
    assert (last["body"], last["direction"], last["author"]["kind"], last["private"]) == (
        "問題已解決，謝謝您的耐心。",
        "outgoing",
        "system",
        False,
    )
    assert alice.get(f"/api/v1/conversations/{conversation}").json()["status"] == "resolved"  # not reopened
    public = [x["body"] for x in alice.get(f"/api/v1/tickets/{ticket}/comments").json() if x["public"]]
    assert public[-1] == "問題已解決，謝謝您的耐心。"  # and on the ticket's record

    again = await _tell(c, ticket, "問題已解決，謝謝您的耐心。", client_id="fixed-1")  # a retry
    assert again.message_id == told.message_id
    assert [m["body"] for m in _widget_bodies(c, auth)].count("問題已解決，謝謝您的耐心。") == 1


async def test_a_closed_ticket_takes_no_words(live_cast: Cast) -> None:
    c = live_cast
    channel = await make_channel(c)
    auth, _conversation, ticket = _chat_ticket(c, channel)
    alice = c.api("alice")
    for status in ("solved", "closed"):
        assert alice.patch(f"/api/v1/tickets/{ticket}", json={"status": status}).status_code == 200
    before = _widget_bodies(c, auth)
    with pytest.raises(Conflict):
        await _tell(c, ticket, "Too late")
    assert _widget_bodies(c, auth) == before


async def test_the_survey_arrives_live_on_the_customers_widget_socket(live_cast: Cast) -> None:
    """End to end on the live server: surveys at once after the solve; the visitor's socket gets the
    survey message pushed by the server's own job runner, with the link that opens the survey page."""
    c = live_cast
    ada = c.api("ada")
    assert ada.put("/api/v1/csat/settings", json={"enabled": True, "delay_minutes": 0}).status_code == 200
    channel = await make_channel(c)
    sock, _welcome = await visitor(c, channel, profile={"name": "Lin"})
    await sock.send(type="message", client_id=cid(), body="Where is my parcel?")
    await sock.expect("ack")
    alice = c.api("alice")
    conversation = alice.get("/api/v1/conversations", params={"channel": channel}).json()["items"][0]["id"]
    ticket = alice.post(f"/api/v1/conversations/{conversation}/ticket").json()["id"]
    assert alice.patch(f"/api/v1/tickets/{ticket}", json={"status": "solved"}).status_code == 200

    survey = await sock.expect("message", where=lambda f: "/csat/" in f.get("body", ""), timeout=20)
    assert survey["direction"] == "outgoing" and survey["author"]["kind"] == "system"
    assert "Your feedback helps us serve you better." in survey["body"]
    link = next(w for w in survey["body"].split() if "/csat/" in w and "rating=good" in w)
    path = link[link.index("/csat/") :]
    page = c.api(None).get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200 and 'value="good" required checked' in page.text
    assert alice.get(f"/api/v1/tickets/{ticket}/csat").json()["sent_via"] == "chat"
    await sock.close()

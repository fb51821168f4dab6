"""A message left in the chat while nobody takes chats, over the widget's real WebSocket and its REST
twin on the live server: it becomes a ticket tagged ``offline-message`` whose replies go by e-mail
(requester: the customer), the customer is told which request it is, a later message is their
reply on it (a new ticket once it is closed); without an e-mail address nothing is written; an
agent online means a chat as before; forged visitors are still refused."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import Cast, assert_problem
from tests.conversations.support import agent, cid, make_channel, visitor
from tests.tickets.email.support import closed_channel

LIN = "lin@example.com"


def _conversations(cast: Cast, channel: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (
        cast.api("ada").get("/api/v1/conversations", params={"channel": channel}).json()["items"]
    )
    return items


def _tickets_of(cast: Cast, customer_id: int) -> list[dict[str, Any]]:
    r = cast.api("ada").get("/api/v1/tickets", params={"requester": customer_id, "status": "new,open,closed"})
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return sorted(items, key=lambda t: t["id"])


def _comments(cast: Cast, ticket_id: int) -> list[dict[str, Any]]:
    r = cast.api("ada").get(f"/api/v1/tickets/{ticket_id}/comments")
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()
    return items


async def test_a_message_left_while_closed_becomes_a_ticket_answered_by_email(live_cast: Cast) -> None:
    c = live_cast
    channel = await closed_channel(c)
    customer, welcome = await visitor(c, channel)
    assert welcome["open"] is False and welcome["opens_at"] and welcome["agents_online"] is False
    assert welcome["config"]["offline_messages"] is True
    first = cid()
    await customer.send(
        type="message", client_id=first, body="我的包裹還沒到，訂單 TW-1", email=LIN, name="林"
    )
    ack = await customer.expect("ack", client_id=first)
    told = await customer.expect("message", where=lambda f: f["direction"] == "outgoing")
    assert told["author"]["kind"] == "system" and LIN in told["body"] and told["seq"] > ack["seq"]

    [conversation] = _conversations(c, channel)
    customer_id = conversation["customer"]["id"]
    [ticket] = _tickets_of(c, customer_id)
    assert conversation["ticket_id"] == ticket["id"] and f"#{ticket['number']}" in told["body"]
    assert ticket["tags"] == ["offline-message"] and ticket["replies_by"] == "email"
    assert ticket["requester"]["id"] == customer_id and ticket["channel"] == "chat"
    assert ticket["subject"] == "我的包裹還沒到，訂單 TW-1" and ticket["requester"]["name"] == "林"
    [description, transcript] = _comments(c, ticket["id"])
    assert description["author"] == f"customer:{customer_id}" and description["public"] is True
    assert transcript["public"] is False  # the chat's transcript, as for any ticket made of a chat

    # Still closed: the next message is the customer's reply on the same ticket, no new request.
    second = cid()
    await customer.send(type="message", client_id=second, body="補充：是黑色的盒子")
    await customer.expect("ack", client_id=second)
    assert [t["id"] for t in _tickets_of(c, customer_id)] == [ticket["id"]]
    reply = _comments(c, ticket["id"])[-1]
    assert reply["body"] == "補充：是黑色的盒子" and reply["author"] == f"customer:{customer_id}"
    assert reply["public"] is True
    assert len(await customer.quiet("message", 0.3)) == 3  # ack'ed own two and one confirmation

    # Once the ticket is closed, a message left is a new request.
    ada = c.api("ada")
    for status in ("solved", "closed"):
        assert ada.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": status}).status_code == 200
    third = cid()
    await customer.send(type="message", client_id=third, body="Another parcel is late too")
    await customer.expect("ack", client_id=third)
    old, new = _tickets_of(c, customer_id)
    assert old["id"] == ticket["id"] and old["status"] == "closed"
    assert new["subject"] == "Another parcel is late too" and new["tags"] == ["offline-message"]
    assert _conversations(c, channel)[0]["ticket_id"] == new["id"]
    history = next(x for x in _comments(c, new["id"]) if not x["public"])["body"]  # the whole chat
    assert "Customer: 我的包裹還沒到" in history and "Customer: We got your message" not in history
    again = await customer.expect("message", where=lambda f: f["direction"] == "outgoing" and f["seq"] > 5)
    assert f"#{new['number']}" in again["body"]
    await customer.close()


async def test_without_an_email_address_nothing_is_written(live_cast: Cast) -> None:
    """Tried: no address at all (refused with email_required, in the widget's frame and as a problem
    document), an address that is not one (refused as invalid); neither leaves a conversation, a
    message or a ticket. Then the same message with an address goes through."""
    c = live_cast
    channel = await closed_channel(c)
    customer, _ = await visitor(c, channel)
    attempt = cid()
    await customer.send(type="message", client_id=attempt, body="hello?")
    refused = await customer.expect("error", client_id=attempt)
    assert refused["code"] == "email_required" and "e-mail address" in refused["detail"]
    await customer.send(type="message", client_id=attempt, body="hello?", email="not-an-address")
    invalid = await customer.expect("error", client_id=attempt)
    assert invalid["code"] == "invalid" and "email" in invalid["detail"]
    assert _conversations(c, channel) == []
    assert await customer.quiet("ack", 0.2) == []

    anon = c.api(None)
    session = anon.post("/api/v1/widget/session", json={"workspace": c.slug, "channel": channel}).json()
    auth = {"Authorization": f"Visitor {session['visitor']}", "Accept-Language": "en"}
    r = anon.post("/api/v1/widget/messages", json={"client_id": cid(), "body": "hello?"}, headers=auth)
    problem = assert_problem(r, 422)
    assert problem["type"].endswith("/email-required") and "e-mail address" in problem["detail"]
    assert anon.get("/api/v1/widget/messages", headers=auth).json() == {"items": [], "last_seq": 0}
    assert _conversations(c, channel) == []

    await customer.send(type="message", client_id=attempt, body="hello?", email=LIN)
    await customer.expect("ack", client_id=attempt)
    [conversation] = _conversations(c, channel)
    [ticket] = _tickets_of(c, conversation["customer"]["id"])
    assert ticket["replies_by"] == "email"
    await customer.close()


async def test_over_rest_the_same_message_twice_is_one_ticket(live_cast: Cast) -> None:
    c = live_cast
    channel = await closed_channel(c)
    anon = c.api(None)
    session = anon.post(
        "/api/v1/widget/session",
        json={"workspace": c.slug, "channel": channel, "language": "zh-Hant"},
    ).json()
    assert session["open"] is False
    auth = {"Authorization": f"Visitor {session['visitor']}"}
    message = {"client_id": cid(), "body": "請用 email 回覆我", "email": "Wei@Example.com"}
    first = anon.post("/api/v1/widget/messages", json=message, headers=auth)
    assert first.status_code == 201, first.text
    again = anon.post("/api/v1/widget/messages", json=message, headers=auth)
    assert again.status_code == 200 and again.json() == first.json()
    [conversation] = _conversations(c, channel)
    [ticket] = _tickets_of(c, conversation["customer"]["id"])
    assert ticket["replies_by"] == "email" and ticket["tags"] == ["offline-message"]
    bodies = [m["body"] for m in anon.get("/api/v1/widget/messages", headers=auth).json()["items"]]
    assert bodies[0] == "請用 email 回覆我" and len(bodies) == 2  # and the confirmation, once
    assert "wei@example.com" in bodies[1] and f"#{ticket['number']}" in bodies[1]
    later = anon.post("/api/v1/widget/messages", json={"client_id": cid(), "body": "還在嗎？"}, headers=auth)
    assert later.status_code == 201  # the address is known now
    assert _comments(c, ticket["id"])[-1]["body"] == "還在嗎？"


async def test_nobody_online_is_offline_too_and_an_online_agent_gets_a_chat(live_cast: Cast) -> None:
    """Inside business hours (the channel has none) with nobody online, a message is left as well
    (the address from the pre-chat profile); with Alice online it is a chat, no ticket."""
    c = live_cast
    channel = await make_channel(c, offline_messages=True)
    customer, welcome = await visitor(c, channel, profile={"name": "Mei", "email": "mei@example.com"})
    assert welcome["open"] is True and welcome["agents_online"] is False
    await customer.send(type="message", client_id=cid(), body="anyone there?")
    await customer.expect("ack")
    told = await customer.expect("message", where=lambda f: f["direction"] == "outgoing")
    assert "mei@example.com" in told["body"]
    [left] = _conversations(c, channel)
    assert left["ticket_id"] is not None and left["assignee_id"] is None
    await customer.close()

    alice, _ = await agent(c, "alice")
    await alice.send(type="presence", status="online")
    await alice.expect("event", name="agent.presence_changed")
    other, hello = await visitor(c, channel)  # a new visitor, no address known: none is needed
    assert hello["agents_online"] is True
    await other.send(type="message", client_id=cid(), body="hi, quick question")
    await other.expect("ack")
    await asyncio.sleep(0.2)
    chat = next(x for x in _conversations(c, channel) if x["id"] != left["id"])
    assert chat["ticket_id"] is None and chat["assignee_id"] == c.agents["alice"].id
    assert [f for f in other.seen if f["type"] == "message" and f["direction"] == "outgoing"] == []
    for s in (other, alice):
        await s.close()


async def test_a_channel_that_takes_no_offline_messages_keeps_the_chat_waiting(live_cast: Cast) -> None:
    c = live_cast
    channel = await closed_channel(c, offline_messages=False)
    customer, welcome = await visitor(c, channel)
    assert welcome["config"]["offline_messages"] is False
    await customer.send(type="message", client_id=cid(), body="no address, no ticket")
    await customer.expect("ack")
    [conversation] = _conversations(c, channel)
    assert conversation["ticket_id"] is None and conversation["status"] == "open"
    await customer.close()


async def test_forged_visitors_are_still_refused(live_cast: Cast, other_cast_factory: Any) -> None:
    """Tried: a forged identity_hash, another workspace's visitor token on this channel (socket),
    a tampered token (REST); all refused before anything is left."""
    c = live_cast
    channel = await closed_channel(c)
    forged, _ = await _hello_refused(c, channel, identity={"identifier": "u-1", "identity_hash": "0" * 64})
    assert forged == 4401
    other = await other_cast_factory()
    other.base_url = c.base_url
    their_channel = await closed_channel(other)
    theirs = c.api(None).post(
        "/api/v1/widget/session", json={"workspace": other.slug, "channel": their_channel}
    )
    token = theirs.json()["visitor"]
    code, _ = await _hello_refused(c, channel, token=token)
    assert code == 4401
    r = c.api(None).post(
        "/api/v1/widget/messages",
        json={"client_id": cid(), "body": "hi", "email": LIN},
        headers={"Authorization": f"Visitor {token[:-2]}xx"},
    )
    assert_problem(r, 401)
    assert _conversations(c, channel) == []


async def _hello_refused(cast: Cast, channel: int, **hello: Any) -> tuple[int, list[dict[str, Any]]]:
    from websockets.asyncio.client import connect

    from tests.conversations.support import Socket, ws_url

    sock = Socket(await connect(ws_url(cast, f"/ws/widget?workspace={cast.slug}&channel={channel}")))
    await sock.send(type="hello", resume_after=0, language="en", visitor=hello.pop("token", None), **hello)
    code = await sock.closed_with()
    return code, sock.seen

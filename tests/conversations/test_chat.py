"""Online chat over real sockets on the live server: a customer's widget and an agent's stream.

Messages are acknowledged only once stored, in order, without gaps; a reconnect resumes exactly;
internal notes never reach a customer; retries with the same client_id create nothing."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from tests.conftest import Cast
from tests.conversations.support import agent, cid, make_channel, reply, visitor
from wowdesk.conversations.models import Message


async def _count_messages(cast: Cast, conversation_id: int) -> int:
    async with cast.rt.uow(write=False) as s:
        q = select(func.count()).select_from(Message).where(Message.conversation_id == conversation_id)
        return int((await s.execute(q)).scalar_one())


async def test_a_customer_and_an_agent_converse_live(live_cast: Cast) -> None:
    channel = await make_channel(live_cast, greeting={"en": "Hello from Acme"})
    alice, welcome_a = await agent(live_cast, "alice")
    await alice.send(type="presence", status="online")
    await alice.expect("event", name="agent.presence_changed")
    customer, welcome = await visitor(live_cast, channel, profile={"name": "Lisa"})
    assert welcome["conversation"] is None and welcome["visitor"].startswith("v1.")
    assert welcome["config"]["greeting"] == "Hello from Acme" and welcome["agents_online"] is True
    await customer.expect("synced", last_seq=0)

    first = cid()
    await customer.send(type="message", client_id=first, body="我的包裹還沒到")
    ack = await customer.expect("ack", client_id=first)
    assert ack["seq"] == 1
    assert await _count_messages(live_cast, (await customer.expect("message", seq=1))["conversation_id"]) == 1
    # The promise first: the ack precedes the message's fan-out, its echo to the sender included.
    order = [f["type"] for f in customer.seen if f.get("type") in ("ack", "message")]
    assert order == ["ack", "message"], order

    created = await alice.expect("event", name="conversation.created")
    event = await alice.expect("event", name="message.created")
    assert event["id"] > welcome_a["last_event_id"] and event["id"] > created["id"]
    conversation_id = event["data"]["conversation_id"]
    assert event["data"]["message"]["body"] == "我的包裹還沒到"

    sent = reply(live_cast, conversation_id, "We are checking with the carrier.")
    got = await customer.expect("message", seq=2)
    assert got["body"] == "We are checking with the carrier." and got["direction"] == "outgoing"
    assert got["author"]["kind"] == "agent" and got["author"]["name"] == "Alice" and got["id"] == sent["id"]

    # typing, both ways
    await customer.send(type="typing", on=True)
    typing = await alice.expect("typing", conversation_id=conversation_id)
    assert typing["who"]["kind"] == "customer" and typing["on"] is True
    await alice.send(type="typing", conversation_id=conversation_id, on=True)
    assert (await customer.expect("typing"))["who"] == {"kind": "agent", "name": "Alice"}

    # read receipts: the agent reads, the widget shows it; the widget reads, the agent sees it
    await alice.send(type="read", conversation_id=conversation_id, seq=1)
    assert (await customer.expect("read"))["seq"] == 1
    await customer.send(type="read", seq=2)
    status = await alice.expect("event", name="message.status", where=lambda f: f["data"]["by"] == "customer")
    assert status["data"]["by"] == "customer" and status["data"]["read_seq"] == 2
    for s in (customer, alice):
        await s.close()


async def test_private_notes_never_reach_the_customer(live_cast: Cast) -> None:
    """Not live, not on resume, not over the REST API the mobile SDK uses; the agents see them."""
    channel = await make_channel(live_cast)
    alice, _ = await agent(live_cast, "alice")
    customer, welcome = await visitor(live_cast, channel)
    await customer.send(type="message", client_id=cid(), body="hello")
    await customer.expect("ack")
    conversation_id = (await alice.expect("event", name="message.created"))["data"]["conversation_id"]
    reply(live_cast, conversation_id, "Internal: customer is VIP, refund freely", private=True)
    note = await alice.expect("event", name="message.created")
    assert note["data"]["private"] is True
    reply(live_cast, conversation_id, "Public answer")
    public = await customer.expect("message", body="Public answer")
    assert public["seq"] == 3  # the note took seq 2 …
    assert not [f for f in customer.seen if "Internal" in str(f)]  # … and never reached the widget
    await customer.close()

    again, _ = await visitor(live_cast, channel, token=welcome["visitor"], resume_after=0)
    replay = [await again.expect("message") for _ in range(2)]
    await again.expect("synced", last_seq=3)
    assert [m["body"] for m in replay] == ["hello", "Public answer"]
    await again.close()

    api = live_cast.api(None)
    r = api.get("/api/v1/widget/messages", headers={"Authorization": f"Visitor {welcome['visitor']}"})
    assert r.status_code == 200, r.text
    assert [m["body"] for m in r.json()["items"]] == ["hello", "Public answer"]
    assert "Internal" not in r.text
    agent_view = live_cast.api("alice").get(f"/api/v1/conversations/{conversation_id}/messages").json()
    assert [m["private"] for m in agent_view["items"]] == [False, True, False]
    await alice.close()


async def test_a_reconnecting_widget_gets_exactly_what_it_missed(live_cast: Cast) -> None:
    channel = await make_channel(live_cast)
    customer, welcome = await visitor(live_cast, channel)
    await customer.send(type="message", client_id=cid(), body="first")
    ack = await customer.expect("ack")
    await customer.close()
    conversation_id = (await customer.expect("message", seq=1))["conversation_id"]
    for n in range(3):
        reply(live_cast, conversation_id, f"while you were away {n}")
    token = welcome["visitor"]

    again, hello = await visitor(live_cast, channel, token=token, resume_after=ack["seq"])
    assert hello["conversation"] == {"id": conversation_id, "status": "open", "last_seq": 4}
    missed = [await again.expect("message") for _ in range(3)]
    assert [m["seq"] for m in missed] == [2, 3, 4]
    await again.expect("synced", last_seq=4)
    assert len([f for f in again.seen if f["type"] == "message"]) == 3  # nothing twice
    await again.close()

    # a future resume_after (a stale client) replays nothing and says where things really are
    future, _ = await visitor(live_cast, channel, token=token, resume_after=999)
    await future.expect("synced", last_seq=4)
    assert await future.quiet("message", 0.3) == []
    await future.close()


async def test_a_message_sent_twice_is_stored_once(live_cast: Cast) -> None:
    """The widget resends unacknowledged messages after a reconnect, with the same client_id."""
    channel = await make_channel(live_cast)
    customer, welcome = await visitor(live_cast, channel)
    key = cid()
    await customer.send(type="message", client_id=key, body="only once")
    first = await customer.expect("ack", client_id=key)
    await customer.close()
    again, _ = await visitor(live_cast, channel, token=welcome["visitor"], resume_after=1)
    await again.send(type="message", client_id=key, body="only once")
    second = await again.expect("ack", client_id=key)
    assert (second["id"], second["seq"]) == (first["id"], first["seq"])
    assert await _count_messages(live_cast, (await customer.expect("message"))["conversation_id"]) == 1
    r = live_cast.api(None).post(
        "/api/v1/widget/messages",
        json={"client_id": key, "body": "only once"},
        headers={"Authorization": f"Visitor {welcome['visitor']}"},
    )
    assert r.status_code == 200 and r.json()["id"] == first["id"]  # 200, not 201: nothing new
    await again.close()


async def test_the_agent_stream_resumes_without_gaps_or_repeats(live_cast: Cast) -> None:
    channel = await make_channel(live_cast)
    alice, welcome = await agent(live_cast, "alice")
    customer, _ = await visitor(live_cast, channel)
    await customer.send(type="message", client_id=cid(), body="one")
    seen = await alice.expect("event", name="message.created")
    await alice.close()
    for body in ("two", "three"):
        await customer.send(type="message", client_id=cid(), body=body)
        await customer.expect("ack")
    back, hello = await agent(live_cast, "alice", last_event_id=seen["id"])
    assert hello["last_event_id"] == seen["id"]
    bodies = [
        (await back.expect("event", name="message.created"))["data"]["message"]["body"] for _ in range(2)
    ]
    assert bodies == ["two", "three"]
    ids = [f["id"] for f in back.seen if f.get("type") == "event"]
    assert ids == sorted(set(ids)) and min(ids) > seen["id"]
    # live again: the next one arrives once
    await customer.send(type="message", client_id=cid(), body="four")
    assert (await back.expect("event", name="message.created"))["data"]["message"]["body"] == "four"
    await asyncio.sleep(0.2)
    assert [f["data"]["message"]["body"] for f in back.seen if f.get("name") == "message.created"] == [
        "two",
        "three",
        "four",
    ]
    for s in (back, customer):
        await s.close()
    assert welcome["agent"]["name"] == "Alice"


async def test_agents_see_only_the_conversations_they_may(live_cast: Cast) -> None:
    """Bob is in no team: a conversation of the Taipei team's channel is not his to see; Sam, a
    supervisor, sees everything."""
    async with live_cast.rt.uow() as s:
        from wowdesk.conversations import actions as chat
        from wowdesk.conversations.schemas import ChannelCreate, WebchatSettings

        taipei = await chat.do_create_channel(
            s,
            live_cast.actor("ada"),
            ChannelCreate(
                name="Taipei", team_id=live_cast.team_id, settings=WebchatSettings(offline_messages=False)
            ),
        )
    alice, _ = await agent(live_cast, "alice")  # in Taipei
    bob, _ = await agent(live_cast, "bob")
    sam, _ = await agent(live_cast, "sam")
    customer, _ = await visitor(live_cast, taipei.id)
    await customer.send(type="message", client_id=cid(), body="for Taipei")
    event = await alice.expect("event", name="message.created")
    await sam.expect("event", name="message.created")
    assert await bob.quiet("event", 0.5) == []
    conversation_id = event["data"]["conversation_id"]
    r = live_cast.api("bob").get(f"/api/v1/conversations/{conversation_id}")
    assert r.status_code == 404
    assert conversation_id not in [
        c["id"] for c in live_cast.api("bob").get("/api/v1/conversations").json()["items"]
    ]
    assert conversation_id in [
        c["id"] for c in live_cast.api("alice").get("/api/v1/conversations").json()["items"]
    ]
    for s in (alice, bob, sam, customer):
        await s.close()


async def test_a_conversation_becomes_a_ticket_with_its_transcript(live_cast: Cast) -> None:
    channel = await make_channel(live_cast)
    customer, _ = await visitor(live_cast, channel, profile={"name": "Lisa"})
    await customer.send(type="message", client_id=cid(), body="Order TW-10231 has not arrived")
    conversation_id = (await customer.expect("message", seq=1))["conversation_id"]
    reply(live_cast, conversation_id, "Sorry! Let me check.")
    reply(live_cast, conversation_id, "note: carrier lost it", private=True)
    api = live_cast.api("alice")
    r = api.post(f"/api/v1/conversations/{conversation_id}/ticket")
    assert r.status_code == 201, r.text
    ticket = r.json()
    assert ticket["subject"] == "Order TW-10231 has not arrived" and ticket["channel"] == "chat"
    again = api.post(f"/api/v1/conversations/{conversation_id}/ticket")
    assert again.status_code == 200 and again.json()["id"] == ticket["id"]
    comments = api.get(f"/api/v1/tickets/{ticket['id']}/comments").json()
    transcript = next(c for c in comments if not c["public"])
    assert "Sorry! Let me check." in transcript["body"] and "carrier lost it" not in transcript["body"]
    assert api.get(f"/api/v1/conversations/{conversation_id}").json()["ticket_id"] == ticket["id"]
    await customer.close()


async def test_ticket_changes_reach_the_agent_stream(live_cast: Cast) -> None:
    alice, _ = await agent(live_cast, "alice")
    r = live_cast.api("bob").post(
        "/api/v1/tickets", json={"subject": "Refund", "requester": {"email": "lisa@example.com"}}
    )
    assert r.status_code == 201
    created = await alice.expect("event", name="ticket.created")
    assert created["data"]["ticket_id"] == r.json()["id"] and created["id"] > 0
    live_cast.api("bob").patch(f"/api/v1/tickets/{r.json()['id']}", json={"priority": "urgent"})
    updated = await alice.expect("event", name="ticket.updated")
    assert updated["data"]["changes"]["priority"] == ["normal", "urgent"] and updated["id"] > created["id"]
    await alice.close()


async def test_outside_business_hours_the_widget_says_when_agents_are_back(live_cast: Cast) -> None:
    """Open round the clock but today is a holiday in Taipei: closed now, back at midnight."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    taipei = ZoneInfo("Asia/Taipei")
    today = dt.datetime.now(taipei).date()
    every_day = {d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    hours = {"time_zone": "Asia/Taipei", "weekly": every_day, "holidays": [today.isoformat()]}
    r = live_cast.api("ada").post("/api/v1/channels", json={"name": "Hours", "settings": {"hours": hours}})
    assert r.status_code == 201, r.text
    alice, _ = await agent(live_cast, "alice")
    await alice.send(type="presence", status="online")
    await alice.expect("event", name="agent.presence_changed")
    customer, welcome = await visitor(live_cast, r.json()["id"])
    assert welcome["open"] is False and welcome["agents_online"] is False
    back = dt.datetime.fromisoformat(welcome["opens_at"].replace("Z", "+00:00")).astimezone(taipei)
    assert (back.date(), back.hour, back.minute) == (today + dt.timedelta(days=1), 0, 0)
    for s in (alice, customer):
        await s.close()
    # hours that make no sense are refused when the channel is saved
    for bad in (
        {"time_zone": "Mars/Olympus", "weekly": every_day},
        {"time_zone": "Asia/Taipei", "weekly": {"mon": "18:00-09:00"}},
        {"time_zone": "Asia/Taipei", "weekly": {"funday": "09:00-18:00"}},
        {"time_zone": "Asia/Taipei", "weekly": every_day, "holidays": ["tomorrow"]},
    ):
        r = live_cast.api("ada").post("/api/v1/channels", json={"name": "Bad", "settings": {"hours": bad}})
        assert r.status_code == 422, (bad, r.text)


async def test_an_event_lost_on_the_way_still_reaches_the_agent(live_cast: Cast) -> None:
    """A message stored by another process whose event never reaches this server (the bus is
    at-most-once): the agent's stream finds the number missing and reads it from the event log."""
    from wowdesk.conversations import actions as chat_actions
    from wowdesk.conversations import queries as chat_queries
    from wowdesk.conversations.schemas import VisitorMessageIn

    channel = await make_channel(live_cast)
    alice, _ = await agent(live_cast, "alice")
    customer, _ = await visitor(live_cast, channel)
    await customer.send(type="message", client_id=cid(), body="seen live")
    await alice.expect("event", name="message.created")
    # This test process's own runtime stores a message: on SQLite its in-process bus is not the
    # live server's, so the live server never hears of it.
    async with live_cast.rt.uow() as s:
        ch = await chat_queries.find_channel(s, live_cast.workspace_id, channel)
        conversation = (await alice.expect("event", name="conversation.created"))["data"]
        assert ch is not None
        await chat_actions.do_receive_message(
            s,
            ch,
            conversation["customer_id"],
            VisitorMessageIn(client_id=cid(), body="stored elsewhere"),
            language="en",
        )
    late = await alice.expect(
        "event",
        timeout=15,
        name="message.created",
        where=lambda f: f["data"]["message"]["body"] == "stored elsewhere",
    )
    assert late["upto"] >= late["id"]
    for s in (alice, customer):
        await s.close()

"""Who gets a new chat: round robin among the agents of the channel's team who are online, under
their capacity; nobody free, it waits unassigned; an agent who becomes free takes the oldest."""

from __future__ import annotations

import asyncio
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy import update

from tests.conftest import Cast
from tests.conversations.support import Socket, agent, cid, visitor
from wowdesk.accounts.models import Agent
from wowdesk.conversations import actions as chat
from wowdesk.conversations.schemas import ChannelCreate, WebchatSettings


async def _team_channel(cast: Cast) -> int:
    async with cast.rt.uow() as s:
        channel = await chat.do_create_channel(
            s,
            cast.actor("ada"),
            ChannelCreate(
                name="Taipei", team_id=cast.team_id, settings=WebchatSettings(offline_messages=False)
            ),
        )
    return channel.id


async def _capacity(cast: Cast, **capacity: int) -> None:
    for who, n in capacity.items():
        r = cast.api("ada").patch(f"/api/v1/agents/{cast.agents[who].id}", json={"chat_capacity": n})
        assert r.status_code == 200, r.text


async def _online(cast: Cast, who: str, status: str = "online") -> Socket:
    sock, _ = await agent(cast, who)
    await sock.send(type="presence", status=status)
    await sock.expect(
        "event", name="agent.presence_changed", where=lambda f: f["data"]["availability"] == status
    )
    return sock


async def _new_chat(cast: Cast, channel: int, text: str) -> tuple[Socket, int]:
    sock, _ = await visitor(cast, channel)
    await sock.send(type="message", client_id=cid(), body=text)
    await sock.expect("ack")
    return sock, (await sock.expect("message", seq=1))["conversation_id"]


def _conversation(cast: Cast, conversation_id: int) -> dict[str, Any]:
    out: dict[str, Any] = cast.api("sam").get(f"/api/v1/conversations/{conversation_id}").json()
    return out


async def test_round_robin_within_capacity_then_the_queue(live_cast: Cast) -> None:
    """Alice and Sam (team Taipei) online, one chat each at most: the first two chats go one to
    each, the third waits; when Alice resolves hers, the waiting one becomes hers."""
    channel = await _team_channel(live_cast)
    await _capacity(live_cast, alice=1, sam=1)
    alice, sam = await _online(live_cast, "alice"), await _online(live_cast, "sam")
    chats = [await _new_chat(live_cast, channel, f"chat {n}") for n in range(3)]
    owners = [_conversation(live_cast, c)["assignee_id"] for _, c in chats]
    assert sorted(owners[:2]) == sorted([live_cast.agents["alice"].id, live_cast.agents["sam"].id])
    assert owners[2] is None
    waiting = live_cast.api("sam").get("/api/v1/conversations", params={"assignee": "none", "status": "open"})
    assert [c["id"] for c in waiting.json()["items"]] == [chats[2][1]]
    mine = chats[owners.index(live_cast.agents["alice"].id)][1]
    r = live_cast.api("alice").patch(f"/api/v1/conversations/{mine}", json={"status": "resolved"})
    assert r.status_code == 200
    assert _conversation(live_cast, chats[2][1])["assignee_id"] == live_cast.agents["alice"].id
    handed = await alice.expect(
        "event", name="conversation.updated", where=lambda f: f["data"]["conversation_id"] == chats[2][1]
    )
    assert handed["data"]["changes"]["assignee_id"] == [None, live_cast.agents["alice"].id]
    for s in (alice, sam, *(c for c, _ in chats)):
        await s.close()


async def test_away_offline_and_gone_agents_get_no_chats(live_cast: Cast) -> None:
    """Sam away, Alice online but her console silent for two minutes (she closed the laptop): the
    chat waits, and the widget says nobody is there. Alice's console comes back: she takes it."""
    channel = await _team_channel(live_cast)
    sam = await _online(live_cast, "sam", "away")
    alice = await _online(live_cast, "alice")
    await alice.close()
    async with live_cast.rt.uow() as s:
        await s.execute(
            update(Agent)
            .where(Agent.id == live_cast.agents["alice"].id)
            .values(last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2))
        )
    customer, welcome = await visitor(live_cast, channel)
    assert welcome["agents_online"] is False
    await customer.send(type="message", client_id=cid(), body="anyone there?")
    conversation_id = (await customer.expect("message", seq=1))["conversation_id"]
    assert _conversation(live_cast, conversation_id)["assignee_id"] is None
    back, _ = await agent(live_cast, "alice")  # her console reconnects: she is there again
    await back.expect(
        "event", name="conversation.updated", where=lambda f: f["data"]["conversation_id"] == conversation_id
    )
    assert _conversation(live_cast, conversation_id)["assignee_id"] == live_cast.agents["alice"].id
    again, welcome = await visitor(live_cast, channel)
    assert welcome["agents_online"] is True
    for s in (sam, back, customer, again):
        await s.close()


async def test_concurrent_new_chats_respect_capacity(live_cast: Cast) -> None:
    """Twelve customers write at once (REST, twelve threads); Alice and Sam take three each: six
    assigned, never more than three to one agent, six waiting, none given twice."""
    channel = await _team_channel(live_cast)
    await _capacity(live_cast, alice=3, sam=3)
    sockets = [await _online(live_cast, "alice"), await _online(live_cast, "sam")]
    base = live_cast.base_url or ""

    def customer(n: int) -> int:
        with httpx.Client(base_url=base, timeout=30) as http:
            w = http.post(
                "/api/v1/widget/session", json={"workspace": live_cast.slug, "channel": channel}
            ).json()
            auth = {"Authorization": f"Visitor {w['visitor']}"}
            r = http.post(
                "/api/v1/widget/messages", json={"client_id": f"c{n}", "body": f"help {n}"}, headers=auth
            )
            assert r.status_code == 201, r.text
            page = http.get("/api/v1/widget/messages", headers=auth).json()
            return int(page["items"][0]["conversation_id"])

    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(12) as pool:
        ids = list(await asyncio.gather(*(loop.run_in_executor(pool, customer, n) for n in range(12))))
    for sock in sockets:
        await sock.close()
    owners = [_conversation(live_cast, c)["assignee_id"] for c in ids]
    counts = {who: owners.count(live_cast.agents[who].id) for who in ("alice", "sam")}
    assert counts == {"alice": 3, "sam": 3}, owners
    assert owners.count(None) == 6 and len(set(ids)) == 12


async def test_a_reopened_chat_goes_to_someone_who_is_there(live_cast: Cast) -> None:
    """Alice had the chat and went away; the customer writes again after it was resolved: Sam, who
    is online, gets it (never an absent agent)."""
    channel = await _team_channel(live_cast)
    alice = await _online(live_cast, "alice")
    customer, conversation_id = await _new_chat(live_cast, channel, "first")
    assert _conversation(live_cast, conversation_id)["assignee_id"] == live_cast.agents["alice"].id
    r = live_cast.api("alice").patch(f"/api/v1/conversations/{conversation_id}", json={"status": "resolved"})
    assert r.status_code == 200
    await alice.send(type="presence", status="away")
    await alice.expect(
        "event", name="agent.presence_changed", where=lambda f: f["data"]["availability"] == "away"
    )
    sam = await _online(live_cast, "sam")
    await customer.send(type="message", client_id=cid(), body="it happened again")
    await customer.expect("ack")
    after = _conversation(live_cast, conversation_id)
    assert (after["status"], after["assignee_id"]) == ("open", live_cast.agents["sam"].id)
    for s in (alice, sam, customer):
        await s.close()

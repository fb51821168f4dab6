"""Pushes reach an agent's devices through a real push service on loopback, encrypted for each
browser and signed with the install's VAPID key: for a conversation or ticket given to them and
for a customer writing in their conversation — unless their console is open, they turned that
kind off, or they did it themselves. What the push service answers decides what happens next."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from py_vapid import Vapid02
from sqlalchemy import func, select, update

from tests.conftest import Cast
from tests.notifications.conftest import Jobs, api
from tests.notifications.support import Device, Receiver, unb64url
from wowdesk.accounts import actions as account_actions
from wowdesk.accounts.models import Workspace
from wowdesk.conversations import actions as chat
from wowdesk.conversations import queries as chat_queries
from wowdesk.conversations.schemas import ChannelCreate, VisitorMessageIn
from wowdesk.core.i18n import translate
from wowdesk.core.jobs.models import DONE, QUEUED, Job

SEND = "notifications.send_push"


def subscribe(cast: Cast, who: str, device: Device, **extra: Any) -> dict[str, Any]:
    r = api(cast, who).post("/api/v1/push/subscriptions", json=device.subscription(**extra))
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


async def customer_writes(
    cast: Cast, body: str, *, customer: str = "lisa", channel: int | None = None
) -> int:
    """A customer's message on the web chat (nobody takes chats: it stays unassigned)."""
    async with cast.rt.uow() as s:
        if channel is None:
            channel = (await chat.do_create_channel(s, cast.actor("ada"), ChannelCreate(name="Web"))).id
        ch = await chat_queries.find_channel(s, cast.workspace_id, channel)
        assert ch is not None
        c, _m, _created = await chat.do_receive_message(
            s,
            ch,
            cast.customers[customer].id,
            VisitorMessageIn(client_id=f"c{time.monotonic_ns()}", body=body),
            language=None,
        )
    return c.id


def assign_conversation(cast: Cast, conversation_id: int, who: str, *, by: str = "ada") -> None:
    r = api(cast, by).patch(
        f"/api/v1/conversations/{conversation_id}", json={"assignee_id": cast.agents[who].id}
    )
    assert r.status_code == 200, r.text


async def channel_of(cast: Cast, conversation_id: int) -> int:
    async with cast.rt.uow(write=False) as s:
        c = await chat_queries.find_conversation(s, cast.workspace_id, conversation_id)
    assert c is not None
    return c.channel_id


async def jobs_named(cast: Cast, name: str) -> list[Job]:
    async with cast.rt.uow(write=False) as s:
        q = select(Job).where(Job.workspace_id == cast.workspace_id, Job.name == name).order_by(Job.id)
        return list((await s.execute(q)).scalars())


async def touch_console(cast: Cast, who: str) -> None:
    async with cast.rt.uow() as s:
        await account_actions.do_touch_presence(s, cast.actor(who))


def assert_signed(got: Any, cast: Cast, receiver: Receiver, *, at: dt.datetime) -> None:
    """The request a push service gets: VAPID-signed with the install's key for its origin,
    aes128gcm, with a TTL."""
    h = {k.lower(): v for k, v in got.headers.items()}
    assert h["content-encoding"] == "aes128gcm"
    assert int(h["ttl"]) == 3600
    auth = h["authorization"]
    assert auth.startswith("vapid t=") and ",k=" in auth, auth
    k = auth.split(",k=", 1)[1]
    assert k == api(cast, "bob").get("/api/v1/push/key").json()["public_key"]
    assert Vapid02.verify(auth)  # the JWT is signed by that key
    claims = json.loads(unb64url(auth.split("t=", 1)[1].split(",", 1)[0].split(".")[1]))
    assert claims["aud"] == receiver.url and claims["sub"] == "mailto:admin@localhost"
    assert claims["exp"] > at.timestamp()


async def test_an_assigned_conversation_is_pushed_to_each_device(
    pcast: Cast, receiver: Receiver, jobs: Jobs
) -> None:
    laptop, phone = Device.on(receiver), Device.on(receiver)
    subscribe(pcast, "alice", laptop, label="Firefox on a laptop")
    subscribe(pcast, "alice", phone)
    conversation = await customer_writes(pcast, "我的包裹還沒到")
    await jobs.run()
    assert receiver.received == []  # unassigned: nobody is told

    assign_conversation(pcast, conversation, "alice")
    await jobs.run()
    for device in (laptop, phone):
        [got] = receiver.to(device.path)
        assert_signed(got, pcast, receiver, at=jobs.clock.now())
        assert got.headers["Topic"] == f"conversation-{conversation}"
        assert device.decrypt(got.body) == {
            "title": "New conversation assigned to you",
            "body": "張雅婷 Lisa",
            "url": f"/conversations/{conversation}",
            "tag": f"conversation-{conversation}",
        }
    with_success = [s for s in api(pcast, "alice").get("/api/v1/push/subscriptions").json()]
    assert [s["last_success_at"] is not None for s in with_success] == [True, True]
    assert with_success[0]["label"] == "Firefox on a laptop"


async def test_a_customer_reply_is_pushed_with_the_start_of_its_text(
    pcast: Cast, receiver: Receiver, jobs: Jobs
) -> None:
    device = Device.on(receiver)
    subscribe(pcast, "bob", device)
    conversation = await customer_writes(pcast, "hello", customer="john")
    assign_conversation(pcast, conversation, "bob")
    await jobs.run()
    receiver.received.clear()

    text = "Where is my order? " * 10
    await customer_writes(pcast, text, customer="john", channel=await channel_of(pcast, conversation))
    # Bob's reply and note are his own doing: no push for them.
    bob = api(pcast, "bob")
    for private in (False, True):
        r = bob.post(
            f"/api/v1/conversations/{conversation}/messages", json={"body": "On it", "private": private}
        )
        assert r.status_code == 201, r.text
    await jobs.run()
    [got] = receiver.to(device.path)
    assert_signed(got, pcast, receiver, at=jobs.clock.now())
    assert device.decrypt(got.body) == {
        "title": "New message from John Miller",
        "body": text[:120],
        "url": f"/conversations/{conversation}",
        "tag": f"conversation-{conversation}",
    }
    assert len(await jobs_named(pcast, "notifications.on_message_created")) == 1  # the customer's only


async def test_an_assigned_ticket_is_pushed_in_the_agents_language(
    pcast: Cast, receiver: Receiver, jobs: Jobs
) -> None:
    """An agent whose language is "auto" (the console follows the browser) is told in the
    workspace's language."""
    device = Device.on(receiver)
    subscribe(pcast, "bob", device)
    assert api(pcast, "bob").patch("/api/v1/me", json={"language": "auto"}).status_code == 200
    async with pcast.rt.uow() as s:
        await s.execute(
            update(Workspace).where(Workspace.id == pcast.workspace_id).values(default_language="zh-Hans")
        )
    r = api(pcast, "ada").post(
        "/api/v1/tickets",
        json={
            "subject": "退款申请",
            "requester": {"id": pcast.customers["wang"].id},
            "assignee_id": pcast.agents["bob"].id,
        },
    )
    assert r.status_code == 201, r.text
    ticket = r.json()
    await jobs.run()
    [got] = receiver.to(device.path)
    assert_signed(got, pcast, receiver, at=jobs.clock.now())
    assert got.headers["Topic"] == f"ticket-{ticket['id']}"
    assert device.decrypt(got.body) == {
        "title": translate("Ticket #{number} assigned to you", "zh-Hans", number=ticket["number"]),
        "body": "退款申请",
        "url": f"/tickets/{ticket['id']}",
        "tag": f"ticket-{ticket['id']}",
    }

    # Handed on to Alice (no device): nothing more for Bob; given back to him: pushed again.
    for who, pushes in (("alice", 1), ("bob", 2)):
        r = api(pcast, "ada").patch(
            f"/api/v1/tickets/{ticket['id']}", json={"assignee_id": pcast.agents[who].id}
        )
        assert r.status_code == 200, r.text
        await jobs.run()
        assert len(receiver.to(device.path)) == pushes


async def test_nobody_is_told_of_what_they_did_themselves(
    pcast: Cast, receiver: Receiver, jobs: Jobs
) -> None:
    device = Device.on(receiver)
    subscribe(pcast, "alice", device)
    r = api(pcast, "alice").post(
        "/api/v1/tickets",
        json={
            "subject": "Mine",
            "requester": {"id": pcast.customers["lisa"].id},
            "assignee_id": pcast.agents["alice"].id,
        },
    )
    assert r.status_code == 201, r.text
    conversation = await customer_writes(pcast, "hi")
    assign_conversation(pcast, conversation, "alice", by="alice")
    await jobs.run()
    assert receiver.received == []
    # Not even a job was written for these events.
    assert await jobs_named(pcast, "notifications.on_ticket_created") == []
    assert await jobs_named(pcast, "notifications.on_conversation_updated") == []


async def test_no_push_while_the_console_is_open(pcast: Cast, receiver: Receiver, jobs: Jobs) -> None:
    device = Device.on(receiver)
    subscribe(pcast, "alice", device)
    await touch_console(pcast, "alice")  # the console's heartbeat, just now
    conversation = await customer_writes(pcast, "hi")
    assign_conversation(pcast, conversation, "alice")
    await jobs.run()
    assert receiver.received == []
    [job] = await jobs_named(pcast, "notifications.on_conversation_updated")
    assert job.status == DONE and await jobs_named(pcast, SEND) == []

    jobs.clock.advance(dt.timedelta(seconds=76))  # no heartbeat for longer than 75 s: closed
    await customer_writes(pcast, "are you there?", channel=await channel_of(pcast, conversation))
    await jobs.run()
    [got] = receiver.to(device.path)
    assert device.decrypt(got.body)["body"] == "are you there?"


async def test_no_push_of_a_kind_the_agent_turned_off(pcast: Cast, receiver: Receiver, jobs: Jobs) -> None:
    device = Device.on(receiver)
    subscribe(pcast, "alice", device)
    alice = api(pcast, "alice")
    r = alice.put("/api/v1/me/notifications", json={"assignments": False, "customer_replies": True})
    assert r.status_code == 200 and r.json() == {"assignments": False, "customer_replies": True}
    conversation = await customer_writes(pcast, "first")
    assign_conversation(pcast, conversation, "alice")
    await jobs.run()
    assert receiver.received == []

    await customer_writes(pcast, "second", channel=await channel_of(pcast, conversation))
    await jobs.run()
    [got] = receiver.to(device.path)
    assert device.decrypt(got.body)["body"] == "second"

    assert (
        alice.put(
            "/api/v1/me/notifications", json={"assignments": True, "customer_replies": False}
        ).status_code
        == 200
    )
    await customer_writes(pcast, "third", channel=await channel_of(pcast, conversation))
    await jobs.run()
    assert len(receiver.to(device.path)) == 1


async def test_a_device_the_push_service_says_is_gone_is_forgotten(
    pcast: Cast, receiver: Receiver, jobs: Jobs
) -> None:
    gone, kept = Device.on(receiver), Device.on(receiver)
    subscribe(pcast, "alice", gone)
    subscribe(pcast, "alice", kept)
    receiver.status[gone.path] = 410
    conversation = await customer_writes(pcast, "hi")
    assign_conversation(pcast, conversation, "alice")
    await jobs.run()
    assert len(receiver.to(gone.path)) == 1 and len(receiver.to(kept.path)) == 1
    left = api(pcast, "alice").get("/api/v1/push/subscriptions").json()
    assert [s["endpoint"] for s in left] == [kept.endpoint]
    assert all(j.status == DONE for j in await jobs_named(pcast, SEND))


async def test_a_refusing_push_service_counts_a_failure_and_is_not_retried(
    pcast: Cast, receiver: Receiver, jobs: Jobs
) -> None:
    device = Device.on(receiver)
    subscribe(pcast, "alice", device)
    receiver.status[device.path] = 403  # e.g. signed with a key the subscription was not made for
    conversation = await customer_writes(pcast, "hi")
    assign_conversation(pcast, conversation, "alice")
    await jobs.run()
    [job] = await jobs_named(pcast, SEND)
    assert job.status == DONE and job.attempts == 1
    [s] = api(pcast, "alice").get("/api/v1/push/subscriptions").json()
    assert s["failures"] == 1 and s["last_failure_at"] is not None and s["last_success_at"] is None


async def test_a_failing_push_service_makes_the_job_retry(
    pcast: Cast, receiver: Receiver, jobs: Jobs
) -> None:
    device = Device.on(receiver)
    subscribe(pcast, "alice", device)
    receiver.status[device.path] = 500
    conversation = await customer_writes(pcast, "hi")
    assign_conversation(pcast, conversation, "alice")
    await jobs.run()
    [job] = await jobs_named(pcast, SEND)
    assert job.status == QUEUED and job.attempts == 1 and "500" in (job.last_error or "")
    assert job.run_at > jobs.clock.now()  # later, with backoff

    receiver.status[device.path] = 201
    jobs.clock.advance(dt.timedelta(minutes=2))
    await jobs.run()
    [job] = await jobs_named(pcast, SEND)
    assert job.status == DONE and job.attempts == 2
    first, second = receiver.to(device.path)
    assert device.decrypt(first.body) == device.decrypt(second.body)  # the same message again
    [s] = api(pcast, "alice").get("/api/v1/push/subscriptions").json()
    assert s["last_success_at"] is not None and s["failures"] == 0


async def test_an_unreachable_push_service_makes_the_job_retry(
    pcast: Cast, receiver: Receiver, jobs: Jobs
) -> None:
    device = Device.on(receiver)
    subscribe(pcast, "alice", device)
    conversation = await customer_writes(pcast, "hi")
    await receiver.stop()  # connection refused from now on
    assign_conversation(pcast, conversation, "alice")
    await jobs.run()
    [job] = await jobs_named(pcast, SEND)
    assert job.status == QUEUED and job.attempts == 1 and job.last_error


async def test_the_outbox_never_holds_a_devices_keys(pcast: Cast, receiver: Receiver, jobs: Jobs) -> None:
    device = Device.on(receiver)
    subscribe(pcast, "alice", device)
    receiver.status[device.path] = 500
    conversation = await customer_writes(pcast, "hi")
    assign_conversation(pcast, conversation, "alice")
    await jobs.run()
    [job] = await jobs_named(pcast, SEND)
    stored = json.dumps(job.payload)
    assert device.p256dh not in stored and device.subscription()["keys"]["auth"] not in stored
    async with pcast.rt.uow(write=False) as s:
        q = select(func.count()).select_from(Job).where(Job.workspace_id == pcast.workspace_id)
        assert (await s.execute(q)).scalar_one() == 2  # the listener's job and one send


async def test_an_automation_asks_for_a_teams_attention(pcast: Cast, receiver: Receiver, jobs: Jobs) -> None:
    """ "An urgent ticket for team Taipei → tell the team": Sam (a member, with a device) is pushed
    the rule's message in his language; Bob (not in the team) is not."""
    sam, bob = Device.on(receiver), Device.on(receiver)
    subscribe(pcast, "sam", sam)
    subscribe(pcast, "bob", bob)
    assert api(pcast, "sam").patch("/api/v1/me", json={"language": "zh-Hant"}).status_code == 200
    r = api(pcast, "ada").post(
        "/api/v1/automations",
        json={
            "name": "urgent to the team",
            "events": ["ticket.created"],
            "conditions": {"all": [{"field": "ticket.priority", "op": "is", "value": "urgent"}]},
            "actions": [
                {"type": "notify", "to": "team", "message": {"en": "Urgent ticket", "zh-Hant": "緊急工單"}}
            ],
        },
    )
    assert r.status_code == 201, r.text
    r = api(pcast, "alice").post(
        "/api/v1/tickets",
        json={
            "subject": "Server down",
            "requester": {"id": pcast.customers["john"].id},
            "priority": "urgent",
            "team_id": pcast.team_id,
        },
    )
    assert r.status_code == 201, r.text
    ticket = r.json()
    await jobs.run()
    [got] = receiver.to(sam.path)
    assert sam.decrypt(got.body) == {
        "title": translate("Ticket #{number} needs your attention", "zh-Hant", number=ticket["number"]),
        "body": "緊急工單",
        "url": f"/tickets/{ticket['id']}",
        "tag": f"ticket-{ticket['id']}",
    }
    assert receiver.to(bob.path) == []

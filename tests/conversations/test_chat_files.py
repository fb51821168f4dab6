"""Files in a chat: a customer uploads one, sends it in a message, the agent sees it and the link
opens it — for whoever has the link, never by guessing; limits and ownership are enforced."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.api.support import assert_4xx
from tests.conftest import Cast
from tests.conversations.support import agent, cid, make_channel, visitor
from wowdesk.conversations.jobs import purge_orphan_files
from wowdesk.core.jobs.registry import JobContext

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _upload(cast: Cast, token: str, name: str, data: bytes, kind: str) -> Any:
    return cast.api(None).post(
        "/api/v1/widget/attachments",
        files={"file": (name, data, kind)},
        headers={"Authorization": f"Visitor {token}"},
    )


async def test_a_customer_sends_a_picture_and_the_agent_opens_it(live_cast: Cast) -> None:
    channel = await make_channel(live_cast)
    alice, _ = await agent(live_cast, "alice")
    customer, welcome = await visitor(live_cast, channel)
    up = _upload(live_cast, welcome["visitor"], "收據 receipt.png", PNG, "image/png")
    assert up.status_code == 201, up.text
    file = up.json()
    assert file["filename"] == "收據 receipt.png" and file["size"] == len(PNG)
    await customer.send(type="message", client_id=cid(), body="收據 receipt.png", attachment_ids=[file["id"]])
    await customer.expect("ack")
    shown = await customer.expect("message", seq=1)
    assert shown["kind"] == "attachment" and shown["attachments"][0]["id"] == file["id"]
    event = await alice.expect("event", name="message.created")
    url = event["data"]["message"]["attachments"][0]["url"]
    anyone = live_cast.api(None)
    r = anyone.get(url)
    assert r.status_code == 200 and r.content == PNG
    assert (
        r.headers["content-disposition"].startswith("attachment")
        and "sandbox" in r.headers["content-security-policy"]
    )
    assert_4xx(anyone.get(url[: -len(url.rsplit("/", 1)[1])] + "not-the-key"), 404)
    assert_4xx(anyone.get(f"/api/v1/chat-files/{file['id'] + 1000}/x"), 404)
    conversation_id = event["data"]["conversation_id"]
    history = live_cast.api("alice").get(f"/api/v1/conversations/{conversation_id}/messages").json()
    assert history["items"][0]["attachments"][0]["url"] == url
    for s in (alice, customer):
        await s.close()


async def test_bad_files_and_borrowed_attachments_are_refused(live_cast: Cast) -> None:
    """Tried: a program (type not accepted), a "PNG" that is not one, 11 MB, an empty file; a file of
    another visitor named in a message; a file sent twice. Each refused, nothing half-stored."""
    channel = await make_channel(live_cast)
    me, mine = await visitor(live_cast, channel)
    other, theirs = await visitor(live_cast, channel)
    token = mine["visitor"]
    assert_4xx(_upload(live_cast, token, "run.exe", b"MZ\x90\x00" * 10, "application/x-msdownload"), 415)
    assert_4xx(_upload(live_cast, token, "fake.png", b"GIF89a" + b"\x00" * 10, "image/png"), 415)
    assert_4xx(
        _upload(live_cast, token, "big.pdf", b"%PDF-" + b"\x00" * (11 * 1024 * 1024), "application/pdf"), 413
    )
    assert_4xx(_upload(live_cast, token, "empty.txt", b"", "text/plain"), 422)
    assert_4xx(
        live_cast.api(None).post("/api/v1/widget/attachments", files={"file": ("a.png", PNG, "image/png")}),
        401,
    )
    their_file = _upload(live_cast, theirs["visitor"], "theirs.png", PNG, "image/png").json()
    key = cid()
    await me.send(type="message", client_id=key, body="look", attachment_ids=[their_file["id"]])
    refused = await me.expect("error", client_id=key)
    assert refused["code"] == "invalid"
    my_file = _upload(live_cast, token, "mine.png", PNG, "image/png").json()
    await me.send(type="message", client_id=cid(), body="once", attachment_ids=[my_file["id"]])
    assert (await me.expect("ack"))["seq"] == 1  # the refused message took no number
    again = cid()
    await me.send(type="message", client_id=again, body="twice", attachment_ids=[my_file["id"]])
    assert (await me.expect("error", client_id=again))["code"] == "invalid"
    for s in (me, other):
        await s.close()


async def test_files_never_sent_are_purged_after_a_day(live_cast: Cast) -> None:
    channel = await make_channel(live_cast)
    _s, welcome = await visitor(live_cast, channel)
    kept = _upload(live_cast, welcome["visitor"], "kept.png", PNG, "image/png").json()
    await _s.send(type="message", client_id=cid(), body="kept", attachment_ids=[kept["id"]])
    await _s.expect("ack")
    unsent = _upload(live_cast, welcome["visitor"], "unsent.png", PNG, "image/png").json()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)
    async with live_cast.rt.uow() as s:
        await purge_orphan_files(
            s, JobContext(id=0, name="t", workspace_id=None, payload={}, attempt=1, now=later)
        )
    async with live_cast.rt.uow(write=False) as s:
        from wowdesk.conversations.repository import chat_file

        assert await chat_file(s, unsent["id"]) is None
        assert await chat_file(s, kept["id"]) is not None
    assert live_cast.api(None).get(kept["url"]).status_code == 200
    await _s.close()

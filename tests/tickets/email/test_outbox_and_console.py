"""Without an SMTP server (the embedded default, as the live server runs): a reply is written as an
.eml file under the data directory and the timeline says so, honestly not "sent"; the console's
ticket page says where public replies go, near the reply box, and shows the e-mail lines."""

from __future__ import annotations

import asyncio
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from tests.conftest import Cast
from tests.conversations.support import cid
from tests.tickets.email.support import closed_channel
from tests.web.support import console_for


async def _email_lines(cast: Cast, ticket_id: int, count: int) -> list[dict[str, Any]]:
    """The ticket's e-mail lines once there are `count` of them (the live server's runner sends)."""
    for _ in range(200):
        items = cast.api("ada").get(f"/api/v1/tickets/{ticket_id}/events").json()["items"]
        lines = [e for e in items if e["kind"] == "email"]
        if len(lines) >= count:
            return lines
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {count} e-mail lines on ticket {ticket_id}")


async def test_without_smtp_the_reply_is_an_eml_file_and_the_console_says_so(live_cast: Cast) -> None:
    c = live_cast
    channel = await closed_channel(c)
    anon = c.api(None)
    session = anon.post("/api/v1/widget/session", json={"workspace": c.slug, "channel": channel}).json()
    auth = {"Authorization": f"Visitor {session['visitor']}"}
    address = f"outbox-{c.slug}@example.com"
    r = anon.post(
        "/api/v1/widget/messages",
        json={"client_id": cid(), "body": "Is my parcel lost?", "email": address},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    [conversation] = c.api("ada").get("/api/v1/conversations", params={"channel": channel}).json()["items"]
    ticket_id = conversation["ticket_id"]
    alice = c.api("alice")
    note = alice.post(
        f"/api/v1/tickets/{ticket_id}/comments", json={"body": "INTERNAL only", "public": False}
    )
    assert note.status_code == 201, note.text
    reply = alice.post(
        f"/api/v1/tickets/{ticket_id}/comments", json={"body": "It arrives tomorrow.", "public": True}
    )
    assert reply.status_code == 201, reply.text

    [line] = await _email_lines(c, ticket_id, 1)
    assert line["field"] == "outbox" and line["new"]["to"] == address
    outbox = c.rt.settings.data_dir / "mail" / "outbox"
    assert line["new"]["file"].startswith(str(outbox))
    mine = [p for p in outbox.glob("*.eml") if f"ticket-{ticket_id}." in p.name]
    assert len(mine) == 1  # the reply; the note never
    m = message_from_bytes(mine[0].read_bytes(), policy=policy.default)
    assert isinstance(m, EmailMessage)
    assert m["To"] == address and "It arrives tomorrow." in m.get_content()
    assert "INTERNAL" not in mine[0].read_text()

    console = await console_for(c, "alice")
    page = console.get(f"/tickets/{ticket_id}")
    assert page.status_code == 200
    assert f"Public replies go by e-mail to {address}." in page.text
    assert 'data-replies-by="email"' in page.text
    assert f"E-mail to {address} written to the outbox" in page.text and "not sent" in page.text
    plain = alice.post(
        "/api/v1/tickets", json={"subject": "x", "requester": {"email": "p@example.com"}}
    ).json()
    assert "data-replies-by" not in console.get(f"/tickets/{plain['id']}").text

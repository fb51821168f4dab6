"""What a widget (or anyone with a WebSocket client) may send that it should not: each gets a
clear error frame or close code, never a dead socket or a half-stored message."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from websockets.asyncio.client import connect

from tests.conftest import Cast
from tests.conversations.support import Socket, cid, make_channel, visitor, ws_url
from wowdesk.conversations import queries as chat_queries


async def test_malformed_and_unknown_frames_get_errors_and_the_socket_stays_open(live_cast: Cast) -> None:
    """Tried: text that is not JSON, a JSON array, an object without type, an unknown type, a
    binary frame of bad UTF-8, a message without client_id, an empty body, a body of 5,001
    characters, a read mark that is not a number. Then a valid message still goes through."""
    channel = await make_channel(live_cast)
    sock, _ = await visitor(live_cast, channel)
    await sock.send_raw("{not json")
    assert (await sock.expect("error"))["code"] == "invalid_json"
    await sock.send_raw("[1, 2]")
    assert (await sock.expect("error"))["code"] == "invalid"
    await sock.send_raw(json.dumps({"body": "no type"}))
    assert (await sock.expect("error"))["code"] == "invalid"
    await sock.send(type="launch_missiles")
    unknown = await sock.expect("error")
    assert unknown["code"] == "unknown_type" and "launch_missiles" in unknown["detail"]
    await sock.send_raw(b"\xff\xfe\xfd")
    assert (await sock.expect("error"))["code"] == "invalid_json"
    await sock.send(type="message", body="no client id")
    assert (await sock.expect("error"))["code"] == "invalid"
    await sock.send(type="message", client_id=cid(), body="")
    assert (await sock.expect("error"))["code"] == "invalid"
    key = cid()
    await sock.send(type="message", client_id=key, body="x" * 5001)
    too_long = await sock.expect("error")
    assert too_long["code"] == "invalid" and too_long["client_id"] == key
    await sock.send(type="read", seq="ten")
    assert (await sock.expect("error"))["code"] == "invalid"
    await sock.send(type="message", client_id=cid(), body="still here")
    assert (await sock.expect("ack"))["seq"] == 1  # nothing of the above was stored
    await sock.close()


async def test_an_oversized_frame_closes_the_socket_with_4413(live_cast: Cast) -> None:
    channel = await make_channel(live_cast)
    sock, _ = await visitor(live_cast, channel)
    await sock.send(type="message", client_id=cid(), body="x" * (70 * 1024))
    assert (await sock.expect("error"))["code"] == "too_large"
    assert await sock.closed_with() == 4413


async def test_the_first_frame_must_be_hello(live_cast: Cast) -> None:
    channel = await make_channel(live_cast)
    sock = Socket(
        await connect(ws_url(live_cast, f"/ws/widget?workspace={live_cast.slug}&channel={channel}"))
    )
    await sock.send(type="message", client_id=cid(), body="hi")
    assert (await sock.expect("error"))["code"] == "invalid"
    assert await sock.closed_with() == 4400


async def test_a_forged_identity_hash_is_refused(live_cast: Cast) -> None:
    """A site passes its user's id with HMAC-SHA256(channel secret, id): the right hash makes the
    visitor that customer; a hash made with another key is refused with 4401."""
    channel = await make_channel(live_cast)
    async with live_cast.rt.uow(write=False) as s:
        secret = (await chat_queries.find_channel(s, live_cast.workspace_id, channel)).identity_secret  # type: ignore[union-attr]
    good = hmac.new(secret.encode(), b"user-42", hashlib.sha256).hexdigest()
    forged = hmac.new(b"guessed-secret", b"user-42", hashlib.sha256).hexdigest()
    sock, welcome = await visitor(
        live_cast, channel, identity={"identifier": "user-42", "identity_hash": good, "name": "Lisa"}
    )
    await sock.send(type="message", client_id=cid(), body="logged in")
    await sock.expect("ack")
    await sock.close()
    # the same user on another device is the same customer, with the same conversation
    other, again = await visitor(
        live_cast, channel, identity={"identifier": "user-42", "identity_hash": good}
    )
    assert again["conversation"]["id"] == (await other.expect("message"))["conversation_id"]
    await other.close()
    conn = await connect(ws_url(live_cast, f"/ws/widget?workspace={live_cast.slug}&channel={channel}"))
    bad = Socket(conn)
    await bad.send(type="hello", identity={"identifier": "user-42", "identity_hash": forged})
    assert (await bad.expect("error"))["code"] == "forbidden"
    assert await bad.closed_with() == 4401
    assert welcome["visitor"] == again["visitor"]  # one customer: one visitor token


async def test_a_forged_or_foreign_visitor_token_is_refused(
    live_cast: Cast, other_cast_factory: object
) -> None:
    channel = await make_channel(live_cast)
    _s, welcome = await visitor(live_cast, channel)
    await _s.close()
    token = welcome["visitor"]
    tampered = token[:-1] + ("0" if token[-1] != "0" else "1")
    for bad_token in (tampered, "v1.1.1.1.0000", "not a token"):
        sock = Socket(
            await connect(ws_url(live_cast, f"/ws/widget?workspace={live_cast.slug}&channel={channel}"))
        )
        await sock.send(type="hello", visitor=bad_token)
        assert (await sock.expect("error"))["code"] == "forbidden", bad_token
        assert await sock.closed_with() == 4401
    r = live_cast.api(None).get("/api/v1/widget/messages", headers={"Authorization": f"Visitor {tampered}"})
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")


async def test_a_channel_of_another_workspace_is_not_found(
    live_cast: Cast, other_cast_factory: object
) -> None:
    """Workspace A's slug with workspace B's channel id: 4404, and nothing is created in either."""
    other = await other_cast_factory()  # type: ignore[operator]
    other.base_url = live_cast.base_url
    theirs = await make_channel(other)
    sock = Socket(await connect(ws_url(live_cast, f"/ws/widget?workspace={live_cast.slug}&channel={theirs}")))
    await sock.send(type="hello")
    assert (await sock.expect("error"))["code"] == "not_found"
    assert await sock.closed_with() == 4404
    for query in (f"workspace=no-such-shop&channel={theirs}", f"workspace={live_cast.slug}&channel=abc"):
        sock = Socket(await connect(ws_url(live_cast, f"/ws/widget?{query}")))
        await sock.send(type="hello")
        assert await sock.closed_with() in (4404, 4400), query


async def test_a_flood_is_limited_then_closed(live_cast: Cast) -> None:
    """Messages beyond 10 at once get rate_limited errors with retry_after (nothing stored for
    them); a client that keeps going is disconnected with 4429."""
    channel = await make_channel(live_cast)
    sock, _ = await visitor(live_cast, channel)
    for n in range(40):
        await sock.send(type="message", client_id=f"flood-{n}", body=f"spam {n}")
    assert await sock.closed_with(timeout=20) == 4429
    acks = [f for f in sock.seen if f["type"] == "ack"]
    limited = [
        f for f in sock.seen if f["type"] == "error" and f["code"] == "rate_limited" and "client_id" in f
    ]
    assert 5 <= len(acks) <= 12 and limited and all(f["retry_after"] > 0 for f in limited)
    api = live_cast.api("alice")
    [conversation] = [
        c for c in api.get("/api/v1/conversations").json()["items"] if c["channel_id"] == channel
    ]
    assert conversation["last_seq"] == len(acks)  # exactly the acknowledged ones were stored


@pytest.mark.parametrize("path", ["/ws/agent"])
async def test_the_agent_stream_needs_a_valid_token(live_cast: Cast, path: str) -> None:
    """Tried: no hello, a hello without token, a forged token, a customer's visitor token."""
    for hello in ({"type": "ping"}, {"type": "hello"}, {"type": "hello", "token": "forged.jwt.token"}):
        sock = Socket(await connect(ws_url(live_cast, path)))
        await sock.send(**hello)
        assert await sock.closed_with() in (4400, 4401), hello

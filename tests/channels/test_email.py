"""The e-mail transport (``wowdesk.channels.email``) against a real SMTP server on 127.0.0.1: what
it composes (UTF-8 in any script, threading headers, no header injection), what a server's 2xx,
4xx and 5xx become, a refused connection, the outbox directory without a server, and the SMTP URL."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.channels.support import Inbox, free_port
from wowdesk.channels.email import (
    OutboxTransport,
    OutgoingMail,
    PermanentFailure,
    SmtpConfig,
    SmtpTransport,
    TemporaryFailure,
    compose,
    make_transport,
    message_id,
    parse_sender,
)

AT = dt.datetime(2026, 12, 2, 8, 30, tzinfo=dt.UTC)


def _mail(**over: object) -> OutgoingMail:
    fields: dict[str, object] = dict(
        sender_name="台北商店 Acme",
        sender_address="support@acme.test",
        to="lisa@example.com",
        subject="[#12] 我的包裹在哪裡？",
        body="您好，包裹已經寄出。\n简体也可以：包裹已发出。",
        message_id=message_id("wowdesk.ticket-7.reply-3", "support@acme.test"),
        thread=(message_id("wowdesk.ticket-7", "support@acme.test"),),
        reply_to="support@acme.test",
        headers=(("X-WowDesk-Ticket", "12"),),
    )
    fields.update(over)
    return OutgoingMail(**fields)  # type: ignore[arg-type]


def _reparsed(message: EmailMessage) -> EmailMessage:
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_a_message_in_chinese_survives_the_wire_with_its_threading_headers() -> None:
    raw = compose(_mail(), date=AT)
    wire = raw.as_bytes()
    assert wire.isascii()  # every header and the body are encoded for any server (no SMTPUTF8 needed)
    m = _reparsed(raw)
    assert m["Subject"] == "[#12] 我的包裹在哪裡？"
    assert m["From"].addresses[0].display_name == "台北商店 Acme"
    assert m["From"].addresses[0].addr_spec == "support@acme.test"
    assert m["To"] == "lisa@example.com" and m["Reply-To"].addresses[0].addr_spec == "support@acme.test"
    assert m["Message-ID"] == "<wowdesk.ticket-7.reply-3@acme.test>"
    assert m["In-Reply-To"] == "<wowdesk.ticket-7@acme.test>" == m["References"]
    assert m["X-WowDesk-Ticket"] == "12" and m["Date"].datetime == AT
    assert m.get_content_type() == "text/plain" and m.get_content_charset() == "utf-8"
    # Text travels in canonical form (CRLF line ends), as RFC 2046 wants it.
    assert m.get_content().replace("\r\n", "\n") == "您好，包裹已經寄出。\n简体也可以：包裹已发出。\n"


def test_line_breaks_in_a_subject_or_a_name_cannot_inject_a_header() -> None:
    """Tried: a subject and a display name carrying CR/LF and a Bcc line."""
    m = _reparsed(
        compose(_mail(subject="Hello\r\nBcc: victim@example.com", sender_name="Acme\nBcc: x@y.z"), date=AT)
    )
    assert m["Bcc"] is None
    assert m["Subject"] == "Hello Bcc: victim@example.com"


def test_the_sender_must_have_an_address() -> None:
    assert parse_sender("WowDesk <support@localhost>") == ("WowDesk", "support@localhost")
    assert parse_sender("support@example.com") == ("", "support@example.com")
    for bad in ("WowDesk", "", "<@>", "x@"):  # tried: no address at all, an empty one, no domain
        with pytest.raises(ValueError, match="not an e-mail address"):
            parse_sender(bad)


def test_the_smtp_url_says_host_port_credentials_and_tls() -> None:
    c = SmtpConfig.from_url("smtp://us%40er:p%3Ass@mail.example.com:587")
    assert (c.host, c.port, c.username, c.password) == ("mail.example.com", 587, "us@er", "p:ss")
    assert c.use_tls is False and c.start_tls is True  # a password only over STARTTLS
    s = SmtpConfig.from_url("smtps://u:p@mail.example.com")
    assert (s.port, s.use_tls, s.start_tls) == (465, True, False)
    plain = SmtpConfig.from_url("smtp://127.0.0.1:1025")
    assert (plain.port, plain.username, plain.start_tls) == (1025, None, None)  # STARTTLS if offered
    assert "p:ss" not in repr(c) and "***" in repr(c)
    for bad in ("http://mail.example.com", "smtp://", "mail.example.com:25"):  # tried: not SMTP URLs
        with pytest.raises(ValueError, match="SMTP URL"):
            SmtpConfig.from_url(bad)


async def test_a_server_that_takes_it_returns_its_reply(inbox: Inbox) -> None:
    sent = await SmtpTransport(inbox.url).send(compose(_mail(), date=AT))
    assert sent.via == "smtp" and "queued as TEST1" in sent.detail
    [got] = inbox.received
    assert inbox.envelopes == [("support@acme.test", ["lisa@example.com"])]
    assert got["Subject"] == "[#12] 我的包裹在哪裡？" and got["In-Reply-To"] == "<wowdesk.ticket-7@acme.test>"
    assert "包裹已經寄出" in got.get_content()


async def test_a_5xx_is_permanent_and_carries_the_servers_words(inbox: Inbox) -> None:
    inbox.rcpt = ["550 5.1.1 <lisa@example.com>: Recipient address rejected: User unknown"]
    with pytest.raises(PermanentFailure) as failure:
        await SmtpTransport(inbox.url).send(compose(_mail(), date=AT))
    assert failure.value.reason.startswith("550 5.1.1") and "User unknown" in failure.value.reason
    inbox.data = ["554 5.7.1 Message refused as spam"]
    with pytest.raises(PermanentFailure, match=r"554 5\.7\.1"):
        await SmtpTransport(inbox.url).send(compose(_mail(), date=AT))
    assert inbox.received == []


async def test_a_4xx_and_a_refused_connection_are_temporary(inbox: Inbox) -> None:
    inbox.data = ["451 4.3.0 Mailbox temporarily unavailable"]
    with pytest.raises(TemporaryFailure, match=r"451 4\.3\.0"):
        await SmtpTransport(inbox.url).send(compose(_mail(), date=AT))
    nobody = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(TemporaryFailure, match=r"127\.0\.0\.1"):
        await SmtpTransport(nobody, timeout=5).send(compose(_mail(), date=AT))
    assert inbox.received == []


async def test_without_a_server_each_message_is_an_eml_file_in_the_outbox(tmp_path: Path) -> None:
    outbox = tmp_path / "mail" / "outbox"
    transport = make_transport(None, outbox)
    assert isinstance(transport, OutboxTransport)
    sent = await transport.send(compose(_mail(), date=AT))
    assert sent.via == "outbox"
    [path] = list(outbox.glob("*.eml"))
    assert str(path) == sent.detail and "wowdesk.ticket-7.reply-3" in path.name
    m = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(m, EmailMessage)
    assert m["To"] == "lisa@example.com" and "包裹已經寄出" in m.get_content()
    assert not list(outbox.glob(".eml-*"))  # no half-written file left behind

"""Outbound e-mail: compose a MIME message (stdlib ``email``) and hand it to an SMTP server with
aiosmtplib, or, without one, write it as an ``.eml`` file to an outbox directory.

Transport only (ADR 0013): no database, no domain. The caller (``tickets.email``) says who writes
to whom about what, keeps the Message-IDs stable (the same on every retry, so a receiver drops a
duplicate), and records the outcome.

* ``smtp://user:pass@host:587``: STARTTLS, required when a user is given (a password is never sent
  in the clear), used when the server offers it otherwise (``smtp://127.0.0.1:1025``: a local relay).
* ``smtps://user:pass@host:465``: TLS from the first byte.
* User and password are percent-decoded (``%40`` for ``@``).

Outcomes: ``Sent`` (the server's reply, or the file written); ``TemporaryFailure`` (a 4xx reply, no
connection, a timeout, a dropped connection: worth trying again); ``PermanentFailure`` (a 5xx reply:
the server will never take it). Nothing else escapes ``send``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

TIMEOUT_SECONDS = 30.0
MAX_REASON = 500
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\x00]+")
_FILE_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class MailError(Exception):
    """The message was not handed over; ``reason`` says why (the server's own words when it spoke)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason[:MAX_REASON]
        super().__init__(self.reason)


class TemporaryFailure(MailError):
    """Worth trying again later: a 4xx reply, no connection, a timeout."""


class PermanentFailure(MailError):
    """The server refused it for good (a 5xx reply)."""


@dataclass(frozen=True, slots=True)
class Sent:
    via: Literal["smtp", "outbox"]
    detail: str  # the server's reply to DATA, or the path of the .eml file


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One message as the caller means it; ``compose`` makes it MIME."""

    sender_name: str
    sender_address: str
    to: str
    subject: str
    body: str  # plain text
    message_id: str  # "<local@domain>", stable across retries
    thread: tuple[str, ...] = ()  # earlier Message-IDs of the same thread, oldest first
    reply_to: str | None = None
    headers: tuple[tuple[str, str], ...] = ()  # extra headers (X-…)


def one_line(value: str) -> str:
    """A header value on one line: line breaks (and NUL) become spaces, so no header is injected."""
    return _LINE_BREAKS.sub(" ", value).strip()


def parse_sender(value: str) -> tuple[str, str]:
    """(display name, address) of ``"Name <a@b>"`` or ``"a@b"``; ValueError if there is no address."""
    name, address = parseaddr(value)
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        raise ValueError(f"not an e-mail address: {value!r}")
    return name, address


def message_id(local: str, sender_address: str) -> str:
    """``<local@domain>`` with the sender's domain, so Message-IDs are unique to this install."""
    return f"<{local}@{sender_address.rpartition('@')[2] or 'localhost'}>"


def _address(name: str, address: str) -> Address:
    local, _, domain = address.rpartition("@")
    return Address(display_name=one_line(name), username=local, domain=domain)


def compose(mail: OutgoingMail, *, date: dt.datetime) -> EmailMessage:
    """The MIME message: UTF-8 text (any script), headers encoded as RFC 2047 where they need it,
    ``In-Reply-To``/``References`` from ``thread`` so a mail client shows one conversation."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = _address(mail.sender_name, mail.sender_address)
    msg["To"] = _address("", mail.to)
    if mail.reply_to:
        msg["Reply-To"] = _address(mail.sender_name, mail.reply_to)
    msg["Subject"] = one_line(mail.subject)
    msg["Date"] = format_datetime(date.astimezone(dt.UTC))
    msg["Message-ID"] = mail.message_id
    if mail.thread:
        msg["In-Reply-To"] = mail.thread[-1]
        msg["References"] = " ".join(mail.thread)
    for name, value in mail.headers:
        msg[name] = one_line(value)
    # Base64 for any other script: the message stays 7-bit, whatever the server supports (8BITMIME).
    msg.set_content(mail.body, charset="utf-8", cte=None if mail.body.isascii() else "base64")
    return msg


class MailTransport(Protocol):
    async def send(self, message: EmailMessage) -> Sent: ...


# -- SMTP ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool  # TLS from the start (smtps)
    start_tls: bool | None  # True: required; None: when offered; False: never

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("the SMTP URL is smtp://[user:password@]host[:port] or smtps://…")
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        implicit = parts.scheme == "smtps"
        port = parts.port or (465 if implicit else 587 if username else 25)
        return cls(
            host=parts.hostname,
            port=port,
            username=username,
            password=password,
            use_tls=implicit,
            start_tls=False if implicit else (True if username else None),
        )

    def __repr__(self) -> str:  # never the password, in a log or a traceback
        scheme = "smtps" if self.use_tls else "smtp"
        user = f"{self.username}:***@" if self.username else ""
        return f"SmtpConfig({scheme}://{user}{self.host}:{self.port})"


def _reason(code: int, text: str) -> str:
    return f"{code} {one_line(text)}".strip()


class SmtpTransport:
    def __init__(self, url: str, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.config = SmtpConfig.from_url(url)
        self.timeout = timeout

    async def send(self, message: EmailMessage) -> Sent:
        c = self.config
        try:
            _refused, reply = await aiosmtplib.send(
                message,
                hostname=c.host,
                port=c.port,
                username=c.username,
                password=c.password,
                use_tls=c.use_tls,
                start_tls=c.start_tls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:  # our one recipient was refused
            first = exc.recipients[0] if exc.recipients else None
            code, text = (first.code, first.message) if first is not None else (550, str(exc))
            raise (PermanentFailure if code >= 500 else TemporaryFailure)(_reason(code, text)) from None
        except aiosmtplib.SMTPResponseException as exc:  # the server answered with a refusal
            failure = PermanentFailure if 500 <= exc.code < 600 else TemporaryFailure
            raise failure(_reason(exc.code, exc.message)) from None
        except (aiosmtplib.SMTPException, OSError) as exc:  # no connection, timeout, TLS, dropped
            raise TemporaryFailure(f"{c.host}:{c.port}: {type(exc).__name__}: {one_line(str(exc))}") from None
        return Sent(via="smtp", detail=one_line(reply)[:MAX_REASON])


# -- no SMTP server: an outbox directory -----------------------------------------------------------------


class OutboxTransport:
    """Each message as an ``.eml`` file (what an SMTP server would have received), written whole
    and then moved into place, so a reader never sees half a message."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _write(self, message: EmailMessage) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        ident = _FILE_SAFE.sub("_", str(message.get("Message-ID", "")).strip("<>"))[:120] or "message"
        path = self.directory / f"{stamp}-{ident}.eml"
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".eml-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(message.as_bytes(policy=SMTP))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    async def send(self, message: EmailMessage) -> Sent:
        try:
            path = await asyncio.to_thread(self._write, message)
        except OSError as exc:
            raise TemporaryFailure(f"{self.directory}: {type(exc).__name__}: {exc}") from None
        return Sent(via="outbox", detail=str(path))


def make_transport(smtp_url: str | None, outbox: Path) -> MailTransport:
    """SMTP when a URL is configured, else the outbox directory."""
    return SmtpTransport(smtp_url) if smtp_url else OutboxTransport(outbox)

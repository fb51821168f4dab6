"""Outbound webhooks of automation rules: the request, its signature, and how a receiver checks it.

Each delivery is a POST of JSON::

    {"delivery": "8812", "event": "ticket.updated", "automation": {"id": 3, "name": "…"},
     "occurred_at": "2026-12-01T08:00:00+00:00", "ticket": {…as GET /api/v1/tickets/{id}…}}

with the headers ``WowDesk-Delivery`` (the same on every retry of one delivery: receivers drop
duplicates by it), ``WowDesk-Event`` and ``WowDesk-Signature: t=<unix seconds>,v1=<hex>``, where
``v1`` is HMAC-SHA256 over ``"<t>.<body>"`` keyed with the rule's signing secret. A receiver
recomputes it, compares in constant time and refuses a ``t`` far from its clock (replays).
A 2xx answer is success; anything else (or no answer within 10 s) is retried with backoff by the
job runner, and after the last attempt the job is dead, visible to admins in /api/v1/jobs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import aiohttp

TIMEOUT_SECONDS = 10
USER_AGENT = "WowDesk-Webhook/1"


class WebhookFailed(Exception):
    """The receiver did not take the delivery (the job is retried)."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: True if `header` signs `body` with `secret`, made within `tolerance` s."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode()


async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST the delivery; the receiver's status, or WebhookFailed when it is not a 2xx."""
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.post(
                url,
                data=body,
                headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
                allow_redirects=False,
            ) as response,
        ):
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise WebhookFailed(f"{url}: {type(exc).__name__}: {exc}") from None
    if not 200 <= status < 300:
        raise WebhookFailed(f"{url}: HTTP {status}")
    return status

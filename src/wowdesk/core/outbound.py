"""Telling the store something: a POST of JSON signed per the Standard Webhooks specification
(standardwebhooks.com) with its reference SDK, to the store connection's outbound address. Used for
compensations (``policies.ledger``) and sellers' standing (``analytics.sellers``).

Headers: ``webhook-id`` (e.g. ``compensation_<entry id>``, the same on every retry: receivers drop
duplicates by it), ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">``, keyed with the connection's outbound
secret). The body::

    {"type": "compensation.refund", "timestamp": "…", "data": {"id": 12, "kind": "refund",
     "amount_minor": 129900, "currency": "TWD", "order": {"id": 3, "external_id": "A-1001", …}, …}}

A 2xx answer is success (a JSON ``{"reference": "…"}`` in it is kept as the store's reference);
408, 429, 5xx and no answer within 10 s are retried with backoff; any other 4xx is final.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import aiohttp
from standardwebhooks.webhooks import Webhook

TIMEOUT_SECONDS = 10
USER_AGENT = "WowDesk-Store-Delivery/1"
MAX_REFERENCE = 200
RETRIED_4XX = frozenset({408, 425, 429})


class RetryLater(Exception):
    """The store did not take it this time; the job is tried again."""


@dataclass(frozen=True)
class Answer:
    delivered: bool
    reference: str | None = None
    reason: str | None = None  # why it failed for good


def encode(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)


def headers(secret: str, msg_id: str, at: dt.datetime, body: str) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }


def _reference(raw: bytes) -> str | None:
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    value = data.get("reference", data.get("id"))
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)[:MAX_REFERENCE] or None
    return None


async def post(url: str, secret: str, msg_id: str, at: dt.datetime, body: str) -> Answer:
    """POST one delivery: an Answer, or RetryLater when it is worth trying again."""
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.post(
                url,
                data=body.encode(),
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    **headers(secret, msg_id, at, body),
                },
                allow_redirects=False,
            ) as response,
        ):
            status = response.status
            raw = await response.content.read(64 * 1024)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise RetryLater(f"{url}: {type(exc).__name__}: {exc}") from None
    if 200 <= status < 300:
        return Answer(delivered=True, reference=_reference(raw))
    excerpt = raw[:300].decode("utf-8", "replace").strip()
    reason = f"HTTP {status}" + (f": {excerpt}" if excerpt else "")
    if 400 <= status < 500 and status not in RETRIED_4XX:
        return Answer(delivered=False, reason=reason)
    raise RetryLater(f"{url}: {reason}")

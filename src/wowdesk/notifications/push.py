"""Web Push (RFC 8030) to agents' browsers: the VAPID key and signature (RFC 8292, py-vapid), the
payload encrypted ``aes128gcm`` for one browser (RFC 8291, pywebpush), and the POST to its push
service (aiohttp: a short timeout, no redirects followed, the answer's body never read)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
import re
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from pywebpush import WebPusher

TIMEOUT_SECONDS = 5.0
TTL_SECONDS = 3600  # a push service keeps a message for an offline device this long, then drops it
VAPID_LIFETIME = dt.timedelta(hours=12)
_B64URL = re.compile(r"^[A-Za-z0-9_-]*={0,2}$")
_TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def b64url_decode(text: str) -> bytes:
    """Strict base64url (RFC 4648 §5), padding optional; ValueError on anything else."""
    if not _B64URL.match(text) or len(text.rstrip("=")) % 4 == 1:
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except binascii.Error:
        raise ValueError("not base64url") from None


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def load_private_key(text: str) -> ec.EllipticCurvePrivateKey:
    """A VAPID private key from a PEM document, or from base64url of its raw 32 bytes (what
    ``vapid --gen`` and most Web Push libraries print) or of its DER form."""
    text = text.strip()
    try:
        if "-----BEGIN" in text:
            key: Any = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            raw = b64url_decode(text)
            if len(raw) == 32:
                key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
            else:
                key = serialization.load_der_private_key(raw, password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"WOWDESK_VAPID_PRIVATE_KEY is not a readable private key: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("WOWDESK_VAPID_PRIVATE_KEY must be an EC P-256 (prime256v1) private key")
    return key


class PushConfig:
    """The install's Web Push identity and rules, built once by the composition root and handed to
    units of work in their context (``core.uow.context(session)["push"]``)."""

    def __init__(
        self,
        private_key: str,
        subject: str,
        *,
        allow_http: bool = False,
        timeout: float = TIMEOUT_SECONDS,
        ttl: int = TTL_SECONDS,
    ) -> None:
        self._vapid = Vapid02(load_private_key(private_key), conf={"no-strict": True})
        self.subject = subject
        self.allow_http = allow_http
        self.timeout = timeout
        self.ttl = ttl
        point = self._vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        # What the browser's pushManager.subscribe() takes as applicationServerKey.
        self.public_key = b64url_encode(point)

    def authorization(self, endpoint: str, now: dt.datetime) -> str:
        """``vapid t=<JWT>,k=<public key>`` for a push to this endpoint's origin."""
        url = urlsplit(endpoint)
        claims = {
            "aud": f"{url.scheme}://{url.netloc}",
            "sub": self.subject,
            "exp": int((now + VAPID_LIFETIME).timestamp()),
        }
        header: str = self._vapid.sign(claims)["Authorization"]
        return header


def encrypt(p256dh: str, auth: str, payload: bytes) -> bytes:
    """`payload` encrypted for one browser (``aes128gcm``, a fresh ephemeral key and salt)."""
    pusher = WebPusher({"endpoint": "", "keys": {"p256dh": p256dh, "auth": auth}})
    body: bytes = pusher.encode(payload, "aes128gcm")["body"]
    return body


class Outcome(enum.Enum):
    DELIVERED = "delivered"  # 2xx: the push service took it
    GONE = "gone"  # 404/410: the browser unsubscribed or the subscription expired
    REFUSED = "refused"  # any other answer: this message will never be taken
    RETRY = "retry"  # 429, 5xx: try again later


def outcome(status: int) -> Outcome:
    if 200 <= status < 300:
        return Outcome.DELIVERED
    if status in (404, 410):
        return Outcome.GONE
    if status == 429 or status >= 500:
        return Outcome.RETRY
    return Outcome.REFUSED


async def post(config: PushConfig, endpoint: str, body: bytes, *, topic: str, now: dt.datetime) -> int:
    """POST one encrypted message to a push service; its HTTP status. Network errors and timeouts
    raise (``aiohttp.ClientError``, ``TimeoutError``)."""
    headers = {
        "Authorization": config.authorization(endpoint, now),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(config.ttl),
        "Urgency": "high",
    }
    if _TOPIC.match(topic):  # a newer message with the same topic replaces one not yet delivered
        headers["Topic"] = topic
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=config.timeout)) as http,
        http.post(endpoint, data=body, headers=headers, allow_redirects=False) as response,
    ):
        return response.status

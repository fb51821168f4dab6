"""A push service on loopback that records what it is sent, and browsers' subscriptions made of
real keys (an EC P-256 pair and an auth secret, as a browser makes them)."""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field
from typing import Any

import http_ece
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An HTTP push service on 127.0.0.1: answers ``status[path]`` (201 by default) and records
    every request."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    status: dict[str, int] = field(default_factory=dict)
    _runner: web.AppRunner | None = None

    async def start(self) -> Receiver:
        async def handle(request: web.Request) -> web.Response:
            self.received.append(Received(request.path, dict(request.headers), await request.read()))
            return web.Response(status=self.status.get(request.path, 201))

        app = web.Application()
        app.router.add_post("/{tail:.*}", handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    def to(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


@dataclass
class Device:
    """One browser's push subscription: its endpoint on the receiver and its own keys."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey
    auth: bytes

    @classmethod
    def on(cls, receiver: Receiver) -> Device:
        return cls.on_url(f"{receiver.url}/push/{secrets.token_urlsafe(12)}")

    @classmethod
    def on_url(cls, endpoint: str) -> Device:
        return cls(endpoint=endpoint, key=ec.generate_private_key(ec.SECP256R1()), auth=os.urandom(16))

    @property
    def path(self) -> str:
        return "/" + self.endpoint.split("/", 3)[3]

    @property
    def p256dh(self) -> str:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def subscription(self, **extra: Any) -> dict[str, Any]:
        """What ``PushSubscription.toJSON()`` gives in a browser."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
            **extra,
        }

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        data: dict[str, Any] = json.loads(plain)
        return data

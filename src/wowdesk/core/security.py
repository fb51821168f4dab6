"""Passwords (argon2id), signed access tokens (JWT, HS256) and random secrets stored as hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id, library defaults (RFC 9106 low-memory profile)


@cache
def _dummy_hash() -> str:
    """Verifying against this keeps the time of a login for an unknown email equal to a known one.
    Made at first use, not at import: an argon2 hash costs every process (each CLI command) time."""
    return _hasher.hash("wowdesk-timing-equaliser")


MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_secret(prefix: str, nbytes: int = 32) -> str:
    return f"{prefix}{secrets.token_urlsafe(nbytes)}"


def digest(secret: str) -> str:
    """Stored form of a high-entropy secret (API key, session id): SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    workspace_id: int
    version: int
    expires_at: dt.datetime


class TokenSigner:
    ISSUER = "wowdesk"

    def __init__(self, secret: str, minutes: int) -> None:
        self._key = hashlib.sha256(b"wowdesk-access-token:" + secret.encode()).digest()
        self.minutes = minutes

    def issue(self, *, user_id: int, workspace_id: int, version: int, now: dt.datetime) -> tuple[str, int]:
        exp = now + dt.timedelta(minutes=self.minutes)
        payload: dict[str, Any] = {
            "sub": str(user_id),
            "ws": workspace_id,
            "ver": version,
            "iss": self.ISSUER,
            "iat": int(now.timestamp()),
            "exp": int(exp.timestamp()),
            "typ": "access",
        }
        return jwt.encode(payload, self._key, algorithm="HS256"), self.minutes * 60

    def verify(self, token: str, now: dt.datetime) -> AccessClaims | None:
        try:
            data = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                issuer=self.ISSUER,
                options={"require": ["exp", "iat", "sub"], "verify_exp": False},
            )
        except jwt.PyJWTError:
            return None
        # A token signed with our key can still carry anything in its claims: each conversion is
        # guarded, so a malformed one is refused, never an error.
        try:
            expires = int(data["exp"])
            if data.get("typ") != "access" or expires <= int(now.timestamp()):
                return None
            return AccessClaims(
                user_id=int(data["sub"]),
                workspace_id=int(data["ws"]),
                version=int(data["ver"]),
                expires_at=dt.datetime.fromtimestamp(expires, dt.UTC),
            )
        except (KeyError, TypeError, ValueError, OverflowError, OSError):
            return None


def hmac_hex(key: str, message: str) -> str:
    """HMAC-SHA256 of `message` under `key`, in hex (what a site computes as a visitor's identity_hash)."""
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


class ValueSigner:
    """Short signed strings for one purpose (``v1.<fields>.<signature>``): a visitor token names the
    customer behind a browser. Not encrypted; never put secrets in the fields."""

    def __init__(self, secret: str, purpose: str) -> None:
        self._key = hashlib.sha256(f"wowdesk-{purpose}:{secret}".encode()).digest()

    def sign(self, *fields: int | str) -> str:
        body = ".".join(str(f) for f in fields)
        mac = hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()[:32]
        return f"v1.{body}.{mac}"

    def unsign(self, token: str) -> list[str] | None:
        """The fields of a token this signer made, or None for anything else."""
        if not token.startswith("v1.") or len(token) > 300:
            return None
        body, _, mac = token[3:].rpartition(".")
        expected = hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()[:32]
        if not body or not hmac.compare_digest(mac.encode(), expected.encode()):
            return None
        return body.split(".")

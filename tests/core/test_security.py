"""Access tokens: what the signer issues it accepts until expiry; anything else, however it is
malformed, is refused (None), never an exception."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jwt
import pytest

from wowdesk.core.security import TokenSigner, hash_password, verify_password

NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
signer = TokenSigner("k" * 40, minutes=60)


def test_an_issued_token_is_valid_until_it_expires() -> None:
    token, seconds = signer.issue(user_id=7, workspace_id=3, version=2, now=NOW)
    assert seconds == 3600
    claims = signer.verify(token, NOW + dt.timedelta(minutes=59))
    assert claims is not None
    assert (claims.user_id, claims.workspace_id, claims.version) == (7, 3, 2)
    assert claims.expires_at == NOW + dt.timedelta(hours=1)
    assert signer.verify(token, NOW + dt.timedelta(hours=1)) is None
    assert TokenSigner("x" * 40, minutes=60).verify(token, NOW) is None  # another installation's key


def _signed(**changes: Any) -> str:
    claims: dict[str, Any] = {
        "sub": "7", "ws": 3, "ver": 2, "iss": "wowdesk", "typ": "access",
        "iat": int(NOW.timestamp()), "exp": int(NOW.timestamp()) + 600,
    }  # fmt: skip
    claims.update(changes)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, signer._key, algorithm="HS256")


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": "soon"},
        {"exp": [1]},
        {"exp": 1e30},
        {"exp": 10**30},
        {"ws": None},
        {"ws": "three"},
        {"ver": {"v": 1}},
        {"sub": "seven"},
        {"typ": "refresh"},
        {"iss": "someone-else"},
    ],
    ids=repr,
)
def test_a_signed_but_malformed_token_is_refused(changes: dict[str, Any]) -> None:
    assert signer.verify(_signed(), NOW) is not None  # the baseline is fine
    assert signer.verify(_signed(**changes), NOW) is None


@pytest.mark.parametrize("token", ["", "not.a.jwt", "a.b.c", "x" * 5000])
def test_garbage_is_refused(token: str) -> None:
    assert signer.verify(token, NOW) is None


def test_passwords() -> None:
    stored = hash_password("Correct-horse-9!")
    assert verify_password(stored, "Correct-horse-9!")
    assert not verify_password(stored, "correct-horse-9!")
    assert not verify_password(None, "Correct-horse-9!")  # an unknown user: checked against a dummy hash
    assert not verify_password("not-a-hash", "x")

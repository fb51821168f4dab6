"""Bearer tokens: only tokens this server signed, unexpired, for an agent who still exists, is active
and has not changed password or role since, are accepted. Every refusal is a 401 problem with
``WWW-Authenticate``, never a 500."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import httpx
import jwt

from tests.api.support import assert_unauthorized, login
from tests.conftest import PASSWORD, Cast, LiveServer
from wowdesk.core.clock import FrozenClock
from wowdesk.core.security import TokenSigner
from wowdesk.main import build_runtime
from wowdesk.settings import Settings

ME = "/api/v1/me"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _signed(cast: Cast, **claims: Any) -> str:
    """A token signed with the server's own key, with any claims (as if the key had leaked or a
    future version had issued it)."""
    now = int(cast.rt.clock.now().timestamp())
    payload: dict[str, Any] = {
        "sub": str(cast.agents["alice"].id),
        "ws": cast.workspace_id,
        "ver": 1,
        "iss": "wowdesk",
        "iat": now,
        "exp": now + 600,
        "typ": "access",
    }
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, cast.rt.signer._key, algorithm="HS256")


def _me(cast: Cast, token: str) -> Any:
    return cast.api(None).get(ME, headers={"Authorization": f"Bearer {token}"})


def test_a_token_signed_by_the_server_works(live_cast: Cast) -> None:
    """The control for the refusals below."""
    r = _me(live_cast, live_cast.token("alice"))
    assert r.status_code == 200 and r.json()["id"] == live_cast.agents["alice"].id


def test_no_credentials_is_a_401_with_www_authenticate(live_cast: Cast) -> None:
    """No Authorization header and no cookie, on reads and writes."""
    assert_unauthorized(live_cast.api(None).get(ME))
    assert_unauthorized(live_cast.api(None).get("/api/v1/tickets"))
    assert_unauthorized(live_cast.api(None).post("/api/v1/tickets", json={}))


def test_a_forged_token_is_refused(live_cast: Cast) -> None:
    """Alice's token with its payload swapped for Bob's (or for an admin role), signature kept."""
    header, payload, signature = live_cast.token("alice").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    for change in ({"sub": str(live_cast.agents["ada"].id)}, {"exp": claims["exp"] + 86400}):
        forged = ".".join([header, _b64({**claims, **change}), signature])
        assert_unauthorized(_me(live_cast, forged))
    unsigned = ".".join([_b64({"alg": "none", "typ": "JWT"}), payload, ""])
    assert_unauthorized(_me(live_cast, unsigned))
    other_alg = jwt.encode(claims, "k" * 64, algorithm="HS512")
    assert_unauthorized(_me(live_cast, other_alg))


MALFORMED = [
    "abc",
    "a.b.c",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0",
    "wdk_not-a-real-key",
    "wds_a-session-id-is-not-a-bearer-token",
    "x" * 5000,
    "Bearer nested",
]


def test_a_malformed_token_is_refused(live_cast: Cast) -> None:
    """Tried: random text, three dots, a JWT without signature, made-up API key and session ids, 5000
    characters, a second scheme word."""
    for credential in MALFORMED:
        r = _me(live_cast, credential)
        assert r.status_code == 401, credential[:50]
        assert_unauthorized(r)


def test_a_malformed_authorization_header_is_refused(live_cast: Cast) -> None:
    """Tried: no credential, other schemes, a tab for the space, extra words, bytes that are not text."""
    for header in (
        b"Bearer",
        b"Basic YWRhOnBhc3N3b3Jk",
        b"Token abc",
        b"bearer\tabc",
        b"Bearer a b c",
        b"Bearer \xff\xfe\xfd",
    ):
        r = live_cast.api(None).get(ME, headers={"Authorization": header})
        assert r.status_code == 401, header
        assert_unauthorized(r)


def test_an_expired_token_is_refused(live_cast: Cast) -> None:
    """Signed with the server's own signer one minute past its lifetime."""
    signer = live_cast.rt.signer
    alice = live_cast.agents["alice"]
    long_ago = live_cast.rt.clock.now() - dt.timedelta(minutes=signer.minutes + 1)
    token, _ = signer.issue(
        user_id=alice.id, workspace_id=alice.workspace_id, version=alice.token_version, now=long_ago
    )
    body = assert_unauthorized(_me(live_cast, token))
    assert "expired" in body["detail"]


async def test_a_remembered_token_is_refused_once_it_expires(cast: Cast, settings: Settings) -> None:
    """A token the server has checked and remembers (http.actor_cache) is accepted without a new
    signature check only until its own expiry: one second past it, on a server whose clock moved,
    the same token is a 401."""
    clock = FrozenClock(dt.datetime.now(dt.UTC))
    rt = build_runtime(settings, clock=clock)
    server = LiveServer(settings, runtime=rt).start()
    try:
        alice = cast.agents["alice"]
        token, lifetime = rt.signer.issue(
            user_id=alice.id, workspace_id=alice.workspace_id, version=alice.token_version, now=clock.now()
        )
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as client:
            assert client.get(ME).status_code == 200
            assert client.get(ME).status_code == 200  # now from the actor cache
            clock.advance(dt.timedelta(seconds=lifetime - 1))
            assert client.get(ME).status_code == 200
            clock.advance(dt.timedelta(seconds=2))
            body = assert_unauthorized(client.get(ME))
            assert "expired" in body["detail"]
    finally:
        server.stop()  # its lifespan started the runtime, and stops it


def test_a_token_signed_with_another_secret_is_refused(live_cast: Cast) -> None:
    """Signed by a TokenSigner with another secret."""
    alice = live_cast.agents["alice"]
    other = TokenSigner("another-secret-" + "fedcba9876543210" * 3, 60)
    token, _ = other.issue(
        user_id=alice.id,
        workspace_id=alice.workspace_id,
        version=alice.token_version,
        now=live_cast.rt.clock.now(),
    )
    assert_unauthorized(_me(live_cast, token))


BAD_CLAIMS: list[dict[str, Any]] = [
    {"typ": "refresh"},
    {"typ": None},
    {"iss": "someone-else"},
    {"ws": None},
    {"sub": None},
    {"exp": None},
    {"sub": "alice"},
    {"ver": "x"},
    {"ver": 2},
    {"sub": str(2**63)},
    {"sub": str(10**30)},
    {"sub": "-1"},
    {"ws": 2**63},
    {"ws": -5},
    {"exp": "soon"},
    {"exp": [1]},
    {"exp": 1e30},
]


def test_a_token_with_wrong_or_out_of_range_claims_is_refused(live_cast: Cast) -> None:
    """Even signed with the right key, a token must be an access token of this issuer, for an agent
    id and workspace id that can exist (huge ids must not reach the database and fail there)."""
    assert _me(live_cast, _signed(live_cast)).status_code == 200  # the helper itself signs good tokens
    for claims in BAD_CLAIMS:
        r = _me(live_cast, _signed(live_cast, **claims))
        assert r.status_code == 401, (claims, r.text[:300])
        assert_unauthorized(r)


async def test_a_token_names_its_workspace(live_cast: Cast, other_cast_factory: Any) -> None:
    """Alice's id with another workspace's id in the claims is nobody."""
    other = await other_cast_factory()
    other.base_url = live_cast.base_url
    assert_unauthorized(_me(live_cast, _signed(live_cast, ws=other.workspace_id)))
    assert_unauthorized(_me(other, _signed(other, sub=str(live_cast.agents["alice"].id))))


def test_a_password_change_ends_older_tokens(lenient_cast: Cast) -> None:
    """Ada changes her password: the old token is 401, the old password fails, the new one works."""
    ada = lenient_cast.api("ada")
    old = lenient_cast.token("ada")
    r = ada.patch(ME, json={"password": "A-new-password-42", "current_password": PASSWORD})
    assert r.status_code == 200, r.text
    assert_unauthorized(_me(lenient_cast, old))
    assert login(lenient_cast, "ada", PASSWORD).status_code == 401
    fresh = login(lenient_cast, "ada", "A-new-password-42")
    assert fresh.status_code == 200
    assert _me(lenient_cast, fresh.json()["access_token"]).status_code == 200


def test_an_admin_resetting_a_password_ends_the_agents_tokens(live_cast: Cast) -> None:
    """Ada sets Bob's password: Bob's old token is 401, the new password works."""
    old = live_cast.token("bob")
    assert _me(live_cast, old).status_code == 200
    bob_id = live_cast.agents["bob"].id
    r = live_cast.api("ada").patch(f"/api/v1/agents/{bob_id}", json={"password": "Bobs-new-password-1"})
    assert r.status_code == 200, r.text
    assert_unauthorized(_me(live_cast, old))
    assert login(live_cast, "bob", "Bobs-new-password-1").status_code == 200


def test_a_role_change_ends_older_tokens(live_cast: Cast) -> None:
    """Bob becomes supervisor: his old token is 401."""
    old = live_cast.token("bob")
    r = live_cast.api("ada").patch(
        f"/api/v1/agents/{live_cast.agents['bob'].id}", json={"role": "supervisor"}
    )
    assert r.status_code == 200 and r.json()["role"] == "supervisor", r.text
    assert_unauthorized(_me(live_cast, old))


def test_deactivation_ends_tokens_for_good(live_cast: Cast) -> None:
    """Sam is deactivated (old token 401) and reactivated (still 401)."""
    old = live_cast.token("sam")
    sam = f"/api/v1/agents/{live_cast.agents['sam'].id}"
    ada = live_cast.api("ada")
    assert ada.patch(sam, json={"active": False}).status_code == 200
    assert_unauthorized(_me(live_cast, old))
    assert ada.patch(sam, json={"active": True}).status_code == 200
    assert_unauthorized(_me(live_cast, old))  # coming back does not revive what was issued before


def test_a_profile_change_keeps_tokens(live_cast: Cast) -> None:
    """A name change is no reason to sign out."""
    token = live_cast.token("alice")
    r = live_cast.api(None).patch(ME, json={"name": "Alice L."}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    assert _me(live_cast, token).json()["name"] == "Alice L."

"""The push API on the suite's shared live server, which (like a real install) takes only https
endpoints with a host name: the key, devices per agent, settings, and every kind of bad input
answered with a 422 problem document that leaves nothing written."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.conftest import Cast, assert_problem
from tests.notifications.support import Device, b64url, unb64url
from wowdesk.notifications.actions import MAX_DEVICES

ENDPOINT = "https://push.example.test/wpush/v2/"


def device(n: int = 0) -> Device:
    d = Device.on_url(f"{ENDPOINT}{n}-{b64url(os.urandom(6))}")
    return d


def devices(cast: Cast, who: str = "alice") -> list[dict[str, Any]]:
    r = cast.api(who).get("/api/v1/push/subscriptions")
    assert r.status_code == 200, r.text
    out: list[dict[str, Any]] = r.json()
    return out


def test_the_key_is_an_application_server_key(live_cast: Cast) -> None:
    r = live_cast.api("alice").get("/api/v1/push/key")
    assert r.status_code == 200, r.text
    raw = unb64url(r.json()["public_key"])
    assert len(raw) == 65 and raw[0] == 4  # an uncompressed P-256 point, what subscribe() takes
    assert live_cast.api("bob").get("/api/v1/push/key").json() == r.json()  # one per install
    assert_problem(live_cast.api(None).get("/api/v1/push/key"), 401)


def test_devices_are_per_agent_and_resubscribing_updates(live_cast: Cast) -> None:
    alice, bob = live_cast.api("alice"), live_cast.api("bob")
    laptop = device()
    r = alice.post("/api/v1/push/subscriptions", json=laptop.subscription(label="Chrome on Linux"))
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["endpoint"] == laptop.endpoint and first["label"] == "Chrome on Linux"
    assert first["failures"] == 0 and first["last_success_at"] is None
    assert devices(live_cast, "bob") == []

    # The browser subscribes again (new keys): the same device, updated, its label kept.
    again = Device.on_url(laptop.endpoint)
    r = alice.post("/api/v1/push/subscriptions", json=again.subscription())
    assert r.status_code == 200, r.text
    assert r.json()["id"] == first["id"] and r.json()["label"] == "Chrome on Linux"
    assert [d["id"] for d in devices(live_cast)] == [first["id"]]

    # Bob signs in on that browser and subscribes: the device is his now.
    r = bob.post("/api/v1/push/subscriptions", json=again.subscription(label="Shared desk"))
    assert r.status_code == 200 and r.json()["id"] == first["id"], r.text
    assert devices(live_cast) == [] and [d["label"] for d in devices(live_cast, "bob")] == ["Shared desk"]

    # Only its owner may remove it; someone else's (or no) device is not found.
    for who, sub_id in (("alice", first["id"]), ("bob", first["id"] + 10_000)):
        body = assert_problem(live_cast.api(who).delete(f"/api/v1/push/subscriptions/{sub_id}"), 404)
        assert body["detail"], body
    assert len(devices(live_cast, "bob")) == 1
    assert_problem(bob.delete("/api/v1/push/subscriptions/0"), 422)
    assert bob.delete(f"/api/v1/push/subscriptions/{first['id']}").status_code == 204
    assert devices(live_cast, "bob") == []


def test_at_most_twenty_devices(live_cast: Cast) -> None:
    api = live_cast.api("sam")
    made = [device(n) for n in range(MAX_DEVICES)]
    for d in made:
        assert api.post("/api/v1/push/subscriptions", json=d.subscription()).status_code == 201
    assert_problem(api.post("/api/v1/push/subscriptions", json=device(99).subscription()), 409)
    assert len(devices(live_cast, "sam")) == MAX_DEVICES
    # Subscribing a known device again is no new device.
    assert api.post("/api/v1/push/subscriptions", json=made[0].subscription()).status_code == 200


def test_settings_default_to_everything_and_are_per_agent(live_cast: Cast) -> None:
    alice = live_cast.api("alice")
    assert alice.get("/api/v1/me/notifications").json() == {"assignments": True, "customer_replies": True}
    r = alice.put("/api/v1/me/notifications", json={"assignments": False, "customer_replies": True})
    assert r.status_code == 200 and r.json() == {"assignments": False, "customer_replies": True}
    r = alice.put("/api/v1/me/notifications", json={"assignments": False, "customer_replies": False})
    assert r.json() == {"assignments": False, "customer_replies": False}
    assert alice.get("/api/v1/me/notifications").json() == {"assignments": False, "customer_replies": False}
    assert live_cast.api("bob").get("/api/v1/me/notifications").json() == {
        "assignments": True,
        "customer_replies": True,
    }


def _good() -> dict[str, Any]:
    return device().subscription()


def _with(**changes: Any) -> dict[str, Any]:
    body = _good()
    for path, value in changes.items():
        target = body
        *parents, last = path.split("__")
        for p in parents:
            target = target[p]
        if value is ...:
            del target[last]
        else:
            target[last] = value
    return body


P256DH = Device.on_url(ENDPOINT).p256dh
# What was tried: (body, the field the answer must blame).
BAD_SUBSCRIPTIONS = {
    "an http endpoint (WOWDESK_PUSH_ALLOW_HTTP is off)": (_with(endpoint="http://push.example.test/x"), None),
    "an endpoint on an IP address": (_with(endpoint="https://10.0.0.8/push/x"), None),
    "an endpoint on loopback": (_with(endpoint="https://127.0.0.1:8443/x"), None),
    "an endpoint that is not a URL": (_with(endpoint="push.example.test/x"), "endpoint"),
    "an ftp endpoint": (_with(endpoint="ftp://push.example.test/x"), "endpoint"),
    "an endpoint with a user and password": (_with(endpoint="https://me:pw@push.example.test/x"), "endpoint"),
    "an endpoint with a space": (_with(endpoint="https://push.example.test/a b"), "endpoint"),
    "an endpoint with non-ASCII": (_with(endpoint="https://push.example.test/推送"), "endpoint"),
    "an endpoint with a bad port": (_with(endpoint="https://push.example.test:99999/x"), "endpoint"),
    "an endpoint longer than 2000 characters": (
        _with(endpoint="https://push.example.test/" + "a" * 2000),
        "endpoint",
    ),
    "an empty endpoint": (_with(endpoint=""), "endpoint"),
    "no endpoint": (_with(endpoint=...), "endpoint"),
    "no keys": (_with(keys=...), "keys"),
    "no auth key": (_with(keys__auth=...), "keys.auth"),
    "p256dh of 33 bytes (a compressed point)": (
        _with(keys__p256dh=b64url(b"\x02" + os.urandom(32))),
        "keys.p256dh",
    ),
    "p256dh of 64 bytes": (_with(keys__p256dh=b64url(os.urandom(64))), "keys.p256dh"),
    "p256dh of 65 bytes not on the curve": (
        _with(keys__p256dh=b64url(b"\x04" + b"\x01" * 64)),
        "keys.p256dh",
    ),
    "p256dh in standard base64 (+ and /)": (_with(keys__p256dh="+/" + P256DH[2:]), "keys.p256dh"),
    "p256dh that is not base64 at all": (_with(keys__p256dh="not a key!"), "keys.p256dh"),
    "auth of 15 bytes": (_with(keys__auth=b64url(os.urandom(15))), "keys.auth"),
    "auth of 32 bytes": (_with(keys__auth=b64url(os.urandom(32))), "keys.auth"),
    "auth with a character outside base64url": (_with(keys__auth="AAAAAAAAAAAAAAAAAAAA.A"), "keys.auth"),
    "auth as a number": (_with(keys__auth=12345), "keys.auth"),
    "an unknown field": (_with(extra="x"), "extra"),
    "an unknown field among the keys": (_with(keys__aes128gcm="x"), "keys.aes128gcm"),
    "a label longer than 100 characters": (_with(label="x" * 101), "label"),
    "a label with a NUL": (_with(label="a\x00b"), "body"),
    "a negative expirationTime": (_with(expirationTime=-1), "expirationTime"),
    "expirationTime as text": (_with(expirationTime="soon"), "expirationTime"),
}


@pytest.mark.parametrize(("body", "field"), BAD_SUBSCRIPTIONS.values(), ids=BAD_SUBSCRIPTIONS.keys())
def test_bad_subscriptions_are_refused_and_nothing_is_written(
    module_cast: Cast, body: dict[str, Any], field: str | None
) -> None:
    """`field`: the one the answer blames (None: refused as a whole, by the rules of this install)."""
    api = module_cast.api("bob")
    r = api.post("/api/v1/push/subscriptions", json=body)
    problem = assert_problem(r, 422)
    assert problem.get("detail"), problem
    if field is not None:
        assert [e["field"] for e in problem["errors"]] == [field], problem
    assert devices(module_cast, "bob") == []


BAD_SETTINGS = {
    "no customer_replies": {"assignments": True},
    "assignments as an unreadable word": {"assignments": "maybe", "customer_replies": True},
    "customer_replies as null": {"assignments": True, "customer_replies": None},
    "an unknown field": {"assignments": True, "customer_replies": True, "email": True},
    "a list": [True, True],
}


@pytest.mark.parametrize("body", BAD_SETTINGS.values(), ids=BAD_SETTINGS.keys())
def test_bad_settings_are_refused_and_nothing_changes(module_cast: Cast, body: Any) -> None:
    api = module_cast.api("bob")
    assert_problem(api.put("/api/v1/me/notifications", json=body), 422)
    assert api.get("/api/v1/me/notifications").json() == {"assignments": True, "customer_replies": True}


def test_malformed_json_is_a_400(module_cast: Cast) -> None:
    api = module_cast.api("bob")
    r = api.post(
        "/api/v1/push/subscriptions",
        content=b'{"endpoint": NaN}',
        headers={"content-type": "application/json"},
    )
    assert_problem(r, 400)
    assert devices(module_cast, "bob") == []

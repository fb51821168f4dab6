"""Helpers and fixtures of the ticket tests: short-hands over the HTTP API, custom field
definitions, and a second live server with a small upload limit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Api, Cast, LiveServer, make_settings
from wowdesk.settings import Settings

SMALL_UPLOAD = 1024


def create_ticket(api: Api, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"subject": "Parcel missing", "requester": {"email": "lisa@example.com"}}
    body.update(fields)
    r = api.post("/api/v1/tickets", json=body)
    assert r.status_code == 201, r.text
    ticket: dict[str, Any] = r.json()
    return ticket


def get_ticket(api: Api, ticket_id: int) -> dict[str, Any]:
    r = api.get(f"/api/v1/tickets/{ticket_id}")
    assert r.status_code == 200, r.text
    ticket: dict[str, Any] = r.json()
    return ticket


def timeline(api: Api, ticket_id: int) -> list[dict[str, Any]]:
    r = api.get(f"/api/v1/tickets/{ticket_id}/events")
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def changes(api: Api, ticket_id: int) -> list[tuple[str, str, Any, Any]]:
    """(actor, field, old, new) of every `changed` entry of the timeline, in order."""
    return [
        (e["actor"], e["field"], e["old"], e["new"])
        for e in timeline(api, ticket_id)
        if e["kind"] == "changed"
    ]


def comments(api: Api, ticket_id: int) -> list[dict[str, Any]]:
    r = api.get(f"/api/v1/tickets/{ticket_id}/comments")
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()
    return items


def list_all(api: Api, limit: int = 200, **params: Any) -> list[dict[str, Any]]:
    """Every ticket the list endpoint gives for these filters, following the cursor."""
    out: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(100):
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        r = api.get("/api/v1/tickets", params=query)
        assert r.status_code == 200, r.text
        page = r.json()
        out.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return out
    raise AssertionError("the cursor never ended")


def ids(api: Api, **params: Any) -> list[int]:
    return [t["id"] for t in list_all(api, **params)]


def ticket_count(api: Api) -> int:
    return len(list_all(api))


def api_of(other: Cast, who: str, *, closed_with: Cast) -> Api:
    """A client for someone of another cast on the same live server, closed when `closed_with`'s
    fixture ends (the factory's casts have no teardown of their own)."""
    assert closed_with.base_url
    client = Api(closed_with.base_url, other.token(who))
    closed_with._clients.append(client)
    return client


def agent_ref(cast: Cast, who: str) -> str:
    return f"agent:{cast.agents[who].id}"


FIELD_DEFS: list[dict[str, Any]] = [
    {"key": "order_ref", "label": "Order", "type": "text"},
    {"key": "refund_amount", "label": "Refund", "type": "number"},
    {"key": "delivery_date", "label": "Delivered on", "type": "date"},
    {"key": "carrier", "label": "Carrier", "type": "dropdown", "options": ["DHL", "順豐", "黑貓"]},
    {"key": "fragile", "label": "Fragile", "type": "checkbox"},
]


@pytest.fixture
def custom_fields(live_cast: Cast) -> dict[str, dict[str, Any]]:
    """One custom field of each type, defined by Ada (an admin): key → definition."""
    admin = live_cast.api("ada")
    out = {}
    for spec in FIELD_DEFS:
        r = admin.post("/api/v1/ticket-fields", json=spec)
        assert r.status_code == 201, r.text
        out[spec["key"]] = r.json()
    return out


@pytest.fixture(scope="module")
def module_fields(module_cast: Cast) -> dict[str, dict[str, Any]]:
    """The same five fields on the module's shared cast, for tests that do not change definitions."""
    admin = module_cast.api("ada")
    have = {f["key"]: f for f in admin.get("/api/v1/ticket-fields").json()}
    for spec in FIELD_DEFS:
        if spec["key"] not in have:
            r = admin.post("/api/v1/ticket-fields", json=spec)
            assert r.status_code == 201, r.text
            have[spec["key"]] = r.json()
    return have


@pytest.fixture(scope="session")
def small_upload_live(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A second server on the same database that accepts uploads of at most 1 KiB (no job runner)."""
    own = make_settings(
        str(settings.database_url),
        Path(tmp_path_factory.mktemp("small-upload")),
        settings.redis_url,
        max_upload_bytes=SMALL_UPLOAD,
        run_jobs_in_process=False,
    )
    server = LiveServer(own).start()
    yield server
    server.stop()

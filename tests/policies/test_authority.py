"""Authority limits: sensible defaults in the workspace's currency, changed per role and
overridden per agent by admins; a per-grant maximum and a per-day total of the agent's own grants,
counted over the workspace's day; ``/me/authority`` says what one may still grant."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from tests.conftest import Cast, Databases, assert_problem, make_settings
from tests.policies.ledger_support import build_local_cast, grant, key, make_order, refund
from wowdesk.core.clock import FrozenClock
from wowdesk.core.runtime import Runtime
from wowdesk.main import build_runtime
from wowdesk.policies.authority.schemas import default_limit
from wowdesk.policies.ledger import actions, queries
from wowdesk.policies.ledger.schemas import GrantRequest


async def test_a_new_workspace_has_sensible_defaults_and_admins_change_them(live_cast: Cast) -> None:
    alice, ada = live_cast.api("alice"), live_cast.api("ada")
    limits = alice.get("/api/v1/authority-limits").json()
    assert limits["currency"] == "USD" and limits["stored"] is False
    assert limits["roles"]["agent"]["refund"] == {
        "per_grant_minor": 10000,
        "per_day_minor": 30000,
        "currency": "USD",
    }
    assert limits["roles"]["admin"]["refund"]["per_grant_minor"] is None  # no limit
    change = {"roles": {"agent": {"refund": {"per_grant_minor": 20000, "per_day_minor": 50000}}}}
    assert_problem(alice.put("/api/v1/authority-limits", json=change), 403)
    assert_problem(live_cast.api("sam").put("/api/v1/authority-limits", json=change), 403)
    r = ada.put("/api/v1/authority-limits", json=change)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["stored"] is True and out["roles"]["agent"]["refund"]["per_grant_minor"] == 20000
    assert out["roles"]["agent"]["goodwill_credit"]["per_grant_minor"] == 2000  # untouched default
    for bad in (
        {"roles": {"agent": {"refund": {"per_grant_minor": -1}}}},
        {"roles": {"agent": {"refund": {"per_grant_minor": 1.5}}}},
        {"roles": {"agent": {"refund": {"per_grant_minor": "100"}}}},
        {"roles": {"intern": {"refund": {"per_grant_minor": 1}}}},
        {"roles": {"agent": {"cash": {"per_grant_minor": 1}}}},
    ):
        assert_problem(ada.put("/api/v1/authority-limits", json=bad), 422)
    assert (
        alice.get("/api/v1/authority-limits").json()["roles"]["agent"]["refund"]["per_grant_minor"] == 20000
    )


def test_defaults_are_round_amounts_in_the_currency_of_the_workspace() -> None:
    assert default_limit("agent", "refund", "TWD") == (300000, 900000)  # NT$3,000 per grant
    assert default_limit("agent", "refund", "JPY") == (15000, 45000)  # no minor digits
    assert default_limit("supervisor", "goodwill_credit", "USD") == (20000, 100000)
    assert default_limit("admin", "refund", "EUR") == (None, None)


async def test_an_agents_override_replaces_their_roles_limit(live_cast: Cast) -> None:
    order = await make_order(live_cast.rt, live_cast)
    bob_id = live_cast.agents["bob"].id
    ada = live_cast.api("ada")
    r = ada.put(
        f"/api/v1/agents/{bob_id}/authority-limits",
        json={"overrides": {"refund": {"per_grant_minor": 50000, "per_day_minor": None}}},
    )
    assert r.status_code == 200, r.text
    assert r.json()["effective"]["refund"]["per_grant_minor"] == 50000
    assert r.json()["effective"]["goodwill_credit"]["per_grant_minor"] == 2000  # the role's
    assert (
        grant(live_cast.api("bob"), refund(order, 40000, cast=live_cast)).json()["entry"]["status"]
        == "recorded"
    )
    alice_out = grant(live_cast.api("alice"), refund(order, 40000, cast=live_cast)).json()
    assert alice_out["entry"]["status"] == "awaiting_approval"
    # Bob sees his own; Alice may not see his; an admin removes the override.
    assert live_cast.api("bob").get(f"/api/v1/agents/{bob_id}/authority-limits").status_code == 200
    assert_problem(live_cast.api("alice").get(f"/api/v1/agents/{bob_id}/authority-limits"), 403)
    assert_problem(
        live_cast.api("bob").put(f"/api/v1/agents/{bob_id}/authority-limits", json={"overrides": {}}), 403
    )
    r = ada.put(f"/api/v1/agents/{bob_id}/authority-limits", json={"overrides": {}})
    assert r.json()["overrides"] == {} and r.json()["effective"]["refund"]["per_grant_minor"] == 10000
    assert_problem(ada.get("/api/v1/agents/999999999/authority-limits"), 404)


async def test_the_daily_total_counts_the_agents_own_grants_and_me_authority_shows_it(
    live_cast: Cast,
) -> None:
    order = await make_order(live_cast.rt, live_cast, unit_minor=100000)
    alice = live_cast.api("alice")
    me = alice.get("/api/v1/me/authority").json()
    assert me["kinds"]["refund"] == {
        "per_grant_minor": 10000,
        "per_day_minor": 30000,
        "used_today_minor": 0,
        "max_now_minor": 10000,
    }
    for _ in range(3):
        assert grant(alice, refund(order, 9000, cast=live_cast)).json()["entry"]["status"] == "recorded"
    me = alice.get("/api/v1/me/authority").json()["kinds"]["refund"]
    assert me["used_today_minor"] == 27000 and me["max_now_minor"] == 3000
    out = grant(alice, refund(order, 3001, cast=live_cast)).json()
    assert (
        out["entry"]["status"] == "awaiting_approval" and out["approval"]["request_reason"] == "above_per_day"
    )
    assert grant(alice, refund(order, 3000, cast=live_cast)).json()["entry"]["status"] == "recorded"
    # Another agent's day is their own; a waiting request does not count against it.
    assert live_cast.api("bob").get("/api/v1/me/authority").json()["kinds"]["refund"]["used_today_minor"] == 0
    assert alice.get("/api/v1/me/authority").json()["kinds"]["refund"]["max_now_minor"] == 0


# -- the workspace's day, on a clock of our own ----------------------------------------------------------


@dataclass
class Frozen:
    rt: Runtime
    clock: FrozenClock


@pytest.fixture(scope="module")
def day_db(databases: Databases) -> str:
    return databases.new()


@pytest.fixture(scope="module")
async def frozen(day_db: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Frozen]:
    # 23:30 in Taipei (+08:00).
    clock = FrozenClock(dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC))
    rt = build_runtime(make_settings(day_db, tmp_path_factory.mktemp("authority")), clock=clock)
    await rt.start(run_jobs=False)
    yield Frozen(rt, clock)
    await rt.stop()


async def test_the_day_is_the_workspaces_day(frozen: Frozen) -> None:
    """In a TWD workspace in Taipei an agent refunds up to NT$9,000 a day: used up at 23:30, fresh
    again at 00:30 — an hour later, the same UTC day."""
    cast = await build_local_cast(frozen.rt, currency="TWD", time_zone="Asia/Taipei")
    order = await make_order(frozen.rt, cast, currency="TWD", unit_minor=1_000_000)

    async def refund_now(amount: int) -> str:
        async with frozen.rt.uow() as s:
            data = GrantRequest.model_validate(refund(order, amount, cast=cast) | {"idempotency_key": key()})
            return (await actions.do_grant_compensation(s, cast.actor("alice"), data)).entry.status

    assert [await refund_now(300000) for _ in range(3)] == ["recorded"] * 3
    assert await refund_now(100) == "awaiting_approval"
    frozen.clock.advance(dt.timedelta(hours=1))
    assert await refund_now(300000) == "recorded"
    async with frozen.rt.uow(write=False) as s:
        mine = await queries.my_authority(s, cast.actor("alice"))
    assert mine.currency == "TWD" and mine.day == dt.date(2026, 3, 3) and mine.time_zone == "Asia/Taipei"
    assert mine.kinds["refund"].used_today_minor == 300000

"""Helpers of the ledger tests (test_authority*, test_ledger*, test_approvals*): orders of a real
store (commerce's own actions), the store's outbound connection, grants over HTTP, and a cast in a
workspace with its own currency and time zone."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from typing import Any

import httpx

from tests.conftest import PASSWORD, Api, Cast
from wowdesk.accounts import actions as account_actions
from wowdesk.accounts.schemas import AgentCreate, TeamCreate, WorkspaceCreate
from wowdesk.commerce import actions as commerce_actions
from wowdesk.commerce.schemas import ConnectionIn, OrderIn, SellerIn
from wowdesk.core.actor import Actor
from wowdesk.core.runtime import Runtime
from wowdesk.customers import actions as customer_actions
from wowdesk.customers.schemas import CustomerCreate

_orders = itertools.count(1)
_keys = itertools.count(1)
_slugs = itertools.count(1)


def key() -> str:
    return f"k-{os.getpid()}-{next(_keys)}"


async def make_order(
    rt: Runtime,
    cast: Cast,
    *,
    customer: str = "lisa",
    unit_minor: int = 40000,
    quantity: int = 2,
    shipping_minor: int = 5000,
    currency: str | None = None,
    fulfilment: str = "platform",
    total_minor: int | None = None,
) -> dict[str, Any]:
    """An order of the cast's customer from a marketplace seller: {id, total_minor, currency, …}."""
    n = next(_orders)
    system = Actor.system(cast.workspace_id)
    async with rt.uow() as s:
        await commerce_actions.do_upsert_seller(
            s, system, "S-1", SellerIn(name="好物選品 Goodies", kind="marketplace")
        )
        doc: dict[str, Any] = {
            "number": f"TW-{n:05d}",
            "customer": {"id": cast.customers[customer].id},
            "seller_external_id": "S-1",
            "fulfilment": fulfilment,
            "status": "paid",
            "currency": currency or "USD",
            "items": [
                {
                    "sku": "KETTLE-1",
                    "name": "電熱水壺 Kettle",
                    "quantity": quantity,
                    "unit_price_minor": unit_minor,
                }
            ],
            "shipping_minor": shipping_minor,
            "placed_at": (dt.datetime.now(dt.UTC) - dt.timedelta(days=29)).isoformat(),
        }
        if total_minor is not None:
            doc["total_minor"] = total_minor
        row, _ = await commerce_actions.do_upsert_order(s, system, f"O-{n}", OrderIn.model_validate(doc))
    return {
        "id": row.id,
        "external_id": row.external_id,
        "total_minor": row.total_minor,
        "currency": row.currency,
    }


async def connect_store(rt: Runtime, cast: Cast, url: str | None) -> str:
    """Give the workspace an outbound store connection to `url`; its signing secret."""
    async with rt.uow() as s:
        row, _made = await commerce_actions.do_update_connection(
            s, cast.actor("ada"), ConnectionIn(outbound_url=url)
        )
        return row.outbound_secret


def refund(
    order: dict[str, Any], amount: int, *, cast: Cast, customer: str = "lisa", **over: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "refund",
        "customer_id": cast.customers[customer].id,
        "order_id": order["id"],
        "amount_minor": amount,
        "currency": order["currency"],
        "reason_code": "lost_parcel",
    }
    body.update(over)
    return body


def grant(api: Api, body: dict[str, Any], idem: str | None = None) -> httpx.Response:
    r: httpx.Response = api.post(
        "/api/v1/compensations", json=body, headers={"Idempotency-Key": idem or key()}
    )
    return r


def entries(api: Api, **params: Any) -> list[dict[str, Any]]:
    r = api.get("/api/v1/compensations", params={"limit": 200, **params})
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def build_local_cast(rt: Runtime, *, currency: str, time_zone: str) -> Cast:
    """Like the shared cast (Ada, Sam, Alice, Bob; Lisa), in a workspace with its own currency and
    time zone."""
    slug = f"local{os.getpid() % 10000}n{next(_slugs)}"
    async with rt.uow() as s:
        ws, ada = await account_actions.do_create_workspace(
            s,
            WorkspaceCreate(
                slug=slug,
                name=f"Local {slug}",
                admin_email=f"ada@{slug}.test",
                admin_password=PASSWORD,
                admin_name="Ada",
                time_zone=time_zone,
                currency=currency,
            ),
        )
        system = Actor.system(ws.id)
        agents = {"ada": ada}
        for who, role in (("sam", "supervisor"), ("alice", "agent"), ("bob", "agent")):
            agents[who] = await account_actions.do_create_agent(
                s, system, AgentCreate(email=f"{who}@{slug}.test", name=who.title(), role=role)
            )
        team = await account_actions.do_create_team(
            s, system, TeamCreate(name="Taipei", member_ids=[agents["alice"].id])
        )
        lisa = await customer_actions.do_create_customer(
            s, system, CustomerCreate.model_validate({"name": "張雅婷 Lisa", "emails": ["lisa@example.com"]})
        )
    return Cast(
        rt=rt, workspace_id=ws.id, slug=slug, agents=agents, customers={"lisa": lisa}, team_id=team.id
    )

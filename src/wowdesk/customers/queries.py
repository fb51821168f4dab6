"""Reads for customers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.actor import Actor
from wowdesk.core.errors import NotFound
from wowdesk.core.i18n import N_
from wowdesk.customers.models import CustomerRow
from wowdesk.customers.repository import CustomersRepository
from wowdesk.customers.schemas import CustomerOut, IdentityOut

__all__ = ["CustomerRow"]  # the type callers hold


async def get_customer(session: AsyncSession, actor: Actor, customer_id: int) -> CustomerRow:
    customer = await CustomersRepository(session, actor.workspace_id).customer(customer_id)
    if customer is None:
        raise NotFound(N_("Customer not found."))
    return customer


async def find_customer(session: AsyncSession, workspace_id: int, customer_id: int) -> CustomerRow | None:
    return await CustomersRepository(session, workspace_id).customer(customer_id)


async def list_customers(
    session: AsyncSession,
    actor: Actor,
    *,
    q: str | None = None,
    tag: str | None = None,
    identity: tuple[str, str] | None = None,
    after_id: int | None = None,
    limit: int = 25,
) -> list[CustomerRow]:
    return await CustomersRepository(session, actor.workspace_id).customers(
        q=q, tag=tag, identity=identity, after_id=after_id, limit=limit
    )


async def describe_customers(
    session: AsyncSession, workspace_id: int, customers: list[CustomerRow]
) -> list[CustomerOut]:
    """Customers with their identities, in one query for the whole list."""
    idents = await CustomersRepository(session, workspace_id).identities([c.id for c in customers])
    out = []
    for c in customers:
        mine = idents[c.id]
        out.append(
            CustomerOut(
                id=c.id,
                name=c.name,
                language=c.language,
                time_zone=c.time_zone,
                tags=list(c.tags or []),
                custom_attributes=dict(c.custom_attributes or {}),
                merged_into_id=c.merged_into_id,
                created_at=c.created_at,
                updated_at=c.updated_at,
                emails=[i.value for i in mine if i.channel == "email"],
                phones=[i.value for i in mine if i.channel == "phone"],
                identities=[IdentityOut.model_validate(i) for i in mine],
            )
        )
    return out


async def describe_customer(session: AsyncSession, workspace_id: int, customer: CustomerRow) -> CustomerOut:
    return (await describe_customers(session, workspace_id, [customer]))[0]


async def customer_names(
    session: AsyncSession, workspace_id: int, ids: list[int]
) -> dict[int, tuple[str, str | None]]:
    """(name, first e-mail) of each customer id, for list views."""
    return await CustomersRepository(session, workspace_id).names_and_emails(ids)

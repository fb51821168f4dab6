from __future__ import annotations

from sqlalchemy import ColumnElement, bindparam, func, literal_column, or_, select, update

from wowdesk.core.db import dialect_of
from wowdesk.core.repository import WorkspaceRepository
from wowdesk.customers.models import Customer, CustomerIdentity

# Hot statements (every ticket created or listed), built once with bind parameters.
# Driven from the unique (workspace_id, channel, value) index, then the primary key: the plan
# cannot go astray whatever the statistics say.
_BY_IDENTITY = select(Customer).where(
    Customer.workspace_id == bindparam("ws"),
    Customer.id
    == select(CustomerIdentity.customer_id)
    .where(
        CustomerIdentity.workspace_id == bindparam("ws"),
        CustomerIdentity.channel == bindparam("channel"),
        CustomerIdentity.value == bindparam("value"),
    )
    .scalar_subquery(),
)
_FIRST_EMAIL = (
    select(CustomerIdentity.value)
    .where(CustomerIdentity.customer_id == Customer.id, CustomerIdentity.channel == "email")
    .order_by(CustomerIdentity.id)
    .limit(1)
    .scalar_subquery()
)
_NAMES_EMAILS = select(Customer.id, Customer.name, _FIRST_EMAIL).where(
    Customer.workspace_id == bindparam("ws"), Customer.id.in_(bindparam("ids", expanding=True))
)


class CustomersRepository(WorkspaceRepository):
    async def customer(self, customer_id: int) -> Customer | None:
        return await self.by_id(Customer, customer_id)

    async def customers_by_ids(self, ids: list[int]) -> list[Customer]:
        if not ids:
            return []
        return list(
            (await self.session.execute(self.scoped(Customer).where(Customer.id.in_(set(ids))))).scalars()
        )

    async def identities(self, customer_ids: list[int]) -> dict[int, list[CustomerIdentity]]:
        out: dict[int, list[CustomerIdentity]] = {c: [] for c in customer_ids}
        if not customer_ids:
            return out
        q = (
            self.scoped(CustomerIdentity)
            .where(CustomerIdentity.customer_id.in_(customer_ids))
            .order_by(CustomerIdentity.id)
        )
        for ident in (await self.session.execute(q)).scalars():
            out[ident.customer_id].append(ident)
        return out

    async def customer_by_identity(self, channel: str, value: str) -> Customer | None:
        """The customer owning an identity, in one query."""
        params = {"ws": self.workspace_id, "channel": channel, "value": value}
        return (await self.session.execute(_BY_IDENTITY, params)).scalar_one_or_none()

    async def names_and_emails(self, ids: list[int]) -> dict[int, tuple[str, str | None]]:
        """(name, first e-mail address) per customer id, in one query without loading objects."""
        if not ids:
            return {}
        await self.session.flush()  # customers changed in this unit of work are part of the answer
        params = {"ws": self.workspace_id, "ids": sorted(set(ids))}
        rows = (await (await self.session.connection()).execute(_NAMES_EMAILS, params)).all()
        return {int(i): (str(n), e) for i, n, e in rows}

    async def identity(self, channel: str, value: str) -> CustomerIdentity | None:
        q = self.scoped(CustomerIdentity).where(
            CustomerIdentity.channel == channel, CustomerIdentity.value == value
        )
        return (await self.session.execute(q)).scalar_one_or_none()

    async def identities_matching(self, pairs: list[tuple[str, str]]) -> list[CustomerIdentity]:
        if not pairs:
            return []
        conds = [(CustomerIdentity.channel == c) & (CustomerIdentity.value == v) for c, v in pairs]
        return list((await self.session.execute(self.scoped(CustomerIdentity).where(or_(*conds)))).scalars())

    async def delete_identity(self, ident: CustomerIdentity) -> None:
        await self.session.delete(ident)

    async def move_identities(self, from_id: int, to_id: int) -> None:
        await self.session.execute(
            update(CustomerIdentity)
            .where(
                CustomerIdentity.workspace_id == self.workspace_id, CustomerIdentity.customer_id == from_id
            )
            .values(customer_id=to_id)
        )

    async def lock(self, customer_ids: list[int]) -> None:
        """Lock these customers until the transaction ends and re-read them, so a check made now
        still holds at commit. In id order, so two transactions locking the same pair cannot
        deadlock. SQLite serialises writing transactions already."""
        if dialect_of(self.session) != "postgresql":
            return
        q = (
            self.scoped(Customer)
            .where(Customer.id.in_(customer_ids))
            .order_by(Customer.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        await self.session.execute(q)

    async def repoint_merged(self, from_id: int, to_id: int) -> None:
        """Customers merged into `from_id` earlier now point at `to_id` (a pointer never leads to
        another merged customer)."""
        await self.session.execute(
            update(Customer)
            .where(Customer.workspace_id == self.workspace_id, Customer.merged_into_id == from_id)
            .values(merged_into_id=to_id)
            .execution_options(synchronize_session=False)
        )

    async def customers(
        self,
        *,
        q: str | None,
        tag: str | None,
        identity: tuple[str, str] | None,
        after_id: int | None,
        limit: int,
        include_merged: bool = False,
    ) -> list[Customer]:
        stmt = self.scoped(Customer)
        if not include_merged:
            stmt = stmt.where(Customer.merged_into_id.is_(None))
        if identity:
            sub = select(CustomerIdentity.customer_id).where(
                CustomerIdentity.workspace_id == self.workspace_id,
                CustomerIdentity.channel == identity[0],
                CustomerIdentity.value == identity[1],
            )
            stmt = stmt.where(Customer.id.in_(sub))
        if q:
            like = f"%{_escape_like(q.lower())}%"
            sub = select(CustomerIdentity.customer_id).where(
                CustomerIdentity.workspace_id == self.workspace_id,
                func.lower(CustomerIdentity.value).like(like, escape="\\"),
            )
            stmt = stmt.where(or_(func.lower(Customer.name).like(like, escape="\\"), Customer.id.in_(sub)))
        if after_id:
            stmt = stmt.where(Customer.id < after_id)
        if tag:
            stmt = stmt.where(self._has_tag(tag))
        return list((await self.session.execute(stmt.order_by(Customer.id.desc()).limit(limit))).scalars())

    def _has_tag(self, tag: str) -> ColumnElement[bool]:
        """Membership in the JSON tag list, in each database's own JSON syntax."""
        if dialect_of(self.session) == "postgresql":
            return Customer.tags.op("@>")(func.jsonb_build_array(tag))
        each = func.json_each(Customer.tags).table_valued("value").alias("tag_each")
        return select(literal_column("1")).select_from(each).where(each.c.value == tag).exists()


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

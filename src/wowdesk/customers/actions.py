"""Writes for customers."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import CUSTOMERS_MERGE, CUSTOMERS_WRITE
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict
from wowdesk.core.events import record_event
from wowdesk.core.i18n import N_
from wowdesk.core.uow import now
from wowdesk.customers import events as ev
from wowdesk.customers.models import CustomerRow, IdentityRow
from wowdesk.customers.repository import CustomersRepository
from wowdesk.customers.schemas import CustomerCreate, CustomerUpdate, IdentityChannel, IdentityIn


async def _claim_identities(
    repo: CustomersRepository, customer: CustomerRow, pairs: list[tuple[str, str]], *, unowned: bool = False
) -> None:
    """Attach identities to `customer`; an identity owned by someone else is a conflict, also when
    another transaction claims it at the same moment (the unique constraint decides).

    ``unowned``: the caller has just found that nobody owns these and runs inside a savepoint of its
    own, which a conflict rolls back: the identities are written straight away."""
    pairs = list(dict.fromkeys(pairs))  # the same address twice is one identity
    if unowned:
        try:
            await repo.add_identities(customer.id, pairs, now(repo.session))
        except IntegrityError:
            raise Conflict(N_("{value} already belongs to another customer."), value=pairs[0][1]) from None
        return
    existing = await repo.identities_matching(pairs)
    _refuse_others(customer, existing)
    have = {(i.channel, i.value) for i in existing}
    wanted = [p for p in pairs if p not in have]
    if not wanted:
        return
    db = await repo.db()
    try:
        async with db.savepoint():
            await repo.add_identities(customer.id, wanted, now(repo.session))
    except IntegrityError:
        _refuse_others(customer, await repo.identities_matching(pairs))
        raise


def _refuse_others(customer: CustomerRow, identities: list[IdentityRow]) -> None:
    for ident in identities:
        if ident.customer_id != customer.id:
            raise Conflict(
                N_("{value} already belongs to customer {customer_id}."),
                value=ident.value,
                customer_id=ident.customer_id,
                extra={"customer_id": ident.customer_id},
            )


async def do_create_customer(session: AsyncSession, actor: Actor, data: CustomerCreate) -> CustomerRow:
    return await _create_customer(session, actor, data)


async def _create_customer(
    session: AsyncSession, actor: Actor, data: CustomerCreate, *, unowned: bool = False
) -> CustomerRow:
    actor.require(CUSTOMERS_WRITE)
    repo = CustomersRepository(session, actor.workspace_id)
    t = now(session)
    customer = await repo.insert_customer(
        CustomerRow(
            id=0,
            workspace_id=actor.workspace_id,
            merged_into_id=None,
            name=data.name,
            language=data.language,
            time_zone=data.time_zone,
            tags=data.tags,
            custom_attributes=data.custom_attributes,
            created_at=t,
            updated_at=t,
        )
    )
    await _claim_identities(repo, customer, data.all_identities(), unowned=unowned)
    record_event(
        session,
        ev.CustomerCreated(
            workspace_id=actor.workspace_id, occurred_at=t, actor=actor.ref, customer_id=customer.id
        ),
    )
    return customer


async def do_find_or_create_customer(
    session: AsyncSession,
    actor: Actor,
    *,
    email: str | None = None,
    phone: str | None = None,
    name: str | None = None,
    language: str | None = None,
) -> CustomerRow:
    """The customer owning this e-mail (or phone), created if nobody does. Inputs are normalised.

    Two requests naming the same new address at once both miss it; the one that loses the race to
    create it takes the winner's customer instead of failing."""
    repo = CustomersRepository(session, actor.workspace_id)
    pairs = ([("email", email)] if email else []) + ([("phone", phone)] if phone else [])
    found = await _owner_of(repo, pairs, name)
    if found is not None:
        return found
    try:
        async with (await repo.db()).savepoint():
            return await _create_customer(
                session,
                actor,
                CustomerCreate.model_construct(
                    name=name or "",
                    emails=[email] if email else [],
                    phones=[phone] if phone else [],
                    identities=[],
                    language=language,
                    time_zone=None,
                    tags=[],
                    custom_attributes={},
                ),
                unowned=True,  # nobody owned them a moment ago; a racing claim is a Conflict below
            )
    except Conflict:
        found = await _owner_of(repo, pairs, name)
        if found is None:
            raise
        return found


async def do_find_or_create_identity(
    session: AsyncSession,
    actor: Actor,
    identity: tuple[IdentityChannel, str],
    *,
    name: str | None = None,
    email: str | None = None,
    language: str | None = None,
) -> CustomerRow:
    """The customer owning a verified channel identity (a site's user id, a LINE user …), created
    if nobody does, with the e-mail address the channel vouches for unless another customer owns it
    already (then only the identity: agents may merge the two)."""
    repo = CustomersRepository(session, actor.workspace_id)
    found = await _owner_of(repo, [identity], name)
    if found is not None:
        return found
    for emails in ([email], []) if email else ([],):
        try:
            async with (await repo.db()).savepoint():
                return await do_create_customer(
                    session,
                    actor,
                    CustomerCreate.model_construct(
                        name=name or "",
                        emails=emails,
                        phones=[],
                        identities=[IdentityIn.model_construct(channel=identity[0], value=identity[1])],
                        language=language,
                        time_zone=None,
                        tags=[],
                        custom_attributes={},
                    ),
                )
        except Conflict:
            owner = await _owner_of(repo, [identity], name)  # created meanwhile by a racing request
            if owner is not None:
                return owner
    raise Conflict(N_("{value} already belongs to another customer."), value=identity[1])


async def _owner_of(
    repo: CustomersRepository, pairs: list[tuple[str, str]], name: str | None
) -> CustomerRow | None:
    for channel, value in pairs:
        customer = await repo.customer_by_identity(channel, value)
        if customer is not None:
            if name and not customer.name:
                customer.name = name
                customer.updated_at = now(repo.session)
                await repo.update_customer(customer, {"name", "updated_at"})
            return customer
    return None


async def do_update_customer(
    session: AsyncSession, actor: Actor, customer: CustomerRow, data: CustomerUpdate
) -> CustomerRow:
    actor.require(CUSTOMERS_WRITE)
    if customer.merged_into_id is not None:
        raise Conflict(
            N_("This customer was merged into customer {customer_id}."), customer_id=customer.merged_into_id
        )
    repo = CustomersRepository(session, actor.workspace_id)
    changes: dict[str, list[object]] = {}
    for field in ("name", "language", "time_zone", "tags", "custom_attributes"):
        if field in data.model_fields_set:
            new = getattr(data, field)
            if field in ("name", "tags", "custom_attributes") and new is None:
                new = "" if field == "name" else ([] if field == "tags" else {})
            old = getattr(customer, field)
            if new != old:
                changes[field] = [old, new]
                setattr(customer, field, new)
    current = (await repo.identities([customer.id]))[customer.id]
    for channel, field in (("email", "emails"), ("phone", "phones")):
        wanted = getattr(data, field)
        if field not in data.model_fields_set or wanted is None:
            continue
        had = [i.value for i in current if i.channel == channel]
        for ident in current:
            if ident.channel == channel and ident.value not in wanted:
                await repo.delete_identity(ident)
        await _claim_identities(repo, customer, [(channel, v) for v in wanted])
        if sorted(had) != sorted(set(wanted)):
            changes[field] = [had, list(dict.fromkeys(wanted))]
    if changes:
        customer.updated_at = now(session)
        await repo.update_customer(
            customer, {c for c in changes if c not in ("emails", "phones")} | {"updated_at"}
        )
        record_event(
            session,
            ev.CustomerUpdated(
                workspace_id=actor.workspace_id,
                occurred_at=customer.updated_at,
                actor=actor.ref,
                customer_id=customer.id,
                changes=changes,
            ),
        )
    return customer


async def do_merge_customers(
    session: AsyncSession, actor: Actor, target: CustomerRow, source: CustomerRow
) -> CustomerRow:
    """Merge `source` into `target`: identities, tags and attributes move over, `source` stays as a
    pointer (``merged_into_id``), and listeners move its conversations and tickets (event
    ``customer.merged``, delivered durably)."""
    actor.require(CUSTOMERS_MERGE)
    if target.id == source.id:
        raise Conflict(N_("A customer cannot be merged into itself."))
    repo = CustomersRepository(session, actor.workspace_id)
    # Two merges of the same pair at once (A into B, B into A) must not both pass the check below.
    locked = {c.id: c for c in await repo.lock([target.id, source.id])}
    target, source = locked[target.id], locked[source.id]
    for c in (target, source):
        if c.merged_into_id is not None:
            raise Conflict(
                N_("Customer {customer_id} was already merged into customer {target_id}."),
                customer_id=c.id,
                target_id=c.merged_into_id,
            )
    t = now(session)
    await repo.move_identities(source.id, target.id)
    await repo.repoint_merged(source.id, target.id)
    target.tags = list(dict.fromkeys([*(target.tags or []), *(source.tags or [])]))
    target.custom_attributes = {**(source.custom_attributes or {}), **(target.custom_attributes or {})}
    target.name = target.name or source.name
    target.language = target.language or source.language
    target.time_zone = target.time_zone or source.time_zone
    target.updated_at = t
    source.merged_into_id = target.id
    source.updated_at = t
    await repo.update_customer(
        target, {"tags", "custom_attributes", "name", "language", "time_zone", "updated_at"}
    )
    await repo.update_customer(source, {"merged_into_id", "updated_at"})
    record_event(
        session,
        ev.CustomerMerged(
            workspace_id=actor.workspace_id,
            occurred_at=t,
            actor=actor.ref,
            customer_id=target.id,
            source_id=source.id,
        ),
    )
    return target

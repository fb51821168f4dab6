"""Reads of macros: the ones an agent may use, one by id (another's personal macro is a 404), and
what a macro would do to a ticket, its reply rendered in the right language."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import TICKETS_READ
from wowdesk.core.actor import Actor
from wowdesk.core.errors import NotFound
from wowdesk.core.i18n import LANGUAGES, N_, current_language, translate
from wowdesk.customers import queries as customers
from wowdesk.tickets.macros.models import MacroRow
from wowdesk.tickets.macros.plan import planned_changes, ticket_update
from wowdesk.tickets.macros.render import PLACEHOLDERS, PRIORITY_WORDS, STATUS_WORDS, first_word, pick, render
from wowdesk.tickets.macros.repository import MacrosRepository
from wowdesk.tickets.macros.schemas import MacroOut, MacroPreview, ReplyPreview
from wowdesk.tickets.models import TicketRow
from wowdesk.tickets.repository import TicketsRepository

__all__ = ["PLACEHOLDERS"]  # the placeholders a macro's reply may use, for forms that list them


def may_use(actor: Actor, macro: MacroRow) -> bool:
    """Shared macros are everyone's; a personal one only its owner's (and the system's, which
    applies macros for automations)."""
    return macro.owner_id is None or macro.owner_id == actor.id or actor.kind == "system"


def macro_out(row: MacroRow) -> MacroOut:
    return MacroOut(
        id=row.id,
        name=row.name,
        names=dict(row.names or {}),
        shared=row.owner_id is None,
        owner_id=row.owner_id,
        active=row.active,
        position=row.position,
        actions=list(row.actions or []),
        reply=row.reply,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def macro_name(row: MacroRow, language: str) -> str:
    """The macro's name in `language` if it has one there, else its name."""
    return str((row.names or {}).get(language) or row.name)


async def list_macros(session: AsyncSession, actor: Actor, *, active_only: bool = False) -> list[MacroRow]:
    actor.require(TICKETS_READ)
    owner = actor.id if actor.kind == "agent" else None
    return await MacrosRepository(session, actor.workspace_id).visible_to(owner, active_only=active_only)


async def get_macro(session: AsyncSession, actor: Actor, macro_id: int) -> MacroRow:
    actor.require(TICKETS_READ)
    row = await MacrosRepository(session, actor.workspace_id).macro(macro_id)
    if row is None or not may_use(actor, row):
        raise NotFound(N_("Macro not found."))
    return row


def agent_language(actor: Actor) -> str:
    return actor.language if actor.language in LANGUAGES else current_language()


async def reply_for(
    session: AsyncSession, actor: Actor, ticket: TicketRow, macro: MacroRow, language: str | None
) -> ReplyPreview | None:
    """The macro's reply for `ticket`, placeholders filled. Its language: `language` if given;
    else a public reply speaks the requester's language and an internal note the agent's; a
    text missing in that language falls back (render.pick)."""
    if not macro.reply or not macro.reply.get("texts"):
        return None
    public = bool(macro.reply.get("public", True))
    customer = await customers.find_customer(session, ticket.workspace_id, ticket.requester_id)
    if language is None:
        wanted = customer.language if public and customer and customer.language in LANGUAGES else None
        language = wanted or agent_language(actor)
    found = pick(dict(macro.reply["texts"]), language)
    if found is None:
        return None
    used, text = found
    after = planned_changes(ticket, [], ticket_update(macro.actions or []))
    values = await placeholder_values(
        session,
        actor,
        ticket,
        used,
        status=after.get("status", [None, ticket.status])[1],
        priority=after.get("priority", [None, ticket.priority])[1],
    )
    return ReplyPreview(body=render(text, values), public=public, language=used)


async def placeholder_values(
    session: AsyncSession,
    actor: Actor,
    ticket: TicketRow,
    language: str,
    *,
    status: str | None = None,
    priority: str | None = None,
) -> dict[str, str]:
    """What each placeholder stands for on `ticket`, words in `language`; `status` / `priority`
    as they will be (a macro changing them). When no agent acts (an automation rule writes the
    text) the agent's name is the workspace's: the reply is signed by the company."""
    names = await customers.customer_names(session, ticket.workspace_id, [ticket.requester_id])
    name, email = names.get(ticket.requester_id, ("", None))
    status = status or ticket.status
    priority = priority or ticket.priority
    workspace = await accounts.get_workspace(session, ticket.workspace_id)
    agent = actor.name if actor.kind == "agent" else workspace.name
    return {
        "ticket.number": str(ticket.number),
        "ticket.subject": ticket.subject,
        "ticket.status": translate(STATUS_WORDS.get(status, status), language),
        "ticket.priority": translate(PRIORITY_WORDS.get(priority, priority), language),
        "customer.name": name or "",
        "customer.first_name": first_word(name or ""),
        "customer.email": email or "",
        "agent.name": agent,
        "agent.first_name": first_word(agent),
        "workspace.name": workspace.name,
    }


async def preview(
    session: AsyncSession, actor: Actor, ticket: TicketRow, macro: MacroRow, language: str | None
) -> MacroPreview:
    tags = (await TicketsRepository(session, ticket.workspace_id).tags([ticket.id]))[ticket.id]
    changes = planned_changes(ticket, tags, ticket_update(macro.actions or []))
    return MacroPreview(
        macro_id=macro.id,
        name=macro_name(macro, agent_language(actor)),
        ticket_id=ticket.id,
        version=ticket.version,
        changes=changes,
        reply=await reply_for(session, actor, ticket, macro, language),
    )

"""Reads of ticket links: a ticket's links, where a merged ticket's replies go, which tickets were
merged into one (its timeline shows their comments)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.actor import Actor
from wowdesk.tickets.links.models import LinkRow
from wowdesk.tickets.links.repository import LinksRepository
from wowdesk.tickets.links.schemas import LinkedTicket, LinkOut
from wowdesk.tickets.models import TicketRow

MAX_DEPTH = 20  # merges of merges followed at most this far


async def merged_into(session: AsyncSession, workspace_id: int, ticket_id: int) -> int | None:
    """The ticket `ticket_id` was merged into, if it was."""
    link = await LinksRepository(session, workspace_id).link_of(ticket_id, "merged_into")
    return link.target_id if link else None


async def merged_sources(
    session: AsyncSession, workspace_id: int, ticket_id: int, *, links: list[LinkOut] | None = None
) -> list[int]:
    """Every ticket merged into `ticket_id`, directly or through merges of merges. With the
    ticket's `links` (list_links) the direct ones are known: no query when there are none."""
    repo = LinksRepository(session, workspace_id)
    found: list[int] = []
    level = [ticket_id]
    if links is not None:
        found = [lk.ticket_id for lk in links if lk.kind == "merged_into" and lk.target_id == ticket_id]
        level = list(found)
    for _depth in range(MAX_DEPTH):
        if not level:
            break
        level = [t for t in await repo.sources(level, "merged_into") if t not in found and t != ticket_id]
        if not level:
            break
        found.extend(level)
    return found


async def problem_of(session: AsyncSession, workspace_id: int, ticket_id: int) -> int | None:
    link = await LinksRepository(session, workspace_id).link_of(ticket_id, "incident_of")
    return link.target_id if link else None


async def list_links(session: AsyncSession, actor: Actor, ticket: TicketRow) -> list[LinkOut]:
    """The ticket's links both ways (what it was merged into and what was merged into it, its
    problem or incidents, its follow-ups, splits), oldest first."""
    repo = LinksRepository(session, actor.workspace_id)
    links = await repo.links_of(ticket.id)
    others = {(lk.target_id if lk.ticket_id == ticket.id else lk.ticket_id) for lk in links}
    briefs = await repo.briefs(sorted(others))
    out = []
    for lk in links:
        other = lk.target_id if lk.ticket_id == ticket.id else lk.ticket_id
        number, subject, status = briefs.get(other, (0, "", ""))
        out.append(_out(lk, LinkedTicket(id=other, number=number, subject=subject, status=status)))
    return out


def _out(lk: LinkRow, other: LinkedTicket) -> LinkOut:
    return LinkOut(
        id=lk.id,
        kind=lk.kind,
        ticket_id=lk.ticket_id,
        target_id=lk.target_id,
        other=other,
        created_by=lk.created_by,
        created_at=lk.created_at,
    )


async def get_link(session: AsyncSession, workspace_id: int, link_id: int) -> LinkRow | None:
    return await LinksRepository(session, workspace_id).link(link_id)


async def ticket_ids(session: AsyncSession, actor: Actor, numbers: list[int]) -> dict[int, int]:
    """number → id of the caller's workspace's tickets with these numbers (as agents name them)."""
    return await LinksRepository(session, actor.workspace_id).ids_by_numbers(numbers)

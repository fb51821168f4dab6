"""Writes of ticket links: merge, split, problem/incident links, and the requester's reply that
lands on the right ticket (the merge winner, or a follow-up of a closed ticket). Nothing here
commits; every ticket touched gets a new version and timeline lines saying what happened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import TICKETS_MERGE, TICKETS_WRITE
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, InvalidInput, NotFound
from wowdesk.core.events import record_event
from wowdesk.core.i18n import N_, _, translate
from wowdesk.core.jobs.registry import enqueue
from wowdesk.core.uow import now
from wowdesk.customers import queries as customers
from wowdesk.customers.schemas import RequesterIn
from wowdesk.tickets.actions import (
    _commit_changes,
    _line,
    _write_comment,
    do_add_comment,
    do_create_ticket,
    do_update_ticket,
)
from wowdesk.tickets.links import events as ev
from wowdesk.tickets.links.models import LinkRow
from wowdesk.tickets.links.repository import LinksRepository
from wowdesk.tickets.models import CommentRow, TicketRow
from wowdesk.tickets.outreach import tell_requester
from wowdesk.tickets.repository import TicketsRepository
from wowdesk.tickets.schemas import MAX_BODY, CommentCreate, TicketCreate, TicketUpdate

MAX_HOPS = 20  # merges of merges followed at most this far


def _ref(ticket: TicketRow) -> dict[str, Any]:
    return {"ticket_id": ticket.id, "number": ticket.number}


async def _touch(
    session: AsyncSession, repo: TicketsRepository, ticket: TicketRow, lines: list[dict[str, Any]]
) -> None:
    """Timeline lines on a ticket whose fields did not change: still a new version."""
    ticket.version += 1
    ticket.updated_at = now(session)
    await repo.update_ticket(ticket, {"version", "updated_at"})
    await repo.add_timeline(lines)


async def _link(
    session: AsyncSession, actor: Actor, ticket: TicketRow, kind: str, target: TicketRow
) -> LinkRow:
    row = await LinksRepository(session, actor.workspace_id).insert(
        LinkRow(
            id=0,
            workspace_id=actor.workspace_id,
            ticket_id=ticket.id,
            kind=kind,
            target_id=target.id,
            created_by=actor.ref,
            created_at=now(session),
        )
    )
    if kind != "merged_into":  # a merge has its own event
        record_event(
            session,
            ev.TicketLinked(
                workspace_id=actor.workspace_id,
                occurred_at=now(session),
                actor=actor.ref,
                ticket_id=ticket.id,
                kind=kind,
                target_id=target.id,
            ),
        )
    return row


# -- merge -----------------------------------------------------------------------------------------------


async def _losers(repo: TicketsRepository, winner: TicketRow, ids: list[int]) -> list[TicketRow]:
    """The tickets to merge, locked in id order, each checked (refused before anything is written)."""
    losers = []
    for ticket_id in sorted(ids):
        if ticket_id == winner.id:
            raise InvalidInput(N_("A ticket cannot be merged into itself."))
        loser = await repo.ticket(ticket_id, for_update=True)
        if loser is None:  # named in the body, not the path: the request is wrong, not the address
            raise InvalidInput(N_("The ticket {id} does not exist."), id=ticket_id)
        if loser.status == "closed":
            raise Conflict(
                N_("Ticket #{number} is closed; closed tickets cannot be merged."), number=loser.number
            )
        losers.append(loser)
    return losers


async def do_merge_tickets(
    session: AsyncSession, actor: Actor, winner: TicketRow, ids: list[int], comment: str | None = None
) -> list[TicketRow]:
    """Merge the tickets `ids` into `winner`: each gets an internal note "merged into #N", is
    closed (from whatever status: the one way a ticket closes without being solved) and links
    ``merged_into`` the winner; the winner takes their tags and an internal note listing them
    (and their requesters, when they differ). Their comments stay theirs: the winner's timeline
    and comments include them (one truth, no copies); requesters' later replies to a loser go to
    the winner. Returns the losers."""
    actor.require(TICKETS_WRITE)
    actor.require(TICKETS_MERGE)
    if winner.status == "closed":
        raise Conflict(N_("Ticket {number} is closed; closed tickets cannot change."), number=winner.number)
    repo = TicketsRepository(session, actor.workspace_id)
    losers = await _losers(repo, winner, ids)
    tags = await repo.tags([winner.id, *(t.id for t in losers)])
    extra = f"\n\n{comment.strip()}" if comment and comment.strip() else ""
    t = now(session)
    for loser in losers:
        lines: list[dict[str, Any]] = []
        note = _("Merged into #{number}: {subject}", number=winner.number, subject=winner.subject) + extra
        await _write_comment(
            session,
            repo,
            loser,
            lines,
            author=actor,
            uploader=actor,
            body=note[:MAX_BODY],
            public=False,
            via="api",
            attachment_ids=[],
        )
        lines.append(_line(session, actor, loser, "merged_into", new=_ref(winner)))
        changes: dict[str, list[Any]] = {"status": [loser.status, "closed"]}
        loser.status, loser.closed_at = "closed", t
        await _commit_changes(session, repo, actor, loser, changes, lines)
        await _link(session, actor, loser, "merged_into", winner)
    await _note_on_winner(session, repo, actor, winner, losers, tags, extra)
    record_event(
        session,
        ev.TicketsMerged(
            workspace_id=actor.workspace_id,
            occurred_at=t,
            actor=actor.ref,
            ticket_id=winner.id,
            merged_ids=[lo.id for lo in losers],
        ),
    )
    return losers


async def _note_on_winner(
    session: AsyncSession,
    repo: TicketsRepository,
    actor: Actor,
    winner: TicketRow,
    losers: list[TicketRow],
    tags: dict[int, list[str]],
    extra: str,
) -> None:
    listed = ", ".join(f"#{lo.number} {lo.subject}" for lo in losers)
    note = _("Merged into this ticket: {tickets}.", tickets=listed)
    others = sorted({lo.requester_id for lo in losers} - {winner.requester_id})
    if others:
        names = await customers.customer_names(session, actor.workspace_id, [winner.requester_id, *others])
        who = ", ".join(names.get(c, (str(c), None))[0] or str(c) for c in others)
        note += " " + _("Their requesters differ from this ticket's: {names}.", names=who)
    lines: list[dict[str, Any]] = []
    await _write_comment(
        session,
        repo,
        winner,
        lines,
        author=actor,
        uploader=actor,
        body=(note + extra)[:MAX_BODY],
        public=False,
        via="api",
        attachment_ids=[],
    )
    lines.append(_line(session, actor, winner, "merged", new={"tickets": [_ref(lo) for lo in losers]}))
    current = tags[winner.id]
    wanted = current + [tag for lo in losers for tag in tags[lo.id] if tag not in current]
    wanted = list(dict.fromkeys(wanted))
    if wanted != current:
        await repo.set_tags(winner.id, wanted[len(current) :], [])
        await _commit_changes(session, repo, actor, winner, {"tags": [current, wanted]}, lines)
    else:
        await _touch(session, repo, winner, lines)


# -- split -----------------------------------------------------------------------------------------------


async def do_split_ticket(
    session: AsyncSession, actor: Actor, ticket: TicketRow, comment_id: int, subject: str | None = None
) -> TicketRow:
    """A new ticket from one message of `ticket`: the same requester, team, priority and tags,
    the message as its description, the subject given or taken from the message; it links
    ``split_from`` the original and both timelines say so."""
    actor.require(TICKETS_WRITE)
    actor.require(TICKETS_MERGE)
    if ticket.status == "closed":
        raise Conflict(N_("Ticket {number} is closed; closed tickets cannot change."), number=ticket.number)
    repo = TicketsRepository(session, actor.workspace_id)
    comment = (await repo.comments_by_ids([comment_id])).get(comment_id)
    if comment is None or comment.ticket_id != ticket.id:
        raise InvalidInput(
            N_("The comment {id} is not on ticket #{number}."), id=comment_id, number=ticket.number
        )
    title = subject or " ".join(comment.body.split())[:120] or _("Split from #{number}", number=ticket.number)
    tags = (await repo.tags([ticket.id]))[ticket.id]
    new = await do_create_ticket(
        session,
        actor,
        TicketCreate(
            subject=title,
            description=comment.body,
            requester=RequesterIn(id=ticket.requester_id),
            priority=ticket.priority,
            team_id=ticket.team_id,
            tags=tags,
            channel=ticket.channel,
        ),
    )
    await _link(session, actor, new, "split_from", ticket)
    await repo.add_timeline(
        [_line(session, actor, new, "split_from", new={**_ref(ticket), "comment_id": comment_id})]
    )
    await _touch(
        session,
        repo,
        ticket,
        [_line(session, actor, ticket, "split_to", new={**_ref(new), "comment_id": comment_id})],
    )
    return new


# -- problems and incidents --------------------------------------------------------------------------


async def do_link_incident(
    session: AsyncSession, actor: Actor, incident: TicketRow, problem_id: int
) -> LinkRow:
    """`incident` becomes an incident of the problem ticket `problem_id` (its type becomes
    incident). When the problem is solved, its open incidents are solved and their requesters
    told (tickets.links.jobs)."""
    actor.require(TICKETS_WRITE)
    if problem_id == incident.id:
        raise InvalidInput(N_("A ticket cannot be an incident of itself."))
    repo = TicketsRepository(session, actor.workspace_id)
    problem = await repo.ticket(problem_id, for_update=True)
    if problem is None:
        raise InvalidInput(N_("The ticket {id} does not exist."), id=problem_id)
    if problem.type != "problem":
        raise InvalidInput(
            N_("Ticket #{number} is not a problem; incidents link only to problem tickets."),
            number=problem.number,
        )
    if incident.type == "problem":
        raise InvalidInput(N_("A problem ticket cannot be an incident of another problem."))
    for t in (incident, problem):
        if t.status == "closed":
            raise Conflict(N_("Ticket {number} is closed; closed tickets cannot change."), number=t.number)
    links = LinksRepository(session, actor.workspace_id)
    existing = await links.link_of(incident.id, "incident_of")
    if existing is not None:
        if existing.target_id == problem.id:
            return existing
        raise Conflict(
            N_("Ticket #{number} is an incident of another problem already; unlink it first."),
            number=incident.number,
        )
    link = await _link(session, actor, incident, "incident_of", problem)
    lines = [_line(session, actor, incident, "linked", new={"kind": "incident_of", **_ref(problem)})]
    if incident.type != "incident":
        changes: dict[str, list[Any]] = {"type": [incident.type, "incident"]}
        incident.type = "incident"
        await _commit_changes(session, repo, actor, incident, changes, lines)
    else:
        await _touch(session, repo, incident, lines)
    await _touch(
        session,
        repo,
        problem,
        [_line(session, actor, problem, "linked", new={"kind": "has_incident", **_ref(incident)})],
    )
    return link


async def do_unlink(session: AsyncSession, actor: Actor, ticket: TicketRow, link_id: int) -> None:
    """Remove an incident's link to its problem (from either end). Merges, splits and follow-ups
    are history and stay."""
    actor.require(TICKETS_WRITE)
    links = LinksRepository(session, actor.workspace_id)
    link = await links.link(link_id)
    if link is None or ticket.id not in (link.ticket_id, link.target_id):
        raise NotFound(N_("Link not found."))
    if link.kind != "incident_of":
        raise Conflict(N_("This link records a merge, a split or a follow-up; it stays."))
    repo = TicketsRepository(session, actor.workspace_id)
    other_id = link.target_id if link.ticket_id == ticket.id else link.ticket_id
    other = await repo.ticket(other_id, for_update=True)
    await links.delete(link)
    for a, b in ((ticket, other), (other, ticket)):
        if a is not None and a.status != "closed":
            ref = _ref(b) if b is not None else {"ticket_id": other_id}
            await _touch(
                session, repo, a, [_line(session, actor, a, "unlinked", old={"kind": link.kind, **ref})]
            )
    record_event(
        session,
        ev.TicketUnlinked(
            workspace_id=actor.workspace_id,
            occurred_at=now(session),
            actor=actor.ref,
            ticket_id=link.ticket_id,
            kind=link.kind,
            target_id=link.target_id,
        ),
    )


# -- the requester's replies -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    comment: CommentRow
    ticket: TicketRow  # where the reply landed
    routed: str | None  # None (the ticket asked for), "merged" or "follow_up"


async def do_add_requester_reply(
    session: AsyncSession, actor: Actor, ticket: TicketRow, data: CommentCreate
) -> Reply:
    """The requester's reply, posted by an integration: on a ticket merged into another it goes
    to the ticket that survives; on a closed ticket it opens a follow-up (same requester, team
    and tags, linked ``follow_up_of``); otherwise it is a comment that reopens a pending,
    on-hold or solved ticket (tickets.actions.do_add_comment)."""
    actor.require(TICKETS_WRITE)
    repo = TicketsRepository(session, actor.workspace_id)
    links = LinksRepository(session, actor.workspace_id)
    target, routed, seen = ticket, None, {ticket.id}
    while target.status == "closed" and len(seen) <= MAX_HOPS:
        link = await links.link_of(target.id, "merged_into")
        nxt = await repo.ticket(link.target_id, for_update=True) if link else None
        if nxt is None or nxt.id in seen:
            break
        target, routed = nxt, "merged"
        seen.add(nxt.id)
    if target.status != "closed":
        return Reply(await do_add_comment(session, actor, target, data), target, routed)
    follow_up = await _follow_up(session, actor, repo, target, data)
    first = await repo.comments(follow_up.id, limit=1)
    return Reply(first[0], follow_up, "follow_up")


async def _follow_up(
    session: AsyncSession, actor: Actor, repo: TicketsRepository, closed: TicketRow, data: CommentCreate
) -> TicketRow:
    tags = (await repo.tags([closed.id]))[closed.id]
    subject = _("Follow-up: {subject}", subject=closed.subject)[:500]
    new = await do_create_ticket(
        session,
        actor,
        TicketCreate(
            subject=subject,
            description=data.body,
            requester=RequesterIn(id=closed.requester_id),
            priority=closed.priority,
            type=closed.type,
            team_id=closed.team_id,
            tags=tags,
            channel=closed.channel,
            attachment_ids=data.attachment_ids,
        ),
    )
    await _link(session, actor, new, "follow_up_of", closed)
    await repo.add_timeline([_line(session, actor, new, "follow_up_of", new=_ref(closed))])
    return new


# -- a problem solved --------------------------------------------------------------------------------------

SOLVE_INCIDENTS_JOB = "tickets.solve_incidents"
INCIDENTS_PER_RUN = 100
PROBLEM_FIXED = N_(
    "The underlying problem of your request (#{number} {subject}) has been fixed, so we have marked "
    "your request as solved. If something is still not right, just reply and we will pick it up again."
)


async def do_solve_incidents(session: AsyncSession, actor: Actor, problem_id: int, *, after: int = 0) -> int:
    """The problem `problem_id` was solved: each of its incidents not yet solved or closed is told
    so (a public reply in its requester's language, through tickets.outreach) and solved. One
    run handles a batch and queues the next; an incident that cannot be solved (a custom field
    needed to solve it is empty) keeps its status and says why in an internal note. Returns how
    many incidents were solved."""
    repo = TicketsRepository(session, actor.workspace_id)
    problem = await repo.ticket(problem_id)
    if problem is None or problem.status != "solved":
        return 0  # reopened (or gone) before this ran: its incidents wait for the next solve
    ids = await LinksRepository(session, actor.workspace_id).open_incidents(
        problem.id, after=after, limit=INCIDENTS_PER_RUN + 1
    )
    solved = 0
    for incident_id in ids[:INCIDENTS_PER_RUN]:
        incident = await repo.ticket(incident_id, for_update=True)
        if incident is None:
            continue
        customer = await customers.find_customer(session, actor.workspace_id, incident.requester_id)
        language = customer.language if customer else None
        body = translate(PROBLEM_FIXED, language, number=problem.number, subject=problem.subject)
        await tell_requester(session, actor, incident, body)
        try:
            await do_update_ticket(session, actor, incident, TicketUpdate(status="solved"))
            solved += 1
        except InvalidInput as exc:
            note = _("This incident stays open: {reason}", reason=exc.localized(None))
            await do_add_comment(session, actor, incident, CommentCreate(body=note[:MAX_BODY], public=False))
    if len(ids) > INCIDENTS_PER_RUN:
        last = ids[INCIDENTS_PER_RUN - 1]
        await enqueue(
            session,
            SOLVE_INCIDENTS_JOB,
            {"problem_id": problem.id, "after": last},
            workspace_id=actor.workspace_id,
            dedupe_key=f"solve-incidents:{problem.id}:{problem.solved_at}:{last}",
        )
    return solved

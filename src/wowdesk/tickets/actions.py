"""Writes for tickets: create, update (through the state table), comment, attach, custom fields.

Every change leaves one timeline row per field (old → new) and one ``ticket.*`` event; nothing here
commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import FIELDS_MANAGE, TICKETS_WRITE
from wowdesk.commerce import queries as commerce
from wowdesk.conversations import actions as chat_actions
from wowdesk.conversations import queries as chat_queries
from wowdesk.core.actor import Actor
from wowdesk.core.counters import next_value
from wowdesk.core.errors import Conflict, InvalidInput
from wowdesk.core.events import record_event
from wowdesk.core.i18n import N_, _
from wowdesk.core.jobs.registry import enqueue
from wowdesk.core.search import index_document
from wowdesk.core.uow import context, now
from wowdesk.customers import actions as customer_actions
from wowdesk.customers import queries as customers
from wowdesk.customers.schemas import RequesterIn
from wowdesk.policies.reasons import queries as reasons
from wowdesk.tickets import events as ev
from wowdesk.tickets.fields import missing_required, validate_custom_fields
from wowdesk.tickets.models import AttachmentRow, CommentRow, FieldRow, TicketRow
from wowdesk.tickets.repository import SEARCH_KIND, TicketsRepository
from wowdesk.tickets.routing import actions as routing
from wowdesk.tickets.schemas import (
    MAX_BODY,
    CommentCreate,
    FieldCreate,
    FieldUpdate,
    TicketCreate,
    TicketUpdate,
)
from wowdesk.tickets.sla import tracking as sla
from wowdesk.tickets.states import can_transition

AUTOCLOSE_JOB = "tickets.autoclose"
MAX_MERGE_HOPS = 20
# A requester's reply on a ticket waiting in one of these opens it again (on a closed one it opens
# a follow-up: tickets.links.actions.do_add_requester_reply).
REOPENED_BY_REQUESTER = frozenset({"pending", "on_hold", "solved"})
# The composition root puts the automations' reaction here (``context(session)``): rules run at the
# end of every ticket write, in its unit of work (tickets.automations.engine).
REACTOR = "ticket_reactor"


async def react(session: AsyncSession, ticket: TicketRow) -> None:
    """Let the workspace's rules react to what was just done to `ticket`."""
    reactor = context(session).get(REACTOR)
    if reactor is not None:
        await reactor(session, ticket)


def _line(
    session: AsyncSession,
    actor: Actor,
    ticket: TicketRow,
    kind: str,
    *,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    comment_id: int | None = None,
) -> dict[str, Any]:
    """One timeline line (written by ``TicketsRepository.add_timeline``)."""
    return {
        "ticket_id": ticket.id,
        "actor": actor.ref,
        "via": actor.via,
        "kind": kind,
        "field": field,
        "old": old,
        "new": new,
        "comment_id": comment_id,
        "created_at": now(session),
    }


async def _surviving_customer(session: AsyncSession, workspace_id: int, customer_id: int) -> int | None:
    """The customer that stands for `customer_id`: itself, or the one it was merged into (following
    merges of merges); None if there is no such customer in the workspace."""
    current, seen = customer_id, set[int]()
    while current not in seen and len(seen) < MAX_MERGE_HOPS:
        seen.add(current)
        customer = await customers.find_customer(session, workspace_id, current)
        if customer is None:
            return None
        if customer.merged_into_id is None:
            return customer.id
        current = customer.merged_into_id
    return current


async def _resolve_requester(session: AsyncSession, actor: Actor, requester: RequesterIn) -> int:
    if requester.id is not None:
        found = await _surviving_customer(session, actor.workspace_id, requester.id)
        if found is None:
            raise InvalidInput(N_("The requester {id} does not exist."), id=requester.id)
        return found
    customer = await customer_actions.do_find_or_create_customer(
        session,
        actor,
        email=requester.email,
        phone=requester.phone,
        name=requester.name,
        language=requester.language,
    )
    return customer.id


async def _check_assignment(
    session: AsyncSession, workspace_id: int, assignee_id: int | None, team_id: int | None
) -> None:
    if team_id is not None and not await accounts.team_exists(session, workspace_id, team_id):
        raise InvalidInput(N_("The team {id} does not exist."), id=team_id)
    if assignee_id is not None:
        if not await accounts.agent_is_active(session, workspace_id, assignee_id):
            raise InvalidInput(N_("The assignee {id} is not an active agent."), id=assignee_id)
        if team_id is not None and not await accounts.is_team_member(
            session, workspace_id, team_id, assignee_id
        ):
            raise InvalidInput(
                N_("The assignee {id} is not a member of team {team_id}."), id=assignee_id, team_id=team_id
            )


async def _attach(
    repo: TicketsRepository,
    actor: Actor,
    ticket: TicketRow,
    comment_id: int | None,
    attachment_ids: list[int],
) -> list[AttachmentRow]:
    if not attachment_ids:
        return []
    attachment_ids = list(dict.fromkeys(attachment_ids))  # naming a file twice attaches it once
    found = await repo.attachments_by_ids(attachment_ids)
    by_id = {a.id: a for a in found}
    for aid in attachment_ids:
        a = by_id.get(aid)
        if a is None:
            raise InvalidInput(N_("The attachment {id} does not exist."), id=aid)
        if a.ticket_id is not None:
            raise Conflict(N_("The attachment {id} is attached already."), id=aid)
        if a.uploaded_by != actor.ref:
            raise InvalidInput(N_("The attachment {id} was uploaded by someone else."), id=aid)
    for aid in attachment_ids:
        await repo.attach(by_id[aid], ticket.id, comment_id)
    return [by_id[i] for i in attachment_ids]


async def _schedule_autoclose(session: AsyncSession, ticket: TicketRow) -> None:
    days = int(context(session).get("autoclose_solved_after_days", 0) or 0)
    if days <= 0 or ticket.solved_at is None:
        return
    await enqueue(
        session,
        AUTOCLOSE_JOB,
        {"ticket_id": ticket.id, "solved_at": ticket.solved_at.isoformat()},
        workspace_id=ticket.workspace_id,
        run_at=ticket.solved_at + dt.timedelta(days=days),
        dedupe_key=f"autoclose:{ticket.id}:{ticket.solved_at.isoformat()}",
    )


async def _write_comment(
    session: AsyncSession,
    repo: TicketsRepository,
    ticket: TicketRow,
    lines: list[dict[str, Any]],
    *,
    author: Actor,
    uploader: Actor,
    body: str,
    public: bool,
    via: str,
    attachment_ids: list[int],
) -> CommentRow:
    """Store a reply or note with its attachments; its timeline line joins `lines`."""
    comment = await repo.insert_comment(
        CommentRow(
            id=0,
            workspace_id=ticket.workspace_id,
            ticket_id=ticket.id,
            author_kind=author.kind,
            author_id=author.id,
            body=body,
            public=public,
            via=via,
            created_at=now(session),
        )
    )
    attachments = await _attach(repo, uploader, ticket, comment.id, attachment_ids)
    lines.append(
        _line(
            session,
            author,
            ticket,
            "comment",
            comment_id=comment.id,
            new={"public": public, "attachments": [a.id for a in attachments]},
        )
    )
    return comment


async def _check_about(
    session: AsyncSession, actor: Actor, contact_reason: str | None, order_id: int | None
) -> None:
    """The reason must be one of the workspace's active contact reasons, the order one of its orders."""
    if contact_reason is not None:
        await reasons.check_reason(session, actor.workspace_id, contact_reason)
    if order_id is not None and not await commerce.order_exists(session, actor.workspace_id, order_id):
        raise InvalidInput(N_("There is no order {id} in this workspace."), id=order_id)


async def do_create_ticket(session: AsyncSession, actor: Actor, data: TicketCreate) -> TicketRow:
    actor.require(TICKETS_WRITE)
    repo = TicketsRepository(session, actor.workspace_id)
    requester_id = await _resolve_requester(session, actor, data.requester)
    await _check_assignment(session, actor.workspace_id, data.assignee_id, data.team_id)
    await _check_about(session, actor, data.contact_reason, data.order_id)
    # The definitions matter only when values are given or the ticket starts solved.
    needs_fields = bool(data.custom_fields) or data.status == "solved"
    definitions = await repo.fields(active_only=True) if needs_fields else []
    custom = validate_custom_fields(definitions, data.custom_fields) if data.custom_fields else {}
    if data.status == "solved" and (missing := missing_required(definitions, custom)):
        raise InvalidInput(N_("Fill in {fields} before solving."), fields=", ".join(missing))
    t = now(session)
    ticket = await repo.insert_ticket(
        TicketRow(
            id=0,
            workspace_id=actor.workspace_id,
            number=await next_value(session, actor.workspace_id, "ticket"),
            subject=data.subject,
            status=data.status,
            priority=data.priority,
            type=data.type,
            requester_id=requester_id,
            assignee_id=data.assignee_id,
            team_id=data.team_id,
            channel=data.channel,
            custom_fields=custom,
            version=1,
            created_at=t,
            updated_at=t,
            solved_at=t if data.status == "solved" else None,
            closed_at=None,
            status_changed_at=t,
            contact_reason=data.contact_reason,
            order_id=data.order_id,
        )
    )
    await repo.set_tags(ticket.id, data.tags, [])
    lines = [
        _line(
            session,
            actor,
            ticket,
            "created",
            new={
                "subject": ticket.subject,
                "status": ticket.status,
                "priority": ticket.priority,
                "type": ticket.type,
                "requester_id": requester_id,
                "assignee_id": ticket.assignee_id,
                "team_id": ticket.team_id,
                "tags": data.tags,
                "custom_fields": custom,
                "channel": ticket.channel,
                **({"contact_reason": ticket.contact_reason} if ticket.contact_reason else {}),
                **({"order_id": ticket.order_id} if ticket.order_id else {}),
            },
        )
    ]
    text = ticket.subject
    if data.description or data.attachment_ids:
        # The description is the requester's first public message; the uploads are the agent's.
        requester = Actor(kind="customer", workspace_id=actor.workspace_id, id=requester_id)
        await _write_comment(
            session,
            repo,
            ticket,
            lines,
            author=requester,
            uploader=actor,
            body=data.description,
            public=True,
            via=data.channel,
            attachment_ids=data.attachment_ids,
        )
        text += "\n" + data.description
    await repo.add_timeline(lines)
    await index_document(
        session, workspace_id=actor.workspace_id, kind=SEARCH_KIND, ref_id=ticket.id, content=text, new=True
    )
    await sla.do_start_timers(session, ticket, data.tags)
    record_event(
        session,
        ev.TicketCreated(
            workspace_id=actor.workspace_id,
            occurred_at=t,
            actor=actor.ref,
            ticket_id=ticket.id,
            number=ticket.number,
            requester_id=requester_id,
            assignee_id=ticket.assignee_id,
            team_id=ticket.team_id,
            status=ticket.status,
            priority=ticket.priority,
            contact_reason=ticket.contact_reason,
            order_id=ticket.order_id,
        ),
    )
    if ticket.status == "solved":
        await _schedule_autoclose(session, ticket)
    if ticket.team_id is not None and ticket.assignee_id is None:
        await routing.do_auto_route(session, ticket)  # the team's routing rule picks an agent
    await react(session, ticket)
    return ticket


async def do_update_ticket(
    session: AsyncSession,
    actor: Actor,
    ticket: TicketRow,
    data: TicketUpdate,
    *,
    expected_version: int | None = None,
) -> TicketRow:
    actor.require(TICKETS_WRITE)
    if expected_version is not None and expected_version != ticket.version:
        raise Conflict(
            N_("The ticket changed since you loaded it (version {current}, yours {yours})."),
            current=ticket.version,
            yours=expected_version,
            extra={"current_version": ticket.version},
        )
    if ticket.status == "closed":
        raise Conflict(N_("Ticket {number} is closed; closed tickets cannot change."), number=ticket.number)
    repo = TicketsRepository(session, actor.workspace_id)
    fields = data.model_fields_set
    changes: dict[str, list[Any]] = {}

    def change(name: str, new: Any) -> None:
        old = getattr(ticket, name)
        if new != old:
            changes[name] = [old, new]
            setattr(ticket, name, new)

    for name in ("subject", "priority", "type"):
        if name in fields:
            change(name, getattr(data, name))
    if (
        "requester_id" in fields
        and data.requester_id is not None
        and data.requester_id != ticket.requester_id
    ):
        change("requester_id", await _resolve_requester(session, actor, RequesterIn(id=data.requester_id)))
    if {"assignee_id", "team_id"} & fields:
        assignee = data.assignee_id if "assignee_id" in fields else ticket.assignee_id
        team = data.team_id if "team_id" in fields else ticket.team_id
        await _check_assignment(session, actor.workspace_id, assignee, team)
        change("team_id", team)
        change("assignee_id", assignee)
    if {"contact_reason", "order_id"} & fields:
        # Only what changes is checked: a retired reason a ticket already carries may stay.
        reason = data.contact_reason if data.contact_reason != ticket.contact_reason else None
        order = data.order_id if data.order_id != ticket.order_id else None
        await _check_about(
            session,
            actor,
            reason if "contact_reason" in fields else None,
            order if "order_id" in fields else None,
        )
        for name in ("contact_reason", "order_id"):
            if name in fields:
                change(name, getattr(data, name))
    if data.custom_fields is not None:
        definitions = await repo.fields(active_only=True)
        change("custom_fields", validate_custom_fields(definitions, data.custom_fields, ticket.custom_fields))
    if data.tags is not None or data.add_tags is not None or data.remove_tags is not None:
        current = (await repo.tags([ticket.id]))[ticket.id]
        if data.tags is not None:
            wanted = data.tags
        else:
            drop = set(data.remove_tags or [])
            wanted = [t for t in current if t not in drop] + [
                t for t in data.add_tags or [] if t not in current
            ]
        if sorted(wanted) != sorted(current):
            await repo.set_tags(
                ticket.id, [t for t in wanted if t not in current], [t for t in current if t not in wanted]
            )
            changes["tags"] = [current, wanted]
    if "status" in fields and data.status is not None:
        await _change_status(session, ticket, data.status, changes)
    if changes:
        await _commit_changes(session, repo, actor, ticket, changes)
        if "team_id" in changes and ticket.team_id is not None and ticket.assignee_id is None:
            await routing.do_auto_route(session, ticket)  # moved to a team, to nobody: its rule picks
        await react(session, ticket)
    return ticket


async def _change_status(
    session: AsyncSession, ticket: TicketRow, status: str, changes: dict[str, list[Any]]
) -> None:
    old = ticket.status
    if status == old:
        return
    if not can_transition(old, status):
        raise Conflict(
            N_("A ticket cannot go from {old} to {new}."), old=old, new=status, extra={"current_status": old}
        )
    if status == "solved":
        definitions = await TicketsRepository(session, ticket.workspace_id).fields(active_only=True)
        if missing := missing_required(definitions, ticket.custom_fields or {}):
            raise InvalidInput(N_("Fill in {fields} before solving."), fields=", ".join(missing))
    t = now(session)
    changes["status"] = [old, status]
    ticket.status = status
    ticket.status_changed_at = t
    if status == "solved":
        ticket.solved_at = t
    elif status == "closed":
        ticket.closed_at = t
    elif old == "solved":
        ticket.solved_at = None  # reopened


# Columns a status change may move besides `status` itself.
_STATUS_TIMES = ("solved_at", "closed_at", "status_changed_at")


async def _commit_changes(
    session: AsyncSession,
    repo: TicketsRepository,
    actor: Actor,
    ticket: TicketRow,
    changes: dict[str, list[Any]],
    lines: list[dict[str, Any]] | None = None,
) -> None:
    """Write the changed fields with a new version, one timeline line per field (after `lines`
    the caller collected), and a ``ticket.updated`` event."""
    t = now(session)
    ticket.version += 1
    ticket.updated_at = t
    lines = list(lines or [])
    for name, (old, new) in changes.items():
        lines.append(_line(session, actor, ticket, "changed", field=name, old=old, new=new))
    columns = {c for c in changes if c != "tags"} | {"version", "updated_at"}
    if "status" in changes:
        columns.update(_STATUS_TIMES)
    await repo.update_ticket(ticket, columns)
    await repo.add_timeline(lines)
    await sla.do_follow_changes(session, ticket, changes)
    if "subject" in changes:
        await _reindex(session, repo, ticket)
    record_event(
        session,
        ev.TicketUpdated(
            workspace_id=ticket.workspace_id,
            occurred_at=t,
            actor=actor.ref,
            ticket_id=ticket.id,
            changes=changes,
        ),
    )
    if changes.get("status", [None, None])[1] == "solved":
        await _schedule_autoclose(session, ticket)


async def _reindex(session: AsyncSession, repo: TicketsRepository, ticket: TicketRow) -> None:
    content = "\n".join([ticket.subject, *await repo.comment_bodies(ticket.id)])
    await index_document(
        session, workspace_id=ticket.workspace_id, kind=SEARCH_KIND, ref_id=ticket.id, content=content
    )


async def do_add_comment(
    session: AsyncSession, actor: Actor, ticket: TicketRow, data: CommentCreate
) -> CommentRow:
    actor.require(TICKETS_WRITE)
    if ticket.status == "closed":
        raise Conflict(N_("Ticket {number} is closed; closed tickets cannot change."), number=ticket.number)
    repo = TicketsRepository(session, actor.workspace_id)
    t = now(session)
    lines: list[dict[str, Any]] = []
    author, status = actor, data.status
    if data.author == "requester":  # an integration posting the requester's reply: always public
        author = Actor(
            kind="customer", workspace_id=actor.workspace_id, id=ticket.requester_id, via=actor.ref
        )
        status = "open" if ticket.status in REOPENED_BY_REQUESTER else None
    comment = await _write_comment(
        session,
        repo,
        ticket,
        lines,
        author=author,
        uploader=actor,
        body=data.body,
        public=data.public,
        via="api",
        attachment_ids=data.attachment_ids,
    )
    await index_document(
        session,
        workspace_id=actor.workspace_id,
        kind=SEARCH_KIND,
        ref_id=ticket.id,
        content=data.body,
        append=True,
    )
    changes: dict[str, list[Any]] = {}
    if status is not None:
        await _change_status(session, ticket, status, changes)
    if changes:
        await _commit_changes(session, repo, author, ticket, changes, lines)
    else:
        ticket.version += 1
        ticket.updated_at = t
        await repo.update_ticket(ticket, {"version", "updated_at"})
        await repo.add_timeline(lines)
    await sla.do_follow_comment(session, ticket, comment)
    record_event(
        session,
        ev.TicketCommentAdded(
            workspace_id=actor.workspace_id,
            occurred_at=t,
            actor=actor.ref,
            ticket_id=ticket.id,
            comment_id=comment.id,
            public=data.public,
            author=author.ref,
            email=data.public and ticket.replies_by == "email" and author.kind != "customer",
        ),
    )
    await react(session, ticket)
    return comment


async def do_register_attachment(
    session: AsyncSession,
    actor: Actor,
    *,
    filename: str,
    content_type: str,
    size: int,
    sha256: str,
    storage_key: str,
) -> AttachmentRow:
    """Record an uploaded file; it is linked to a ticket when a comment names it."""
    actor.require(TICKETS_WRITE)
    return await TicketsRepository(session, actor.workspace_id).insert_attachment(
        AttachmentRow(
            id=0,
            workspace_id=actor.workspace_id,
            ticket_id=None,
            comment_id=None,
            uploaded_by=actor.ref,
            filename=filename,
            content_type=content_type,
            size=size,
            sha256=sha256,
            storage_key=storage_key,
            created_at=now(session),
        )
    )


async def do_move_requester(session: AsyncSession, actor: Actor, from_id: int, to_id: int) -> int:
    """After a customer merge: the surviving customer becomes the requester of the other's tickets
    (closed ones too). Each move is a change like any other: a new version, a timeline line, a
    ``ticket.updated`` event. If the target was itself merged meanwhile, the tickets go to the
    customer that survives now."""
    target = await _surviving_customer(session, actor.workspace_id, to_id)
    if target is None or target == from_id:
        return 0
    moved = 0
    repo = TicketsRepository(session, actor.workspace_id)
    for ticket in await repo.tickets_of_requester(from_id, for_update=True):
        ticket.requester_id = target
        await _commit_changes(session, repo, actor, ticket, {"requester_id": [from_id, target]})
        moved += 1
    return moved


async def do_close_solved(session: AsyncSession, actor: Actor, ticket_id: int, solved_at: str) -> bool:
    """Close a ticket that stayed solved since `solved_at` (the autoclose job)."""
    ticket = await TicketsRepository(session, actor.workspace_id).ticket(ticket_id, for_update=True)
    if ticket is None or ticket.status != "solved" or ticket.solved_at is None:
        return False
    if ticket.solved_at.isoformat() != solved_at:
        return False  # reopened and solved again since: that solve has its own job
    await do_update_ticket(session, actor, ticket, TicketUpdate(status="closed"))
    return True


# -- custom field definitions ------------------------------------------------------------------------------


async def do_create_field(session: AsyncSession, actor: Actor, data: FieldCreate) -> FieldRow:
    actor.require(FIELDS_MANAGE)
    repo = TicketsRepository(session, actor.workspace_id)
    if await repo.field_by_key(data.key):
        raise Conflict(N_("A custom field with the key {key} exists already."), key=data.key)
    return await repo.insert_field(
        FieldRow(
            id=0,
            key=data.key,
            label=data.label,
            labels={str(k): v for k, v in data.labels.items()},
            type=data.type,
            options=data.options,
            required_to_solve=data.required_to_solve,
            active=True,
            position=data.position,
        ),
        now(session),
    )


async def do_update_field(session: AsyncSession, actor: Actor, defn: FieldRow, data: FieldUpdate) -> FieldRow:
    actor.require(FIELDS_MANAGE)
    columns: set[str] = set()
    if data.options is not None:
        if defn.type != "dropdown":
            raise InvalidInput(N_("Only dropdown fields have options."))
        opts = [o.strip() for o in data.options if o.strip()]
        if not opts or len(set(opts)) != len(opts):
            raise InvalidInput(N_("A dropdown needs unique, non-empty options."))
        defn.options = opts
        columns.add("options")
    for name in ("label", "labels", "required_to_solve", "active", "position"):
        value = getattr(data, name)
        if name in data.model_fields_set and value is not None:
            setattr(defn, name, {str(k): v for k, v in value.items()} if name == "labels" else value)
            columns.add(name)
    await TicketsRepository(session, actor.workspace_id).update_field(defn, columns, now(session))
    return defn


async def do_delete_field(session: AsyncSession, actor: Actor, defn: FieldRow) -> None:
    """Remove a field no ticket holds a value for; one in use is deactivated instead (its values
    are the tickets' data)."""
    actor.require(FIELDS_MANAGE)
    repo = TicketsRepository(session, actor.workspace_id)
    if await repo.field_in_use(defn.key):
        raise Conflict(
            N_("Tickets hold values for the field {label}; deactivate it instead of deleting it."),
            label=defn.label,
        )
    await repo.delete_field(defn)


# -- from a conversation ------------------------------------------------------------------------------------


async def do_create_ticket_from_conversation(
    session: AsyncSession,
    actor: Actor,
    conversation: chat_queries.ConversationRow,
    *,
    message: str | None = None,
    tags: list[str] | None = None,
    replies_by: str | None = None,
) -> tuple[TicketRow, bool]:
    """A ticket for a chat: the customer is the requester, their first message the description,
    the whole transcript an internal note; the conversation points at the ticket (and a second call
    returns the same ticket, ``created`` False).

    For a message left while nobody takes chats (``tickets.email``): `message` is what the ticket is
    about (its subject and description) and a closed ticket of the conversation gives way to a new
    one; the new ticket is tagged `tags`, and `replies_by` says how its public replies reach the
    requester ("email")."""
    actor.require(TICKETS_WRITE)
    repo = TicketsRepository(session, actor.workspace_id)
    if conversation.ticket_id is not None:
        existing = await repo.ticket(conversation.ticket_id)
        if existing is not None and (message is None or existing.status != "closed"):
            return existing, False
    lines = await chat_queries.transcript(session, actor.workspace_id, conversation)
    public = [m for m in lines if not m.private]
    first = (
        message if message is not None else next((m.body for m in public if m.direction == "incoming"), "")
    )
    subject = " ".join(first.split())[:120] or _("Chat conversation {id}", id=conversation.id)
    ticket = await do_create_ticket(
        session,
        actor,
        TicketCreate(
            subject=subject,
            description=first,
            requester=RequesterIn(id=conversation.customer_id),
            channel="chat",
            priority=conversation.priority,
            tags=tags or [],
        ),
    )
    if replies_by is not None:
        ticket.replies_by = replies_by
        await repo.update_ticket(ticket, {"replies_by"})
    transcript = "\n".join(
        f"[{m.created_at:%Y-%m-%d %H:%M} UTC] "
        f"{_('Customer') if m.author.kind == 'customer' else (m.author.name or _('Agent'))}: {m.body}"
        for m in public
    )
    if transcript:
        await do_add_comment(
            session,
            actor,
            ticket,
            CommentCreate(body=transcript[:MAX_BODY], public=False),
        )
    await chat_actions.do_link_ticket(session, actor, conversation, ticket.id)
    return ticket, True

"""Writes of macros: create, change, delete (shared ones need MACROS_MANAGE, personal ones are
their owner's), and apply — one unit of work, one new ticket version, whoever applies it (an
agent, or the system for an automation)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import MACROS_MANAGE, TICKETS_WRITE
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from wowdesk.core.events import record_event
from wowdesk.core.i18n import N_
from wowdesk.core.search import index_document
from wowdesk.core.uow import now
from wowdesk.tickets import events as ticket_events
from wowdesk.tickets.actions import _line, _write_comment, do_update_ticket, react
from wowdesk.tickets.fields import validate_custom_fields
from wowdesk.tickets.macros import queries
from wowdesk.tickets.macros.events import MacroApplied
from wowdesk.tickets.macros.models import MacroRow
from wowdesk.tickets.macros.plan import ticket_update
from wowdesk.tickets.macros.render import PLACEHOLDERS, unknown_placeholders
from wowdesk.tickets.macros.repository import MacrosRepository
from wowdesk.tickets.macros.schemas import (
    CUSTOM_PREFIX,
    SETTABLE,
    MacroAction,
    MacroCreate,
    MacroReply,
    MacroUpdate,
)
from wowdesk.tickets.models import CommentRow, FieldRow, TicketRow
from wowdesk.tickets.repository import SEARCH_KIND, TicketsRepository
from wowdesk.tickets.sla import tracking as sla
from wowdesk.tickets.states import PRIORITIES, STATUSES, TYPES

# A macro may move a ticket to these (never back to new, never closed: closing is autoclose's).
MACRO_STATUSES = tuple(s for s in STATUSES if s not in ("new", "closed"))
_CHOICES = {"status": MACRO_STATUSES, "priority": PRIORITIES, "type": TYPES}


def _may_change(actor: Actor, owner_id: int | None) -> None:
    if owner_id is None and not actor.can(MACROS_MANAGE):
        raise Forbidden(N_("Only supervisors and admins change the macros everyone shares."))
    if owner_id is not None and owner_id != actor.id and actor.kind != "system":
        raise NotFound(N_("Macro not found."))


async def _check_set(
    session: AsyncSession, workspace_id: int, name: str, value: Any, definitions: list[FieldRow]
) -> Any:
    if name in _CHOICES:
        if value not in _CHOICES[name]:
            raise InvalidInput(
                N_("A macro cannot set {field} to {value}; use one of {choices}."),
                field=name,
                value=value,
                choices=", ".join(_CHOICES[name]),
            )
        return value
    if name in ("assignee_id", "team_id"):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(N_("{field} is an id or null."), field=name)
        if name == "team_id" and await accounts.find_team(session, workspace_id, value) is None:
            raise InvalidInput(N_("The team {id} does not exist."), id=value)
        if name == "assignee_id":
            agent = await accounts.find_agent(session, workspace_id, value)
            if agent is None or not agent.active:
                raise InvalidInput(N_("The assignee {id} is not an active agent."), id=value)
        return value
    key = name.removeprefix(CUSTOM_PREFIX)
    return validate_custom_fields(definitions, {key: value}).get(key)


async def _check_actions(
    session: AsyncSession, workspace_id: int, actions: list[MacroAction]
) -> list[dict[str, Any]]:
    """The actions as stored, each checked against the workspace (unknown fields, statuses,
    agents, teams, custom fields and their options are a 422 naming them)."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    definitions: list[FieldRow] = []
    if any(a.set and a.set.startswith(CUSTOM_PREFIX) for a in actions):
        definitions = await TicketsRepository(session, workspace_id).fields(active_only=True)
    for a in actions:
        if a.set is None:
            out.append({"add_tags": a.add_tags} if a.add_tags is not None else {"remove_tags": a.remove_tags})
            continue
        if a.set not in SETTABLE and not (
            a.set.startswith(CUSTOM_PREFIX) and len(a.set) > len(CUSTOM_PREFIX)
        ):
            raise InvalidInput(
                N_("A macro cannot set {field}; it sets {choices} or custom_fields.<key>."),
                field=a.set,
                choices=", ".join(SETTABLE),
            )
        if a.set in seen:
            raise InvalidInput(N_("The macro sets {field} twice."), field=a.set)
        seen.add(a.set)
        out.append(
            {"set": a.set, "value": await _check_set(session, workspace_id, a.set, a.value, definitions)}
        )
    sets = {a["set"]: a["value"] for a in out if "set" in a}
    both = sets.get("assignee_id") and sets.get("team_id")
    if both and not await accounts.is_team_member(
        session, workspace_id, sets["team_id"], sets["assignee_id"]
    ):
        raise InvalidInput(
            N_("The assignee {id} is not a member of team {team_id}."),
            id=sets["assignee_id"],
            team_id=sets["team_id"],
        )
    return out


def _check_reply(reply: MacroReply | None) -> dict[str, Any] | None:
    if reply is None:
        return None
    for lang, text in reply.texts.items():
        unknown = unknown_placeholders(text)
        if unknown:
            raise InvalidInput(
                N_("Unknown placeholder {placeholder}; use one of {choices}."),
                placeholder="{{ " + unknown[0] + " }}",
                choices=", ".join("{{ " + p + " }}" for p in PLACEHOLDERS),
                extra={"errors": [{"field": f"reply.texts.{lang}", "placeholders": unknown}]},
            )
    return {"texts": dict(reply.texts), "public": reply.public}


async def do_create_macro(session: AsyncSession, actor: Actor, data: MacroCreate) -> MacroRow:
    actor.require(TICKETS_WRITE)
    owner = None if data.shared else actor.id
    if owner is None and not data.shared:
        raise InvalidInput(N_("Only an agent keeps personal macros."))
    _may_change(actor, owner)
    t = now(session)
    row = MacroRow(
        id=0,
        workspace_id=actor.workspace_id,
        owner_id=owner,
        name=data.name,
        names={str(k): v for k, v in data.names.items()},
        actions=await _check_actions(session, actor.workspace_id, data.actions),
        reply=_check_reply(data.reply),
        active=data.active,
        position=data.position,
        created_at=t,
        updated_at=t,
    )
    return await MacrosRepository(session, actor.workspace_id).insert(row)


async def do_update_macro(
    session: AsyncSession, actor: Actor, macro: MacroRow, data: MacroUpdate
) -> MacroRow:
    actor.require(TICKETS_WRITE)
    _may_change(actor, macro.owner_id)
    given = data.model_fields_set
    columns: set[str] = set()
    for name in ("name", "active", "position"):
        if name in given:
            setattr(macro, name, getattr(data, name))
            columns.add(name)
    if "names" in given and data.names is not None:
        macro.names = {str(k): v for k, v in data.names.items()}
        columns.add("names")
    if "actions" in given and data.actions is not None:
        macro.actions = await _check_actions(session, actor.workspace_id, data.actions)
        columns.add("actions")
    if "reply" in given:
        macro.reply = _check_reply(data.reply)
        columns.add("reply")
    if not macro.actions and not macro.reply:
        raise InvalidInput(N_("A macro needs at least one action or a reply."))
    macro.updated_at = now(session)
    await MacrosRepository(session, actor.workspace_id).update(macro, columns | {"updated_at"})
    return macro


async def do_delete_macro(session: AsyncSession, actor: Actor, macro: MacroRow) -> None:
    actor.require(TICKETS_WRITE)
    _may_change(actor, macro.owner_id)
    await MacrosRepository(session, actor.workspace_id).delete(macro)


def stale(ticket: TicketRow, expected_version: int) -> Conflict:
    """The conflict a write based on an older version of the ticket is refused with (the same
    message and ``current_version`` as a stale PATCH; the API adds the ticket as ``current``)."""
    return Conflict(
        N_("The ticket changed since you loaded it (version {current}, yours {yours})."),
        current=ticket.version,
        yours=expected_version,
        extra={"current_version": ticket.version},
    )


async def do_apply_macro(
    session: AsyncSession,
    actor: Actor,
    ticket: TicketRow,
    macro: MacroRow,
    *,
    expected_version: int | None = None,
    language: str | None = None,
    body: str | None = None,
    public: bool | None = None,
) -> CommentRow | None:
    """Apply `macro` to `ticket`: a timeline line naming the macro, its field changes and its
    reply (or `body`/`public` as the agent edited them), one new version of the ticket, one
    ``ticket.updated`` if anything changed, one ``ticket.comment_added`` if a reply was written.
    Any refusal (stale version, closed ticket, a state the table forbids, an agent who left)
    raises before the unit of work commits, so nothing of it stays."""
    actor.require(TICKETS_WRITE)
    if not queries.may_use(actor, macro):
        raise NotFound(N_("Macro not found."))
    if not macro.active:
        raise Conflict(N_("The macro {name} is turned off."), name=macro.name)
    if expected_version is not None and expected_version != ticket.version:
        raise stale(ticket, expected_version)
    if ticket.status == "closed":
        raise Conflict(N_("Ticket {number} is closed; closed tickets cannot change."), number=ticket.number)
    reply = await queries.reply_for(session, actor, ticket, macro, language)
    text = body if body is not None else (reply.body if reply else "")
    is_public = public if public is not None else (reply.public if reply else True)
    repo = TicketsRepository(session, actor.workspace_id)
    version = ticket.version
    await repo.add_timeline(
        [_line(session, actor, ticket, "macro", new={"macro_id": macro.id, "name": macro.name})]
    )
    await do_update_ticket(session, actor, ticket, ticket_update(macro.actions or []))
    comment = None
    if text.strip():
        lines: list[dict[str, Any]] = []
        comment = await _write_comment(
            session,
            repo,
            ticket,
            lines,
            author=actor,
            uploader=actor,
            body=text.strip(),
            public=is_public,
            via="api",
            attachment_ids=[],
        )
        await repo.add_timeline(lines)
        await index_document(
            session,
            workspace_id=ticket.workspace_id,
            kind=SEARCH_KIND,
            ref_id=ticket.id,
            content=text,
            append=True,
        )
    if ticket.version == version:  # no field changed: the macro and its reply still make a version
        ticket.version += 1
        ticket.updated_at = now(session)
        await repo.update_ticket(ticket, {"version", "updated_at"})
    t = now(session)
    if comment is not None:
        await sla.do_follow_comment(session, ticket, comment)  # a public reply meets the SLA's reply targets
        record_event(
            session,
            ticket_events.TicketCommentAdded(
                workspace_id=ticket.workspace_id,
                occurred_at=t,
                actor=actor.ref,
                ticket_id=ticket.id,
                comment_id=comment.id,
                public=is_public,
                author=actor.ref,
            ),
        )
    record_event(
        session,
        MacroApplied(
            workspace_id=ticket.workspace_id,
            occurred_at=t,
            actor=actor.ref,
            ticket_id=ticket.id,
            macro_id=macro.id,
            comment_id=comment.id if comment else None,
        ),
    )
    await react(session, ticket)  # the workspace's rules see the reply (and the changes, again a no-op)
    return comment

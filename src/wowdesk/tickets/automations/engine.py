"""Running the rules. Triggers run inside the unit of work that changed a ticket, right after the
change (the ticket actions call :func:`react` as they finish), so what an API call answers and what
the console shows already include what the rules did.

One reaction handles the events recorded for the ticket since the last one. Rules run in their
order; a rule that matches fires (its actions, then a line on the ticket's timeline). What the
actions change is itself a set of events, handled in the next round, so rules see each other's
work — but within one reaction each rule fires at most once, which is the loop guard: two rules
that undo each other stop after one turn each, and a reaction ends after as many firings as there
are rules (and at most ``MAX_ROUNDS`` rounds).

A rule whose actions are refused (a transition the ticket cannot make, an agent no longer in the
team …) changes nothing — its writes are undone in a savepoint — and leaves an
``automation_failed`` line on the timeline saying why; the agent's own change still goes through.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.business_time import Calendar
from wowdesk.accounts.calendars import queries as calendars
from wowdesk.core.actor import Actor
from wowdesk.core.errors import DomainError, NotFound
from wowdesk.core.events import PENDING_EVENTS, Event, record_event
from wowdesk.core.i18n import N_
from wowdesk.core.jobs.registry import enqueue
from wowdesk.core.sql import driver
from wowdesk.core.uow import now
from wowdesk.customers import queries as customers
from wowdesk.tickets import actions as ticket_actions
from wowdesk.tickets import outreach
from wowdesk.tickets.automations import events as ev
from wowdesk.tickets.automations.conditions import Condition, Facts, Predicate, compile_all
from wowdesk.tickets.automations.effects import (
    CUSTOM_PREFIX,
    AddTags,
    ApplyMacro,
    Effect,
    Notify,
    RemoveTags,
    Reply,
    SetField,
    Webhook,
)
from wowdesk.tickets.automations.repository import BASES, AutomationsRepository, RuleRow
from wowdesk.tickets.automations.schemas import Conditions
from wowdesk.tickets.macros import actions as macro_actions
from wowdesk.tickets.macros import queries as macro_queries
from wowdesk.tickets.macros.render import pick, render
from wowdesk.tickets.macros.repository import MacrosRepository
from wowdesk.tickets.models import TicketRow
from wowdesk.tickets.repository import TicketsRepository
from wowdesk.tickets.schemas import MAX_BODY, CommentCreate, TicketUpdate

REACTING = "wowdesk.automations.reacting"
SEEN = "wowdesk.automations.seen"  # how many of the unit of work's events reactions have looked at
MAX_ROUNDS = 10
WEBHOOK_JOB = "tickets.automation_webhook"

_EFFECTS: Any = None  # TypeAdapter(list[Effect]), made at first use


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    kind: str
    events: frozenset[str]
    matches: Predicate
    effects: tuple[Effect, ...]
    needs_customer: bool
    needs_tags: bool
    needs_comment: bool
    calendars: frozenset[int]
    required: tuple[Condition, ...] = ()  # the "all" conditions (time-based rules pick tickets by them)


_CACHE: dict[tuple[int, str], tuple[tuple[int, dt.datetime | None], list[Rule]]] = {}


def effects_of(stored: list[dict[str, Any]]) -> list[Effect]:
    """A rule's actions as stored (JSON), read back into their models."""
    global _EFFECTS
    if _EFFECTS is None:
        from pydantic import TypeAdapter

        _EFFECTS = TypeAdapter(list[Effect])
    return list(_EFFECTS.validate_python(stored or []))


def compile_rule(row: RuleRow) -> Rule:
    conditions = Conditions.model_validate(row.conditions or {})
    every: list[Condition] = [*conditions.all, *conditions.any]
    return Rule(
        id=row.id,
        name=row.name,
        kind=row.kind,
        events=frozenset(row.events or ()),
        matches=compile_all(conditions.all, conditions.any),
        effects=tuple(effects_of(row.actions)),
        needs_customer=any(c.field.startswith("customer.") for c in every),
        needs_tags=any(c.field == "ticket.tags" for c in every),
        needs_comment=any(c.field == "comment.body" for c in every),
        calendars=frozenset(c.calendar_id for c in every if c.calendar_id is not None),
        required=tuple(conditions.all),
    )


async def rules(session: AsyncSession, workspace_id: int, kind: str) -> list[Rule]:
    """The workspace's active rules of a kind, compiled; recompiled only when a rule changed."""
    repo = AutomationsRepository(session, workspace_id)
    stamp = await repo.stamp()
    found = _CACHE.get((workspace_id, kind))
    if found is not None and found[0] == stamp:
        return found[1]
    compiled = [compile_rule(r) for r in await repo.active(kind)]
    if len(_CACHE) > 10_000:
        _CACHE.clear()
    _CACHE[(workspace_id, kind)] = (stamp, compiled)
    return compiled


# -- the facts a rule sees ----------------------------------------------------------------------------------


@dataclass
class Happening:
    """What one reaction reacts to: the kinds of event its rules run on, what changed (merged over
    the reaction: the first old value, the latest new one), and what the events that started it
    carry (the comment, the SLA timer, the rating)."""

    kinds: frozenset[str]
    name: str
    changes: dict[str, list[Any]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    seen: dict[str, Any] = field(default_factory=dict)  # facts read once per reaction (the requester)

    @classmethod
    def of(cls, events: list[Event]) -> Happening:
        names = [e.name for e in events]
        # A new ticket is one happening, whatever its creation did (routing assigned it, a
        # description was added): the rules for new tickets run, once.
        kinds = frozenset({CREATED}) if CREATED in names else frozenset(names)
        h = cls(kinds=kinds, name=CREATED if CREATED in names else names[0])
        for e in events:
            data = e.model_dump()
            for key in ("comment_id", "public", "author", "metric", "due_at", "rating"):
                if key in data:
                    h.data[key] = data[key]
        h.absorb(events)
        return h

    def absorb(self, events: list[Event]) -> None:
        for e in events:
            for name, pair in (getattr(e, "changes", None) or {}).items():
                old, new = pair[0], pair[1]
                if name in self.changes:
                    old = self.changes[name][0]
                if old == new:
                    self.changes.pop(name, None)
                else:
                    self.changes[name] = [old, new]


CREATED = "ticket.created"


async def facts_for(
    session: AsyncSession,
    ticket: TicketRow,
    happening: Happening | None,
    wanted: list[Rule],
    *,
    known_calendars: dict[int, Any] | None = None,
) -> Facts:
    values: dict[str, Any] = {
        "ticket.status": ticket.status,
        "ticket.priority": ticket.priority,
        "ticket.type": ticket.type,
        "ticket.channel": ticket.channel,
        "ticket.subject": ticket.subject,
        "ticket.assignee_id": ticket.assignee_id,
        "ticket.team_id": ticket.team_id,
        "ticket.custom_fields": ticket.custom_fields or {},
    }
    repo = TicketsRepository(session, ticket.workspace_id)
    seen = happening.seen if happening is not None else {}
    if any(r.needs_tags for r in wanted):
        changed = happening.changes.get("tags") if happening is not None else None
        if changed is not None:  # what the reaction's changes left them as
            values["ticket.tags"] = frozenset(changed[1] or ())
        elif "ticket.tags" in seen:
            values["ticket.tags"] = seen["ticket.tags"]
        else:
            values["ticket.tags"] = seen["ticket.tags"] = frozenset((await repo.tags([ticket.id]))[ticket.id])
    if any(r.needs_customer for r in wanted):
        if "customer" not in seen:  # rules never change the requester's profile: read it once
            customer = await customers.find_customer(session, ticket.workspace_id, ticket.requester_id)
            seen["customer"] = (
                {}
                if customer is None
                else {
                    "customer.language": customer.language,
                    "customer.name": customer.name,
                    "customer.tags": frozenset(customer.tags or ()),
                    "customer.attributes": customer.custom_attributes or {},
                }
            )
        values.update(seen["customer"])
    changes: dict[str, list[Any]] = {}
    if happening is not None:
        data = happening.data
        changes = happening.changes
        if "comment_id" in data:
            values["comment.public"] = data.get("public")
            author = str(data.get("author") or "")
            values["comment.author"] = author.split(":", 1)[0] or None
            if any(r.needs_comment for r in wanted):
                found = await repo.comments_by_ids([int(data["comment_id"])])
                comment = found.get(int(data["comment_id"]))
                values["comment.body"] = comment.body if comment else None
        if "metric" in data:
            values["sla.metric"] = data["metric"]
        if "rating" in data:
            values["csat.rating"] = data["rating"]
    at = now(session)
    known = known_calendars if known_calendars is not None else {}
    for calendar_id in {c for r in wanted for c in r.calendars} - set(known):
        known[calendar_id] = await accounts_calendar(session, ticket.workspace_id, calendar_id)
    opened = {c: cal.is_open(at) for c, cal in known.items() if cal is not None}

    def hours_since(base: str, calendar_id: int | None) -> float | None:
        start = getattr(ticket, BASES[base], None)
        if start is None:
            return None
        if calendar_id is None:
            return float((at - start).total_seconds()) / 3600
        cal = known.get(calendar_id)
        return None if cal is None else float(cal.between(start, at).total_seconds()) / 3600

    return Facts(
        values=values,
        changes=changes,
        now=at,
        is_open=lambda c: opened.get(c, False),
        hours_since=hours_since,
    )


async def accounts_calendar(session: AsyncSession, workspace_id: int, calendar_id: int) -> Calendar | None:
    """The business calendar with this id (None if it is gone)."""
    row = await calendars.find_calendar(session, workspace_id, calendar_id)
    return None if row is None else calendars.build_calendar(row)


# -- reacting to a ticket's events ------------------------------------------------------------------------


def _new_events(session: AsyncSession, ticket_id: int) -> list[Event]:
    pending: list[Event] = session.info.get(PENDING_EVENTS, [])
    start = int(session.info.get(SEEN, 0))
    session.info[SEEN] = len(pending)
    return [e for e in pending[start:] if getattr(e, "ticket_id", None) == ticket_id]


async def react(session: AsyncSession, ticket: TicketRow) -> int:
    """Run the triggers on what just happened to `ticket`; return how many fired.

    The rules that run are those for the kinds of event that started the reaction (a new ticket:
    the rules for new tickets only). They run in order; after a rule fires, the rest see the
    ticket as it now is and every change so far, and the pass starts over from the top for the
    rules that have not fired yet — until a pass fires nothing. Each rule fires at most once."""
    if session.info.get(REACTING):
        return 0  # an action of a rule: its events are part of the reaction running now
    events = _new_events(session, ticket.id)
    if not events:
        return 0
    triggers = await rules(session, ticket.workspace_id, "trigger")
    if not triggers:
        return 0
    happening = Happening.of(events)
    candidates = [r for r in triggers if r.events & happening.kinds]
    if not candidates:
        return 0
    session.info[REACTING] = True
    fired: set[int] = set()
    try:
        for _round in range(MAX_ROUNDS):
            if not await _pass(session, ticket, happening, candidates, fired):
                break
    finally:
        session.info[REACTING] = False
        session.info[SEEN] = len(session.info.get(PENDING_EVENTS, []))
    return len(fired)


async def _pass(
    session: AsyncSession, ticket: TicketRow, happening: Happening, candidates: list[Rule], fired: set[int]
) -> bool:
    """One pass down the rules not fired yet; True if one fired."""
    waiting = [r for r in candidates if r.id not in fired]
    if not waiting:
        return False
    facts = await facts_for(session, ticket, happening, waiting)
    any_fired = False
    for rule in waiting:
        if not rule.matches(facts):
            continue
        fired.add(rule.id)
        any_fired = True
        if await fire(session, rule, ticket, happening.name):
            happening.absorb(_new_events(session, ticket.id))
            facts = await facts_for(session, ticket, happening, waiting)
    return any_fired


async def fire(session: AsyncSession, rule: Rule, ticket: TicketRow, event: str) -> bool:
    """Do what the rule says to the ticket, all or nothing; True if it changed anything."""
    actor = Actor(
        kind="system", workspace_id=ticket.workspace_id, name=rule.name, via=f"automation:{rule.id}"
    )
    db = await driver(session)
    pending: list[Event] = session.info.setdefault(PENDING_EVENTS, [])
    events_before, added_before = len(pending), set(session.new)
    saved = dataclasses.replace(ticket)
    repo = TicketsRepository(session, ticket.workspace_id)
    try:
        async with db.savepoint():
            await _apply(session, actor, rule, ticket, event)
    except DomainError as exc:
        del pending[events_before:]
        session.info[SEEN] = min(int(session.info.get(SEEN, 0)), events_before)
        for obj in set(session.new) - added_before:
            session.expunge(obj)
        for f in dataclasses.fields(ticket):
            setattr(ticket, f.name, getattr(saved, f.name))
        error = {"message": exc.message, "params": {k: str(v) for k, v in exc.params.items()}}
        await repo.add_timeline(
            [_line(session, actor, ticket, "automation_failed", rule, event, error=error)]
        )
        return False
    await repo.add_timeline([_line(session, actor, ticket, "automation", rule, event)])
    return True


def _line(
    session: AsyncSession,
    actor: Actor,
    ticket: TicketRow,
    kind: str,
    rule: Rule,
    event: str,
    *,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    new: dict[str, Any] = {"id": rule.id, "name": rule.name, "event": event}
    if error is not None:
        new["error"] = error
    return {
        "ticket_id": ticket.id,
        "actor": actor.ref,
        "via": actor.via,
        "kind": kind,
        "field": None,
        "old": None,
        "new": new,
        "comment_id": None,
        "created_at": now(session),
    }


async def _apply(session: AsyncSession, actor: Actor, rule: Rule, ticket: TicketRow, event: str) -> None:
    update: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    add: list[str] = []
    remove: list[str] = []
    for effect in rule.effects:
        if isinstance(effect, SetField):
            if effect.field.startswith(CUSTOM_PREFIX):
                custom[effect.field[len(CUSTOM_PREFIX) :]] = effect.value
            else:
                update[effect.field] = effect.value
        elif isinstance(effect, AddTags):
            add.extend(t for t in effect.tags if t not in add)
        elif isinstance(effect, RemoveTags):
            remove.extend(t for t in effect.tags if t not in remove)
    if custom:
        update["custom_fields"] = custom
    if add:
        update["add_tags"] = add
    if remove:
        update["remove_tags"] = remove
    if update:
        await ticket_actions.do_update_ticket(session, actor, ticket, TicketUpdate.model_validate(update))
    for effect in rule.effects:
        if isinstance(effect, Reply):
            body = await _text_for(session, actor, ticket, effect.body)
            if not body.strip():
                continue
            if effect.public:  # to the requester: on the ticket, and in the chat it came from
                await outreach.tell_requester(session, actor, ticket, body)
            else:
                await ticket_actions.do_add_comment(
                    session, actor, ticket, CommentCreate(body=body[:MAX_BODY], public=False)
                )
        elif isinstance(effect, Notify):
            record_event(
                session,
                ev.TicketAttentionRequested(
                    workspace_id=ticket.workspace_id,
                    occurred_at=now(session),
                    actor=actor.ref,
                    ticket_id=ticket.id,
                    number=ticket.number,
                    to=effect.to,
                    agent_id=effect.agent_id,
                    assignee_id=ticket.assignee_id,
                    team_id=ticket.team_id,
                    message=effect.message,
                    automation_id=rule.id,
                ),
            )
        elif isinstance(effect, Webhook):
            await enqueue(
                session,
                WEBHOOK_JOB,
                {
                    "automation_id": rule.id,
                    "url": effect.url,
                    "event": event,
                    "ticket_id": ticket.id,
                    "occurred_at": now(session).isoformat(),
                },
                workspace_id=ticket.workspace_id,
            )
        elif isinstance(effect, ApplyMacro):
            await _apply_macro(session, actor, ticket, effect.macro_id)


async def _text_for(session: AsyncSession, actor: Actor, ticket: TicketRow, texts: dict[str, str]) -> str:
    """The rule's text in the requester's language (render.pick's fallbacks), placeholders filled."""
    customer = await customers.find_customer(session, ticket.workspace_id, ticket.requester_id)
    wanted = (customer.language if customer else None) or "en"
    found = pick(texts, wanted)
    if found is None:
        return ""
    language, text = found
    return render(text, await macro_queries.placeholder_values(session, actor, ticket, language))


async def _apply_macro(session: AsyncSession, actor: Actor, ticket: TicketRow, macro_id: int) -> None:
    macro = await MacrosRepository(session, ticket.workspace_id).macro(macro_id)
    if macro is None:
        raise NotFound(N_("The macro {id} does not exist any more."), id=macro_id)
    await macro_actions.do_apply_macro(session, actor, ticket, macro)

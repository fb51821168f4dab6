"""Writes of tickets' SLA timers: what the ticket actions call when a ticket is created, changes or
gets a comment, and what the SLA jobs call when a warning or a due moment comes.

Which policy applies: the first active policy (by position) whose conditions hold for the ticket
as it is — chosen at creation and chosen again when the priority, the tags or the requester change
(as Zendesk does). A ticket no policy matches has no timers; a ticket that stops matching loses its
unfinished ones. A timer that gets a new target (priority or policy changed) keeps the business
time it used; a metric that gains a target by such a change starts counting at the change.

Every transition first makes the marks already due (a breach is recorded even when no job runner
was there to see it), then moves the timers, then enqueues the job of each running timer's next
mark, in the caller's transaction. The jobs re-read the timer, locked, and act only if it is still
the run they were planned for; the marks themselves are state, so each is made once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.events import record_event
from wowdesk.core.jobs.registry import enqueue
from wowdesk.core.uow import now
from wowdesk.tickets.models import CommentRow, TicketRow
from wowdesk.tickets.repository import TicketsRepository
from wowdesk.tickets.sla import events as ev
from wowdesk.tickets.sla.models import TimerRow
from wowdesk.tickets.sla.policies import choose, clock_of, new_timer, target_seconds
from wowdesk.tickets.sla.repository import SlaRepository
from wowdesk.tickets.sla.schemas import MAX_POLICIES
from wowdesk.tickets.sla.timers import (
    CLOCK_OF_STATUS,
    FULFILLED,
    IDLE,
    MOVES,
    PAUSED,
    RUNNING,
    WAITING,
    Clock,
    due_marks,
    fulfil,
    new_cycle,
    retarget,
    run,
    set_clock,
)

NEAR_JOB = "tickets.sla_near_breach"
DUE_JOB = "tickets.sla_due"
# Ticket changes that may choose another policy or other targets.
_MATCHING = frozenset({"priority", "tags", "requester_id"})


def _begin(t: TimerRow, mode: str, at: dt.datetime, clock: Clock) -> None:
    """A timer that starts now, on a ticket whose clock is `mode`."""
    if mode == RUNNING:
        run(t, at, clock)
    else:
        t.status = PAUSED


# -- marks and jobs --------------------------------------------------------------------------------------


def _key(t: TimerRow, kind: str) -> str:
    born = int(t.created_at.timestamp() * 1_000_000)
    due = int(t.due_at.timestamp() * 1_000_000) if t.due_at else 0
    return f"sla:{t.ticket_id}:{t.metric}:{born}:{t.run}:{due}:{kind}"


async def _plan(session: AsyncSession, t: TimerRow) -> None:
    """Enqueue the job of a running timer's next mark (the warning, else the due moment)."""
    if t.status != RUNNING or t.due_at is None or t.breached_at is not None:
        return
    payload: dict[str, Any] = {
        "ticket_id": t.ticket_id,
        "metric": t.metric,
        "run": t.run,
        "due_at": t.due_at.isoformat(),
    }
    if t.near_at is not None and t.near_breach_at is None and t.near_at < t.due_at:
        name, at, kind = NEAR_JOB, t.near_at, "near"
    else:
        name, at, kind = DUE_JOB, t.due_at, "due"
    await enqueue(session, name, payload, workspace_id=t.workspace_id, run_at=at, dedupe_key=_key(t, kind))


async def _announce(session: AsyncSession, t: TimerRow, marks: list[str], at: dt.datetime) -> None:
    """A timeline line (by the system, via "sla") and an event for each mark just made."""
    if not marks or t.due_at is None:
        return
    lines = []
    for mark in marks:
        moment = t.breached_at if mark == "breached" else t.near_breach_at
        lines.append(
            {
                "ticket_id": t.ticket_id,
                "actor": "system",
                "via": "sla",
                "kind": "sla",
                "field": t.metric,
                "old": None,
                "new": {"mark": mark, "due_at": t.due_at.isoformat()},
                "comment_id": None,
                "created_at": at,
            }
        )
        cls = ev.TicketSlaBreached if mark == "breached" else ev.TicketSlaNearBreach
        record_event(
            session,
            cls(
                workspace_id=t.workspace_id,
                occurred_at=moment or at,
                actor="system",
                ticket_id=t.ticket_id,
                metric=t.metric,
                due_at=t.due_at,
                policy_id=t.policy_id,
            ),
        )
    await TicketsRepository(session, t.workspace_id).add_timeline(lines)


async def _settle(session: AsyncSession, timers: list[TimerRow], at: dt.datetime) -> list[TimerRow]:
    """Make the marks already due; the timers that got one."""
    marked = []
    for t in timers:
        marks = due_marks(t, at)
        if marks:
            await _announce(session, t, marks, at)
            marked.append(t)
    return marked


async def _save(session: AsyncSession, repo: SlaRepository, changed: list[TimerRow], at: dt.datetime) -> None:
    unique = list({id(t): t for t in changed}.values())
    for t in unique:
        t.updated_at = at
    await repo.update_timers(unique)
    for t in unique:
        await _plan(session, t)


async def _load(
    session: AsyncSession, ticket: TicketRow
) -> tuple[SlaRepository, list[TimerRow], Clock | None]:
    """The ticket's timers (locked on PostgreSQL) and the clock of their policy."""
    repo = SlaRepository(session, ticket.workspace_id)
    timers = await repo.timers(ticket.id, for_update=True)
    if not timers:
        return repo, [], None
    policy = await repo.policy(timers[0].policy_id)
    if policy is None:  # deleted meanwhile: its timers go with it
        return repo, [], None
    return repo, timers, await clock_of(session, policy)


# -- what the ticket actions call ------------------------------------------------------------------------


async def do_start_timers(session: AsyncSession, ticket: TicketRow, tags: list[str]) -> None:
    """A new ticket: the timers of the first policy that matches it, counting from its creation."""
    repo = SlaRepository(session, ticket.workspace_id)
    policies = await repo.policies(active_only=True, limit=MAX_POLICIES)
    if not policies:
        return
    policy = await choose(session, ticket, tags, policies)
    if policy is None or not policy.targets.get(ticket.priority):
        return
    clock = await clock_of(session, policy)
    mode = CLOCK_OF_STATUS.get(ticket.status, RUNNING)
    at = ticket.created_at
    timers = []
    for metric in ("first_reply", "next_reply", "resolution"):
        seconds = target_seconds(policy, ticket.priority, metric)
        if seconds is None:
            continue
        t = new_timer(ticket, policy, metric, seconds, at)
        if mode == FULFILLED:  # created solved: nothing is owed
            t.status = IDLE if metric == "next_reply" else FULFILLED
            t.fulfilled_at = None if metric == "next_reply" else at
        elif metric != "next_reply":  # the next reply is owed only after an agent's reply
            _begin(t, mode, at, clock)
        timers.append(t)
    await repo.insert_timers(timers)
    for t in timers:
        await _plan(session, t)


async def do_follow_changes(session: AsyncSession, ticket: TicketRow, changes: dict[str, list[Any]]) -> None:
    """A ticket's fields changed: its status moves the clocks; its priority, tags or requester may
    choose other targets."""
    if "status" in changes:
        await _follow_status(session, ticket, str(changes["status"][0]), str(changes["status"][1]))
    if _MATCHING & changes.keys():
        await _reconsider(session, ticket)


async def _follow_status(session: AsyncSession, ticket: TicketRow, old: str, new: str) -> None:
    repo, timers, clock = await _load(session, ticket)
    if clock is None:
        return
    at = now(session)
    changed = await _settle(session, timers, at)
    mode = CLOCK_OF_STATUS.get(new, RUNNING)
    reopened = CLOCK_OF_STATUS.get(old) == FULFILLED and mode != FULFILLED
    for t in timers:
        before = (t.status, t.run)
        if mode == FULFILLED:
            after = MOVES.get((t.metric, "solved"), {}).get(t.status)
            if after == FULFILLED:
                fulfil(t, at, clock)
            elif after == IDLE:
                t.status = IDLE
        elif reopened and MOVES.get((t.metric, "reopened"), {}).get(t.status) == RUNNING:
            t.fulfilled_at = None
            _begin(t, mode, at, clock)
        else:
            set_clock(t, mode, at, clock)
        if (t.status, t.run) != before:
            changed.append(t)
    if changed:
        await _save(session, repo, changed, at)


async def do_follow_comment(session: AsyncSession, ticket: TicketRow, comment: CommentRow) -> None:
    """A public reply of an agent fulfils the reply owed; a customer's comment after an agent's
    reply starts the next one. Internal notes and the system's messages move nothing."""
    if not comment.public or comment.author_kind not in ("agent", "customer"):
        return
    happened = "agent_reply" if comment.author_kind == "agent" else "customer_reply"
    repo, timers, clock = await _load(session, ticket)
    if clock is None:
        return
    at = now(session)
    changed = await _settle(session, timers, at)
    mode = CLOCK_OF_STATUS.get(ticket.status, RUNNING)
    for t in timers:
        after = MOVES.get((t.metric, happened), {}).get(t.status)
        if after == FULFILLED:
            fulfil(t, at, clock)
        elif after == IDLE:
            t.status = IDLE
        elif after == RUNNING and mode != FULFILLED:
            new_cycle(t, at, clock, paused=mode != RUNNING)
        else:
            continue
        changed.append(t)
    if changed:
        await _save(session, repo, changed, at)


def _owed(metric: str, agent_reply: int | None, customer_comment: int | None) -> str | None:
    """The state a metric that just got a target starts in, from the ticket's public comments so
    far (ids of the newest agent reply and customer comment): None if nothing is owed any more."""
    if metric == "first_reply":
        return None if agent_reply is not None else RUNNING
    if metric == "next_reply":
        if agent_reply is None:
            return WAITING
        return RUNNING if customer_comment is not None and customer_comment > agent_reply else IDLE
    return RUNNING


async def _reconsider(session: AsyncSession, ticket: TicketRow) -> None:
    """Choose the policy again for the ticket as it is now and give its timers their targets."""
    repo = SlaRepository(session, ticket.workspace_id)
    at = now(session)
    timers = await repo.timers(ticket.id, for_update=True)
    tags = (await TicketsRepository(session, ticket.workspace_id).tags([ticket.id]))[ticket.id]
    policies = await repo.policies(active_only=True, limit=MAX_POLICIES)
    policy = await choose(session, ticket, tags, policies) if policies else None
    changed = await _settle(session, timers, at)
    if policy is None:
        await repo.delete_timers([t.id for t in timers if t.status != FULFILLED])
        kept = [t for t in changed if t.status == FULFILLED]
        if kept:
            await _save(session, repo, kept, at)
        return
    old_policy = await repo.policy(timers[0].policy_id) if timers else None
    clock = await clock_of(session, policy)
    old_clock = clock
    if old_policy is not None and old_policy.calendar_id != policy.calendar_id:
        old_clock = await clock_of(session, old_policy)
    existing = {t.metric: t for t in timers}
    gone: list[int] = []
    fresh: list[TimerRow] = []
    mode = CLOCK_OF_STATUS.get(ticket.status, RUNNING)
    replies: tuple[int | None, int | None] | None = None
    for metric in ("first_reply", "next_reply", "resolution"):
        seconds = target_seconds(policy, ticket.priority, metric)
        t = existing.get(metric)
        if seconds is None:
            if t is not None and t.status != FULFILLED:
                gone.append(t.id)
            continue
        if t is not None:
            if t.status == FULFILLED:  # met: its target stays the one it was met against
                if t.policy_id != policy.id:
                    t.policy_id = policy.id
                    changed.append(t)
            elif t.policy_id != policy.id or t.target_seconds != seconds:
                # The time used so far counts on the old policy's calendar, the rest on the new one.
                retarget(t, seconds, at, clock, counted_on=old_clock)
                t.policy_id = policy.id
                changed.append(t)
            continue
        if mode == FULFILLED:
            continue  # a solved ticket owes nothing new
        if metric != "resolution" and replies is None:
            replies = await repo.last_public(ticket.id)
        owed = _owed(metric, *(replies or (None, None)))
        if owed is None:
            continue  # answered already
        t = new_timer(ticket, policy, metric, seconds, at)
        if owed == RUNNING:
            _begin(t, mode, at, clock)
        else:
            t.status = owed
        fresh.append(t)
    await repo.delete_timers(gone)
    changed = [t for t in changed if t.id not in gone]
    if changed:
        await _save(session, repo, changed, at)
    if fresh:
        await repo.insert_timers(fresh)
        for t in fresh:
            await _plan(session, t)


# -- what the jobs call ----------------------------------------------------------------------------------


async def do_fire_mark(
    session: AsyncSession, workspace_id: int, payload: dict[str, Any], at: dt.datetime
) -> bool:
    """A warning or due moment planned for one run of a timer: make the marks due by `at` if the
    timer is still in that run; plan the next mark. False: the job was for a run that is over."""
    ticket_id = int(payload["ticket_id"])
    # The ticket first, then its timer: the order every ticket write takes them in (PostgreSQL),
    # so a job and a reply never wait for each other in a circle.
    if await TicketsRepository(session, workspace_id).ticket(ticket_id, for_update=True) is None:
        return False
    repo = SlaRepository(session, workspace_id)
    t = await repo.timer(ticket_id, str(payload["metric"]), for_update=True)
    if (
        t is None
        or t.status != RUNNING
        or t.run != int(payload["run"])
        or t.due_at is None
        or t.due_at.isoformat() != payload["due_at"]
    ):
        return False
    marks = due_marks(t, at)
    if marks:
        await _announce(session, t, marks, at)
        await _save(session, repo, [t], at)  # and the due job, once the warning is made
    return True

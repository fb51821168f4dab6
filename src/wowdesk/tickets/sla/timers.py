"""What happens to one SLA timer, as pure functions of the timer, the moment and the calendar
(no database): start, pause, resume, fulfil, re-target, and which marks are due.

A timer's states and what moves it (the table ``MOVES`` below)::

    waiting ──(agent's public reply)──▶ idle          (next reply: nothing is owed yet)
    idle/fulfilled ──(customer writes)──▶ running     (next reply: a new cycle)
    running ──(pending, on hold)──▶ paused ──(new, open)──▶ running
    running/paused ──(the reply it waits for, or solved)──▶ fulfilled
    fulfilled ──(reopened)──▶ running                 (resolution: the time used before counts)

Business time used is ``used_us`` (earlier runs) plus ``calendar.between(running_since, now)``;
the current run is due at ``calendar.add(running_since, target - used)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wowdesk.accounts.business_time import BusinessTimeError, Calendar
from wowdesk.tickets.sla.models import TimerRow

METRICS = ("first_reply", "next_reply", "resolution")
WAITING, IDLE, RUNNING, PAUSED, FULFILLED = "waiting", "idle", "running", "paused", "fulfilled"
ACTIVE = frozenset({RUNNING, PAUSED})
_US = dt.timedelta(microseconds=1)

# The clock of a ticket's status: counting, paused, or stopped (the ticket is done).
CLOCK_OF_STATUS = {
    "new": RUNNING,
    "open": RUNNING,
    "pending": PAUSED,
    "on_hold": PAUSED,
    "solved": FULFILLED,
    "closed": FULFILLED,
}

# (metric, what happened) → {state before: state after}; what is not listed stays as it is.
MOVES: dict[tuple[str, str], dict[str, str]] = {
    ("first_reply", "agent_reply"): {RUNNING: FULFILLED, PAUSED: FULFILLED},
    ("next_reply", "agent_reply"): {RUNNING: FULFILLED, PAUSED: FULFILLED, WAITING: IDLE},
    ("next_reply", "customer_reply"): {IDLE: RUNNING, FULFILLED: RUNNING},
    ("first_reply", "solved"): {RUNNING: FULFILLED, PAUSED: FULFILLED},
    ("next_reply", "solved"): {RUNNING: FULFILLED, PAUSED: FULFILLED, WAITING: IDLE},
    ("resolution", "solved"): {RUNNING: FULFILLED, PAUSED: FULFILLED},
    ("resolution", "reopened"): {FULFILLED: RUNNING},
}


@dataclass(frozen=True, slots=True)
class Clock:
    """The calendar a policy counts on and how early it warns (business seconds before due)."""

    calendar: Calendar
    near_seconds: int


def us(delta: dt.timedelta) -> int:
    return delta // _US


def used_now(t: TimerRow, at: dt.datetime, clock: Clock) -> int:
    """Business microseconds used up to `at`."""
    if t.status == RUNNING and t.running_since is not None:
        return t.used_us + us(clock.calendar.between(t.running_since, at))
    return t.used_us


def remaining_us(t: TimerRow, at: dt.datetime, clock: Clock) -> int:
    """Business microseconds left before the target (negative once breached)."""
    return t.target_seconds * 1_000_000 - used_now(t, at, clock)


def near_window_us(t: TimerRow, clock: Clock) -> int:
    """How long before due the warning comes: the policy's minutes, but never before half the
    target has passed (a 15-minute target with a 30-minute warning warns after 7.5 minutes)."""
    return min(clock.near_seconds, t.target_seconds // 2) * 1_000_000


def _schedule(t: TimerRow, at: dt.datetime, clock: Clock) -> None:
    """Plan the current run from `at`: its due moment and its warning."""
    left = max(t.target_seconds * 1_000_000 - t.used_us, 0)
    window = near_window_us(t, clock)
    try:
        t.due_at = clock.calendar.add(at, dt.timedelta(microseconds=left))
        if not window:
            t.near_at = None
        elif left > window:
            t.near_at = clock.calendar.add(at, dt.timedelta(microseconds=left - window))
        else:  # already within the warning window
            t.near_at = at
    except BusinessTimeError:  # a calendar that never opens (or a date out of range): no deadline
        t.due_at = t.near_at = None


def _stop(t: TimerRow, at: dt.datetime, clock: Clock) -> None:
    """End the current run at `at`, keeping the business time it used."""
    if t.status == RUNNING and t.running_since is not None:
        t.used_us += us(clock.calendar.between(t.running_since, at))
    t.running_since = None


def run(t: TimerRow, at: dt.datetime, clock: Clock) -> None:
    """Start (or resume) counting at `at`."""
    t.status, t.running_since, t.run = RUNNING, at, t.run + 1
    _schedule(t, at, clock)


def pause(t: TimerRow, at: dt.datetime, clock: Clock) -> None:
    _stop(t, at, clock)
    t.status, t.due_at, t.near_at = PAUSED, None, None


def fulfil(t: TimerRow, at: dt.datetime, clock: Clock) -> None:
    """The timer's goal is reached at `at`; its last due moment stays for the record."""
    _stop(t, at, clock)
    t.status, t.fulfilled_at, t.near_at = FULFILLED, at, None


def new_cycle(t: TimerRow, at: dt.datetime, clock: Clock, *, paused: bool) -> None:
    """A next reply owed again: the count starts over, and so do its marks."""
    t.used_us, t.fulfilled_at, t.breached_at, t.near_breach_at = 0, None, None, None
    t.due_at = t.near_at = None
    if paused:
        t.status, t.running_since, t.run = PAUSED, None, t.run + 1
    else:
        run(t, at, clock)


def retarget(
    t: TimerRow, target_seconds: int, at: dt.datetime, clock: Clock, *, counted_on: Clock | None = None
) -> None:
    """A new target (priority or policy changed), keeping the business time used (counted on the
    clock it ran on, `counted_on`, if that was another), and the rest planned on `clock`."""
    if t.status == RUNNING:
        _stop(t, at, counted_on or clock)
        t.target_seconds = target_seconds
        run(t, at, clock)
    else:
        t.target_seconds = target_seconds


def set_clock(t: TimerRow, mode: str, at: dt.datetime, clock: Clock) -> None:
    """Follow the ticket's clock: RUNNING resumes a paused timer, PAUSED pauses a running one."""
    if mode == RUNNING and t.status == PAUSED:
        run(t, at, clock)
    elif mode == PAUSED and t.status == RUNNING:
        pause(t, at, clock)


def due_marks(t: TimerRow, at: dt.datetime) -> list[str]:
    """The marks a running timer has reached by `at` and not yet made: "near_breach", "breached"
    (set on the timer: the moment each was reached, i.e. its planned time)."""
    made: list[str] = []
    if t.status != RUNNING:
        return made
    if t.near_at is not None and t.near_breach_at is None and t.near_at <= at:
        t.near_breach_at = t.near_at
        made.append("near_breach")
    if t.due_at is not None and t.breached_at is None and t.due_at <= at:
        t.breached_at = t.due_at
        made.append("breached")
    return made


def state_of(t: TimerRow) -> str:
    """What a person is shown: waiting (nothing owed yet), running, paused, breached, fulfilled."""
    if t.status == FULFILLED:
        return "fulfilled"
    if t.status in (WAITING, IDLE):
        return "waiting"
    if t.breached_at is not None:
        return "breached"
    return t.status

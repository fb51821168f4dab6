"""Properties of SLA timers over any sequence of pauses and resumes, on calendars with weekends,
holidays, lunch breaks and clock changes: the business time a timer says it used is the business
time of the spans it ran, and its due time is its calendar's answer to "the time left, from when
it last resumed". (The timers' own arithmetic; the database-backed behaviour is test_sla.py.)"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from wowdesk.accounts.business_time import Calendar, Holiday, WeeklySchedule
from wowdesk.tickets.sla.models import TimerRow
from wowdesk.tickets.sla.timers import PAUSED, RUNNING, Clock, pause, remaining_us, run, us, used_now

CALENDARS = {
    "taipei": Calendar(
        "Asia/Taipei",
        WeeklySchedule.weekdays("09:00-12:00", "13:00-18:00"),
        [Holiday.yearly(10, 10, "National Day"), Holiday.on(dt.date(2026, 10, 9), "Observed")],
    ),
    "london": Calendar(
        "Europe/London", WeeklySchedule.weekdays("09:00-17:00"), [Holiday.yearly(12, 25, "Xmas")]
    ),
    "new_york_nights": Calendar(
        "America/New_York", WeeklySchedule({d: ["00:00-02:30", "22:00-24:00"] for d in range(7)})
    ),
    "always": Calendar("UTC", WeeklySchedule.always_open()),
}
BASE = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)  # a week before Europe's clocks go forward


def _timer(target_minutes: int) -> TimerRow:
    return TimerRow(
        id=1,
        workspace_id=1,
        ticket_id=1,
        policy_id=1,
        metric="resolution",
        status=PAUSED,
        target_seconds=target_minutes * 60,
        used_us=0,
        run=0,
        running_since=None,
        due_at=None,
        near_at=None,
        fulfilled_at=None,
        breached_at=None,
        near_breach_at=None,
        created_at=BASE,
        updated_at=BASE,
    )


steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=60 * 24 * 4),
        st.integers(0, 59),
        st.sampled_from(["pause", "resume"]),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(sorted(CALENDARS)),
    start_minutes=st.integers(min_value=0, max_value=60 * 24 * 230),  # March to November: both changes
    target=st.integers(min_value=1, max_value=60 * 40),
    near=st.integers(min_value=0, max_value=120),
    moves=steps,
)
def test_used_time_is_the_business_time_of_the_running_spans(
    name: str, start_minutes: int, target: int, near: int, moves: list[tuple[int, int, str]]
) -> None:
    calendar = CALENDARS[name]
    clock = Clock(calendar=calendar, near_seconds=near * 60)
    now = BASE + dt.timedelta(minutes=start_minutes)
    t = _timer(target)
    run(t, now, clock)
    spans: list[tuple[dt.datetime, dt.datetime]] = []
    since = now
    for minutes, seconds, move in moves:
        now += dt.timedelta(minutes=minutes, seconds=seconds)
        if move == "pause" and t.status == RUNNING:
            pause(t, now, clock)
            spans.append((since, now))
        elif move == "resume" and t.status == PAUSED:
            before = t.used_us
            run(t, now, clock)
            since = now
            assert t.used_us == before  # resuming loses and gains nothing
        expected = sum(us(calendar.between(a, b)) for a, b in spans)
        if t.status == RUNNING:
            expected += us(calendar.between(since, now))
            left = max(t.target_seconds * 1_000_000 - t.used_us, 0)
            assert t.due_at == calendar.add(since, dt.timedelta(microseconds=left))
            assert t.due_at is not None and t.due_at >= since
            if t.near_at is not None:
                assert since <= t.near_at <= t.due_at
        else:
            assert t.due_at is None and t.used_us == expected
        assert used_now(t, now, clock) == expected
        assert remaining_us(t, now, clock) == target * 60_000_000 - expected


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(sorted(CALENDARS)),
    start_minutes=st.integers(min_value=0, max_value=60 * 24 * 230),
    target=st.integers(min_value=1, max_value=60 * 40),
    wait=st.integers(min_value=0, max_value=60 * 24 * 3),
)
def test_a_pause_and_an_immediate_resume_before_due_keep_the_due_time(
    name: str, start_minutes: int, target: int, wait: int
) -> None:
    calendar = CALENDARS[name]
    clock = Clock(calendar=calendar, near_seconds=0)
    start = BASE + dt.timedelta(minutes=start_minutes)
    t = _timer(target)
    run(t, start, clock)
    due = t.due_at
    assert due is not None
    moment = start + dt.timedelta(minutes=wait)
    if moment >= due:
        return
    pause(t, moment, clock)
    run(t, moment, clock)
    assert t.due_at == due

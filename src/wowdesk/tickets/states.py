"""The ticket lifecycle as a table. `closed` is final: a customer writing again opens a follow-up."""

from __future__ import annotations

STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
TYPES = ("question", "incident", "problem", "task")

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"open", "pending", "on_hold", "solved"}),
    "open": frozenset({"pending", "on_hold", "solved"}),
    "pending": frozenset({"open", "on_hold", "solved"}),
    "on_hold": frozenset({"open", "pending", "solved"}),
    "solved": frozenset({"open", "closed"}),
    "closed": frozenset(),
}

FINAL = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)


def can_transition(old: str, new: str) -> bool:
    return old == new or new in TRANSITIONS.get(old, frozenset())

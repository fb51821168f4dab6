"""The conversation lifecycle as a table. A customer writing to a resolved conversation reopens it."""

from __future__ import annotations

STATUSES = ("open", "pending", "snoozed", "resolved")
PRIORITIES = ("low", "normal", "high", "urgent")

TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"pending", "snoozed", "resolved"}),
    "pending": frozenset({"open", "snoozed", "resolved"}),
    "snoozed": frozenset({"open", "pending", "resolved"}),
    "resolved": frozenset({"open"}),
}


def can_transition(old: str, new: str) -> bool:
    return old == new or new in TRANSITIONS.get(old, frozenset())

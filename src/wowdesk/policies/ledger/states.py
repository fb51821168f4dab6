"""The life of a ledger entry, as a table.

    awaiting_approval ──approve──▶ pending_delivery ──▶ delivered
          │                │                      └───▶ failed
          │                └──approve (nothing to send)──▶ recorded
          └──decline──▶ declined

An entry within the asker's limit starts as ``pending_delivery`` (or ``recorded``); above it, as
``awaiting_approval``. ``recorded`` is honest: the ledger holds it, nothing was sent — the
workspace has no outbound store connection, or the entry is a goodwill credit, which WowDesk keeps
as the customer's balance. ``declined``, ``delivered``, ``failed`` and ``recorded`` are final.
"""

from __future__ import annotations

from wowdesk.core.errors import Conflict
from wowdesk.core.i18n import N_

AWAITING = "awaiting_approval"
DECLINED = "declined"
PENDING = "pending_delivery"
DELIVERED = "delivered"
FAILED = "failed"
RECORDED = "recorded"

STATUSES = (AWAITING, DECLINED, PENDING, DELIVERED, FAILED, RECORDED)
INITIAL = frozenset({AWAITING, PENDING, RECORDED})
TRANSITIONS: dict[str, frozenset[str]] = {
    AWAITING: frozenset({DECLINED, PENDING, RECORDED}),
    PENDING: frozenset({DELIVERED, FAILED}),
    DECLINED: frozenset(),
    DELIVERED: frozenset(),
    FAILED: frozenset(),
    RECORDED: frozenset(),
}
# What counts against an order's refundable amount (asked for or paid; not refused, not failed).
COUNTED = frozenset({AWAITING, PENDING, DELIVERED, RECORDED})
# What took effect (counts in an agent's daily total).
EFFECTIVE = frozenset({PENDING, DELIVERED, RECORDED})


def check(old: str, new: str) -> None:
    if new not in TRANSITIONS.get(old, frozenset()):
        raise Conflict(N_("This compensation is {old} and cannot become {new}."), old=old, new=new)

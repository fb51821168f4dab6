"""A claim's lifecycle, as a table: opened against the seller; the seller accepts it (then pays)
or disputes it (then, after review, accepts after all or the claim is withdrawn); the platform may
withdraw a claim until it is paid. Paid and withdrawn are ends."""

from __future__ import annotations

STATUSES = ("open", "accepted", "disputed", "paid", "withdrawn")
ENDS = frozenset({"paid", "withdrawn"})

TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"accepted", "disputed", "withdrawn"}),
    "accepted": frozenset({"paid", "withdrawn"}),
    "disputed": frozenset({"accepted", "withdrawn"}),
    "paid": frozenset(),
    "withdrawn": frozenset(),
}


def can_move(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())

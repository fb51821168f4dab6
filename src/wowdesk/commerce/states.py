"""How a parcel's status moves: the newest tracking event decides, an older one arriving late only
joins the timeline, and an end (delivered, returned, cancelled) is not left for a status that is not
an end itself (a carrier's stray scan after delivery does not reopen the parcel)."""

from __future__ import annotations

ENDS = frozenset({"delivered", "returned", "cancelled"})
# Statuses that mean the parcel has left the sender (its first such scan is when it shipped).
MOVING = frozenset({"in_transit", "out_for_delivery", "delivered", "exception", "returned", "lost"})


def next_status(current: str, new: str) -> str:
    """The status after a newer event (or document) says `new`."""
    if current in ENDS and new not in ENDS:
        return current
    return new

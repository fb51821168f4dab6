"""Events of buyer-seller messaging, kept in the event log: agents' streams carry them (a held message
waits for one of them). Each names the conversation, its seller and order, never a seller's view."""

from __future__ import annotations

from typing import Any, ClassVar

from wowdesk.core.events import Event


class _SellerEvent(Event):
    logged: ClassVar[bool] = True
    conversation_id: int
    seller_id: int
    order_id: int
    customer_id: int


class SellerThreadOpened(_SellerEvent):
    name = "seller_thread.opened"
    opened_by: str  # customer | seller


class SellerMessageHeld(_SellerEvent):
    """A seller's message tried to take the buyer off the platform: the buyer sees it only once an
    agent releases it (``POST /api/v1/conversations/{id}/messages/{mid}/release``)."""

    name = "seller_message.held"
    message_id: int
    flag_id: int
    findings: list[dict[str, Any]]


class SellerMessageReleased(_SellerEvent):
    name = "seller_message.released"
    message_id: int
    flag_id: int
    released_message_id: int


class SellerMessageRejected(_SellerEvent):
    name = "seller_message.rejected"
    message_id: int
    flag_id: int
    note: str | None


class BuyerMessageFlagged(_SellerEvent):
    """A buyer's message carried contact details or outside links: delivered (masked to the seller)
    and noted for review."""

    name = "buyer_message.flagged"
    message_id: int
    flag_id: int
    findings: list[dict[str, Any]]


class SellerReplied(_SellerEvent):
    """The seller answered a waiting buyer (what seller metrics measure)."""

    name = "seller_message.replied"
    message_id: int
    seconds: float

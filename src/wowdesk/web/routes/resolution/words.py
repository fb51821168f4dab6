"""The words the console shows for commerce and ledger values (kinds, statuses, reasons …)."""

from __future__ import annotations

from wowdesk.core.i18n import N_

GRANT_KIND = {
    "refund": N_("Refund"),
    "goodwill_credit": N_("Goodwill credit"),
    "shipping_reimbursement": N_("Shipping reimbursement"),
    "replacement": N_("Free replacement"),
}
ENTRY_STATUS = {
    "awaiting_approval": N_("Awaiting approval"),
    "declined": N_("Declined"),
    "pending_delivery": N_("Sending to the store"),
    "delivered": N_("Delivered to the store"),
    "failed": N_("Delivery failed"),
    "recorded": N_("Recorded"),
}
# The badge colour of each status (classes of console.css).
ENTRY_COLOUR = {
    "awaiting_approval": "status-pending",
    "declined": "status-open",
    "pending_delivery": "status-new",
    "delivered": "status-solved",
    "failed": "priority-urgent",
    "recorded": "status-solved",
}
REASON = {
    "lost_parcel": N_("Parcel lost"),
    "late_delivery": N_("Late delivery"),
    "damaged_item": N_("Damaged item"),
    "not_as_described": N_("Not as described"),
    "wrong_item": N_("Wrong item"),
    "missing_item": N_("Missing item"),
    "not_received": N_("Not received"),
    "order_cancelled": N_("Order cancelled"),
    "return_received": N_("Return received"),
    "price_adjustment": N_("Price adjustment"),
    "service_failure": N_("Service failure"),
    "goodwill": N_("Goodwill"),
    "other": N_("Other (say why in the note)"),
}
# Why a grant waits for approval (the ledger's request_reason).
ABOVE = {
    "above_per_grant": N_("above the agent's limit per grant"),
    "above_per_day": N_("above the agent's limit for today"),
    "other_currency": N_("in a currency the agent's limit does not cover"),
}
ORDER_STATUS = {
    "placed": N_("Placed"),
    "paid": N_("Paid"),
    "shipped": N_("Shipped"),
    "delivered": N_("Delivered"),
    "cancelled": N_("Cancelled"),
}
ORDER_COLOUR = {"delivered": "status-solved", "cancelled": "status-open", "shipped": "status-pending"}
FULFILMENT = {"platform": N_("Shipped by us"), "seller": N_("Shipped by the seller")}
SELLER_KIND = {"first_party": N_("Our own shop"), "marketplace": N_("Marketplace seller")}
SELLER_STATUS = {"active": N_("Active"), "at_risk": N_("At risk"), "suspended": N_("Suspended")}
SELLER_COLOUR = {"active": "status-solved", "at_risk": "status-new", "suspended": "priority-urgent"}
SERVICE_LEVEL = {
    "economy": N_("Economy"),
    "standard": N_("Standard"),
    "express": N_("Express"),
    "next_day": N_("Next day"),
    "same_day": N_("Same day"),
}
SHIPMENT_STATUS = {
    "label_created": N_("Label created"),
    "in_transit": N_("In transit"),
    "out_for_delivery": N_("Out for delivery"),
    "delivered": N_("Delivered"),
    "exception": N_("Delivery problem"),
    "returned": N_("Returned"),
    "lost": N_("Lost"),
    "cancelled": N_("Cancelled"),
}
SHIPMENT_COLOUR = {
    "delivered": "status-solved",
    "exception": "priority-high",
    "lost": "priority-urgent",
    "returned": "status-open",
    "cancelled": "status-open",
}
POLICY_MODE = {"automatic": N_("Acts on its own"), "suggest": N_("Suggests to the agent")}
TRIGGER = {"shipment_stalled": N_("A parcel stops moving"), "contact_reason": N_("A contact reason")}
WHY = {
    "no_progress": N_("No tracking progress for {days} days."),
    "past_promised": N_("{days} days past the promised delivery date."),
    "contact_reason": N_("The ticket's contact reason."),
}

from __future__ import annotations

from wowdesk.core.events import Event


class CustomerCreated(Event):
    name = "customer.created"
    customer_id: int


class CustomerUpdated(Event):
    name = "customer.updated"
    customer_id: int
    changes: dict[str, list[object]]


class CustomerMerged(Event):
    name = "customer.merged"
    customer_id: int  # the one that stays
    source_id: int  # the one merged into it

"""The durable side of proactive contact: a listener on ``shipment.stalled`` (every one costs a
job: each is a parcel to tell a customer about), and one on the ledger's compensation events that
name a ticket, which puts them on its timeline."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.events import Event
from wowdesk.core.jobs.registry import JobContext, JobSpec
from wowdesk.tickets.events import TicketCreated, TicketUpdated
from wowdesk.tickets.proactive import actions

STALLED = "shipment.stalled"


def stalled(event: Event) -> bool:
    return event.name == STALLED


def names_a_ticket(event: Event) -> bool:
    """The condition (no I/O): a compensation event about a ticket."""
    return getattr(event, "ticket_id", None) is not None


async def on_shipment_stalled(session: AsyncSession, job: JobContext) -> None:
    await actions.do_contact_about_stalled(session, job.payload["data"])


def about_an_order(event: Event) -> bool:
    """The condition (no I/O): a ticket made with a contact reason and an order, or one whose reason
    or order changed."""
    if isinstance(event, TicketCreated):
        return event.contact_reason is not None and event.order_id is not None
    return isinstance(event, TicketUpdated) and bool({"contact_reason", "order_id"} & set(event.changes))


async def on_ticket_about_order(session: AsyncSession, job: JobContext) -> None:
    data = job.payload["data"]
    await actions.do_apply_contact_reason_policies(session, int(data["workspace_id"]), int(data["ticket_id"]))


async def on_compensation(session: AsyncSession, job: JobContext) -> None:
    await actions.do_add_compensation_line(session, str(job.payload["name"]), job.payload["data"])


JOBS: list[JobSpec] = []

_ABOUT_ORDER = JobSpec(name="tickets.proactive.contact_reason_policies", handler=on_ticket_about_order)
_TIMELINE = JobSpec(name="tickets.proactive.compensation_line", handler=on_compensation)
LISTENERS = [
    (STALLED, JobSpec(name="tickets.proactive.on_shipment_stalled", handler=on_shipment_stalled), stalled),
    *((name, _TIMELINE, names_a_ticket) for name in actions.COMPENSATION_LINES),
    *((name, _ABOUT_ORDER, about_an_order) for name in (TicketCreated.name, TicketUpdated.name)),
]

"""The durable side of claims: a listener on ``compensation.granted`` — only refunds of
seller-fulfilled orders cost a job — that opens the claim, with the order and the parcel's
tracking timeline as evidence."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.commerce import queries as commerce
from wowdesk.core.actor import Actor
from wowdesk.core.errors import NotFound
from wowdesk.core.events import Event
from wowdesk.core.i18n import N_, translate
from wowdesk.core.jobs.registry import JobContext, JobSpec
from wowdesk.core.money import format_money
from wowdesk.policies.claims import actions
from wowdesk.policies.claims.schemas import OpenClaimIn

GRANTED = "compensation.granted"
MAX_TIMELINE_LINES = 20

ORDER_LINE = N_("Order {number}: the customer paid {total}; the platform refunded {amount} on {date}.")
SHIPMENT_LINE = N_("Parcel {carrier} {tracking} ({service}): status {status}; promised {promised}.")
STALLED_LINE = N_("Presumed lost on {date}: {reason}.")
TIMELINE_HEAD = N_("Tracking timeline (UTC):")
NO_EVENTS = N_("No tracking event was ever received.")


def seller_refund(event: Event) -> bool:
    """The condition (no I/O): a refund of a seller-fulfilled order."""
    data: Any = event
    return (
        event.name == GRANTED
        and getattr(data, "kind", None) == "refund"
        and getattr(data, "fulfilment", None) == "seller"
        and getattr(data, "seller_id", None) is not None
        and getattr(data, "order_id", None) is not None
    )


def _day(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "—"


async def evidence_of(
    session: AsyncSession,
    actor: Actor,
    order_id: int,
    shipment_id: int | None,
    amount: int,
    currency: str,
    at: Any,
) -> tuple[str, list[str]]:
    """The claim's evidence, in English (the platform's record; the seller's notice translates
    it): the order, the refund, and the parcel's tracking timeline; and the links to them."""
    order = await commerce.get_order(session, actor, order_id)
    lines = [
        translate(
            ORDER_LINE,
            "en",
            number=order.number,
            total=format_money(order.total_minor, order.currency),
            amount=format_money(amount, currency),
            date=_day(at),
        )
    ]
    links = [f"/api/v1/commerce/orders/{order.id}"]
    shipment = None
    if shipment_id is not None:
        try:
            shipment = await commerce.get_shipment(session, actor, shipment_id)
        except NotFound:
            shipment = None
    if shipment is None and order.shipments:
        shipment = order.shipments[-1]
    if shipment is not None:
        links.append(f"/api/v1/commerce/shipments/{shipment.id}")
        lines.append(
            translate(
                SHIPMENT_LINE,
                "en",
                carrier=shipment.carrier,
                tracking=shipment.tracking_number or "—",
                service=shipment.service_level,
                status=shipment.status,
                promised=_day(shipment.promised_at),
            )
        )
        if shipment.stalled_at is not None:
            lines.append(
                translate(
                    STALLED_LINE, "en", date=_day(shipment.stalled_at), reason=shipment.stall_reason or "—"
                )
            )
        events = shipment.events[-MAX_TIMELINE_LINES:]
        lines.append(translate(TIMELINE_HEAD, "en") if events else translate(NO_EVENTS, "en"))
        for e in events:
            where = f" — {e.location}" if e.location else ""
            lines.append(f"  {_day(e.occurred_at)}  {e.status}  {e.description}{where}")
    return "\n".join(lines), links


async def on_refund_granted(session: AsyncSession, job: JobContext) -> None:
    data = job.payload["data"]
    workspace_id = int(data["workspace_id"])
    system = Actor.system(workspace_id, via="claims")
    evidence, links = await evidence_of(
        session,
        system,
        int(data["order_id"]),
        data.get("shipment_id"),
        int(data["amount_minor"]),
        str(data["currency"]),
        job.now,
    )
    await actions.do_open_claim(
        session,
        system,
        OpenClaimIn(
            seller_id=int(data["seller_id"]),
            order_id=int(data["order_id"]),
            customer_id=int(data["customer_id"]),
            shipment_id=data.get("shipment_id"),
            ticket_id=data.get("ticket_id"),
            ledger_entry_id=int(data["entry_id"]),
            amount_minor=int(data["amount_minor"]),
            currency=str(data["currency"]),
            reason=str(data.get("reason_code") or "other"),
        ),
        evidence=evidence,
        links=links,
    )


JOBS: list[JobSpec] = []

LISTENERS = [
    (GRANTED, JobSpec(name="policies.claims.on_refund_granted", handler=on_refund_granted), seller_refund),
]

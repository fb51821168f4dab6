"""The durable side of the ledger: delivering each effective entry to the store, retried with
backoff; a refusal (4xx) or the last failed attempt marks the entry ``failed`` and records
``compensation.delivery_failed`` with the reason, for the agent to see."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.commerce import queries as commerce
from wowdesk.core import outbound
from wowdesk.core.actor import Actor
from wowdesk.core.errors import NotFound
from wowdesk.core.jobs.registry import JobContext, JobSpec
from wowdesk.policies.ledger import actions, queries, states
from wowdesk.policies.ledger.models import EntryRow
from wowdesk.policies.ledger.repository import LedgerRepository


async def _payload(session: AsyncSession, e: EntryRow, job: JobContext) -> dict[str, Any]:
    data: dict[str, Any] = queries.entry_out(e).model_dump(mode="json", exclude={"idempotency_key"})
    system = Actor.system(e.workspace_id)
    if e.order_id is not None:
        try:
            order = await commerce.get_order(session, system, e.order_id)
            data["order"] = {"id": order.id, "external_id": order.external_id, "number": order.number}
        except NotFound:
            data["order"] = {"id": e.order_id, "external_id": None, "number": None}
    if e.shipment_id is not None:
        try:
            shipment = await commerce.get_shipment(session, system, e.shipment_id)
            data["shipment"] = {"id": shipment.id, "external_id": shipment.external_id}
        except NotFound:
            data["shipment"] = {"id": e.shipment_id, "external_id": None}
    return {"type": f"compensation.{e.kind}", "timestamp": job.now.isoformat(), "data": data}


async def deliver(session: AsyncSession, job: JobContext) -> None:
    if job.workspace_id is None:
        raise ValueError(f"{actions.DELIVERY_JOB} needs a workspace")
    entry_id = int(job.payload["entry_id"])
    entry = await LedgerRepository(session, job.workspace_id).entry(entry_id)
    if entry is None or entry.status != states.PENDING:
        return  # delivered or settled already
    connection = await commerce.get_connection(session, job.workspace_id)
    if connection is None or not connection.outbound_url:
        await actions.do_record_delivery(
            session,
            job.workspace_id,
            entry_id,
            failure="The store connection has no outbound address any more.",
        )
        return
    body = outbound.encode(await _payload(session, entry, job))
    try:
        answer = await outbound.post(
            connection.outbound_url, connection.outbound_secret, f"compensation_{entry.id}", job.now, body
        )
    except outbound.RetryLater as exc:
        if job.attempt < actions.DELIVERY_ATTEMPTS:
            raise
        answer = outbound.Answer(delivered=False, reason=f"{exc} (after {job.attempt} attempts)")
    if answer.delivered:
        await actions.do_record_delivery(session, job.workspace_id, entry_id, reference=answer.reference)
    else:
        await actions.do_record_delivery(
            session, job.workspace_id, entry_id, failure=answer.reason or "refused"
        )


JOBS = [
    JobSpec(
        name=actions.DELIVERY_JOB,
        handler=deliver,
        max_attempts=actions.DELIVERY_ATTEMPTS,
        backoff_base=10.0,
        backoff_max=3600.0,
    )
]

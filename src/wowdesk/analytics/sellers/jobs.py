"""The durable side of seller metrics: the hourly evaluation of every workspace's sellers, and
telling the store when a seller's standing moved (the store's seller portal shows it to the
seller), as a signed delivery retried with backoff (``core.outbound``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.analytics.sellers.actions import do_evaluate_sellers
from wowdesk.commerce import queries as commerce
from wowdesk.commerce.events import SellerStatusChanged
from wowdesk.commerce.stats import queries as order_stats
from wowdesk.core import outbound
from wowdesk.core.actor import Actor
from wowdesk.core.jobs.registry import JobContext, JobSpec

EVALUATE_JOB = "analytics.sellers_evaluate"
EVALUATE_EVERY = dt.timedelta(hours=1)
NOTIFY_JOB = "analytics.sellers_notify"


async def evaluate_all(session: AsyncSession, job: JobContext) -> None:
    for workspace_id in await order_stats.workspaces_with_sellers(session):
        await do_evaluate_sellers(session, workspace_id)


async def notify_store(session: AsyncSession, job: JobContext) -> None:
    """POST ``seller.status_changed`` to the store; without an outbound address there is no one to
    tell but the admins, who see the event and the scorecard."""
    event = SellerStatusChanged.model_validate(job.payload["data"])
    connection = await commerce.get_connection(session, event.workspace_id)
    if connection is None or not connection.outbound_url:
        return
    seller = await commerce.get_seller(session, Actor.system(event.workspace_id), event.seller_id)
    body = outbound.encode(
        {
            "type": SellerStatusChanged.name,
            "timestamp": event.occurred_at.isoformat(),
            "data": {
                "seller": {"id": seller.id, "external_id": seller.external_id, "name": seller.name},
                "old": event.old,
                "new": event.new,
                "reason": event.reason,
                "metrics": event.metrics,
            },
        }
    )
    msg_id = f"seller_status_{job.id}"
    answer = await outbound.post(connection.outbound_url, connection.outbound_secret, msg_id, job.now, body)
    if not answer.delivered:
        # Retried like a failure; after the last attempt the job is dead with the store's answer
        # as its error, for admins (GET /api/v1/jobs?status=dead).
        raise ValueError(answer.reason or "refused")


JOBS = [JobSpec(name=EVALUATE_JOB, handler=evaluate_all, every=EVALUATE_EVERY)]
LISTENERS = [(SellerStatusChanged.name, JobSpec(name=NOTIFY_JOB, handler=notify_store), lambda _e: True)]

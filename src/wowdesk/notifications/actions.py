"""Writes of the notifications domain: an agent's devices and settings, the pushes queued for them
and what their push services answered. Nothing here commits."""

from __future__ import annotations

import base64
import ipaddress
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from wowdesk.core.i18n import N_
from wowdesk.core.jobs.registry import enqueue
from wowdesk.core.uow import context, now
from wowdesk.notifications.models import SettingRow, SubscriptionRow
from wowdesk.notifications.push import Outcome, PushConfig, encrypt
from wowdesk.notifications.repository import NotificationsRepository
from wowdesk.notifications.schemas import NotificationSettingsIn, SubscriptionIn

MAX_DEVICES = 20
SEND_JOB = "notifications.send_push"
SEND_ATTEMPTS = 6  # retried over about five minutes (10 s, 20 s … backoff); later it is stale


def push_config(session: AsyncSession) -> PushConfig:
    """The install's Web Push configuration, put in every unit of work's context by main."""
    config = context(session).get("push")
    if not isinstance(config, PushConfig):
        raise RuntimeError("the unit of work's context has no Web Push configuration ('push')")
    return config


def agent_of(actor: Actor) -> int:
    """The agent a device or a setting belongs to: the signed-in agent (or an API key's)."""
    if actor.kind != "agent" or actor.id is None:
        raise Forbidden()
    return actor.id


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def do_subscribe(
    session: AsyncSession, actor: Actor, data: SubscriptionIn
) -> tuple[SubscriptionRow, bool]:
    """Remember a device of the signed-in agent; ``created`` is False when the browser subscribed
    again (same endpoint): its keys and label are updated, and it is now this agent's."""
    agent_id = agent_of(actor)
    url = urlsplit(data.endpoint)
    if not push_config(session).allow_http:
        if url.scheme != "https":
            raise InvalidInput(N_("A push endpoint must be an https:// address."))
        if _is_ip_address(url.hostname or ""):
            raise InvalidInput(N_("A push endpoint must name its host, not an IP address."))
    repo = NotificationsRepository(session, actor.workspace_id)
    existing = await repo.by_endpoint(data.endpoint)
    if (existing is None or existing.agent_id != agent_id) and await repo.count_of(agent_id) >= MAX_DEVICES:
        raise Conflict(
            N_("Notifications can go to at most {max} devices; remove one first."), max=MAX_DEVICES
        )
    t = now(session)
    row = await repo.upsert_subscription(
        SubscriptionRow(
            id=0,
            workspace_id=actor.workspace_id,
            agent_id=agent_id,
            endpoint=data.endpoint,
            p256dh=data.keys.p256dh,
            auth=data.keys.auth,
            label=data.label,
            created_at=t,
            last_success_at=None,
            last_failure_at=None,
            failures=0,
        )
    )
    return row, existing is None


async def do_unsubscribe(session: AsyncSession, actor: Actor, subscription_id: int) -> None:
    """Forget one of the signed-in agent's devices (another agent's is not found)."""
    repo = NotificationsRepository(session, actor.workspace_id)
    if not await repo.delete_of(agent_of(actor), subscription_id):
        raise NotFound(N_("Device not found."))


async def do_set_notification_settings(
    session: AsyncSession, actor: Actor, data: NotificationSettingsIn
) -> SettingRow:
    agent_id = agent_of(actor)
    t = now(session)
    row = SettingRow(
        workspace_id=actor.workspace_id,
        agent_id=agent_id,
        assignments=data.assignments,
        customer_replies=data.customer_replies,
        created_at=t,
        updated_at=t,
    )
    await NotificationsRepository(session, actor.workspace_id).upsert_setting(row)
    return row


# -- sending --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notification:
    """What a push shows: the payload the console's service worker receives (docs/notifications.md)."""

    title: str
    body: str
    url: str  # the console page to open: /conversations/12, /tickets/7
    tag: str  # conversation-12, ticket-7: a newer notification of the same thing replaces the older

    def payload(self) -> bytes:
        data = {"title": self.title, "body": self.body, "url": self.url, "tag": self.tag}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


async def do_queue_push(
    session: AsyncSession, workspace_id: int, subscriptions: list[SubscriptionRow], notification: Notification
) -> int:
    """One send job per device, each with the message already encrypted for that browser (the
    outbox never holds a device's keys). Returns how many were queued."""
    payload = notification.payload()
    for s in subscriptions:
        body = encrypt(s.p256dh, s.auth, payload)
        await enqueue(
            session,
            SEND_JOB,
            {
                "subscription_id": s.id,
                "endpoint": s.endpoint,
                "topic": notification.tag,
                "body": base64.b64encode(body).decode("ascii"),
            },
            workspace_id=workspace_id,
            max_attempts=SEND_ATTEMPTS,
        )
    return len(subscriptions)


async def do_record_push(
    session: AsyncSession, workspace_id: int, subscription_id: int, endpoint: str, outcome: Outcome
) -> None:
    """What the push service answered: delivered (failures forgotten), gone (the device is
    forgotten), refused (one more failure in a row)."""
    repo = NotificationsRepository(session, workspace_id)
    t = now(session)
    if outcome is Outcome.DELIVERED:
        await repo.mark_delivered(subscription_id, endpoint, t)
    elif outcome is Outcome.GONE:
        await repo.delete_gone(subscription_id, endpoint)
    elif outcome is Outcome.REFUSED:
        await repo.mark_refused(subscription_id, endpoint, t)

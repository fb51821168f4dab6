"""Reads of the notifications domain: an agent's devices and settings, the VAPID public key, and
whom a push should go to right now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.core.actor import Actor
from wowdesk.core.i18n import normalize_language
from wowdesk.core.validation import AUTO_LANGUAGE
from wowdesk.notifications.actions import MAX_DEVICES, agent_of, push_config
from wowdesk.notifications.models import SubscriptionRow
from wowdesk.notifications.repository import NotificationsRepository
from wowdesk.notifications.schemas import NotificationSettingsOut

# The console's socket touches agents.last_seen_at every 30 s: seen within this, it is open and
# shows what happens itself, so nothing is pushed.
CONSOLE_OPEN_WITHIN = dt.timedelta(seconds=75)

Kind = Literal["assignments", "customer_replies"]


def application_server_key(session: AsyncSession) -> str:
    """base64url of the VAPID public key (``pushManager.subscribe({applicationServerKey})``)."""
    return push_config(session).public_key


async def list_subscriptions(session: AsyncSession, actor: Actor) -> list[SubscriptionRow]:
    repo = NotificationsRepository(session, actor.workspace_id)
    return await repo.subscriptions_of(agent_of(actor), MAX_DEVICES * 5)


async def notification_settings(
    session: AsyncSession, workspace_id: int, agent_id: int
) -> NotificationSettingsOut:
    """What the agent wants pushed (everything, until they say otherwise)."""
    row = await NotificationsRepository(session, workspace_id).setting(agent_id)
    if row is None:
        return NotificationSettingsOut(assignments=True, customer_replies=True)
    return NotificationSettingsOut(assignments=row.assignments, customer_replies=row.customer_replies)


@dataclass(frozen=True)
class Recipient:
    agent_id: int
    language: str
    subscriptions: list[SubscriptionRow]


async def recipient(
    session: AsyncSession,
    workspace_id: int,
    agent_id: int,
    kind: Kind,
    *,
    caused_by: str | None,
    at: dt.datetime,
) -> Recipient | None:
    """The agent with their devices and language, if a push of this kind should reach them now:
    they did not cause it, they have a device, they want this kind, they are active and their
    console is not open. Cheapest test first: most agents have no device."""
    if caused_by == f"agent:{agent_id}":
        return None
    repo = NotificationsRepository(session, workspace_id)
    devices = await repo.subscriptions_of(agent_id, MAX_DEVICES * 5)
    if not devices:
        return None
    wanted = await notification_settings(session, workspace_id, agent_id)
    if not getattr(wanted, kind):
        return None
    agent = await accounts.find_agent(session, workspace_id, agent_id)
    if agent is None or not agent.active:
        return None
    if agent.last_seen_at is not None and agent.last_seen_at >= at - CONSOLE_OPEN_WITHIN:
        return None
    language = agent.language
    if language == AUTO_LANGUAGE:  # the console follows the browser; a push has none to ask
        language = (await accounts.get_workspace(session, workspace_id)).default_language
    return Recipient(agent_id=agent_id, language=normalize_language(language), subscriptions=devices)

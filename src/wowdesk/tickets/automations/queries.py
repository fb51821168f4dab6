"""Reads of automation rules (admins): the list, one by id (another workspace's is a 404), and
what a rule may test and do, for forms and API clients."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import AUTOMATIONS_MANAGE
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, NotFound
from wowdesk.core.i18n import N_
from wowdesk.tickets.automations.conditions import catalogue
from wowdesk.tickets.automations.effects import SETTABLE
from wowdesk.tickets.automations.models import Automation
from wowdesk.tickets.automations.repository import AutomationsRepository
from wowdesk.tickets.automations.schemas import TRIGGER_EVENTS, AutomationOut


async def list_automations(session: AsyncSession, actor: Actor, kind: str | None = None) -> list[Automation]:
    actor.require(AUTOMATIONS_MANAGE)
    return await AutomationsRepository(session, actor.workspace_id).rules(kind)


async def get_automation(session: AsyncSession, actor: Actor, rule_id: int) -> Automation:
    actor.require(AUTOMATIONS_MANAGE)
    rule = await AutomationsRepository(session, actor.workspace_id).rule(rule_id)
    if rule is None:
        raise NotFound(N_("Automation rule not found."))
    return rule


def automation_out(rule: Automation) -> AutomationOut:
    return AutomationOut.model_validate(rule, from_attributes=True)


def vocabulary() -> dict[str, Any]:
    """The events, condition fields (with their operators and values) and actions a rule may use."""
    return {
        "events": list(TRIGGER_EVENTS),
        "fields": catalogue(),
        "actions": {
            "set": [*SETTABLE, "custom_fields.<key>"],
            "add_tags": "tags",
            "remove_tags": "tags",
            "reply": "body per language, public",
            "notify": "to: assignee | team | agent (agent_id), message per language",
            "webhook": "url",
            "apply_macro": "macro_id",
        },
    }


async def check_calendar_unused(session: AsyncSession, workspace_id: int, calendar_id: int) -> None:
    """Refuse to let a calendar go while a rule's time condition counts on it."""
    for rule in await AutomationsRepository(session, workspace_id).rules():
        conditions = rule.conditions or {}
        for c in [*conditions.get("all", []), *conditions.get("any", [])]:
            if c.get("calendar_id") == calendar_id:
                raise Conflict(
                    N_("The automation rule {rule} uses this calendar; change the rule first."),
                    rule=rule.name,
                )

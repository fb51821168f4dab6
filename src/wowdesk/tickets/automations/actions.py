"""Writes for automation rules: create, change, reorder, delete, renew a webhook secret. Every rule
is checked against the workspace when saved (its teams, agents, custom fields, calendars and
macros exist), so a rule that was accepted can run."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.calendars import queries as calendars
from wowdesk.accounts.permissions import AUTOMATIONS_MANAGE
from wowdesk.core.actor import Actor
from wowdesk.core.errors import InvalidInput
from wowdesk.core.i18n import N_
from wowdesk.core.uow import now
from wowdesk.tickets.automations.conditions import Condition
from wowdesk.tickets.automations.effects import CUSTOM_PREFIX, ApplyMacro, Effect, Notify, SetField
from wowdesk.tickets.automations.engine import effects_of
from wowdesk.tickets.automations.models import Automation
from wowdesk.tickets.automations.repository import AutomationsRepository
from wowdesk.tickets.automations.schemas import AutomationCreate, AutomationUpdate, Conditions, _check_rule
from wowdesk.tickets.fields import validate_custom_fields
from wowdesk.tickets.macros.repository import MacrosRepository
from wowdesk.tickets.repository import TicketsRepository

MAX_RULES = 500


def _secret() -> str:
    return secrets.token_hex(32)


async def _check_refs(
    session: AsyncSession, workspace_id: int, conditions: Conditions, effects: list[Effect]
) -> None:
    """The ids and keys a rule names exist in the workspace."""
    tickets = TicketsRepository(session, workspace_id)
    definitions = None
    for c in [*conditions.all, *conditions.any]:
        await _check_condition(session, workspace_id, c)
        if c.field.startswith("ticket.custom_fields."):
            definitions = definitions if definitions is not None else await tickets.fields()
            key = c.field.removeprefix("ticket.custom_fields.")
            if not any(d.key == key for d in definitions):
                raise InvalidInput(N_("There is no custom field with the key {key}."), key=key)
    custom: dict[str, Any] = {}
    for e in effects:
        team = e.value if isinstance(e, SetField) and e.field == "team_id" else None
        assignee = e.value if isinstance(e, SetField) and e.field == "assignee_id" else None
        if isinstance(e, SetField) and e.field.startswith(CUSTOM_PREFIX):
            custom[e.field[len(CUSTOM_PREFIX) :]] = e.value
        elif team is not None and not await accounts.team_exists(session, workspace_id, team):
            raise InvalidInput(N_("The team {id} does not exist."), id=team)
        elif assignee is not None and not await accounts.agent_is_active(session, workspace_id, assignee):
            raise InvalidInput(N_("The assignee {id} is not an active agent."), id=assignee)
        elif isinstance(e, Notify) and e.agent_id is not None:
            if not await accounts.agent_is_active(session, workspace_id, e.agent_id):
                raise InvalidInput(N_("The agent {id} is not an active agent."), id=e.agent_id)
        elif isinstance(e, ApplyMacro):
            await _check_macro(session, workspace_id, e.macro_id)
    if custom:
        validate_custom_fields(await tickets.fields(active_only=True), custom)


async def _check_condition(session: AsyncSession, workspace_id: int, c: Condition) -> None:
    if (
        c.calendar_id is not None
        and await calendars.find_calendar(session, workspace_id, c.calendar_id) is None
    ):
        raise InvalidInput(N_("The calendar {id} does not exist."), id=c.calendar_id)
    team = c.value if c.field == "ticket.team_id" and isinstance(c.value, int) else None
    if team is not None and not await accounts.team_exists(session, workspace_id, team):
        raise InvalidInput(N_("The team {id} does not exist."), id=c.value)


async def _check_macro(session: AsyncSession, workspace_id: int, macro_id: int) -> None:
    macro = await MacrosRepository(session, workspace_id).macro(macro_id)
    if macro is None or macro.owner_id is not None:
        raise InvalidInput(N_("The macro {id} is not a shared macro of this workspace."), id=macro_id)


async def do_create_automation(session: AsyncSession, actor: Actor, data: AutomationCreate) -> Automation:
    actor.require(AUTOMATIONS_MANAGE)
    repo = AutomationsRepository(session, actor.workspace_id)
    if await repo.count() >= MAX_RULES:
        raise InvalidInput(N_("A workspace has at most {limit} automation rules."), limit=MAX_RULES)
    await _check_refs(session, actor.workspace_id, data.conditions, list(data.actions))
    t = now(session)
    rule = Automation(
        name=data.name.strip(),
        kind=data.kind,
        events=list(data.events),
        conditions=data.conditions.model_dump(mode="json", exclude_none=True),
        actions=[a.model_dump(mode="json") for a in data.actions],
        position=data.position,
        active=data.active,
        signing_secret=_secret(),
        created_at=t,
        updated_at=t,
    )
    return await repo.add(rule)


async def do_update_automation(
    session: AsyncSession, actor: Actor, rule: Automation, data: AutomationUpdate
) -> Automation:
    actor.require(AUTOMATIONS_MANAGE)
    given = data.model_fields_set
    events: list[str] = (
        list(dict.fromkeys(data.events or [])) if data.events is not None else list(rule.events)
    )
    conditions = (
        data.conditions if data.conditions is not None else Conditions.model_validate(rule.conditions)
    )
    try:
        _check_rule(rule.kind, events, conditions)
    except ValueError as exc:
        raise InvalidInput(str(getattr(exc, "template", exc)), **getattr(exc, "params", {})) from None
    effects: list[Effect] | None = list(data.actions) if data.actions is not None else None
    if data.conditions is not None or effects is not None:
        current = effects if effects is not None else effects_of(rule.actions)
        await _check_refs(session, actor.workspace_id, conditions, current)
    if data.name is not None:
        rule.name = data.name.strip()
    if data.events is not None:
        rule.events = events
    if data.conditions is not None:
        rule.conditions = conditions.model_dump(mode="json", exclude_none=True)
    if effects is not None:
        rule.actions = [a.model_dump(mode="json") for a in effects]
    for name in ("position", "active"):
        if name in given and getattr(data, name) is not None:
            setattr(rule, name, getattr(data, name))
    rule.updated_at = now(session)
    await session.flush()
    return rule


async def do_renew_signing_secret(session: AsyncSession, actor: Actor, rule: Automation) -> Automation:
    actor.require(AUTOMATIONS_MANAGE)
    rule.signing_secret = _secret()
    rule.updated_at = now(session)
    await session.flush()
    return rule


async def do_delete_automation(session: AsyncSession, actor: Actor, rule: Automation) -> None:
    actor.require(AUTOMATIONS_MANAGE)
    await AutomationsRepository(session, actor.workspace_id).delete(rule)

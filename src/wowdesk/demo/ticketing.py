"""The demo shop's ticket system: Taipei office hours with Taiwan's fixed holidays, an SLA policy on
them, round-robin routing for the Taipei team, and a few automation rules."""

from __future__ import annotations

from typing import Any

from wowdesk.accounts.calendars import actions as calendars
from wowdesk.accounts.calendars.schemas import CalendarCreate
from wowdesk.core.actor import Actor
from wowdesk.tickets.automations import actions as automations
from wowdesk.tickets.automations.schemas import AutomationCreate
from wowdesk.tickets.routing import actions as routing
from wowdesk.tickets.routing.schemas import RoutingRuleIn
from wowdesk.tickets.sla import actions as sla
from wowdesk.tickets.sla.schemas import PolicyCreate

TAIWAN_HOLIDAYS = [
    {"date": "01-01", "name": "元旦 New Year's Day"},
    {"date": "02-28", "name": "和平紀念日 Peace Memorial Day"},
    {"date": "04-04", "name": "兒童節 Children's Day"},
    {"date": "05-01", "name": "勞動節 Labour Day"},
    {"date": "10-10", "name": "國慶日 National Day"},
]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
PENDING = {"field": "ticket.status", "op": "is", "value": "pending"}
RULES: list[dict[str, Any]] = [
    {
        "name": "Refund requests first · 退款優先",
        "events": ["ticket.created"],
        "conditions": {
            "any": [{"field": "ticket.subject", "op": "contains", "value": ["refund", "退款", "退货"]}]
        },
        "actions": [
            {"type": "set", "field": "priority", "value": "high"},
            {"type": "add_tags", "tags": ["refund"]},
        ],
    },
    {
        "name": "Urgent: tell the team · 緊急通知",
        "events": ["ticket.created", "ticket.updated"],
        "conditions": {"all": [{"field": "ticket.priority", "op": "is", "value": "urgent"}]},
        "actions": [
            {
                "type": "notify",
                "to": "team",
                "message": {
                    "en": "An urgent ticket needs you.",
                    "zh-Hant": "有緊急工單需要處理。",
                    "zh-Hans": "有紧急工单需要处理。",
                },
            }
        ],
    },
    {
        "name": "First reply missed: escalate · 首次回覆逾時",
        "events": ["ticket.sla_breached"],
        "conditions": {"all": [{"field": "sla.metric", "op": "is", "value": "first_reply"}]},
        "actions": [
            {"type": "set", "field": "priority", "value": "urgent"},
            {"type": "add_tags", "tags": ["sla-missed"]},
        ],
    },
]
SCHEDULES: list[dict[str, Any]] = [
    {
        "name": "Pending 3 business days: remind · 待回覆三天提醒",
        "hours": 27,
        "actions": [
            {
                "type": "reply",
                "body": {
                    "en": "Hello {{ customer.first_name }}, do you still need help with ticket "
                    "#{{ ticket.number }}? Just reply to this message.",
                    "zh-Hant": "{{ customer.name }} 您好，工單 #{{ ticket.number }} "
                    "還需要協助嗎？直接回覆即可。",
                    "zh-Hans": "{{ customer.name }} 您好，工单 #{{ ticket.number }} "
                    "还需要帮助吗？直接回复即可。",
                },
            }
        ],
    },
    {
        "name": "Pending 7 business days: solve · 待回覆七天結案",
        "hours": 63,
        "actions": [{"type": "set", "field": "status", "value": "solved"}],
    },
]


async def seed_ticket_system(session: Any, system: Actor, team_id: int) -> None:
    """Business hours, an SLA on them, round-robin routing for the Taipei team, and a few rules."""
    taipei = await calendars.do_create_calendar(
        session,
        system,
        CalendarCreate.model_validate(
            {
                "name": "台北上班時間 Taipei office hours",
                "time_zone": "Asia/Taipei",
                "weekly": {d: ["09:00-12:30", "13:30-18:00"] for d in WEEKDAYS},
                "holidays": TAIWAN_HOLIDAYS,
                "is_default": True,
            }
        ),
    )
    hours = 60
    await sla.do_create_policy(
        session,
        system,
        PolicyCreate.model_validate(
            {
                "name": "Standard 標準",
                "calendar_id": taipei.id,
                "targets": {
                    "urgent": {"first_reply": 1 * hours, "next_reply": 2 * hours, "resolution": 8 * hours},
                    "high": {"first_reply": 2 * hours, "next_reply": 4 * hours, "resolution": 16 * hours},
                    "normal": {"first_reply": 8 * hours, "next_reply": 8 * hours, "resolution": 40 * hours},
                    "low": {"first_reply": 16 * hours, "resolution": 80 * hours},
                },
            }
        ),
    )
    await routing.do_set_routing_rule(
        session, system, team_id, RoutingRuleIn(strategy="round_robin", presence="in_office")
    )
    for n, rule in enumerate(RULES):
        await automations.do_create_automation(
            session, system, AutomationCreate.model_validate({**rule, "position": n})
        )
    for n, rule in enumerate(SCHEDULES):
        condition = {
            "field": "hours_since.status_changed",
            "op": "gte",
            "value": rule["hours"],
            "calendar_id": taipei.id,
        }
        await automations.do_create_automation(
            session,
            system,
            AutomationCreate.model_validate(
                {
                    "name": rule["name"],
                    "kind": "schedule",
                    "position": n,
                    "conditions": {"all": [PENDING, condition]},
                    "actions": rule["actions"],
                }
            ),
        )

"""Agents (add one; change their role, whether they are active, how many chats they take, their
skills) and the roles with what each may do."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from wowdesk.accounts import actions, queries
from wowdesk.accounts.permissions import ROLE_PERMISSIONS, ROLES, TEAMS_MANAGE
from wowdesk.accounts.schemas import AgentCreate, AgentSkillsIn, AgentUpdate
from wowdesk.core.i18n import N_, _
from wowdesk.http.deps import IdPath, SessionDep
from wowdesk.web.console import ConsoleRoute, done
from wowdesk.web.forms import FormLike, checked, number, parse, position, text, whole
from wowdesk.web.routes.admin.common import MAX_SHOWN, CanManageAgents, admin_page
from wowdesk.web.routes.settings import time_zones

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

PAGE_SIZE = 50
ROLE_HOLDERS_SHOWN = 30

# What each permission lets its holder do, in words (in the order the roles page lists them).
PERMISSIONS = {
    "tickets.read": N_("See tickets"),
    "tickets.write": N_("Create tickets, reply and change them"),
    "conversations.read": N_("See their own chats and their teams' chats"),
    "conversations.write": N_("Answer chats"),
    "conversations.all": N_("See every chat, watch the team, take any chat"),
    "customers.read": N_("See customers"),
    "customers.write": N_("Change customers' profiles"),
    "customers.merge": N_("Merge two customers into one"),
    "agents.read": N_("See the other agents and teams"),
    "agents.manage": N_("Add agents, change their roles, deactivate them"),
    "teams.manage": N_("Manage teams, skills and agents' skills"),
    "inbox.manage": N_("Manage shared inbox views and shared canned responses"),
    "fields.manage": N_("Manage ticket custom fields"),
    "channels.manage": N_("Manage channels and their business hours"),
    "calendars.manage": N_("Manage business-hour calendars and holidays"),
    "sla.manage": N_("Manage SLA policies"),
    "routing.manage": N_("Set teams' assignment rules and anyone's out-of-office"),
    "automations.manage": N_("Manage automations (triggers, time-based rules, webhooks)"),
    "macros.manage": N_("Manage shared macros"),
    "tickets.merge": N_("Merge and split tickets"),
    "reports.read": N_("Read reports (customer satisfaction)"),
    "apikeys.own": N_("Create and revoke their own API keys"),
    "apikeys.all": N_("Create and revoke everyone's API keys"),
    "audit.read": N_("Read the security log (sign-ins, role changes, keys)"),
    "jobs.read": N_("See background jobs"),
    "jobs.manage": N_("Retry and cancel background jobs"),
}


@router.get("/admin/agents")
async def index(request: Request, c: CanManageAgents, session: SessionDep) -> Response:
    role = text(request.query_params, "role")
    role = role if role in ROLES else ""
    after = position(request.query_params, "after")
    rows = await queries.list_agents(session, c.actor, role=role or None, after_id=after, limit=PAGE_SIZE + 1)
    next_url = None
    if len(rows) > PAGE_SIZE:
        next_url = f"/admin/agents?after={rows[PAGE_SIZE - 1].id}" + (f"&role={role}" if role else "")
    return await admin_page(
        session,
        c,
        "admin/agents.html",
        "agents",
        agents=rows[:PAGE_SIZE],
        role=role,
        roles=ROLES,
        next_url=next_url,
        first_url=f"/admin/agents?role={role}" if role else "/admin/agents",
        paged=after is not None,
        time_zones=time_zones(),
    )


@router.post("/admin/agents")
async def create(request: Request, c: CanManageAgents, session: SessionDep) -> Response:
    form = await request.form()
    data = parse(
        AgentCreate,
        {
            "email": text(form, "email"),
            "name": text(form, "name"),
            "role": text(form, "role") or "agent",
            "password": text(form, "password") or None,
            "language": text(form, "language") or "auto",
            "time_zone": text(form, "time_zone") or c.workspace.time_zone,
        },
    )
    agent = await actions.do_create_agent(session, c.actor, data)
    return done(request, f"/admin/agents/{agent.id}", message=_("{name} is added.", name=agent.name))


async def _skill_rows(session: SessionDep, c: CanManageAgents, agent_id: int) -> list[dict[str, Any]] | None:
    if not c.can(TEAMS_MANAGE):
        return None
    levels = {s.skill_id: s.level for s in await queries.list_agent_skills(session, c.actor, agent_id)}
    skills = (await queries.list_skills(session, c.actor))[:MAX_SHOWN]
    return [{"skill": s, "level": levels.get(s.id)} for s in skills]


@router.get("/admin/agents/{agent_id}")
async def show(agent_id: IdPath, c: CanManageAgents, session: SessionDep) -> Response:
    agent = await queries.get_agent(session, c.actor, agent_id)
    return await admin_page(
        session,
        c,
        "admin/agent.html",
        "agents",
        member=agent,
        roles=ROLES,
        skill_rows=await _skill_rows(session, c, agent_id),
    )


def _skills_from(form: FormLike) -> AgentSkillsIn:
    """``skill_<id>`` = level 1-5, or empty for a skill the agent does not have."""
    chosen = [
        {"skill_id": whole(key.removeprefix("skill_")), "level": whole(text(form, key))}
        for key in form
        if key.startswith("skill_") and text(form, key)
    ]
    return parse(AgentSkillsIn, {"skills": chosen})


@router.post("/admin/agents/{agent_id}")
async def update(agent_id: IdPath, request: Request, c: CanManageAgents, session: SessionDep) -> Response:
    form = await request.form()
    agent = await queries.get_agent(session, c.actor, agent_id)
    data = parse(
        AgentUpdate,
        {
            "role": text(form, "role"),
            "active": checked(form, "active"),
            "chat_capacity": number(form, "chat_capacity", 0),
        },
    )
    skills = _skills_from(form) if c.can(TEAMS_MANAGE) and checked(form, "with_skills") else None
    await actions.do_update_agent(session, c.actor, agent, data)
    if skills is not None:
        await actions.do_set_agent_skills(
            session, c.actor, agent, {s.skill_id: s.level for s in skills.skills}
        )
    return done(request, f"/admin/agents/{agent_id}", message=_("Saved."))


@router.get("/admin/roles")
async def roles(c: CanManageAgents, session: SessionDep) -> Response:
    order = {p: n for n, p in enumerate(PERMISSIONS)}
    every = sorted(set().union(*ROLE_PERMISSIONS.values()), key=lambda p: (order.get(p, len(order)), p))
    rows = [
        {
            "key": p,
            "words": _(PERMISSIONS[p]) if p in PERMISSIONS else p,
            "roles": {r: p in ROLE_PERMISSIONS.get(r, frozenset()) for r in ROLES},
        }
        for p in every
    ]
    holders: dict[str, dict[str, Any]] = {}
    for role in ROLES:
        found = await queries.list_agents(
            session, c.actor, role=role, active=True, limit=ROLE_HOLDERS_SHOWN + 1
        )
        holders[role] = {"agents": found[:ROLE_HOLDERS_SHOWN], "more": len(found) > ROLE_HOLDERS_SHOWN}
    return await admin_page(session, c, "admin/roles.html", "roles", roles=ROLES, rows=rows, holders=holders)

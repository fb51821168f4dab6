"""Teams (who is in each) and skills (what agents are good at; each agent's levels are set on the
agent's page)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import actions, queries
from wowdesk.accounts.permissions import ROUTING_MANAGE
from wowdesk.accounts.schemas import SkillCreate, TeamCreate, TeamUpdate
from wowdesk.core.i18n import N_, _
from wowdesk.http.deps import IdPath, SessionDep
from wowdesk.tickets import queries as ticket_queries
from wowdesk.tickets.routing import actions as routing_actions
from wowdesk.tickets.routing import queries as routing_queries
from wowdesk.tickets.routing import schemas as routing_schemas
from wowdesk.tickets.routing.models import RuleRow
from wowdesk.tickets.routing.schemas import RoutingRuleIn
from wowdesk.web.console import Console, ConsoleRoute, done
from wowdesk.web.forms import FormLike, checked, many, number, optional_id, parse, text
from wowdesk.web.routes.admin.common import MAX_SHOWN, CanManageTeams, admin_page, ids, or_again

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

PICKER_SIZE = 500  # agents offered as members (the current members always are)


async def _picker(session: AsyncSession, c: Console, members: list[int]) -> list[dict[str, Any]]:
    """The agents to tick as members: the first PICKER_SIZE, and every current member."""
    agents = await queries.list_agents(session, c.actor, limit=PICKER_SIZE)
    chosen = set(members)
    out = [{"id": a.id, "name": a.name, "active": a.active, "member": a.id in chosen} for a in agents]
    missing = chosen - {a.id for a in agents}
    if missing:
        names = await queries.agent_names(session, c.actor.workspace_id, set(missing))
        out += [{"id": i, "name": names[i], "active": True, "member": True} for i in sorted(names)]
    return out


@router.get("/admin/teams")
async def teams(c: CanManageTeams, session: SessionDep) -> Response:
    rows = await queries.list_teams(session, c.actor)
    shown = rows[:MAX_SHOWN]
    wanted: set[int | None] = {m for _t, members in shown for m in members}
    names = await queries.agent_names(session, c.actor.workspace_id, wanted)
    teams = [
        {"team": t, "members": [names[m] for m in members if m in names], "count": len(members)}
        for t, members in shown
    ]
    return await admin_page(
        session,
        c,
        "admin/teams.html",
        "teams",
        teams=teams,
        more=len(rows) > MAX_SHOWN,
        picker=await _picker(session, c, []),
    )


@router.post("/admin/teams")
async def create_team(request: Request, c: CanManageTeams, session: SessionDep) -> Response:
    form = await request.form()
    data = parse(
        TeamCreate,
        {
            "name": text(form, "name"),
            "description": text(form, "description"),
            "member_ids": ids(many(form, "member_ids")),
        },
    )
    team = await actions.do_create_team(session, c.actor, data)
    return done(request, "/admin/teams", message=_("The team {name} is created.", name=team.name))


@router.get("/admin/teams/{team_id}")
async def team(team_id: IdPath, c: CanManageTeams, session: SessionDep) -> Response:
    return await _team_page(session, c, team_id)


async def _team_page(
    session: AsyncSession,
    c: Console,
    team_id: int,
    *,
    routing_values: dict[str, Any] | None = None,
    routing_error: str | None = None,
    status: int = 200,
) -> Response:
    found = await queries.get_team(session, c.actor, team_id)
    members = await queries.team_member_ids(session, c.actor, team_id)
    return await admin_page(
        session,
        c,
        "admin/team.html",
        "teams",
        status=status,
        team=found,
        picker=await _picker(session, c, members),
        routing=await _routing_context(session, c, team_id, routing_values, routing_error),
    )


# -- the team's ticket routing (tickets.routing; docs/ticketing-routing.md) -------------------------------

ROUTING_CHANNELS = {
    "api": N_("API"),
    "web": N_("Web form"),
    "email": N_("E-mail"),
    "chat": N_("Web chat"),
    "phone": N_("Phone"),
    "sms": N_("SMS"),
    "line": N_("LINE"),
    "wechat": N_("WeChat"),
    "weibo": N_("Weibo"),
}
ROUTING_LABELS = {
    "manual": N_("By hand (no routing)"),
    "round_robin": N_("Round robin: each in turn"),
    "least_loaded": N_("Least loaded: who holds the least work"),
    "skills": N_("Skills: who has the skills the ticket asks for"),
    "online": N_("Online agents"),
    "online_or_away": N_("Online or away (their console open)"),
    "in_office": N_("Everyone in office, even offline"),
    "queue": N_("Leave it in the team's queue"),
}


def _routing_values(rule: RuleRow) -> dict[str, Any]:
    return {
        "strategy": rule.strategy,
        "ticket_capacity": str(rule.ticket_capacity),
        "presence": rule.presence,
        "fallback": rule.fallback,
        "reassign_on_offline": rule.reassign_on_offline,
        "language_skills": {k: str(v) for k, v in (rule.language_skills or {}).items()},
        "channel_skills": {k: str(v) for k, v in (rule.channel_skills or {}).items()},
        "field_skills": list(rule.field_skills or []),
    }


async def _routing_context(
    session: AsyncSession, c: Console, team_id: int, values: dict[str, Any] | None, error: str | None
) -> dict[str, Any] | None:
    """The routing form (None for those who may not manage routing)."""
    if not c.can(ROUTING_MANAGE):
        return None
    rule = await routing_queries.get_routing_rule(session, c.actor, team_id)
    label = {k: _(v) for k, v in ROUTING_LABELS.items()}
    return {
        "form": values or _routing_values(rule),
        "error": error,
        "strategies": [(k, label[k]) for k in routing_schemas.STRATEGIES],
        "presences": [(k, label[k]) for k in routing_schemas.PRESENCES],
        "fallbacks": [(k, label[k]) for k in routing_schemas.FALLBACKS],
        "languages": list(routing_schemas.LANGUAGES),
        "channels": [(k, _(v)) for k, v in ROUTING_CHANNELS.items()],
        "skills": await queries.list_skills(session, c.actor),
        "fields": await ticket_queries.list_fields(session, c.actor),
        "max_capacity": routing_schemas.MAX_CAPACITY,
    }


def _routing_typed(form: FormLike) -> dict[str, Any]:
    """What was sent, to show again with the reason it was refused."""
    return {
        "strategy": text(form, "strategy"),
        "ticket_capacity": text(form, "ticket_capacity"),
        "presence": text(form, "presence"),
        "fallback": text(form, "fallback"),
        "reassign_on_offline": checked(form, "reassign_on_offline"),
        "language_skills": {k: text(form, f"language_{k}") for k in routing_schemas.LANGUAGES},
        "channel_skills": {k: text(form, f"channel_{k}") for k in ROUTING_CHANNELS},
        "field_skills": many(form, "field_skills"),
    }


def _routing_rule(form: FormLike) -> RoutingRuleIn:
    def chosen(names: list[str], prefix: str) -> dict[str, Any]:
        return {k: v for k in names if (v := optional_id(form, f"{prefix}{k}")) is not None}

    return parse(
        RoutingRuleIn,
        {
            "strategy": text(form, "strategy"),
            "ticket_capacity": number(form, "ticket_capacity", 0),
            "presence": text(form, "presence"),
            "fallback": text(form, "fallback"),
            "reassign_on_offline": checked(form, "reassign_on_offline"),
            "language_skills": chosen(list(routing_schemas.LANGUAGES), "language_"),
            "channel_skills": chosen(list(ROUTING_CHANNELS), "channel_"),
            "field_skills": many(form, "field_skills"),
        },
    )


@router.post("/admin/teams/{team_id}/routing")
async def update_routing(
    team_id: IdPath, request: Request, c: CanManageTeams, session: SessionDep
) -> Response:
    """The team's routing rule (routing.manage, besides teams.manage for the page)."""
    form = await request.form()

    async def act() -> Response:
        await routing_actions.do_set_routing_rule(session, c.actor, team_id, _routing_rule(form))
        return done(request, f"/admin/teams/{team_id}", message=_("Saved."))

    async def again(error: str, status: int) -> Response:
        return await _team_page(
            session, c, team_id, routing_values=_routing_typed(form), routing_error=error, status=status
        )

    return await or_again(request, act, again)


@router.post("/admin/teams/{team_id}")
async def update_team(team_id: IdPath, request: Request, c: CanManageTeams, session: SessionDep) -> Response:
    form = await request.form()
    found = await queries.get_team(session, c.actor, team_id)
    data = parse(
        TeamUpdate,
        {
            "name": text(form, "name"),
            "description": text(form, "description"),
            "member_ids": ids(many(form, "member_ids")),
        },
    )
    await actions.do_update_team(session, c.actor, found, data)
    return done(request, f"/admin/teams/{team_id}", message=_("Saved."))


# -- skills ----------------------------------------------------------------------------------------------


@router.get("/admin/skills")
async def skills(c: CanManageTeams, session: SessionDep) -> Response:
    rows = await queries.list_skills(session, c.actor)
    return await admin_page(
        session, c, "admin/skills.html", "skills", skills=rows[:MAX_SHOWN], more=len(rows) > MAX_SHOWN
    )


@router.post("/admin/skills")
async def create_skill(request: Request, c: CanManageTeams, session: SessionDep) -> Response:
    form = await request.form()
    data = parse(SkillCreate, {"name": text(form, "name"), "description": text(form, "description")})
    skill = await actions.do_create_skill(session, c.actor, data.name, data.description)
    return done(request, "/admin/skills", message=_("The skill {name} is created.", name=skill.name))


@router.get("/admin/skills/{skill_id}")
async def skill(skill_id: IdPath, c: CanManageTeams, session: SessionDep) -> Response:
    found = await queries.get_skill(session, c.actor, skill_id)
    return await admin_page(session, c, "admin/skill.html", "skills", skill=found)


@router.post("/admin/skills/{skill_id}")
async def update_skill(
    skill_id: IdPath, request: Request, c: CanManageTeams, session: SessionDep
) -> Response:
    form = await request.form()
    found = await queries.get_skill(session, c.actor, skill_id)
    data = parse(SkillCreate, {"name": text(form, "name"), "description": text(form, "description")})
    await actions.do_update_skill(session, c.actor, found, name=data.name, description=data.description)
    return done(request, "/admin/skills", message=_("Saved."))

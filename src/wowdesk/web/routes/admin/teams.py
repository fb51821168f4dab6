"""Teams (who is in each) and skills (what agents are good at; each agent's levels are set on the
agent's page)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import actions, queries
from wowdesk.accounts.schemas import SkillCreate, TeamCreate, TeamUpdate
from wowdesk.core.i18n import _
from wowdesk.http.deps import IdPath, SessionDep
from wowdesk.web.console import Console, ConsoleRoute, done
from wowdesk.web.forms import many, parse, text
from wowdesk.web.routes.admin.common import MAX_SHOWN, CanManageTeams, admin_page, ids

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
    found = await queries.get_team(session, c.actor, team_id)
    members = await queries.team_member_ids(session, c.actor, team_id)
    return await admin_page(
        session, c, "admin/team.html", "teams", team=found, picker=await _picker(session, c, members)
    )


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

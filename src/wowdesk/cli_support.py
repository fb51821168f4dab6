"""The async bodies of the CLI's administration commands (each one unit of work)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from wowdesk.accounts import actions, queries
from wowdesk.accounts.schemas import AgentCreate, WorkspaceCreate
from wowdesk.conversations import actions as chat_actions
from wowdesk.core.actor import Actor
from wowdesk.core.errors import NotFound
from wowdesk.core.i18n import N_
from wowdesk.core.runtime import Runtime
from wowdesk.main import build_runtime
from wowdesk.policies.reasons import actions as reason_actions
from wowdesk.settings import Settings


@asynccontextmanager
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    rt = build_runtime(settings)
    try:
        yield rt
    finally:
        await rt.stop()


async def _workspace_id(rt: Runtime, slug: str) -> int:
    async with rt.uow(write=False) as session:
        ws = await queries.find_workspace(session, slug)
    if ws is None:
        raise NotFound(N_("There is no workspace {slug}."), slug=slug)
    return ws.id


async def create_workspace(
    settings: Settings,
    *,
    slug: str,
    name: str,
    admin_email: str,
    admin_password: str,
    admin_name: str,
    language: str,
    time_zone: str,
    currency: str = "USD",
) -> int:
    data = WorkspaceCreate(
        slug=slug,
        name=name,
        admin_email=admin_email,
        admin_password=admin_password,
        admin_name=admin_name,
        default_language=language,
        time_zone=time_zone,
        currency=currency,
    )
    async with runtime(settings) as rt, rt.uow() as session:
        ws, _admin = await actions.do_create_workspace(session, data)
        await chat_actions.do_create_default_channel(session, ws.id)
        await reason_actions.do_seed_default_reasons(session, ws.id)
        return ws.id


async def list_workspaces(settings: Settings) -> list[tuple[int, str, str]]:
    async with runtime(settings) as rt, rt.uow(write=False) as session:
        return [(w.id, w.slug, w.name) for w in await queries.list_workspaces(session)]


async def create_user(
    settings: Settings,
    workspace: str,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    language: str,
    time_zone: str,
) -> int:
    data = AgentCreate.model_validate(
        dict(email=email, name=name, role=role, password=password, language=language, time_zone=time_zone)
    )
    async with runtime(settings) as rt:
        ws_id = await _workspace_id(rt, workspace)
        async with rt.uow() as session:
            agent = await actions.do_create_agent(session, Actor.system(ws_id), data)
            return agent.id


async def create_api_key(settings: Settings, workspace: str, *, email: str, name: str) -> str:
    async with runtime(settings) as rt:
        ws_id = await _workspace_id(rt, workspace)
        async with rt.uow() as session:
            agent = await queries.find_agent_by_email(session, ws_id, email)
            if agent is None:
                raise NotFound(N_("There is no agent {email} in this workspace."), email=email)
            _key, secret = await actions.do_create_api_key(
                session, Actor.system(ws_id), name=name, agent_id=agent.id
            )
            return secret


async def revoke_api_key(settings: Settings, workspace: str, key_id: int) -> None:
    async with runtime(settings) as rt:
        ws_id = await _workspace_id(rt, workspace)
        system = Actor.system(ws_id)
        async with rt.uow() as session:
            await actions.do_revoke_api_key(
                session, system, await queries.get_api_key(session, system, key_id)
            )

"""Channel accounts of the workspace: web-chat widgets now (admins), with their embed snippet."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import TypeAdapter

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import CHANNELS_MANAGE
from wowdesk.api.idempotency import create_once
from wowdesk.api.responses import JSON, model_response
from wowdesk.conversations import actions as chat
from wowdesk.conversations import queries as chat_queries
from wowdesk.conversations.models import ChannelRow
from wowdesk.conversations.schemas import ChannelCreate, ChannelOut, ChannelUpdate
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Forbidden
from wowdesk.http.deps import ActorDep, IdPath, SessionDep
from wowdesk.http.routing import StandardJSONRoute

router = APIRouter(prefix="/api/v1/channels", tags=["channels"], route_class=StandardJSONRoute)
_CHANNELS = TypeAdapter(list[ChannelOut])


async def _out(request: Request, session: SessionDep, actor: Actor, channel: ChannelRow) -> ChannelOut:
    ws = await accounts.get_workspace(session, actor.workspace_id)
    return chat_queries.channel_out(channel, base_url=str(request.base_url), workspace_slug=ws.slug)


def _admin(actor: Actor) -> None:
    if not actor.can(CHANNELS_MANAGE):
        raise Forbidden()


@router.get("", response_model=list[ChannelOut], summary="Channels of the workspace (admins)")
async def list_channels(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    _admin(actor)
    rows = await chat_queries.list_channels(session, actor.workspace_id)
    ws = await accounts.get_workspace(session, actor.workspace_id)
    base = str(request.base_url)
    items = [chat_queries.channel_out(c, base_url=base, workspace_slug=ws.slug) for c in rows]
    return Response(_CHANNELS.dump_json(items), media_type=JSON)


@router.post("", response_model=ChannelOut, status_code=201, summary="Create a web-chat channel (admins)")
async def create_channel(
    data: ChannelCreate, request: Request, session: SessionDep, actor: ActorDep
) -> Response:
    async def create() -> ChannelOut:
        return await _out(request, session, actor, await chat.do_create_channel(session, actor, data))

    return await create_once(request, session, actor, data, create)


@router.get("/{channel_id}", response_model=ChannelOut)
async def get_channel(channel_id: IdPath, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    _admin(actor)
    return model_response(
        await _out(request, session, actor, await chat_queries.get_channel(session, actor, channel_id))
    )


@router.patch("/{channel_id}", response_model=ChannelOut, summary="Rename, reassign, configure or switch off")
async def update_channel(
    channel_id: IdPath, data: ChannelUpdate, request: Request, session: SessionDep, actor: ActorDep
) -> Response:
    _admin(actor)
    channel = await chat.do_update_channel(
        session, actor, await chat_queries.get_channel(session, actor, channel_id), data
    )
    return model_response(await _out(request, session, actor, channel))

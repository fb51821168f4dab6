"""The customer side of online chat (docs/chat.md): the widget's WebSocket and, for mobile apps and
other SDKs, the same operations over REST with ``Authorization: Visitor <token>``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, UploadFile, WebSocket
from fastapi.responses import FileResponse

from wowdesk.api.responses import model_response
from wowdesk.api.visitors import (
    VisitorContext,
    VisitorRefused,
    resolve_visitor,
    visitor_signer,
    welcome,
)
from wowdesk.api.widget_socket import WidgetSession
from wowdesk.conversations import actions as chat
from wowdesk.conversations import queries as chat_queries
from wowdesk.conversations.schemas import (
    AckOut,
    ChatFileOut,
    MessagesPage,
    SeqIn,
    VisitorMessageIn,
    WelcomeOut,
    WidgetSessionIn,
)
from wowdesk.core.errors import NotFound, Unauthorized
from wowdesk.core.i18n import N_, current_language
from wowdesk.http.deps import IdPath, RuntimeDep
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.http.uploads import stored_until_recorded
from wowdesk.realtime.hub import Hub
from wowdesk.tickets.email import actions as offline

router = APIRouter(tags=["widget"], route_class=StandardJSONRoute)


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


@router.websocket("/ws/widget")
async def widget_socket(ws: WebSocket) -> None:
    await WidgetSession(ws, ws.app.state.runtime, ws.app.state.hub).run()


async def current_visitor(request: Request, rt: RuntimeDep) -> VisitorContext:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "visitor" or not token.strip():
        raise Unauthorized(N_("Use an Authorization: Visitor header with the token of the session."))
    fields = visitor_signer(rt).unsign(token.strip())
    if fields is None or len(fields) != 3 or not all(f.isdigit() for f in fields):
        raise VisitorRefused()
    workspace_id, channel_id, customer_id = (int(f) for f in fields)
    async with rt.uow(write=False) as s:
        channel = await chat_queries.find_channel(s, workspace_id, channel_id)
    if channel is None or not channel.active:
        raise VisitorRefused()
    return VisitorContext(
        workspace_id=workspace_id,
        workspace_slug="",
        channel=channel,
        customer_id=customer_id,
        token=token.strip(),
        language=current_language(),
    )


VisitorDep = Annotated[VisitorContext, Depends(current_visitor)]


@router.post("/api/v1/widget/session", response_model=WelcomeOut, summary="Start or resume a visitor's chat")
async def start_session(data: WidgetSessionIn, rt: RuntimeDep, request: Request) -> Response:
    ctx = await resolve_visitor(
        rt,
        workspace_slug=data.workspace,
        channel_id=data.channel,
        token=data.visitor,
        identity=data.identity,
        profile=data.profile,
        language=data.language or current_language(),
    )
    async with rt.uow(write=False) as s:
        conversation = await chat_queries.latest_of_visitor(s, ctx.channel, ctx.customer_id)
        online = await chat.available_agents(s, ctx.channel)
    return model_response(welcome(ctx, conversation, agents_online=online, at=rt.clock.now()))


@router.get(
    "/api/v1/widget/messages", response_model=MessagesPage, summary="The visitor's messages after a seq"
)
async def visitor_messages(
    visitor: VisitorDep,
    rt: RuntimeDep,
    after_seq: int = Query(0, ge=0, le=2**31 - 1),
    limit: int = Query(100, ge=1, le=500),
) -> Response:
    async with rt.uow(write=False) as s:
        c = await chat_queries.latest_of_visitor(s, visitor.channel, visitor.customer_id)
        items = (
            await chat_queries.messages(
                s, visitor.workspace_id, c, after_seq=after_seq, limit=limit, public_only=True
            )
            if c is not None
            else []
        )
    return model_response(MessagesPage(items=items, last_seq=c.last_seq if c is not None else 0))


@router.post(
    "/api/v1/widget/messages",
    response_model=AckOut,
    status_code=201,
    summary="Send a visitor's message (the same client_id again returns the same ack, 200)",
)
async def visitor_send(data: VisitorMessageIn, visitor: VisitorDep, rt: RuntimeDep) -> Response:
    async with rt.uow() as s:
        _c, message, created = await offline.do_receive_visitor_message(
            s, visitor.channel, visitor.customer_id, data, language=visitor.language
        )
    return model_response(AckOut.of(data.client_id, message), status_code=201 if created else 200)


async def _progress(visitor: VisitorContext, rt: RuntimeDep, *, received: int, read: int) -> Response:
    async with rt.uow() as s:
        c = await chat_queries.latest_of_visitor(s, visitor.channel, visitor.customer_id)
        if c is not None:
            await chat.do_mark_customer_progress(s, c, received=received, read=read)
    return Response(status_code=204)


@router.post("/api/v1/widget/read", status_code=204, summary="The visitor has seen messages up to seq")
async def visitor_read(data: SeqIn, visitor: VisitorDep, rt: RuntimeDep) -> Response:
    return await _progress(visitor, rt, received=data.seq, read=data.seq)


@router.post("/api/v1/widget/received", status_code=204, summary="Messages up to seq arrived on the device")
async def visitor_received(data: SeqIn, visitor: VisitorDep, rt: RuntimeDep) -> Response:
    return await _progress(visitor, rt, received=data.seq, read=0)


WIDGET_FILE_LIMIT = 10 * 1024 * 1024


@router.post(
    "/api/v1/widget/attachments",
    response_model=ChatFileOut,
    status_code=201,
    summary="Upload a file (10 MB at most); name its id in a message's attachment_ids",
)
async def visitor_upload(file: UploadFile, visitor: VisitorDep, rt: RuntimeDep) -> Response:
    async with stored_until_recorded(rt) as stash:
        stored = await stash.store(file, visitor.workspace_id, max_bytes=WIDGET_FILE_LIMIT)
        async with rt.uow() as s:
            row = await chat.do_register_chat_file(
                s,
                visitor.workspace_id,
                f"customer:{visitor.customer_id}",
                filename=stored.filename,
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
                storage_key=stored.storage_key,
            )
    return model_response(ChatFileOut.model_validate(chat_queries.file_out(row)), status_code=201)


@router.get(
    "/api/v1/chat-files/{file_id}/{access_key}",
    summary="A file sent in a chat, by the address its message carries (always downloaded, never rendered)",
)
async def chat_file(file_id: IdPath, access_key: str, rt: RuntimeDep) -> FileResponse:
    async with rt.uow(write=False) as s:
        f = await chat_queries.find_chat_file(s, file_id, access_key[:64])
    if f is None:
        raise NotFound(N_("There is nothing at this address."))
    try:
        path = await rt.storage.open(f.storage_key)
    except FileNotFoundError:
        raise NotFound(N_("The file of this attachment is missing from storage.")) from None
    return FileResponse(
        path,
        media_type=f.content_type,
        filename=f.filename,
        content_disposition_type="attachment",
        headers={"Content-Security-Policy": "sandbox", "Cache-Control": "private, max-age=3600"},
    )

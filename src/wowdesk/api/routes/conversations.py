"""The agents' side of online chat: the event stream and the conversations API (docs/chat.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, WebSocket

from wowdesk.accounts.permissions import CONVERSATIONS_READ
from wowdesk.api.agent_socket import AgentStream
from wowdesk.api.responses import model_response
from wowdesk.api.schemas import PageOut
from wowdesk.conversations import actions as chat
from wowdesk.conversations import queries as chat_queries
from wowdesk.conversations.models import ConversationRow
from wowdesk.conversations.schemas import (
    AgentMessageIn,
    ConversationOut,
    ConversationUpdate,
    MessageOut,
    MessagesPage,
)
from wowdesk.core.actor import Actor
from wowdesk.core.errors import InvalidInput
from wowdesk.core.i18n import N_
from wowdesk.core.pagination import decode_after, encode_cursor
from wowdesk.core.schemas import MAX_DB_ID
from wowdesk.http.deps import ActorDep, IdPath, SessionDep, needs
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.tickets import actions as ticket_actions
from wowdesk.tickets import queries as ticket_queries
from wowdesk.tickets.schemas import TicketOut

router = APIRouter(tags=["conversations"], route_class=StandardJSONRoute)

CanRead = Annotated[Actor, Depends(needs(CONVERSATIONS_READ))]


@router.websocket("/ws/agent")
async def agent_stream(ws: WebSocket) -> None:
    await AgentStream(ws, ws.app.state.runtime, ws.app.state.hub, ws.app.state.actor_cache).run()


async def load_conversation(
    conversation_id: IdPath, request: Request, session: SessionDep, actor: CanRead
) -> ConversationRow:
    """The conversation named in the path, if the caller may see it, or 404."""
    return await chat_queries.get_conversation(
        session, actor, conversation_id, for_update=request.method not in ("GET", "HEAD")
    )


ConversationDep = Annotated[ConversationRow, Depends(load_conversation)]


@router.get(
    "/api/v1/conversations",
    response_model=PageOut[ConversationOut],
    summary="Conversations the caller may see, latest activity first",
)
async def list_conversations(
    session: SessionDep,
    actor: CanRead,
    status: Annotated[list[Literal["open", "pending", "snoozed", "resolved"]] | None, Query()] = None,
    assignee: str | None = Query(None, max_length=20, description="An agent id, `me` or `none`"),
    team: int | None = Query(None, ge=1, le=MAX_DB_ID),
    channel: int | None = Query(None, ge=1, le=MAX_DB_ID),
    customer: int | None = Query(None, ge=1, le=MAX_DB_ID),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(25, ge=1, le=200),
) -> Response:
    f: dict[str, Any] = {
        "statuses": tuple(status or ()),
        "team_id": team,
        "channel_id": channel,
        "customer_id": customer,
    }
    if assignee == "me":
        f["assignee_id"] = actor.id
    elif assignee == "none":
        f["unassigned"] = True
    elif assignee is not None:
        if not (assignee.isascii() and assignee.isdigit() and 1 <= int(assignee) <= MAX_DB_ID):
            raise InvalidInput(N_("assignee is an agent id, me or none."))
        f["assignee_id"] = int(assignee)
    rows = await chat_queries.list_conversations(
        session,
        actor,
        chat_queries.ConversationFilter(**f),
        after=decode_after(cursor),
        limit=limit + 1,
    )
    items = await chat_queries.describe_conversations(session, actor.workspace_id, rows[:limit])
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor({"at": last.last_message_at.isoformat(), "id": last.id})
    return model_response(PageOut(items=items, next_cursor=next_cursor))


@router.get("/api/v1/conversations/{conversation_id}", response_model=ConversationOut)
async def get_conversation(conversation: ConversationDep, session: SessionDep) -> Response:
    [out] = await chat_queries.describe_conversations(session, conversation.workspace_id, [conversation])
    return model_response(out)


@router.patch(
    "/api/v1/conversations/{conversation_id}",
    response_model=ConversationOut,
    summary="Change status (open, pending, snoozed, resolved), priority, assignee, team",
)
async def update_conversation(
    conversation: ConversationDep, data: ConversationUpdate, session: SessionDep, actor: ActorDep
) -> Response:
    c = await chat.do_update_conversation(session, actor, conversation, data)
    [out] = await chat_queries.describe_conversations(session, actor.workspace_id, [c])
    return model_response(out)


@router.get(
    "/api/v1/conversations/{conversation_id}/messages",
    response_model=MessagesPage,
    summary="Messages and internal notes after a seq, in order",
)
async def conversation_messages(
    conversation: ConversationDep,
    session: SessionDep,
    after_seq: int = Query(0, ge=0, le=2**31 - 1),
    limit: int = Query(100, ge=1, le=500),
) -> Response:
    items = await chat_queries.messages(
        session, conversation.workspace_id, conversation, after_seq=after_seq, limit=limit, public_only=False
    )
    return model_response(MessagesPage(items=items, last_seq=conversation.last_seq))


@router.post(
    "/api/v1/conversations/{conversation_id}/messages",
    response_model=MessageOut,
    status_code=201,
    summary="Reply to the customer, or add an internal note (private=true) they never see",
)
async def send_message(
    conversation: ConversationDep, data: AgentMessageIn, session: SessionDep, actor: ActorDep
) -> Response:
    message, created = await chat.do_send_message(session, actor, conversation, data)
    return model_response(chat_queries.message_out(message, actor.name), status_code=201 if created else 200)


@router.post(
    "/api/v1/conversations/{conversation_id}/ticket",
    response_model=TicketOut,
    status_code=201,
    summary="Make a ticket of the conversation (transcript kept as a note; 200 and the same ticket again)",
)
async def conversation_ticket(
    conversation: ConversationDep, session: SessionDep, actor: ActorDep
) -> Response:
    ticket, created = await ticket_actions.do_create_ticket_from_conversation(session, actor, conversation)
    out = await ticket_queries.describe_ticket(session, actor.workspace_id, ticket)
    return model_response(out, status_code=201 if created else 200)

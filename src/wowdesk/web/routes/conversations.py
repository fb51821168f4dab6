"""A conversation in the console: the messages as the customer and the agents wrote them (internal
notes marked), the composer, status/priority/assignee/team in place, turning it into a ticket,
and the customer's panel. New messages arrive through the agent socket."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.conversations import actions, queries
from wowdesk.conversations.models import ConversationRow
from wowdesk.conversations.schemas import AgentMessageIn, ConversationUpdate
from wowdesk.core.errors import NotFound
from wowdesk.core.i18n import N_, _
from wowdesk.core.schemas import MAX_DB_ID
from wowdesk.http.deps import RuntimeDep, SessionDep
from wowdesk.http.uploads import stored_until_recorded
from wowdesk.inbox.queries import CHANNEL_NAME, CONVERSATION_STATUS
from wowdesk.tickets import actions as ticket_actions
from wowdesk.web.console import Console, ConsoleDep, ConsoleRoute, done, fragment, page, wants_fragment
from wowdesk.web.forms import optional_id, parse, position, text, uploads
from wowdesk.web.panels import canned_for, customer_panel
from wowdesk.web.shell import frame

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

MESSAGES_PAGE = 50
MAX_FILES = 5  # what a chat message carries (the widget's limit too)
CHAT_FILE_LIMIT = 10 * 1024 * 1024  # a file in a chat, as the widget's uploads


async def _conversation(session: AsyncSession, c: Console, conversation_id: int) -> ConversationRow:
    if not 1 <= conversation_id <= MAX_DB_ID:
        raise NotFound(N_("Conversation not found."))
    return await queries.get_conversation(session, c.actor, conversation_id)


async def _head(session: AsyncSession, c: Console, cv: ConversationRow) -> dict[str, Any]:
    channel = await queries.find_channel(session, c.actor.workspace_id, cv.channel_id)
    described = (await queries.describe_conversations(session, c.actor.workspace_id, [cv]))[0]
    return {
        "conversation": described,
        "status": CONVERSATION_STATUS.get(cv.status, cv.status),
        "channel": CHANNEL_NAME.get(channel.kind, channel.kind) if channel else "chat",
        "channel_row": channel,
    }


async def _choices(session: AsyncSession, c: Console) -> dict[str, Any]:
    return {
        "agents": await accounts.list_agents(session, c.actor, active=True, limit=500),
        "teams": [t for t, _m in await accounts.list_teams(session, c.actor)],
    }


@router.get("/conversations/{conversation_id}")
async def show(conversation_id: int, request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    cv = await _conversation(session, c, conversation_id)
    before = position(request.query_params, "before")
    upto = min(cv.last_seq, (before - 1) if before else cv.last_seq)
    start = max(0, upto - MESSAGES_PAGE)
    messages = await queries.messages(
        session, c.actor.workspace_id, cv, after_seq=start, limit=upto - start, public_only=False
    )
    head = await _head(session, c, cv)
    panel = await customer_panel(session, c, cv.customer_id)
    customer = panel.get("customer")
    values = {
        "customer.name": head["conversation"].customer.name or "",
        "customer.email": head["conversation"].customer.email or "",
        "agent.name": c.actor.name,
    }
    context = {
        **head,
        **await _choices(session, c),
        **panel,
        "messages": messages,
        "last_seq": messages[-1].seq if messages else upto,
        "older_url": f"/conversations/{cv.id}?before={start + 1}" if start > 0 else None,
        "canned": await canned_for(
            session, c, values, cv.language or (customer.language if customer else None)
        ),
    }
    return page(c, "conversations/show.html", **await frame(session, c, **context))


@router.get("/conversations/{conversation_id}/timeline")
async def since(conversation_id: int, request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    """Messages after seq ``after``, and the conversation's properties as they are now."""
    cv = await _conversation(session, c, conversation_id)
    after = position(request.query_params, "after") or 0
    messages = await queries.messages(
        session, c.actor.workspace_id, cv, after_seq=after, limit=MESSAGES_PAGE, public_only=False
    )
    head = await _head(session, c, cv)
    html = {
        "[data-conversation-head]": fragment("conversations/_head.html", console=c, **head),
        "[data-conversation-props]": fragment(
            "conversations/_props.html", console=c, **head, **await _choices(session, c)
        ),
    }
    items = fragment("conversations/_messages.html", console=c, messages=messages) if messages else ""
    return JSONResponse(
        {"ok": True, "items": items, "after": messages[-1].seq if messages else after, "html": html},
        headers={"Cache-Control": "no-store"},
    )


@router.post("/conversations/{conversation_id}/reply")
async def reply(
    conversation_id: int, request: Request, c: ConsoleDep, session: SessionDep, rt: RuntimeDep
) -> Response:
    cv = await _conversation(session, c, conversation_id)
    form = await request.form()
    note = text(form, "mode") == "note"
    client_id = text(form, "client_id") or None
    files = uploads(form, "files", MAX_FILES)
    data = parse(AgentMessageIn, {"body": text(form, "body"), "private": note, "client_id": client_id})
    async with stored_until_recorded(rt) as stash:
        ids = []
        for f in files:
            one = await stash.store(f, c.actor.workspace_id, max_bytes=CHAT_FILE_LIMIT)
            row = await actions.do_register_chat_file(
                session,
                c.actor.workspace_id,
                c.actor.ref,
                filename=one.filename,
                content_type=one.content_type,
                size=one.size,
                sha256=one.sha256,
                storage_key=one.storage_key,
            )
            ids.append(row.id)
        await actions.do_send_message(session, c.actor, cv, data, attachment_ids=ids)
    return done(request, f"/conversations/{cv.id}", message=_("Note added.") if note else _("Reply sent."))


@router.post("/conversations/{conversation_id}")
async def update(conversation_id: int, request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    cv = await _conversation(session, c, conversation_id)
    form = await request.form()
    data: dict[str, Any] = {}
    for name in ("status", "priority"):
        if text(form, name):
            data[name] = text(form, name)
    for name in ("assignee_id", "team_id"):
        if name in form:
            data[name] = optional_id(form, name)
    changed = await actions.do_update_conversation(session, c.actor, cv, parse(ConversationUpdate, data))
    if wants_fragment(request):
        head = await _head(session, c, changed)
        html = {
            "[data-conversation-head]": fragment("conversations/_head.html", console=c, **head),
            "[data-conversation-props]": fragment(
                "conversations/_props.html", console=c, **head, **await _choices(session, c)
            ),
        }
        return JSONResponse({"ok": True, "message": _("Saved."), "html": html})
    return done(request, f"/conversations/{cv.id}")


@router.post("/conversations/{conversation_id}/ticket")
async def to_ticket(conversation_id: int, request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    cv = await _conversation(session, c, conversation_id)
    ticket, _created = await ticket_actions.do_create_ticket_from_conversation(session, c.actor, cv)
    return done(request, f"/tickets/{ticket.id}")

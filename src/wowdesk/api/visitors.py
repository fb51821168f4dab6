"""Who a web-chat visitor is: their workspace and channel, and the customer behind their visitor
token or verified identity (docs/chat.md, "Visitor identity"). Shared by the widget's WebSocket and
its REST twin for mobile apps."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from wowdesk.accounts import queries as accounts
from wowdesk.conversations import actions as chat
from wowdesk.conversations import queries as chat_queries
from wowdesk.conversations.models import ChannelRow, ConversationRow
from wowdesk.conversations.schemas import (
    ConversationState,
    IdentityIn,
    ProfileIn,
    WebchatSettings,
    WelcomeOut,
    WidgetConfig,
)
from wowdesk.core.errors import DomainError, Forbidden, NotFound
from wowdesk.core.i18n import N_, translate
from wowdesk.core.runtime import Runtime
from wowdesk.core.security import ValueSigner

VISITOR = "visitor"


class VisitorRefused(DomainError):
    """The visitor token or identity cannot be trusted (the widget starts over without it)."""

    status = 401
    code = "forbidden"
    default_message = N_("This chat session is not valid here; a new one starts.")


@dataclass
class VisitorContext:
    workspace_id: int
    workspace_slug: str
    channel: ChannelRow
    customer_id: int
    token: str
    language: str


def visitor_signer(rt: Runtime) -> ValueSigner:
    signer = rt.extras.get(VISITOR)
    if signer is None:
        signer = rt.extras[VISITOR] = ValueSigner(rt.settings.resolved_secret_key(), "visitor")
    assert isinstance(signer, ValueSigner)
    return signer


async def find_channel(rt: Runtime, workspace_slug: str, channel_id: int) -> tuple[int, ChannelRow]:
    async with rt.uow(write=False) as s:
        ws = await accounts.find_workspace(s, workspace_slug.strip().lower())
        channel = await chat_queries.find_channel(s, ws.id, channel_id) if ws is not None else None
    if ws is None or channel is None or not channel.active or channel.kind != "webchat":
        raise NotFound(N_("There is no such chat on this site."))
    return ws.id, channel


async def resolve_visitor(
    rt: Runtime,
    *,
    workspace_slug: str,
    channel_id: int,
    token: str | None,
    identity: IdentityIn | None,
    profile: ProfileIn | None,
    language: str,
) -> VisitorContext:
    """The visitor's context: from their token, their verified identity, or as a new visitor."""
    workspace_id, channel = await find_channel(rt, workspace_slug, channel_id)
    signer = visitor_signer(rt)
    customer_id: int | None = None
    if token:
        fields = signer.unsign(token)
        if fields is None or len(fields) != 3 or fields[:2] != [str(workspace_id), str(channel.id)]:
            raise VisitorRefused()
        customer_id = int(fields[2])
    if identity is not None or customer_id is None:
        if identity is not None and not chat.identity_is_genuine(channel, identity):
            raise VisitorRefused(N_("The identity_hash does not match this visitor."))
        async with rt.uow() as s:
            try:
                customer_id = await chat.do_identify_visitor(
                    s, channel, identity=identity, profile=profile, language=language
                )
            except Forbidden:
                raise VisitorRefused(N_("The identity_hash does not match this visitor.")) from None
    assert customer_id is not None
    return VisitorContext(
        workspace_id=workspace_id,
        workspace_slug=workspace_slug.strip().lower(),
        channel=channel,
        customer_id=customer_id,
        token=signer.sign(workspace_id, channel.id, customer_id),
        language=language,
    )


def welcome(
    ctx: VisitorContext, conversation: ConversationRow | None, *, agents_online: bool, at: dt.datetime
) -> WelcomeOut:
    settings = WebchatSettings.model_validate(ctx.channel.settings or {})
    is_open, opens_at = True, None
    calendar = chat_queries.channel_calendar(ctx.channel)
    if calendar is not None:
        is_open, opens_at = accounts.opening(calendar, at)
    greeting = settings.greeting.get(ctx.language) or settings.greeting.get("en")  # type: ignore[call-overload]
    return WelcomeOut(
        visitor=ctx.token,
        conversation=(
            ConversationState(id=conversation.id, status=conversation.status, last_seq=conversation.last_seq)
            if conversation is not None
            else None
        ),
        agents_online=agents_online and is_open,
        open=is_open,
        opens_at=opens_at,
        config=WidgetConfig(
            name=ctx.channel.name,
            greeting=greeting or translate(N_("Hi! How can we help you today?"), ctx.language),
            pre_chat=list(settings.pre_chat) if conversation is None else [],
            sound=settings.sound,
            offline_messages=settings.offline_messages,
        ),
    )


class TokenBucket:
    """At most `rate` actions per second on average, `burst` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens = float(burst)
        self.at = time.monotonic()

    def take(self) -> float:
        """0 if allowed now, else the seconds to wait."""
        t = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (t - self.at) * self.rate)
        self.at = t
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate

"""What the conversations API reads and answers (docs/chat.md is the contract)."""

from __future__ import annotations

import datetime as dt
from typing import Literal, Protocol

from pydantic import BaseModel, Field, field_validator, model_validator

from wowdesk.accounts.queries import business_calendar
from wowdesk.core.i18n import N_, Invalid
from wowdesk.core.schemas import DbId, StrictModel
from wowdesk.core.validation import Email, Language
from wowdesk.policies.reasons.schemas import ReasonCode

MAX_BODY = 5_000
Status = Literal["open", "pending", "snoozed", "resolved"]
Priority = Literal["low", "normal", "high", "urgent"]
PreChatField = Literal["name", "email"]
LanguageKey = Literal["en", "zh-Hant", "zh-Hans"]

Body = Field(min_length=1, max_length=MAX_BODY)
ClientId = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


# -- channels -----------------------------------------------------------------------------------------------


class BusinessHours(StrictModel):
    """When agents answer: outside these hours the widget says when they are back."""

    time_zone: str = Field(min_length=1, max_length=64)
    weekly: dict[str, str] = Field(max_length=7, description='{"mon": "09:00-12:00, 13:00-18:00", …}')
    holidays: list[str] = Field(
        default_factory=list, max_length=500, description="YYYY-MM-DD or yearly MM-DD"
    )

    @model_validator(mode="after")
    def _valid(self) -> BusinessHours:
        business_calendar(self.time_zone, self.weekly, self.holidays)  # raises a clear 422
        return self


class WebchatSettings(StrictModel):
    greeting: dict[LanguageKey, str] = Field(default_factory=dict)
    pre_chat: list[PreChatField] = Field(default_factory=list, max_length=2)
    sound: bool = True
    hours: BusinessHours | None = None
    # A message left while the channel is closed or nobody takes chats becomes a ticket answered by
    # e-mail (docs/email.md); false: it waits as a chat for the first agent who comes online.
    offline_messages: bool = True

    @field_validator("greeting")
    @classmethod
    def _greeting(cls, v: dict[LanguageKey, str]) -> dict[LanguageKey, str]:
        if any(len(text) > 500 for text in v.values()):
            raise Invalid(N_("A greeting is at most 500 characters."))
        return v


class ChannelCreate(StrictModel):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["webchat"] = "webchat"
    team_id: DbId | None = None
    settings: WebchatSettings = Field(default_factory=WebchatSettings)


class ChannelUpdate(StrictModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    team_id: DbId | None = None
    settings: WebchatSettings | None = None
    active: bool | None = None


class ChannelOut(BaseModel):
    id: int
    kind: str
    name: str
    team_id: int | None
    settings: WebchatSettings
    active: bool
    identity_secret: str  # for the site's server to compute identity_hash (admins only)
    embed_snippet: str
    created_at: dt.datetime
    updated_at: dt.datetime


# -- messages and conversations ---------------------------------------------------------------------------


class Author(BaseModel):
    kind: str  # customer | agent | system | bot
    id: int | None = None
    name: str = ""


class MessageOut(BaseModel):
    id: int
    conversation_id: int
    seq: int
    direction: str
    kind: str
    private: bool
    body: str
    author: Author
    client_id: str | None
    status: str
    created_at: dt.datetime
    attachments: list[dict[str, object]] = Field(default_factory=list)


class CustomerSummary(BaseModel):
    id: int
    name: str
    email: str | None


class ConversationOut(BaseModel):
    id: int
    channel_id: int
    customer: CustomerSummary
    status: str
    priority: str
    assignee_id: int | None
    team_id: int | None
    language: str | None
    last_seq: int
    customer_received_seq: int
    customer_read_seq: int
    agent_read_seq: int
    ticket_id: int | None
    last_message_at: dt.datetime
    resolved_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    contact_reason: str | None = None
    order_id: int | None = None


class ConversationUpdate(StrictModel):
    status: Status | None = None
    priority: Priority | None = None
    assignee_id: DbId | None = None
    team_id: DbId | None = None
    contact_reason: ReasonCode | None = None  # null clears it
    order_id: DbId | None = None  # null clears it


class AgentMessageIn(StrictModel):
    body: str = Body
    private: bool = False
    client_id: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class MessagesPage(BaseModel):
    items: list[MessageOut]
    last_seq: int


# -- the customer side (widget and SDKs) ------------------------------------------------------------------


class IdentityIn(StrictModel):
    identifier: str = Field(min_length=1, max_length=200)
    identity_hash: str = Field(min_length=64, max_length=64, pattern=r"^[0-9a-fA-F]{64}$")
    name: str | None = Field(default=None, max_length=200)
    email: Email | None = None


class ProfileIn(StrictModel):
    name: str | None = Field(default=None, max_length=200)
    email: Email | None = None


class VisitorMessageIn(StrictModel):
    client_id: str = ClientId
    body: str = Body
    attachment_ids: list[DbId] = Field(default_factory=list, max_length=5)
    # A message left while nobody takes chats is answered by e-mail (docs/email.md): the address
    # to answer (needed when none is known yet) and a name, as the visitor typed them.
    email: Email | None = None
    name: str | None = Field(default=None, max_length=200)


class ChatFileOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class SeqIn(StrictModel):
    seq: int = Field(ge=0, le=2**31 - 1)


class WidgetSessionIn(StrictModel):
    workspace: str = Field(min_length=1, max_length=40)
    channel: DbId
    visitor: str | None = Field(default=None, max_length=300)
    identity: IdentityIn | None = None
    profile: ProfileIn | None = None
    language: Language | None = None


class ConversationState(BaseModel):
    id: int
    status: str
    last_seq: int


class WidgetConfig(BaseModel):
    name: str
    greeting: str
    pre_chat: list[str]
    sound: bool
    offline_messages: bool = True  # while nobody takes chats, a message is answered by e-mail


class WelcomeOut(BaseModel):
    visitor: str
    conversation: ConversationState | None
    agents_online: bool
    open: bool
    opens_at: dt.datetime | None = None  # outside business hours: when agents are back
    config: WidgetConfig


class _Numbered(Protocol):
    """A stored message as an acknowledgement names it (a chat or a seller-thread message)."""

    id: int
    seq: int
    created_at: dt.datetime


class AckOut(BaseModel):
    client_id: str
    id: int
    seq: int
    created_at: dt.datetime

    @classmethod
    def of(cls, client_id: str, message: _Numbered) -> AckOut:
        return cls(client_id=client_id, id=message.id, seq=message.seq, created_at=message.created_at)

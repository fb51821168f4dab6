"""Events of the conversations domain. All but typing are kept in the event log (the agent stream
resumes from it); each carries the conversation's team and assignee so the realtime hub can tell
who may see it without a query."""

from __future__ import annotations

from typing import Any, ClassVar

from wowdesk.core.events import Event


class _ConversationEvent(Event):
    logged: ClassVar[bool] = True
    conversation_id: int
    channel_id: int
    customer_id: int
    team_id: int | None
    assignee_id: int | None


class ConversationCreated(_ConversationEvent):
    name = "conversation.created"
    status: str


class ConversationUpdated(_ConversationEvent):
    name = "conversation.updated"
    status: str
    changes: dict[str, list[Any]]


class MessageCreated(_ConversationEvent):
    name = "message.created"
    message: dict[str, Any]  # MessageOut as JSON
    private: bool


class MessageStatus(_ConversationEvent):
    """How far the customer got: messages up to ``received_seq`` arrived, up to ``read_seq`` seen
    (``by="customer"``); or how far the agents read (``by="agent"``)."""

    name = "message.status"
    by: str
    received_seq: int
    read_seq: int


class Typing(Event):
    """Not stored: someone started or stopped typing (``who`` is customer or agent)."""

    name = "conversation.typing"
    conversation_id: int
    channel_id: int
    customer_id: int
    team_id: int | None
    assignee_id: int | None
    on: bool
    who: str
    who_id: int | None = None
    who_name: str = ""
